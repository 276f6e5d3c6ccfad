"""Read side of customer visits: the portfolio, the manager's lists (this week, overdue follow-ups
and commitments, companies not visited), per-manager figures, the company page, the visit register
and the survey report."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User, UserRole
from ..auth.permissions import ACCOUNT_MANAGER
from ..estate.models import Building, Customer, Occupancy, Unit
from ..extensions import db
from . import rules
from .models import (
    DIMENSIONS, PLANNED, RECORDED, Commitment, CustomerVisit, Portfolio, PortfolioChange, Questionnaire,
    SurveyAnswer, SurveyQuestion, SurveyResponse, VisitSettings,
)

DEFAULT_NOT_VISITED_DAYS = 90


def not_visited_days(site_id) -> int:
    row = db.session.get(VisitSettings, site_id)
    return row.not_visited_days if row else DEFAULT_NOT_VISITED_DAYS


def manager_of(customer_id) -> int | None:
    return db.session.scalar(sa.select(Portfolio.manager_id).where(Portfolio.customer_id == customer_id))


def last_visit_day(customer_id) -> date | None:
    return db.session.scalar(sa.select(sa.func.max(CustomerVisit.visit_on))
                             .where(CustomerVisit.customer_id == customer_id, CustomerVisit.status == RECORDED))


def company_building(customer_id, day) -> int | None:
    """The building of the company's first unit held on `day`."""
    return db.session.scalar(
        sa.select(Unit.building_id).join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Occupancy.customer_id == customer_id, Occupancy.start_on <= day,
               sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= day))
        .order_by(Unit.number).limit(1))


def account_managers(site_id) -> list[User]:
    """Active account managers of a site (and those bound to none)."""
    return list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == ACCOUNT_MANAGER, User.active.is_(True),
               sa.or_(User.site_id == site_id, User.site_id.is_(None)))
        .order_by(User.full_name)))


def staff(site_id) -> list[User]:
    """Active staff of a site: who may own a commitment."""
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True),
                                                         sa.or_(User.site_id == site_id, User.site_id.is_(None)))
                                   .order_by(User.full_name)))


# --- portfolio -----------------------------------------------------------------------------------

@dataclass
class CompanyRow:
    customer_id: int
    name: str
    manager_id: int | None
    manager: str | None
    since: date | None
    last_visit_on: date | None


def companies(site_id, *, manager_id=None, q="", unassigned=False) -> list[CompanyRow]:
    """The site's tenant companies with their manager and last visit: one manager's portfolio
    (`manager_id`), the unassigned ones, or all; `q` matches the name."""
    query = (sa.select(Customer.id, Customer.name, Portfolio.manager_id, User.full_name, Portfolio.since,
                       Portfolio.last_visit_on)
             .outerjoin(Portfolio, Portfolio.customer_id == Customer.id)
             .outerjoin(User, User.id == Portfolio.manager_id)
             .where(Customer.site_id == site_id, Customer.kind == "company"))
    if manager_id is not None:
        query = query.where(Portfolio.manager_id == manager_id)
    if unassigned:
        query = query.where(Portfolio.manager_id.is_(None))
    if q:
        query = query.where(Customer.name.contains(q.strip(), autoescape=True))
    return [CompanyRow(*row) for row in db.session.execute(query.order_by(Customer.name, Customer.id))]


def portfolio_history(customer_id) -> list[PortfolioChange]:
    return list(db.session.scalars(
        sa.select(PortfolioChange).where(PortfolioChange.customer_id == customer_id)
        .options(joinedload(PortfolioChange.from_manager), joinedload(PortfolioChange.to_manager),
                 joinedload(PortfolioChange.changed_by))
        .order_by(PortfolioChange.changed_at.desc(), PortfolioChange.id.desc())))


# --- the manager's lists -------------------------------------------------------------------------

def _visits(site_id, manager_id):
    query = (sa.select(CustomerVisit).where(CustomerVisit.site_id == site_id)
             .options(joinedload(CustomerVisit.customer), joinedload(CustomerVisit.manager)))
    return query.where(CustomerVisit.manager_id == manager_id) if manager_id is not None else query


