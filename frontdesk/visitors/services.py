"""Every write of visitors: registering and booking visits, announcing them to the host, the host's
answer, passes and their shift counts, signing out, the watch list and the purge of ID numbers.

Services take the actor and the clock, flush and never commit, write their audit entry in the same
transaction and raise DomainError subclasses that the views show next to the field or as a flash."""
import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ..audit.services import record
from ..auth.permissions import VISITORS_MANAGE
from ..core import clock, notify
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..core.numbering import next_number
from ..estate import rules as estate_rules
from ..extensions import db
from . import queries, rules
from .models import (
    BAR, BY_APP, CANCELLED, EXPECTED, HOST_CONTACT, HOST_CUSTOMER, HOST_STAFF,
    ID_CARD, ID_TYPES, ON_SITE, PURPOSES, SIGNED_OUT, ANSWERS, PassCount, Visit, Visitor, VisitorPass,
    VisitorSettings, WATCH_LEVELS, WatchEntry,
)

# The one table of what a visit may become; `_move` checks it.
TRANSITIONS = {
    EXPECTED: {ON_SITE, CANCELLED},
    ON_SITE: {SIGNED_OUT},
    SIGNED_OUT: set(),
    CANCELLED: set(),
}
MAX_PARTY = 99
LINK_SALT = "visit-host-answer"


class WatchListHit(ValidationFailed):
    """The visitor matches the watch list; the clerk must see the warning and confirm."""

    def __init__(self, entries):
        barred = any(e.level == BAR for e in entries)
        super().__init__(_l("This visitor is BARRED by the site: %(reasons)s") if barred
                         else _l("This visitor is on the watch list: %(reasons)s"),
                         field="confirm_watch", reasons="; ".join(f"{e.name or e.id_number or e.phone}: {e.reason}"
                                                                  for e in entries))
        self.entries = entries
        self.barred = barred


@dataclass
class VisitorDetails:
    """What the clerk types about the visitor, before it is checked."""

    name: str
    phone: str
    company: str = ""
    party_size: int = 1
    purpose: str = "business"
    purpose_note: str = ""
    plate: str = ""
    id_type: str | None = None
    id_number: str | None = None


def _lock(visit):
    """Lock the visit's row for this transaction and read it afresh (FOR UPDATE on PostgreSQL;
    SQLite holds its write lock since BEGIN IMMEDIATE): of two desks changing one visit at the
    same moment, the second sees what the first did and is refused."""
    db.session.scalars(sa.select(Visit).where(Visit.id == visit.id).with_for_update()
                       .execution_options(populate_existing=True)).one()


def _move(visit, to, *, actor, now, summary=""):
    _lock(visit)
    before = visit.status
    if to not in TRANSITIONS[before]:
        raise InvalidTransition(_TRANSITION_MESSAGES.get((before, to), _l("This visit cannot change that way.")))
    visit.status = to
    db.session.flush()
    record(f"visit.{to}", actor=actor, now=now, obj=visit, summary=summary or f"{visit.number} {visit.name}",
           before={"status": before}, after={"status": to})


_TRANSITION_MESSAGES = {
    (SIGNED_OUT, SIGNED_OUT): _l("This visitor has already been signed out."),
    (CANCELLED, SIGNED_OUT): _l("This booking was cancelled; there is nobody to sign out."),
    (EXPECTED, SIGNED_OUT): _l("This visitor has not arrived yet."),
    (ON_SITE, ON_SITE): _l("This visitor has already been checked in."),
    (SIGNED_OUT, ON_SITE): _l("This visit is over; register the visitor again."),
    (CANCELLED, ON_SITE): _l("This booking was cancelled; register the visitor instead."),
    (ON_SITE, CANCELLED): _l("The visitor has arrived; sign them out instead."),
    (SIGNED_OUT, CANCELLED): _l("This visit is over."),
    (CANCELLED, CANCELLED): _l("This booking was cancelled already."),
}


# --- checking what the clerk typed -------------------------------------------------------------

