"""Read side of customer visits: the portfolio, the manager's lists (this week, overdue follow-ups
and commitments, companies not visited), per-manager figures, the company page, the visit register
and the survey report."""
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import User, UserRole
from ..auth.permissions import ACCOUNT_MANAGER
from ..estate.models import Building, Customer, Occupancy, Unit
from ..extensions import db
from . import rules
from .models import (
    DIMENSIONS, PLANNED, RECORDED, CaseStudy, Commitment, CustomerVisit, Portfolio, PortfolioChange, Questionnaire,
    SurveyAnswer, SurveyQuestion, SurveyResponse, VisitItem, VisitSettings,
)

DEFAULT_NOT_VISITED_DAYS = 90


def _name_only(relationship):
    """Load the user of a row to show their name: their roles, which a user otherwise brings along
    by a query of its own, are read only if asked for (one query less for each list of a page)."""
    return joinedload(relationship).lazyload(User.role_rows)


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
    manager_active: bool | None  # False: the manager was deactivated and still has the company


def companies(site_id, *, manager_id=None, q="", unassigned=False) -> list[CompanyRow]:
    """The site's tenant companies with their manager and last visit: one manager's portfolio
    (`manager_id`), the unassigned ones, or all; `q` matches the name."""
    query = (sa.select(Customer.id, Customer.name, Portfolio.manager_id, User.full_name, Portfolio.since,
                       Portfolio.last_visit_on, User.active)
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


def portfolio_holders(site_id) -> list[User]:
    """Everyone who looks after a company of the site today, deactivated users included: whose
    companies a supervisor may still have to find and hand over."""
    return list(db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(Portfolio.manager_id).where(Portfolio.site_id == site_id)))))


def portfolio_history(customer_id) -> list[PortfolioChange]:
    return list(db.session.scalars(
        sa.select(PortfolioChange).where(PortfolioChange.customer_id == customer_id)
        .options(_name_only(PortfolioChange.from_manager), _name_only(PortfolioChange.to_manager),
                 _name_only(PortfolioChange.changed_by))
        .order_by(PortfolioChange.changed_at.desc(), PortfolioChange.id.desc())))


# --- the manager's lists -------------------------------------------------------------------------

def _visits(site_id, manager_id):
    query = (sa.select(CustomerVisit).where(CustomerVisit.site_id == site_id)
             .options(joinedload(CustomerVisit.customer), _name_only(CustomerVisit.manager)))
    return query.where(CustomerVisit.manager_id == manager_id) if manager_id is not None else query


def visits_between(site_id, start, end, *, manager_id=None) -> list[CustomerVisit]:
    """Visits planned or recorded between two days (this week's), by day."""
    query = _visits(site_id, manager_id).where(CustomerVisit.visit_on.between(start, end))
    return list(db.session.scalars(query.order_by(CustomerVisit.visit_on, CustomerVisit.id)))


def overdue_plans(site_id, today, *, manager_id=None, limit=200) -> list[CustomerVisit]:
    """Planned visits whose day has passed without a record."""
    query = _visits(site_id, manager_id).where(CustomerVisit.status == PLANNED, CustomerVisit.visit_on < today)
    return list(db.session.scalars(query.order_by(CustomerVisit.visit_on, CustomerVisit.id).limit(limit)))


def _follow_ups_due(site_id, today):
    return (CustomerVisit.site_id == site_id, CustomerVisit.follow_up_on < today,
            CustomerVisit.followed_up_by_id.is_(None), CustomerVisit.status == RECORDED)


def _looked_after_by(manager_id):
    """The visit's company is in `manager_id`'s portfolio today: a follow-up is the company's, so
    after a reassignment it is the new manager's to make."""
    return CustomerVisit.customer_id.in_(sa.select(Portfolio.customer_id).where(Portfolio.manager_id == manager_id))


