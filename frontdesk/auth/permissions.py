"""Roles and what they may do. Views declare the permission they need; templates ask `can()`;
services check objects (nobody voids their own receipt, and so on)."""
from flask_babel import lazy_gettext as _l

CLERK = "clerk"
CASHIER = "cashier"
STEWARD = "steward"
ACCOUNT_MANAGER = "account_manager"
SUPERVISOR = "supervisor"
PROJECT_MANAGER = "project_manager"
TECHNICIAN = "technician"
ADMIN = "admin"

ROLES = [CLERK, CASHIER, STEWARD, ACCOUNT_MANAGER, TECHNICIAN, SUPERVISOR, PROJECT_MANAGER, ADMIN]

ROLE_LABELS = {
    CLERK: _l("Front-desk clerk"),
    CASHIER: _l("Cashier"),
    STEWARD: _l("Building steward"),
    ACCOUNT_MANAGER: _l("Account manager"),
    TECHNICIAN: _l("Technician"),
    SUPERVISOR: _l("Customer-service supervisor"),
    PROJECT_MANAGER: _l("Project manager"),
    ADMIN: _l("Administrator"),
}

# Permissions, named domain.action.
FEES_VIEW = "fees.view"  # look up what a unit owes, payment history
FEES_COLLECT = "fees.collect"  # take payment, issue and reprint receipts, close own day
RECEIPTS_VOID = "receipts.void"
DAYCLOSE_VIEW_ALL = "dayclose.view_all"  # every cashier's day
CHARGES_MANAGE = "charges.manage"  # fee items, generate charges, meter readings, one-off charges
ESTATE_VIEW = "estate.view"
ESTATE_MANAGE = "estate.manage"  # sites, buildings, units, customers, imports
CONTACT_DETAILS = "privacy.contact_details"  # see phone and ID numbers whole
USERS_MANAGE = "users.manage"
AUDIT_VIEW = "audit.view"
REPORTS_VIEW = "reports.view"
LATE_FEES_WAIVE = "late_fees.waive"  # waive all or part of a late fee (减免)
DUNNING_VIEW = "dunning.view"  # payment and dunning notices, a customer's dunning history
DUNNING_DELIVER = "dunning.deliver"  # record how a notice went out
DUNNING_ISSUE = "dunning.issue"  # run the dunning batch, issue payment and dunning notices
VISITORS_REGISTER = "visitors.register"  # register, book, check in and sign out visitors; count passes
VISITORS_VIEW = "visitors.view"  # who is on site, the visit history and the register for security
VISITORS_MANAGE = "visitors.manage"  # pass inventory, watch list, visitor settings, the outbox
WORKORDERS_LOG = "workorders.log"  # log, dispatch, complete, call back and close work orders; hand over a shift
WORKORDERS_VIEW = "workorders.view"  # every work order of the site, the overdue list
WORKORDERS_WORK = "workorders.work"  # the technician's own orders: start, put on hold, complete
WORKORDERS_CHASE = "workorders.chase"  # issue chase notices for overdue orders
WORKORDERS_SETTINGS = "workorders.settings"  # departments, time limits, callback policies
NOTICES_DRAFT = "notices.draft"  # draft notices, revise them, submit them for approval
NOTICES_CHECK = "notices.check"  # the first approval of a notice (customer-service supervisor)
NOTICES_APPROVE = "notices.approve"  # the second, final approval of a notice (project manager)
NOTICES_POST = "notices.post"  # post approved notices on the boards, take them down, keep the boards
VISITS_RECORD = "visits.record"  # plan and record visits to the companies of one's portfolio, surveys, commitments
VISITS_ALL = "visits.all"  # every company, visit and manager of the site: lists, figures, survey reports
VISITS_ASSIGN = "visits.assign"  # assign companies to account managers
VISITS_SETTINGS = "visits.settings"  # the survey questionnaire, the "not visited in N days" setting
VISITS_CASES = "visits.cases"  # write up and read case studies