def _clean(details: VisitorDetails, settings: VisitorSettings, today: date, require_id=True) -> VisitorDetails:
    """The visitor's details checked and normalised. ID documents are kept only where the site
    registers them (the least personal data that does the job); `require_id` is off for bookings,
    whose ID can still be given at check-in."""
    name = (details.name or "").strip()
    if not name:
        raise ValidationFailed(_l("Enter the visitor's name."), field="name")
    if len(name) > 60:
        raise ValidationFailed(_l("A name has at most 60 characters."), field="name")
    phone = estate_rules.normalise_phone(details.phone or "", field="phone")
    if details.purpose not in PURPOSES:
        raise ValidationFailed(_l("Choose the purpose of the visit."), field="purpose")
    if not 1 <= int(details.party_size or 0) <= MAX_PARTY:
        raise ValidationFailed(_l("The number of people is between 1 and %(max)s."), field="party_size", max=MAX_PARTY)
    plate = rules.normalise_plate(details.plate)
    id_type = details.id_type or None
    id_number = (details.id_number or "").strip() or None
    if not settings.id_required:
        id_type = id_number = None
    if id_type and id_type not in ID_TYPES:
        raise ValidationFailed(_l("Choose the kind of ID document."), field="id_type")
    if settings.id_required and require_id and not id_number:
        raise ValidationFailed(_l("This site registers an ID document for every visitor: enter its number."),
                               field="id_number")
    if id_number:
        id_type = id_type or ID_CARD
        if id_type == ID_CARD:
            id_number = estate_rules.normalise_id_number(id_number, today)
        else:
            id_number = estate_rules.halfwidth(id_number).replace(" ", "").upper()
            if not 5 <= len(id_number) <= 30 or not id_number.isalnum():
                raise ValidationFailed(_l("A document number has 5 to 30 letters and digits."), field="id_number")
    else:
        id_type = None
    return VisitorDetails(name=name, phone=phone, company=(details.company or "").strip()[:100],
                          party_size=int(details.party_size), purpose=details.purpose,
                          purpose_note=(details.purpose_note or "").strip()[:200], plate=plate,
                          id_type=id_type, id_number=id_number)


def _with_id_on_file(site_id, details):
    """A returning visitor's ID document kept from an earlier visit (until the purge erases it)."""
    try:
        phone = estate_rules.normalise_phone(details.phone or "")
    except ValidationFailed:
        return details
    known = queries.returning_visitor(site_id, phone)
    if known is None or not known[0].id_number:
        return details
    return replace(details, id_type=known[0].id_type, id_number=known[0].id_number)


def _check_host(host):
    if host is None:
        raise ValidationFailed(_l("Choose the host from the list: type part of a name, company or unit."),
                               field="host")
    if not host.active:
        message = (_l("%(name)s no longer works here: ask the visitor whom else they can see.") if host.kind == HOST_STAFF
                   else _l("%(name)s has moved out of the site: ask the visitor whom else they can see."))
        raise ValidationFailed(message, field="host", name=host.name)


def _check_watch_list(site_id, details, confirmed, actor) -> str:
    """The warning the clerk must confirm; someone the site has barred is admitted only by a
    supervisor (who holds visitors.manage), never on a clerk's tick alone."""
    hits = queries.watch_hits(site_id, name=details.name, id_number=details.id_number, phone=details.phone)
    if hits and not confirmed:
        raise WatchListHit(hits)
    if any(e.level == BAR for e in hits) and not actor.can(VISITORS_MANAGE):
        raise NotAllowed(_l("This visitor is barred by the site: only a supervisor can admit them. Call the supervisor."),
                         field="confirm_watch")
    return "; ".join(f"[{e.level}] {e.reason}" for e in hits)[:300]


def _new_visit(site, details, host, *, status, actor, now, watch_note="") -> Visit:
    year = clock.business_day(now).year
    seq = next_number(db.session, "visit", site.code, year)
    visit = Visit(
        site_id=site.id, number=f"FK{year}-{seq:06d}", status=status, name=details.name, phone=details.phone,
        company=details.company, party_size=details.party_size, purpose=details.purpose,
        purpose_note=details.purpose_note, plate=details.plate, id_type=details.id_type, id_number=details.id_number,
        watch_note=watch_note, host_kind=host.kind, host_name=host.name, host_company=host.company,
        host_unit=host.unit, host_phone=host.phone, host_email=host.email, link_nonce=secrets.token_hex(16),
        answer_note="")
    setattr(visit, {HOST_CONTACT: "host_contact_id", HOST_CUSTOMER: "host_customer_id",
                    HOST_STAFF: "host_user_id"}[host.kind], host.id)
    db.session.add(visit)
    db.session.flush()
    return visit