def overdue_follow_ups(site_id, today, *, manager_id=None, limit=200) -> list[CustomerVisit]:
    """Recorded visits whose follow-up day has passed with no later visit recorded; of the companies
    `manager_id` looks after today, whoever made the visit."""
    query = _visits(site_id, None).where(*_follow_ups_due(site_id, today))
    if manager_id is not None:
        query = query.where(_looked_after_by(manager_id))
    return list(db.session.scalars(query.order_by(CustomerVisit.follow_up_on, CustomerVisit.id).limit(limit)))


def open_commitments(site_id, *, today=None, user_id=None, customer_id=None, limit=200) -> list[Commitment]:
    """Commitments not yet kept (due before `today` when given: the overdue ones), owned by `user_id`
    or made at that manager's visits."""
    query = (sa.select(Commitment).join(CustomerVisit, CustomerVisit.id == Commitment.visit_id)
             .where(Commitment.site_id == site_id, Commitment.done_at.is_(None))
             .options(_name_only(Commitment.owner), joinedload(Commitment.customer),
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
                       Portfolio.last_visit_on, User.active)
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
    active: bool = True

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
    users = {r.id: r for r in db.session.execute(sa.select(User.id, User.full_name, User.active)
                                                  .where(User.id.in_(ids)))} if ids else {}
    rows = []
    for manager_id in ids:
        companies_, covered = portfolio.get(manager_id, (0, 0))
        open_, overdue = commitments.get(manager_id, (0, 0))
        user = users.get(manager_id)
        rows.append(ManagerFigures(manager_id, user.full_name if user else "?", companies_, covered,
                                   visits.get(manager_id, 0), open_, overdue, user.active if user else False))
    return sorted(rows, key=lambda r: r.name)


# --- visits of a company -------------------------------------------------------------------------

def _company_visits(customer_id):
    return (sa.select(CustomerVisit).where(CustomerVisit.customer_id == customer_id)
            .options(_name_only(CustomerVisit.manager))
            .order_by(CustomerVisit.visit_on.desc(), CustomerVisit.id.desc()))


def company_visits(customer_id, *, limit=10) -> list[CustomerVisit]:
    """The company's latest visits (planned and cancelled ones included), newest first."""
    return list(db.session.scalars(_company_visits(customer_id).limit(limit)))


def company_history(customer_id, *, page=1, per_page=50):
    """Every visit to the company, newest first: one page (a Pagination)."""
    return db.paginate(_company_visits(customer_id), page=page, per_page=per_page, error_out=False)


def open_work_orders(customer_id, *, limit=20) -> list:
    from ..workorders.models import OPEN_STATUSES, WorkOrder

    return list(db.session.scalars(
        sa.select(WorkOrder).where(WorkOrder.customer_id == customer_id, WorkOrder.status.in_(OPEN_STATUSES))
        .order_by(WorkOrder.logged_at.desc()).limit(limit)))


def visit_of_work_order(order_id):
    """The visit item a work order came from, if it did."""
    return db.session.scalars(sa.select(VisitItem).where(VisitItem.work_order_id == order_id)
                              .options(joinedload(VisitItem.visit))).one_or_none()


@dataclass
class RegisterItem:
    kind: str
    text: str
    answer: str
    work_order: str | None  # the number of the work order it became


@dataclass
class RegisterCommitment:
    text: str
    owner: str
    due_on: date
    done_at: datetime | None


@dataclass
class RegisterRow:
    number: str
    visit_on: date
    company: str
    manager: str
    mode: str
    purpose: str
    attendees: str
    summary: str
    follow_up_on: date | None
    items: list = field(default_factory=list)
    commitments: list = field(default_factory=list)


def register_rows(site_id, start, end, *, manager_id=None) -> list[RegisterRow]:
    """Recorded visits between two days in the order they took place (the visit register for the
    export), as rows rather than objects: a year is some 17,000 visits, and three statements (the
    visits, their items, their commitments) read it in a fraction of the time the objects take."""
    from ..workorders.models import WorkOrder

    where = [CustomerVisit.site_id == site_id, CustomerVisit.status == RECORDED,
             CustomerVisit.visit_on.between(start, end)]
    if manager_id is not None:
        where.append(CustomerVisit.manager_id == manager_id)
    rows = {}
    for r in db.session.execute(
            sa.select(CustomerVisit.id, CustomerVisit.number, CustomerVisit.visit_on, Customer.name, User.full_name,
                      CustomerVisit.mode, CustomerVisit.purpose, CustomerVisit.attendees, CustomerVisit.summary,
                      CustomerVisit.follow_up_on)
            .join(Customer, Customer.id == CustomerVisit.customer_id).join(User, User.id == CustomerVisit.manager_id)
            .where(*where).order_by(CustomerVisit.visit_on, CustomerVisit.id)):
        rows[r[0]] = RegisterRow(*r[1:])
    for r in db.session.execute(
            sa.select(VisitItem.visit_id, VisitItem.kind, VisitItem.text, VisitItem.answer, WorkOrder.number)
            .join(CustomerVisit, CustomerVisit.id == VisitItem.visit_id)
            .outerjoin(WorkOrder, WorkOrder.id == VisitItem.work_order_id)
            .where(*where).order_by(VisitItem.visit_id, VisitItem.id)):
        rows[r[0]].items.append(RegisterItem(*r[1:]))
    for r in db.session.execute(
            sa.select(Commitment.visit_id, Commitment.text, User.full_name, Commitment.due_on, Commitment.done_at)
            .join(CustomerVisit, CustomerVisit.id == Commitment.visit_id).join(User, User.id == Commitment.owner_id)
            .where(*where).order_by(Commitment.visit_id, Commitment.id)):
        rows[r[0]].commitments.append(RegisterCommitment(*r[1:]))
    return list(rows.values())


# --- surveys -------------------------------------------------------------------------------------

def current_questionnaire(site_id) -> Questionnaire | None:
    return db.session.scalars(sa.select(Questionnaire).where(Questionnaire.site_id == site_id)
                              .order_by(Questionnaire.version.desc()).limit(1)
                              .options(joinedload(Questionnaire.questions))).unique().one_or_none()


def questions_of(site_id, questionnaire_id) -> list[SurveyQuestion]:
    """The questions of one version of the site's questionnaire (none for another site's)."""
    return list(db.session.scalars(
        sa.select(SurveyQuestion).join(Questionnaire, Questionnaire.id == SurveyQuestion.questionnaire_id)
        .where(Questionnaire.site_id == site_id, Questionnaire.id == questionnaire_id)
        .order_by(SurveyQuestion.position, SurveyQuestion.id)))


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
class SurveyLine:
    response: SurveyResponse
    average: object  # Decimal of the scored answers, None when none was scored


def company_surveys(site_id, customer_id) -> list[SurveyLine]:
    """Every survey of a company, newest first, with the average of its scored answers."""
    lines = []
    for response in survey_responses(site_id, customer_id=customer_id):
        scores = [a.score for a in response.answers if a.score is not None]
        lines.append(SurveyLine(response, rules.average(sum(scores), len(scores))))
    return lines


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


def case_studies(site_id, *, q="", page=1):
    """Case studies of a site, newest first, matching every word of `q` in any of their parts: one
    page (a Pagination)."""
    query = sa.select(CaseStudy).where(CaseStudy.site_id == site_id)
    for word in q.split()[:5]:
        query = query.where(sa.or_(*(column.contains(word, autoescape=True) for column in (
            CaseStudy.title, CaseStudy.situation, CaseStudy.action, CaseStudy.result, CaseStudy.lesson))))
    return db.paginate(query.options(joinedload(CaseStudy.author))
                       .order_by(CaseStudy.created_at.desc(), CaseStudy.id.desc()),
                       page=page, per_page=CASES_PAGE, error_out=False)


# --- the company page and the home page (portfolio and lists) -------------------------------------

def company_units(customer_id, today) -> list:
    """The units a company holds on `today` with their building: rows of (number, building code,
    building name), by unit number."""
    return db.session.execute(
        sa.select(Unit.number, Building.code, Building.name)
        .join(Occupancy, Occupancy.unit_id == Unit.id).join(Building, Building.id == Unit.building_id)
        .where(Occupancy.customer_id == customer_id, Occupancy.start_on <= today,
               sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today))
        .order_by(Unit.number)).all()