PERMISSION_LABELS = {
    FEES_VIEW: _l("Look up fees"),
    FEES_COLLECT: _l("Take payments and issue receipts"),
    RECEIPTS_VOID: _l("Void receipts"),
    DAYCLOSE_VIEW_ALL: _l("See every cashier's day close"),
    CHARGES_MANAGE: _l("Manage fee items and charges"),
    ESTATE_VIEW: _l("View units and customers"),
    ESTATE_MANAGE: _l("Manage sites, units and customers"),
    CONTACT_DETAILS: _l("See full phone and ID numbers"),
    USERS_MANAGE: _l("Manage users and roles"),
    AUDIT_VIEW: _l("Search the audit log"),
    REPORTS_VIEW: _l("View reports"),
    LATE_FEES_WAIVE: _l("Waive late fees"),
    DUNNING_VIEW: _l("See payment and dunning notices"),
    DUNNING_DELIVER: _l("Record the delivery of notices"),
    DUNNING_ISSUE: _l("Issue payment and dunning notices"),
    VISITORS_REGISTER: _l("Register visitors"),
    VISITORS_VIEW: _l("See visitors and the visitor register"),
    VISITORS_MANAGE: _l("Manage visitor passes, the watch list and messages"),
    WORKORDERS_LOG: _l("Log and follow work orders"),
    WORKORDERS_VIEW: _l("See work orders"),
    WORKORDERS_WORK: _l("Work on the orders dispatched to me"),
    WORKORDERS_CHASE: _l("Issue chase notices"),
    WORKORDERS_SETTINGS: _l("Set departments, time limits and callbacks"),
    NOTICES_DRAFT: _l("Draft notices"),
    NOTICES_CHECK: _l("Approve notices first (supervisor)"),
    NOTICES_APPROVE: _l("Approve notices finally (project manager)"),
    NOTICES_POST: _l("Post notices and take them down"),
    VISITS_RECORD: _l("Plan and record customer visits"),
    VISITS_ALL: _l("See every company's visits and the survey reports"),
    VISITS_ASSIGN: _l("Assign companies to account managers"),
    VISITS_SETTINGS: _l("Edit the survey questionnaire and visit settings"),
    VISITS_CASES: _l("Write and read case studies"),
}

ROLE_PERMISSIONS = {
    CLERK: {FEES_VIEW, ESTATE_VIEW, DUNNING_VIEW, DUNNING_DELIVER, VISITORS_REGISTER, VISITORS_VIEW,
            WORKORDERS_LOG, WORKORDERS_VIEW, WORKORDERS_CHASE, NOTICES_DRAFT, VISITS_CASES},
    CASHIER: {FEES_VIEW, FEES_COLLECT, ESTATE_VIEW, CONTACT_DETAILS, DUNNING_VIEW, DUNNING_DELIVER},
    STEWARD: {ESTATE_VIEW, WORKORDERS_VIEW, NOTICES_POST},
    ACCOUNT_MANAGER: {FEES_VIEW, ESTATE_VIEW, CONTACT_DETAILS, DUNNING_VIEW, WORKORDERS_VIEW, VISITS_RECORD,
                      VISITS_CASES},
    TECHNICIAN: {WORKORDERS_WORK},
    SUPERVISOR: {FEES_VIEW, RECEIPTS_VOID, DAYCLOSE_VIEW_ALL, ESTATE_VIEW, CONTACT_DETAILS,
                 AUDIT_VIEW, REPORTS_VIEW, CHARGES_MANAGE, DUNNING_VIEW, DUNNING_DELIVER, DUNNING_ISSUE,
                 LATE_FEES_WAIVE, VISITORS_REGISTER, VISITORS_VIEW, VISITORS_MANAGE,
                 WORKORDERS_LOG, WORKORDERS_VIEW, WORKORDERS_CHASE, NOTICES_DRAFT, NOTICES_CHECK,
                 NOTICES_POST, VISITS_RECORD, VISITS_ALL, VISITS_ASSIGN, VISITS_CASES},
    PROJECT_MANAGER: {FEES_VIEW, DAYCLOSE_VIEW_ALL, ESTATE_VIEW, REPORTS_VIEW, DUNNING_VIEW, VISITORS_VIEW,
                      WORKORDERS_VIEW, NOTICES_APPROVE, VISITS_ALL, VISITS_ASSIGN, VISITS_CASES},
    ADMIN: {ESTATE_VIEW, ESTATE_MANAGE, CHARGES_MANAGE, USERS_MANAGE, AUDIT_VIEW, CONTACT_DETAILS, VISITORS_MANAGE,
            WORKORDERS_SETTINGS, VISITS_SETTINGS},
}


def permissions_for(roles) -> set[str]:
    perms = set()
    for role in roles:
        perms |= ROLE_PERMISSIONS.get(role, set())
    return perms


def permission_required(*permissions):
    """View decorator: the user must be logged in and hold at least one of `permissions`."""
    from functools import wraps

    from flask import abort
    from flask_login import current_user

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if not any(current_user.can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = permissions
        return wrapped

    return decorate