def _remember_visitor(site_id, visit, now):
    """Keep the visitor's latest details under their phone number, for the next time they come."""
    visitor = db.session.scalars(sa.select(Visitor).where(Visitor.site_id == site_id,
                                                          Visitor.phone == visit.phone)).one_or_none()
    if visitor is None:
        visitor = Visitor(site_id=site_id, phone=visit.phone, created_at=now, visits=0)
        db.session.add(visitor)
    visitor.name, visitor.company, visitor.plate = visit.name, visit.company, visit.plate
    if visit.id_number:
        visitor.id_type, visitor.id_number = visit.id_type, visit.id_number
    visitor.visits = (visitor.visits or 0) + 1
    visitor.last_visit_at, visitor.last_visit_id = now, visit.id
    db.session.flush()
    visit.visitor_id = visitor.id


# --- registering, booking, checking in ---------------------------------------------------------

def register_visit(site, details: VisitorDetails, host, *, actor, now, pass_id=None, confirm_watch=False,
                   base_url="") -> Visit:
    """Register a visitor who has walked in: check what was typed (where the site registers ID
    documents and none was typed, the one on file from an earlier visit is used), warn of the watch
    list (raises WatchListHit unless `confirm_watch`), number the visit, hand out the pass, remember
    the visitor and announce them to the host through the outbox. Logs visit.register."""
    settings = queries.settings_of(site.id)
    if settings.id_required and not (details.id_number or "").strip():
        details = _with_id_on_file(site.id, details)
    details = _clean(details, settings, clock.business_day(now))
    _check_host(host)
    watch_note = _check_watch_list(site.id, details, confirm_watch, actor)
    if pass_id:
        _check_pass_free(site.id, pass_id)
    visit = _new_visit(site, details, host, status=ON_SITE, actor=actor, now=now, watch_note=watch_note)
    visit.arrived_at, visit.registered_by_id = now, actor.id
    if pass_id:
        _hand_out_pass(visit, pass_id)
    _remember_visitor(site.id, visit, now)
    record("visit.register", actor=actor, now=now, obj=visit, summary=f"{visit.number} {visit.name} → {host.name}",
           after={"host": host.ref, "purpose": visit.purpose, "pass": visit.pass_number, "watch": watch_note})
    announce(visit, site=site, now=now, base_url=base_url)
    return visit


def book_visit(site, details: VisitorDetails, host, expected_on: date, *, actor, now) -> Visit:
    """Book a visit ahead for a host: the desk sees it in "expected today" and checks it in with
    one click. Logs visit.book."""
    today = clock.business_day(now)
    if expected_on is None or expected_on < today:
        raise ValidationFailed(_l("A visit is booked for today or a later day."), field="expected_on")
    if expected_on > today + timedelta(days=365):
        raise ValidationFailed(_l("A visit is booked at most a year ahead."), field="expected_on")
    details = _clean(details, queries.settings_of(site.id), today, require_id=False)
    _check_host(host)
    visit = _new_visit(site, details, host, status=EXPECTED, actor=actor, now=now)
    visit.expected_on, visit.booked_at, visit.booked_by_id = expected_on, now, actor.id
    record("visit.book", actor=actor, now=now, obj=visit, summary=f"{visit.number} {visit.name} → {host.name}",
           after={"host": host.ref, "expected_on": expected_on})
    return visit