def visits_between(site_id, start, end, *, manager_id=None) -> list[CustomerVisit]:
    """Visits planned or recorded between two days (this week's), by day."""
    query = _visits(site_id, manager_id).where(CustomerVisit.visit_on.between(start, end))
    return list(db.session.scalars(query.order_by(CustomerVisit.visit_on, CustomerVisit.id)))


def overdue_plans(site_id, today, *, manager_id=None, limit=200) -> list[CustomerVisit]:
    """Planned visits whose day has passed without a record."""
    query = _visits(site_id, manager_id).where(CustomerVisit.status == PLANNED, CustomerVisit.visit_on < today)
    return list(db.session.scalars(query.order_by(CustomerVisit.visit_on, CustomerVisit.id).limit(limit)))


def overdue_follow_ups(site_id, today, *, manager_id=None, limit=200) -> list[CustomerVisit]:
    """Recorded visits whose follow-up day has passed with no later visit recorded."""
    query = _visits(site_id, manager_id).where(CustomerVisit.follow_up_on < today,
                                               CustomerVisit.followed_up_by_id.is_(None),
                                               CustomerVisit.status == RECORDED)
    return list(db.session.scalars(query.order_by(CustomerVisit.follow_up_on, CustomerVisit.id).limit(limit)))


def open_commitments(site_id, *, today=None, user_id=None, customer_id=None, limit=200) -> list[Commitment]:
    """Commitments not yet kept (due before `today` when given: the overdue ones), owned by `user_id`
    or made at that manager's visits."""
    query = (sa.select(Commitment).join(CustomerVisit, CustomerVisit.id == Commitment.visit_id)
             .where(Commitment.site_id == site_id, Commitment.done_at.is_(None))
             .options(joinedload(Commitment.owner), joinedload(Commitment.customer),
                      joinedload(Commitment.visit)))
    if today is not None:
        query = query.where(Commitment.due_on < today)
    if user_id is not None:
        query = query.where(sa.or_(Commitment.owner_id == user_id, CustomerVisit.manager_id == user_id))
    if customer_id is not None:
        query = query.where(Commitment.customer_id == customer_id)
    return list(db.session.scalars(query.order_by(Commitment.due_on, Commitment.id).limit(limit)))


def not_visited(site_id, today, days, *, manager_id=None, limit=500) -> list[CompanyRow]:
    """Companies of a portfolio (every assigned company without `manager_id`) not visited in `days`
    days, never visited first."""
    before = rules.not_visited_before(today, days)
    query = (sa.select(Customer.id, Customer.name, Portfolio.manager_id, User.full_name, Portfolio.since,
                       Portfolio.last_visit_on)
             .join(Portfolio, Portfolio.customer_id == Customer.id).join(User, User.id == Portfolio.manager_id)
             .where(Portfolio.site_id == site_id,
                    sa.or_(Portfolio.last_visit_on.is_(None), Portfolio.last_visit_on < before)))
    if manager_id is not None:
        query = query.where(Portfolio.manager_id == manager_id)
    query = query.order_by(Portfolio.last_visit_on.is_not(None), Portfolio.last_visit_on, Customer.name)
    return [CompanyRow(*row) for row in db.session.execute(query.limit(limit))]


@dataclass
class ManagerFigures:
    manager_id: int
    name: str
    companies: int
    covered: int  # companies visited in the last N days
    visits: int  # recorded between the two days
    open_commitments: int
    overdue_commitments: int

    @property
    def coverage(self):
        return rules.percent(self.covered, self.companies)


