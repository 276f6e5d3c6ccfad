"""Customer visits (客户拜访) by account managers in an industrial park: who looks after which tenant
company (the portfolio and its history), visits planned and recorded (拜访客户登记记录表) with what
the customer said and what we promised, satisfaction surveys (满意度调查表) on a versioned
questionnaire, and case studies (经典案例记录表)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime

PHONE, ON_SITE = "phone", "on_site"
MODES = (PHONE, ON_SITE)
ROUTINE_CARE, LATE_PAYMENT, COMPLAINT = "routine_care", "late_payment", "complaint"
SURVEY, RENEWAL = "survey", "renewal"
PURPOSES = (ROUTINE_CARE, LATE_PAYMENT, COMPLAINT, SURVEY, RENEWAL)
PLANNED, RECORDED, CANCELLED = "planned", "recorded", "cancelled"
STATUSES = (PLANNED, RECORDED, CANCELLED)
# what the customer said: each its own item
OPINION, REQUEST, SUGGESTION, ITEM_COMPLAINT = "opinion", "request", "suggestion", "complaint"
ITEM_KINDS = (OPINION, REQUEST, SUGGESTION, ITEM_COMPLAINT)
# the questionnaire's dimensions: what a question means, whatever its wording in a version
FRONT_DESK, SECURITY, CLEANING, REPAIRS, BILLING, OVERALL, RECOMMEND = (
    "front_desk", "security", "cleaning", "repairs", "billing", "overall", "recommend")
DIMENSIONS = (FRONT_DESK, SECURITY, CLEANING, REPAIRS, BILLING, OVERALL, RECOMMEND)
MIN_SCORE, MAX_SCORE = 1, 5


class VisitSettings(Base):
    """How one site looks after its companies."""

    __tablename__ = "visit_settings"
    __table_args__ = (sa.CheckConstraint("not_visited_days BETWEEN 7 AND 730", name="not_visited_days_range"),)

    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), primary_key=True)
    # a company not visited for this many days is listed for its manager
    not_visited_days: Mapped[int] = mapped_column(sa.Integer, default=90)


class Portfolio(Base):
    """The account manager who looks after a company now, and when it was last visited (kept here,
    so the lists never group the visit history)."""

    __tablename__ = "portfolio"
    __table_args__ = (sa.Index("ix_portfolio_manager", "manager_id", "last_visit_on"),)

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    since: Mapped[date] = mapped_column(sa.Date)
    last_visit_on: Mapped[date | None] = mapped_column(sa.Date)

    customer = relationship("Customer")
    manager = relationship("User")


class PortfolioChange(Base):
    """One assignment of a company to a manager (or its release), kept for the history."""

    __tablename__ = "portfolio_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    from_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    to_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    changed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    from_manager = relationship("User", foreign_keys=[from_manager_id])
    to_manager = relationship("User", foreign_keys=[to_manager_id])
    changed_by = relationship("User", foreign_keys=[changed_by_id])


class CustomerVisit(Base):
    """A visit to a company by phone or on site: planned (date, purpose, who to meet, what to
    prepare), then recorded (when, who attended, what was said, the next follow-up) or cancelled.
    `visit_on` is the planned day until it is recorded, then the day it took place. The follow-up
    is done when a later visit to the company is recorded (`followed_up_by_id`)."""

    __tablename__ = "customer_visit"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
        sa.CheckConstraint(sa.column("mode").in_(MODES), name="mode_known"),
        sa.CheckConstraint(sa.column("purpose").in_(PURPOSES), name="purpose_known"),
        sa.Index("ix_customer_visit_manager_day", "manager_id", "visit_on"),
        sa.Index("ix_customer_visit_customer_day", "customer_id", "visit_on"),
        sa.Index("ix_customer_visit_site_day", "site_id", "visit_on"),
        # plans left unrecorded and the visits of a status between two days, without reading the
        # years of recorded visits before them: for one manager, for the site
        sa.Index("ix_customer_visit_manager_status_day", "manager_id", "status", "visit_on"),
        sa.Index("ix_customer_visit_site_status_day", "site_id", "status", "visit_on"),
        # the follow-ups still waiting, by day: a few hundred rows of a site's years of visits (and
        # the planner knows it, where a full index leaves it guessing how many are waiting)
        sa.Index("ix_customer_visit_follow_up", "site_id", "follow_up_on",
                 sqlite_where=sa.text("followed_up_by_id IS NULL AND follow_up_on IS NOT NULL"),
                 postgresql_where=sa.text("followed_up_by_id IS NULL AND follow_up_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    number: Mapped[str] = mapped_column(sa.String(20))  # BF2026-00001, per site and year
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))  # whose visit it is
    status: Mapped[str] = mapped_column(sa.String(10), default=PLANNED)
    mode: Mapped[str] = mapped_column(sa.String(10))
    purpose: Mapped[str] = mapped_column(sa.String(14))
    visit_on: Mapped[date] = mapped_column(sa.Date)
    meet: Mapped[str] = mapped_column(sa.String(100), default="")  # who to meet
    preparation: Mapped[str] = mapped_column(sa.String(1000), default="")
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendees: Mapped[str] = mapped_column(sa.String(300), default="")  # theirs and ours, as written
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")
    follow_up_on: Mapped[date | None] = mapped_column(sa.Date)
    followed_up_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_visit.id"))
    cancel_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site = relationship("Site")
    customer = relationship("Customer")
    manager = relationship("User", foreign_keys=[manager_id])
    items: Mapped[list["VisitItem"]] = relationship(back_populates="visit", order_by="VisitItem.id")
    commitments: Mapped[list["Commitment"]] = relationship(back_populates="visit", order_by="Commitment.id")


class VisitItem(Base):
    """One thing the customer said: an opinion, a request, a suggestion or a complaint, and what
    was answered on the spot. A request may become a work order (linked both ways)."""

    __tablename__ = "visit_item"
    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(ITEM_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("customer_visit.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    text: Mapped[str] = mapped_column(sa.String(500))
    answer: Mapped[str] = mapped_column(sa.String(500), default="")  # answered on the spot
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), unique=True)

    visit: Mapped[CustomerVisit] = relationship(back_populates="items")
    work_order = relationship("WorkOrder")


class Commitment(Base):
    """What we promised the customer during a visit: who answers for it and by when."""

    __tablename__ = "commitment"
    __table_args__ = (sa.Index("ix_commitment_open", "site_id", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("customer_visit.id"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(300))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    due_on: Mapped[date] = mapped_column(sa.Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    done_note: Mapped[str] = mapped_column(sa.String(300), default="")

    visit: Mapped[CustomerVisit] = relationship(back_populates="commitments")
    customer = relationship("Customer")
    owner = relationship("User", foreign_keys=[owner_id])
    done_by = relationship("User", foreign_keys=[done_by_id])


class Questionnaire(Base):
    """One version of a site's satisfaction survey. A version that has answers is never changed:
    an admin's edit makes the next version, and every answer keeps the question it answered."""

    __tablename__ = "questionnaire"
    __table_args__ = (sa.UniqueConstraint("site_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    version: Mapped[int] = mapped_column(sa.Integer)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    questions: Mapped[list["SurveyQuestion"]] = relationship(back_populates="questionnaire",
                                                             order_by="SurveyQuestion.position")


class SurveyQuestion(Base):
    """A question of one questionnaire version. `dimension` is what it measures; the wording may
    change from version to version, the dimension of an answer never does."""

    __tablename__ = "survey_question"
    __table_args__ = (
        sa.UniqueConstraint("questionnaire_id", "dimension"),
        sa.CheckConstraint(sa.column("dimension").in_(DIMENSIONS), name="dimension_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire.id"))
    position: Mapped[int] = mapped_column(sa.Integer)
    dimension: Mapped[str] = mapped_column(sa.String(12))
    text: Mapped[str] = mapped_column(sa.String(200))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")


class SurveyResponse(Base):
    """A company's filled-in survey, during a visit or on its own. The building is the company's
    building on the day, kept for the report by building."""

    __tablename__ = "survey_response"
    __table_args__ = (sa.Index("ix_survey_response_site_day", "site_id", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("building.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_visit.id"), index=True)
    respondent: Mapped[str] = mapped_column(sa.String(60))
    taken_on: Mapped[date] = mapped_column(sa.Date)
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    taken_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    questionnaire = relationship("Questionnaire")
    customer = relationship("Customer")
    building = relationship("Building")
    taken_by = relationship("User")
    answers: Mapped[list["SurveyAnswer"]] = relationship(back_populates="response", order_by="SurveyAnswer.id")


class SurveyAnswer(Base):
    """One answer: a score 1–5 (none: not applicable, the company has not used the service) and
    a comment. The dimension is copied from the question, so reports read answers alone."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_id"),
        sa.CheckConstraint(f"score IS NULL OR score BETWEEN {MIN_SCORE} AND {MAX_SCORE}", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_response.id"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_question.id"))
    dimension: Mapped[str] = mapped_column(sa.String(12))
    score: Mapped[int | None] = mapped_column(sa.Integer)
    comment: Mapped[str] = mapped_column(sa.String(300), default="")

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question = relationship("SurveyQuestion")


class CaseStudy(Base):
    """A visit or a work order written up for training (经典案例): the situation, what was done,
    the result and the lesson."""

    __tablename__ = "case_study"
    __table_args__ = (sa.Index("ix_case_study_site_created", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(sa.ForeignKey("site.id"))
    title: Mapped[str] = mapped_column(sa.String(100))
    situation: Mapped[str] = mapped_column(sa.String(2000))
    action: Mapped[str] = mapped_column(sa.String(2000))
    result: Mapped[str] = mapped_column(sa.String(2000))
    lesson: Mapped[str] = mapped_column(sa.String(2000))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_visit.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_order.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    visit = relationship("CustomerVisit")
    work_order = relationship("WorkOrder")
    author = relationship("User")