def check_in(visit, *, site, actor, now, pass_id=None, confirm_watch=False, base_url="", id_type=None,
             id_number=None) -> Visit:
    """An expected visitor has arrived: the ID document taken where the site requires one (typed
    now, given at booking, or on file from an earlier visit), the watch list checked, the next free
    pass (or the one chosen) handed out, and the host told. Raises InvalidTransition when the
    booking was cancelled or already checked in, ValidationFailed when the host has moved out or
    the ID is missing or mistyped. Logs visit.on_site."""
    host = queries.host_by_ref(site.id, queries.host_of(visit), clock.business_day(now))
    if visit.status != EXPECTED:
        _move(visit, ON_SITE, actor=actor, now=now)  # raises with the reason
    _check_host(host)
    settings = queries.settings_of(site.id)
    details = VisitorDetails(name=visit.name, phone=visit.phone, company=visit.company, party_size=visit.party_size,
                             purpose=visit.purpose, plate=visit.plate, id_type=id_type or visit.id_type,
                             id_number=(id_number or "").strip() or visit.id_number)
    if settings.id_required and not details.id_number:
        details = _with_id_on_file(site.id, details)
    details = _clean(details, settings, clock.business_day(now))
    visit.id_type, visit.id_number = details.id_type, details.id_number
    visit.watch_note = _check_watch_list(site.id, details, confirm_watch, actor)
    _move(visit, ON_SITE, actor=actor, now=now)
    visit.arrived_at, visit.registered_by_id = now, actor.id
    if pass_id is None:
        free = queries.free_passes(site.id)
        pass_id = free[0].id if free else None
    if pass_id:
        _hand_out_pass(visit, pass_id)
    _remember_visitor(site.id, visit, now)
    announce(visit, site=site, now=now, base_url=base_url)
    return visit


def cancel_booking(visit, *, actor, now):
    """The booked visitor will not come. Logs visit.cancelled."""
    _move(visit, CANCELLED, actor=actor, now=now)
    visit.cancelled_at = now


# --- announcing and the host's answer ----------------------------------------------------------

def host_link_serializer(now=None):
    """Signs and reads host links; the time in a link is the desk's clock (core.clock), so a link
    made and checked "as of" a date ages by that date."""
    class DeskClockSigner(TimestampSigner):
        def get_timestamp(self):
            return int((now or clock.now()).timestamp())

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT, signer=DeskClockSigner)


def host_token(visit, now=None) -> str:
    """The signed token in the host's link: the visit and its nonce, stamped with `now`."""
    return host_link_serializer(now).dumps({"v": visit.id, "n": visit.link_nonce})


def visit_from_token(token, now) -> Visit:
    """The visit a host's link is for. Raises NotAllowed for a forged or altered link and for one
    older than HOST_LINK_HOURS as of `now`."""
    max_age = timedelta(hours=current_app.config["HOST_LINK_HOURS"])
    try:
        payload, signed_at = host_link_serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise NotAllowed(_l("This link is not valid. Please call the front desk."))
    if now - signed_at > max_age:
        raise NotAllowed(_l("This link has expired. Please call the front desk."))
    visit = db.session.get(Visit, payload.get("v")) if isinstance(payload, dict) and isinstance(payload.get("v"), int) else None
    if visit is None or not secrets.compare_digest(str(payload.get("n")), visit.link_nonce):
        raise NotAllowed(_l("This link is not valid. Please call the front desk."))
    return visit