def manager_figures(site_id, start, end, today, days) -> list[ManagerFigures]:
    """For every account manager: companies, how many were visited in the last `days` days, visits
    recorded between `start` and `end`, open and overdue commitments (made at their visits)."""
    before = rules.not_visited_before(today, days)
    portfolio = dict((r.manager_id, (r.companies, r.covered)) for r in db.session.execute(
        sa.select(Portfolio.manager_id, sa.func.count().label("companies"),
                  sa.func.count(sa.case((Portfolio.last_visit_on >= before, 1))).label("covered"))
        .where(Portfolio.site_id == site_id, Portfolio.manager_id.is_not(None)).group_by(Portfolio.manager_id)))
    visits = dict(db.session.execute(
        sa.select(CustomerVisit.manager_id, sa.func.count())
        .where(CustomerVisit.site_id == site_id, CustomerVisit.status == RECORDED,
               CustomerVisit.visit_on.between(start, end)).group_by(CustomerVisit.manager_id)).all())
    commitments = {r.manager_id: (r.open, r.overdue) for r in db.session.execute(
        sa.select(CustomerVisit.manager_id, sa.func.count().label("open"),
                  sa.func.count(sa.case((Commitment.due_on < today, 1))).label("overdue"))
        .join(CustomerVisit, CustomerVisit.id == Commitment.visit_id)
        .where(Commitment.site_id == site_id, Commitment.done_at.is_(None)).group_by(CustomerVisit.manager_id))}
    people = {u.id: u for u in account_managers(site_id)}
    ids = set(people) | set(portfolio) | set(visits) | set(commitments)
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    rows = []
    for manager_id in ids:
        companies_, covered = portfolio.get(manager_id, (0, 0))
        open_, overdue = commitments.get(manager_id, (0, 0))
        rows.append(ManagerFigures(manager_id, names.get(manager_id, "?"), companies_, covered,
                                   visits.get(manager_id, 0), open_, overdue))
    return sorted(rows, key=lambda r: r.name)


# --- visits of a company -------------------------------------------------------------------------

def company_visits(customer_id, *, limit=10) -> list[CustomerVisit]:
    """The company's latest visits (planned ones included), newest first."""
    return list(db.session.scalars(
        sa.select(CustomerVisit).where(CustomerVisit.customer_id == customer_id)
        .options(joinedload(CustomerVisit.manager))
        .order_by(CustomerVisit.visit_on.desc(), CustomerVisit.id.desc()).limit(limit)))


def open_work_orders(customer_id, *, limit=20) -> list:
    from ..workorders.models import OPEN_STATUSES, WorkOrder

    return list(db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.customer_id == customer_id, WorkOrder.status.in_(OPEN_STATUSES))
        .order_by(WorkOrder.logged_at.desc()).limit(limit)))


def visit_of_work_order(order_id):
    """The visit item a work order came from, if it did."""
    from .models import VisitItem

    return db.session.scalars(sa.select(VisitItem).where(VisitItem.work_order_id == order_id)
                              .options(joinedload(VisitItem.visit))).one_or_none()


def visit_register(site_id, start, end, *, manager_id=None, customer_id=None) -> list[CustomerVisit]:
    """Recorded visits between two days in the order they took place (the visit register)."""
    query = (_visits(site_id, manager_id).where(CustomerVisit.status == RECORDED,
                                                CustomerVisit.visit_on.between(start, end))
             .options(joinedload(CustomerVisit.items), joinedload(CustomerVisit.commitments)))
    if customer_id is not None:
        query = query.where(CustomerVisit.customer_id == customer_id)
    return list(db.session.scalars(query.order_by(CustomerVisit.visit_on, CustomerVisit.id)).unique())


# --- surveys -------------------------------------------------------------------------------------

def current_questionnaire(site_id) -> Questionnaire | None:
    return db.session.scalars(sa.select(Questionnaire).where(Questionnaire.site_id == site_id)
                              .order_by(Questionnaire.version.desc()).limit(1)
                              .options(joinedload(Questionnaire.questions))).unique().one_or_none()


def questionnaire_answered(questionnaire_id) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(SurveyResponse.questionnaire_id == questionnaire_id)))


def survey_responses(site_id, *, customer_id=None, start=None, end=None, limit=None) -> list[SurveyResponse]:
    query = (sa.select(SurveyResponse).where(SurveyResponse.site_id == site_id)
             .options(joinedload(SurveyResponse.customer), joinedload(SurveyResponse.building),
                      joinedload(SurveyResponse.answers).joinedload(SurveyAnswer.question)))
    if customer_id is not None:
        query = query.where(SurveyResponse.customer_id == customer_id)
    if start is not None:
        query = query.where(SurveyResponse.taken_on.between(start, end))
    query = query.order_by(SurveyResponse.taken_on.desc(), SurveyResponse.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query).unique())