@dataclass
class WeekCard:
    planned: int  # this week's visits still planned
    recorded: int  # this week's visits recorded
    follow_ups_overdue: int
    commitments_overdue: int


def week_card(site_id, manager_id, today) -> WeekCard:
    """One manager's week for the home page, counting the same rows as their lists (visits_between,
    overdue_follow_ups, open_commitments as of `today`), in one statement: each count reads the
    manager's visits through ix_customer_visit_manager_day, the follow-ups through
    ix_customer_visit_follow_up and the open commitments through ix_commitment_open."""
    monday, sunday = rules.week_of(today)

    def count(*where):
        return sa.select(sa.func.count()).select_from(CustomerVisit).where(*where).correlate(None).scalar_subquery()

    def visits(*where):
        return count(CustomerVisit.manager_id == manager_id, CustomerVisit.site_id == site_id, *where)

    this_week = CustomerVisit.visit_on.between(monday, sunday)
    commitments = (sa.select(sa.func.count()).select_from(Commitment)
                   .join(CustomerVisit, CustomerVisit.id == Commitment.visit_id)
                   .where(Commitment.site_id == site_id, Commitment.done_at.is_(None), Commitment.due_on < today,
                          sa.or_(Commitment.owner_id == manager_id, CustomerVisit.manager_id == manager_id))
                   .correlate(None).scalar_subquery())
    row = db.session.execute(sa.select(
        visits(this_week, CustomerVisit.status == PLANNED), visits(this_week, CustomerVisit.status == RECORDED),
        count(*_follow_ups_due(site_id, today), _looked_after_by(manager_id)),
        commitments)).one()
    return WeekCard(*row)