def announce(visit, *, site, now, base_url):
    """Tell the host, through the outbox: an email when the host has an address and mail is set
    up, a text message when the host has a mobile number. Staff hosts also see the visit on their
    home page. The message names the visitor, their company, purpose and party, and carries the
    host's link. Logs visit.announce."""
    base = (base_url or current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000/").rstrip("/")
    link = f"{base}/visitors/h/{host_token(visit, now)}"
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        purpose = str(rules.PURPOSE_LABELS[visit.purpose])
        who = visit.name + (f"（{visit.company}）" if visit.company else "")
        party = _("%(num)s people", num=visit.party_size) if visit.party_size > 1 else ""
        subject = _("Visitor at the front desk: %(who)s", who=who)
        body = _("%(host)s, hello. %(who)s is at the front desk of %(site)s to see you. Purpose: %(purpose)s%(note)s. "
                 "%(party)s\nPlease answer (receive in the lobby / send up / decline): %(link)s\n"
                 "Visit %(number)s. Thank you.",
                 host=visit.host_name, who=who, site=site.name, purpose=purpose,
                 note=f"（{visit.purpose_note}）" if visit.purpose_note else "", party=party, link=link,
                 number=visit.number)
        sms = _("[%(site)s] %(who)s is at the front desk to see you (%(purpose)s). Answer: %(link)s",
                site=site.name, who=who, purpose=purpose, link=link)
    if visit.host_email and notify.email_configured(current_app.config):
        notify.enqueue(db.session, notify.EMAIL, visit.host_email, body, subject=subject, now=now, site_id=site.id,
                       obj=visit)
    if visit.host_phone and estate_rules.is_mobile(visit.host_phone):
        notify.enqueue(db.session, notify.SMS, visit.host_phone, sms, now=now, site_id=site.id, obj=visit)
    visit.announced_at = now
    db.session.flush()
    record("visit.announce", actor=None, now=now, obj=visit, summary=f"{visit.number} → {visit.host_name}")


def answer_visit(visit, answer, note="", *, via, actor, now) -> Visit:
    """Record the host's answer: receive in the lobby, send up, or decline with a short message.
    `via` says whether it came through the link, the app or by phone (recorded by `actor`). A
    visit is answered once: a second answer raises InvalidTransition and changes nothing.
    Logs visit.answer."""
    if answer not in ANSWERS:
        raise ValidationFailed(_l("Choose an answer."), field="answer")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(_l("The message has at most 200 characters."), field="note")
    _lock(visit)
    if visit.status != ON_SITE:
        raise InvalidTransition(_l("The visitor is no longer at the desk: nothing was changed."))
    if visit.answer is not None:
        raise InvalidTransition(_l("This visit was already answered (%(answer)s, %(way)s): nothing was changed."),
                                answer=rules.ANSWER_LABELS[visit.answer], way=rules.WAY_LABELS[visit.answered_via])
    if via == BY_APP and (actor is None or actor.id != visit.host_user_id):
        raise NotAllowed(_l("Only the host answers for their visitor."))
    visit.answer, visit.answer_note, visit.answered_at, visit.answered_via = answer, note, now, via
    visit.answer_recorded_by_id = getattr(actor, "id", None)
    db.session.flush()
    record("visit.answer", actor=actor, now=now, obj=visit, summary=f"{visit.number} {answer}",
           after={"answer": answer, "note": note, "via": via})
    return visit


# --- passes ------------------------------------------------------------------------------------

def _pass_out(number, active=True):
    if not active:
        return ValidationFailed(_l("Pass %(number)s is out of service: choose another."), field="pass_id", number=number)
    return ValidationFailed(_l("Pass %(number)s is already out: choose another."), field="pass_id", number=number)


def _check_pass_free(site_id, pass_id):
    """Refuse a pass that is out (or retired, or another site's) before the visit is numbered, so
    the refusal writes nothing. The conditional UPDATE of `_hand_out_pass` still catches a clerk
    who takes the pass a moment later; the caller's rollback then undoes the number."""
    table = VisitorPass.__table__
    card = db.session.execute(sa.select(table.c.number, table.c.active, table.c.out_visit_id)
                              .where(table.c.id == pass_id, table.c.site_id == site_id)).first()
    if card is None or not card.active or card.out_visit_id is not None:
        raise _pass_out(card.number if card else "?", active=card is None or card.active)


def _hand_out_pass(visit, pass_id):
    """Give the pass to the visit with one conditional UPDATE: if another clerk gave it out a
    moment ago, the pass is not changed and the clerk is told (the caller rolls the visit back)."""
    table = VisitorPass.__table__
    taken = db.session.execute(
        sa.update(table).where(table.c.id == pass_id, table.c.site_id == visit.site_id, table.c.active.is_(True),
                               table.c.out_visit_id.is_(None))
        .values(out_visit_id=visit.id)).rowcount
    if not taken:
        card = db.session.get(VisitorPass, pass_id)
        raise _pass_out(card.number if card else "?")
    card = db.session.get(VisitorPass, pass_id)
    db.session.refresh(card)
    visit.pass_id, visit.pass_number = card.id, card.number
    db.session.flush()


def issue_pass(visit, pass_id, *, actor, now):
    """Hand a pass to a visitor on site who has none (the host said to send them up). Logs visit.pass."""
    _lock(visit)
    if visit.status != ON_SITE:
        raise InvalidTransition(_l("Only a visitor on site can be given a pass."))
    if visit.pass_id and db.session.get(VisitorPass, visit.pass_id).out_visit_id == visit.id:
        raise InvalidTransition(_l("This visitor already holds pass %(number)s."), number=visit.pass_number)
    _hand_out_pass(visit, pass_id)
    record("visit.pass", actor=actor, now=now, obj=visit, summary=f"{visit.number} {visit.pass_number}",
           after={"pass": visit.pass_number})


def add_passes(site, numbers, *, actor, now) -> list[VisitorPass]:
    """Add passes to the site's inventory; a number already there is refused. Logs visitor_pass.add."""
    cleaned = [rules.normalise_pass_number(n) for n in numbers if str(n).strip()]
    if not cleaned:
        raise ValidationFailed(_l("Enter the numbers of the passes."), field="numbers")
    if len(cleaned) > 500:
        raise ValidationFailed(_l("Add at most 500 passes at a time."), field="numbers")
    taken = db.session.scalars(sa.select(VisitorPass.number).where(VisitorPass.site_id == site.id,
                                                                   VisitorPass.number.in_(cleaned))).all()
    if taken or len(set(cleaned)) != len(cleaned):
        duplicate = taken[0] if taken else next(n for n in cleaned if cleaned.count(n) > 1)
        raise ValidationFailed(_l("Pass %(number)s is already in the inventory."), field="numbers", number=duplicate)
    cards = [VisitorPass(site_id=site.id, number=n, active=True) for n in cleaned]
    db.session.add_all(cards)
    db.session.flush()
    record("visitor_pass.add", actor=actor, now=now, object_type="site", object_id=site.id,
           summary=f"{len(cards)}: {cleaned[0]}…{cleaned[-1]}", after={"numbers": cleaned})
    return cards


def retire_pass(card, *, actor, now):
    """Take a pass out of service (lost for good, broken); it stays in the record. Logs visitor_pass.retire."""
    if not card.active:
        raise InvalidTransition(_l("Pass %(number)s is out of service already."), number=card.number)
    if card.out_visit_id is not None:
        raise InvalidTransition(_l("Pass %(number)s is out with a visitor: sign them out first."), number=card.number)
    card.active = False
    record("visitor_pass.retire", actor=actor, now=now, obj=card, summary=card.number)


def record_pass_count(site, *, outgoing, incoming, present_ids, note="", actor, now) -> PassCount:
    """The shift-change count: the passes both clerks found in the drawer. A pass that should be
    there and is not is flagged as missing until a later count finds it. Logs pass_count.record."""
    if incoming is None or incoming.id == outgoing.id or incoming.site_id != site.id or not incoming.active:
        raise ValidationFailed(_l("Choose the clerk taking over the desk: another active member of staff of this site."),
                               field="incoming")
    cards = db.session.scalars(sa.select(VisitorPass).where(VisitorPass.site_id == site.id,
                                                            VisitorPass.active.is_(True))).all()
    present = set(present_ids)
    drawer = [c for c in cards if c.out_visit_id is None]
    missing = [c for c in drawer if c.id not in present]
    for card in drawer:
        card.missing_since = (card.missing_since or now) if card in missing else None
    count = PassCount(site_id=site.id, counted_at=now, outgoing_id=outgoing.id, incoming_id=incoming.id,
                      expected=len(drawer), counted=len(drawer) - len(missing), out=len(cards) - len(drawer),
                      missing=",".join(c.number for c in missing)[:500], note=(note or "").strip()[:300])
    db.session.add(count)
    db.session.flush()
    record("pass_count.record", actor=actor, now=now, obj=count,
           summary=f"{count.counted}/{count.expected}" + (f" missing {count.missing}" if missing else ""),
           after={"outgoing": outgoing.username, "incoming": incoming.username, "missing": count.missing})
    return count


# --- signing out -------------------------------------------------------------------------------

def sign_out(visit, *, via, actor, now) -> Visit:
    """The visitor has left: the pass comes back. Signing out twice raises InvalidTransition and
    changes nothing. Logs visit.signed_out."""
    if via == BY_APP and (actor is None or actor.id != visit.host_user_id):
        raise NotAllowed(_l("Only the host signs their visitor out."))
    _move(visit, SIGNED_OUT, actor=actor, now=now)
    visit.signed_out_at, visit.signed_out_via, visit.signed_out_by_id = now, via, getattr(actor, "id", None)
    if visit.pass_id:
        table = VisitorPass.__table__
        db.session.execute(sa.update(table).where(table.c.id == visit.pass_id, table.c.out_visit_id == visit.id)
                           .values(out_visit_id=None, missing_since=None))
    db.session.flush()
    return visit


# --- settings and the watch list ---------------------------------------------------------------

def save_settings(site, *, id_required, answer_minutes, actor, now) -> VisitorSettings:
    """Change how the site registers visitors. Logs visitor_settings.update."""
    if not isinstance(answer_minutes, int) or not 1 <= answer_minutes <= 120:
        raise ValidationFailed(_l("Wait between 1 and 120 minutes for the host."), field="answer_minutes")
    settings = db.session.get(VisitorSettings, site.id)
    if settings is None:
        settings = VisitorSettings(site_id=site.id)
        db.session.add(settings)
    before = {"id_required": settings.id_required, "answer_minutes": settings.answer_minutes}
    settings.id_required, settings.answer_minutes = bool(id_required), answer_minutes
    db.session.flush()
    record("visitor_settings.update", actor=actor, now=now, object_type="site", object_id=site.id,
           summary=site.name, before=before, after={"id_required": bool(id_required), "answer_minutes": answer_minutes})
    return settings


def add_watch_entry(site, *, level, name="", id_number="", phone="", reason, actor, now) -> WatchEntry:
    """Add someone to the watch list by name, ID number or phone (at least one). Logs watch_entry.add."""
    if level not in WATCH_LEVELS:
        raise ValidationFailed(_l("Choose flag or bar."), field="level")
    name = (name or "").strip()[:60]
    id_number = estate_rules.halfwidth(id_number or "").replace(" ", "").upper() or None
    phone = estate_rules.normalise_phone(phone, field="phone") if (phone or "").strip() else None
    if id_number and len(id_number) == 18:
        id_number = estate_rules.normalise_id_number(id_number)
    if not (name or id_number or phone):
        raise ValidationFailed(_l("Give a name, an ID number or a phone number."), field="name")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why, so the clerk knows what to do."), field="reason")
    entry = WatchEntry(site_id=site.id, level=level, name=name, id_number=id_number, phone=phone, reason=reason[:200],
                       active=True, added_at=now, added_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    record("watch_entry.add", actor=actor, now=now, obj=entry, summary=f"{level} {name or id_number or phone}",
           after={"level": level, "name": name, "reason": reason})
    return entry


def remove_watch_entry(entry, *, actor, now):
    """Take someone off the watch list (kept, inactive). Logs watch_entry.remove."""
    if not entry.active:
        raise InvalidTransition(_l("This entry was removed already."))
    entry.active = False
    record("watch_entry.remove", actor=actor, now=now, obj=entry, summary=entry.name or entry.id_number or "")


# --- privacy -----------------------------------------------------------------------------------

def purge_id_numbers(*, retention_days, now, actor=None) -> int:
    """Erase the ID document numbers of visits that arrived more than `retention_days` ago, and of
    visitors whose number no longer stands on any visit. Returns how many visits were erased.
    Logs visitors.purge."""
    if retention_days < 1:
        raise ValidationFailed(_l("Keep ID numbers at least one day."), field="retention_days")
    cutoff = clock.day_bounds(clock.business_day(now) - timedelta(days=retention_days))[0]
    visits = db.session.execute(
        sa.update(Visit).where(Visit.id_number.is_not(None), Visit.arrived_at < cutoff)
        .values(id_number=None, id_type=None, id_erased_at=now).execution_options(synchronize_session=False)).rowcount
    # bookings that never arrived keep no ID longer than the visits that did
    visits += db.session.execute(
        sa.update(Visit).where(Visit.id_number.is_not(None), Visit.arrived_at.is_(None), Visit.booked_at < cutoff)
        .values(id_number=None, id_type=None, id_erased_at=now).execution_options(synchronize_session=False)).rowcount
    # a visitor's number is as old as the visit it was copied from, however recently they came back
    still_on_a_visit = sa.select(Visit.id).where(Visit.visitor_id == Visitor.id, Visit.id_number == Visitor.id_number)
    visitors = db.session.execute(
        sa.update(Visitor).where(Visitor.id_number.is_not(None), ~still_on_a_visit.exists())
        .values(id_number=None, id_type=None).execution_options(synchronize_session=False)).rowcount
    record("visitors.purge", actor=actor, now=now, object_type="visit",
           summary=f"{visits} visits, {visitors} visitors before {cutoff.date().isoformat()}",
           after={"visits": visits, "visitors": visitors, "retention_days": retention_days,
                  "before": cutoff.isoformat()})
    return visits