@dataclass
class ScoreCell:
    total: int
    count: int

    @property
    def average(self):
        return rules.average(self.total, self.count)


@dataclass
class SurveyReport:
    months: list[str]
    by_month: dict  # (month, dimension) -> ScoreCell
    buildings: list[tuple[int | None, str]]
    by_building: dict  # (building_id, dimension) -> ScoreCell
    overall: dict  # dimension -> ScoreCell
    responses: int
    dimensions: tuple = DIMENSIONS


def survey_report(site_id, start, end, *, building_id=None) -> SurveyReport:
    """Average scores by dimension, month by month and building by building, of the surveys taken
    between two days (unscored answers, "not applicable", are left out). Whatever the wording of a
    question in its version, its answers count under its dimension."""
    where = [SurveyResponse.site_id == site_id, SurveyResponse.taken_on.between(start, end),
             SurveyAnswer.score.is_not(None)]
    if building_id is not None:
        where.append(SurveyResponse.building_id == building_id)
    dialect = db.session.get_bind().dialect.name
    month = (sa.func.to_char(SurveyResponse.taken_on, "YYYY-MM") if dialect == "postgresql"
             else sa.func.strftime("%Y-%m", SurveyResponse.taken_on))
    base = sa.select(SurveyAnswer.dimension, sa.func.sum(SurveyAnswer.score), sa.func.count()).join(
        SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id).where(*where)
    by_month = {(m, d): ScoreCell(int(t), c) for d, t, c, m in db.session.execute(
        base.add_columns(month.label("month")).group_by(SurveyAnswer.dimension, month))}
    by_building = {(b, d): ScoreCell(int(t), c) for d, t, c, b in db.session.execute(
        base.add_columns(SurveyResponse.building_id).group_by(SurveyAnswer.dimension, SurveyResponse.building_id))}
    overall = {}
    for (_, dimension), cell in by_month.items():
        total = overall.setdefault(dimension, ScoreCell(0, 0))
        total.total += cell.total
        total.count += cell.count
    building_ids = sorted({b for b, _ in by_building if b is not None})
    names = dict(db.session.execute(sa.select(Building.id, Building.code + " " + Building.name)
                                    .where(Building.id.in_(building_ids))).all()) if building_ids else {}
    buildings = [(b, names.get(b, "?")) for b in building_ids]
    if any(b is None for b, _ in by_building):
        buildings.append((None, ""))
    responses = db.session.scalar(sa.select(sa.func.count(sa.distinct(SurveyResponse.id)))
                                  .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id).where(*where))
    return SurveyReport(sorted({m for m, _ in by_month}), by_month, buildings, by_building, overall, responses)


def question_texts(questionnaire_ids) -> dict:
    """(questionnaire id, dimension) -> question text, to show what was asked in each version."""
    rows = db.session.execute(sa.select(SurveyQuestion.questionnaire_id, SurveyQuestion.dimension, SurveyQuestion.text)
                              .where(SurveyQuestion.questionnaire_id.in_(questionnaire_ids)))
    return {(q, d): t for q, d, t in rows}


# --- case studies --------------------------------------------------------------------------------

CASES_PAGE = 30


def case_studies(site_id, *, q="", page=1) -> tuple[list, int]:
    """Case studies of a site, newest first, matching every word of `q` in any of their parts;
    (one page, total)."""
    from .models import CaseStudy

    query = sa.select(CaseStudy).where(CaseStudy.site_id == site_id)
    for word in q.split()[:5]:
        query = query.where(sa.or_(*(column.contains(word, autoescape=True) for column in (
            CaseStudy.title, CaseStudy.situation, CaseStudy.action, CaseStudy.result, CaseStudy.lesson))))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.options(joinedload(CaseStudy.author))
                              .order_by(CaseStudy.created_at.desc(), CaseStudy.id.desc())
                              .limit(CASES_PAGE).offset((page - 1) * CASES_PAGE))
    return list(rows), total
