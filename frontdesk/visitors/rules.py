"""Pure rules of visitor registration: what a plate and a pass number look like, when the desk
must phone the host, who on the watch list a visitor matches, and the labels the desk shows."""
import re
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from ..core.errors import ValidationFailed
from ..estate.rules import halfwidth
from .models import BAR, BY_APP, BY_DESK, BY_LINK, BY_PHONE, DECLINE, LOBBY, SEND_UP

PURPOSE_LABELS = {"business": _l("Business"), "interview": _l("Interview"), "delivery": _l("Delivery"),
                  "contractor": _l("Contractor"), "other": _l("Other")}
ID_TYPE_LABELS = {"id_card": _l("Resident ID card"), "passport": _l("Passport"),
                  "hk_macao_permit": _l("Hong Kong / Macao travel permit"), "taiwan_permit": _l("Taiwan travel permit"),
                  "other": _l("Other document")}
STATUS_LABELS = {"expected": _l("Expected"), "on_site": _l("On site"), "signed_out": _l("Signed out"),
                 "cancelled": _l("Cancelled")}
ANSWER_LABELS = {LOBBY: _l("Receive in the lobby"), SEND_UP: _l("Send up"), DECLINE: _l("Declined")}
WAY_LABELS = {BY_LINK: _l("by the host's link"), BY_APP: _l("in the app"), BY_PHONE: _l("by phone"),
              BY_DESK: _l("at the desk")}
OUTBOX_LABELS = {"queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"), "failed": _l("Failed")}
WATCH_LEVEL_LABELS = {"flag": _l("Flag: warn the desk"), "bar": _l("Barred: do not admit")}

# 京A12345, 粤B·D12345 (new-energy plates have six characters after the letter)
_PLATE = re.compile(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}")
_PASS_NUMBER = re.compile(r"[0-9A-Z-]{1,10}")


def normalise_plate(text) -> str:
    """A mainland vehicle plate in upper case without spaces or the middle dot; empty when none."""
    plate = re.sub(r"[\s·•.\-]", "", halfwidth(text or "")).upper()
    if plate and not _PLATE.fullmatch(plate):
        raise ValidationFailed(_l("'%(value)s' is not a vehicle plate: write it as 京A12345."), field="plate", value=text)
    return plate


def normalise_pass_number(text) -> str:
    number = halfwidth(text or "").strip().upper()
    if not _PASS_NUMBER.fullmatch(number):
        raise ValidationFailed(_l("A pass number has up to 10 letters, digits or dashes."), field="numbers")
    return number


def pass_numbers(first: int, count: int, width: int = 3) -> list[str]:
    """Numbers for a new batch of passes: 001, 002, ..."""
    return [str(n).zfill(width) for n in range(first, first + count)]


def expand_pass_numbers(text) -> list[str]:
    """"001-020, 050" → 001 … 020 and 050: ranges keep the width of their first number."""
    numbers = []
    for part in re.split(r"[\s,，、;；]+", halfwidth(text or "").strip()):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if dash and low.isdigit() and high.isdigit():
            first, last = int(low), int(high)
            if last < first or last - first >= 1000:
                raise ValidationFailed(_l("'%(value)s' is not a range of pass numbers."), field="numbers", value=part)
            numbers += pass_numbers(first, last - first + 1, len(low))
        else:
            numbers.append(part)
    return numbers


def answer_overdue(announced_at: datetime | None, answer: str | None, minutes: int, now: datetime) -> bool:
    """The host has not answered within the site's minutes: the desk should phone them."""
    return announced_at is not None and answer is None and now >= announced_at + timedelta(minutes=minutes)


def hosts_to_phone(visits, minutes: int, now: datetime) -> set[int]:
    """The visits on a list whose host has not answered in time."""
    return {v.id for v in visits if answer_overdue(v.announced_at, v.answer, minutes, now)}


def _name_key(name) -> str:
    return re.sub(r"[\s·•.]", "", halfwidth(name or "")).lower()


def watch_matches(entries, *, name, id_number, phone):
    """The watch-list entries a visitor matches: by ID number or phone number exactly, or by the
    whole name (spaces and dots ignored). Barred entries first."""
    key = _name_key(name)
    found = [e for e in entries
             if (e.id_number and id_number and e.id_number == id_number)
             or (e.phone and phone and e.phone == phone)
             or (e.name and key and _name_key(e.name) == key)]
    return sorted(found, key=lambda e: e.level != BAR)


def host_label(kind, name, company, unit) -> str:
    """王经理 · 星河科技 · A-1203, as the host is shown in lists and on the slip."""
    return " · ".join(part for part in (name, company, unit) if part)