def portfolio_size(site_id, manager_id) -> int:
    """How many companies a manager looks after (through ix_portfolio_manager)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Portfolio)
                             .where(Portfolio.manager_id == manager_id, Portfolio.site_id == site_id))


@dataclass
class CompanyFile:
    """What a manager should know about a company before going."""

    portfolio: Portfolio | None
    units: list  # held today: (number, building code, building name)
    history: list[PortfolioChange]
    work_orders: list
    account: object  # billing.queries.Account: what is owed today
    dunning_notice: object | None  # the latest dunning notice
    dunning_status: str | None  # what it reads today
    visits: list[CustomerVisit]
    commitments: list[Commitment]
    survey: SurveyResponse | None  # the latest


def company_file(site_id, customer, today) -> CompanyFile:
    """The company page: the company's units and manager with the assignment history, its open work
    orders, arrears and latest dunning notice, its last visits, open commitments and latest survey."""
    from ..billing.queries import account
    from ..dunning.queries import dunning_history, notice_statuses

    notice = next(iter(dunning_history(customer.id)), None)
    return CompanyFile(
        portfolio=db.session.get(Portfolio, customer.id), units=company_units(customer.id, today),
        history=portfolio_history(customer.id), work_orders=open_work_orders(customer.id),
        account=account(customer, today, history=0), dunning_notice=notice,
        dunning_status=notice_statuses([notice], today)[notice.id] if notice else None,
        visits=company_visits(customer.id), commitments=open_commitments(site_id, customer_id=customer.id),
        survey=next(iter(survey_responses(site_id, customer_id=customer.id, limit=1)), None))


# --- one visit: its surveys, the company's units for a work order (the visit pages) ----------------

def visit_surveys(visit_id) -> list[SurveyResponse]:
    """The surveys taken at a visit, in the order they were filled in."""
    return list(db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.visit_id == visit_id)
                                   .options(joinedload(SurveyResponse.answers))
                                   .order_by(SurveyResponse.id)).unique())


def units_held(customer_id, day) -> list[Unit]:
    """The units a company holds on `day`, by number."""
    return list(db.session.scalars(
        sa.select(Unit).join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Occupancy.customer_id == customer_id, Occupancy.start_on <= day,
               sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= day))
        .order_by(Unit.number, Unit.id)))


# --- case studies and the visit record PDF -------------------------------------------------------

def case_source_numbers(case_ids) -> dict:
    """case id -> (number of the visit, number of the work order) it was written up from."""
    from ..workorders.models import WorkOrder

    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(CaseStudy.id, CustomerVisit.number, WorkOrder.number)
        .outerjoin(CustomerVisit, CustomerVisit.id == CaseStudy.visit_id)
        .outerjoin(WorkOrder, WorkOrder.id == CaseStudy.work_order_id)
        .where(CaseStudy.id.in_(case_ids)))
    return {case_id: (visit, order) for case_id, visit, order in rows}


@dataclass
class SheetItem:
    kind: str
    text: str
    answer: str
    work_order: str | None  # its number


@dataclass
class SheetCommitment:
    text: str
    owner: str
    due_on: date
    done_on: date | None


@dataclass
class VisitSheet:
    """What the printed visit record (拜访客户登记记录表) says, read once: the PDF draws only this."""

    company_name: str  # of the property-management company, heading the form
    site: str
    address: str
    number: str
    status: str
    company: str
    units: list[str]
    manager: str
    mode: str
    purpose: str
    visit_on: date
    visited_at: object  # the instant, once recorded
    meet: str
    preparation: str
    attendees: str
    summary: str
    cancel_reason: str
    follow_up_on: date | None
    items: list[SheetItem]
    commitments: list[SheetCommitment]


def visit_sheet(visit) -> VisitSheet:
    """The visit as its printed record shows it: the company's units held on the day of the visit,
    what the customer said (with the number of a work order an item became) and our commitments."""
    from ..core.clock import business_day
    from ..workorders.models import WorkOrder
    site = visit.site
    items = db.session.execute(
        sa.select(VisitItem.kind, VisitItem.text, VisitItem.answer, WorkOrder.number)
        .outerjoin(WorkOrder, WorkOrder.id == VisitItem.work_order_id)
        .where(VisitItem.visit_id == visit.id).order_by(VisitItem.id)).all()
    commitments = db.session.execute(
        sa.select(Commitment.text, User.full_name, Commitment.due_on, Commitment.done_at)
        .join(User, User.id == Commitment.owner_id)
        .where(Commitment.visit_id == visit.id).order_by(Commitment.id)).all()
    # "A-301" says its building; "301" is printed as "A座 301"
    units = [number if number.startswith(code) else f"{name} {number}"
             for number, code, name in company_units(visit.customer_id, visit.visit_on)]
    return VisitSheet(
        company_name=site.company_name, site=site.name, address=site.address or "", number=visit.number,
        status=visit.status, company=visit.customer.name, units=units, manager=visit.manager.full_name,
        mode=visit.mode, purpose=visit.purpose, visit_on=visit.visit_on, visited_at=visit.visited_at,
        meet=visit.meet or "", preparation=visit.preparation or "", attendees=visit.attendees or "",
        summary=visit.summary or "", cancel_reason=visit.cancel_reason or "", follow_up_on=visit.follow_up_on,
        items=[SheetItem(kind, text, answer or "", order) for kind, text, answer, order in items],
        commitments=[SheetCommitment(text, owner, due_on, business_day(done_at) if done_at else None)
                     for text, owner, due_on, done_at in commitments])


# --- surveys, the survey report and the exports (survey pages) -----------------------------------

@dataclass
class QuestionnaireVersion:
    id: int
    version: int
    created_at: object
    created_by: str | None
    questions: list
    surveys: int  # answered on this version


def questionnaire_versions(site_id) -> list[QuestionnaireVersion]:
    """Every version of the site's questionnaire, newest first, with its questions, who made it and
    how many surveys answered it."""

    counts = dict(db.session.execute(
        sa.select(SurveyResponse.questionnaire_id, sa.func.count()).where(SurveyResponse.site_id == site_id)
        .group_by(SurveyResponse.questionnaire_id)).all())
    rows = db.session.execute(
        sa.select(Questionnaire, User.full_name).outerjoin(User, User.id == Questionnaire.created_by_id)
        .where(Questionnaire.site_id == site_id).options(selectinload(Questionnaire.questions))
        .order_by(Questionnaire.version.desc()))
    return [QuestionnaireVersion(q.id, q.version, q.created_at, name, list(q.questions), counts.get(q.id, 0))
            for q, name in rows]


def visit_register_page(site_id, start, end, *, manager_id=None, page=1, per_page=100):
    """One page of the visit register (a Pagination): the recorded visits between two days, in the
    order they took place, with their items and commitments."""
    query = sa.select(CustomerVisit).where(CustomerVisit.site_id == site_id, CustomerVisit.status == RECORDED,
                                           CustomerVisit.visit_on.between(start, end))
    if manager_id is not None:
        query = query.where(CustomerVisit.manager_id == manager_id)
    return db.paginate(query.options(joinedload(CustomerVisit.customer), joinedload(CustomerVisit.manager),
                                     selectinload(CustomerVisit.items), selectinload(CustomerVisit.commitments))
                       .order_by(CustomerVisit.visit_on, CustomerVisit.id), page=page, per_page=per_page,
                       error_out=False)


def register_names(visits) -> tuple[dict, dict]:
    """For the visits of a register: work order id -> number (of the items that became one) and
    user id -> name (of the commitments' owners), read in two statements."""
    from ..workorders.models import WorkOrder

    order_ids = {item.work_order_id for v in visits for item in v.items if item.work_order_id}
    owner_ids = {c.owner_id for v in visits for c in v.commitments}
    orders = dict(db.session.execute(sa.select(WorkOrder.id, WorkOrder.number)
                                     .where(WorkOrder.id.in_(order_ids))).all()) if order_ids else {}
    owners = dict(db.session.execute(sa.select(User.id, User.full_name)
                                     .where(User.id.in_(owner_ids))).all()) if owner_ids else {}
    return orders, owners


@dataclass
class SurveyExportRow:
    id: int
    taken_on: date
    company: str
    building: str
    respondent: str
    taken_by: str
    version: int
    comment: str
    scores: dict  # dimension -> score (None: not applicable)
    comments: dict  # dimension -> the comment on that question


def survey_export_rows(site_id, start, end, *, building_id=None) -> list[SurveyExportRow]:
    """The surveys taken between two days (of one building), oldest first, as plain rows: the
    response and its answers by dimension, in two statements."""
    where = [SurveyResponse.site_id == site_id, SurveyResponse.taken_on.between(start, end)]
    if building_id is not None:
        where.append(SurveyResponse.building_id == building_id)
    rows = {}
    for (id_, taken_on, company, code, name, respondent, taken_by, version, comment) in db.session.execute(
            sa.select(SurveyResponse.id, SurveyResponse.taken_on, Customer.name, Building.code, Building.name,
                      SurveyResponse.respondent, User.full_name, Questionnaire.version, SurveyResponse.comment)
            .join(Customer, Customer.id == SurveyResponse.customer_id)
            .outerjoin(Building, Building.id == SurveyResponse.building_id)
            .join(User, User.id == SurveyResponse.taken_by_id)
            .join(Questionnaire, Questionnaire.id == SurveyResponse.questionnaire_id)
            .where(*where).order_by(SurveyResponse.taken_on, SurveyResponse.id)):
        building = f"{code} {name}" if code else ""  # as the survey report names it
        rows[id_] = SurveyExportRow(id_, taken_on, company, building, respondent, taken_by, version, comment or "",
                                    {}, {})
    for response_id, dimension, score, comment in db.session.execute(
            sa.select(SurveyAnswer.response_id, SurveyAnswer.dimension, SurveyAnswer.score, SurveyAnswer.comment)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id).where(*where)):
        row = rows[response_id]
        row.scores[dimension] = score
        if comment:
            row.comments[dimension] = comment
    return list(rows.values())
