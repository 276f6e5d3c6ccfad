"""Every write of billing: fee items, charges, meter readings, payments, receipts, voids, day closes.

Services take the actor and the clock as arguments, flush and never commit, write their audit entry
in the same transaction and raise DomainError subclasses the views show to the user."""
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.permissions import DAYCLOSE_VIEW_ALL, FEES_COLLECT, RECEIPTS_VOID
from ..core import clock
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..core.money import AmountError, amount_in_capitals, format_amount, parse_amount
from ..core.numbering import next_number
from ..estate.models import Site, Unit
from ..extensions import db
from . import queries, rules
from .models import (
    BASES, CASH, COMPLETED, FIXED_MONTH, ISSUED, METERED, METHODS, ONE_OFF, PAID, PER_AREA_MONTH, VOIDED,
    Charge, DayClose, FeeItem, MeterReading, Payment, PaymentLine, PrepaymentEntry, Receipt,
)

ZERO = Decimal("0.00")


def _amount(value, field_name, *, allow_zero=False):
    """An amount given to a service: the view parsed it already, the CLI and tests may not have."""
    try:
        return parse_amount(value, allow_zero=allow_zero)
    except AmountError:
        raise ValidationFailed(_l("Enter an amount above zero with at most two decimal places, below 1,000,000,000."),
                               field=field_name) from None


def _locked(query):
    """Rows locked for this transaction (FOR UPDATE on PostgreSQL; SQLite already holds the write
    lock since BEGIN IMMEDIATE), refreshed even when the session loaded them before."""
    return query.with_for_update().execution_options(populate_existing=True)


# --- fee items -----------------------------------------------------------------------------------

def _check_fee_item(site, code, basis, price, multiplier, due_day, item_id=None):
    if basis not in BASES:
        raise ValidationFailed(_l("Choose how the fee is computed."), field="basis")
    if price is None or Decimal(price) < 0 or Decimal(price) > Decimal("99999999"):
        raise ValidationFailed(_l("Enter a price of zero or more."), field="price")
    if multiplier is None or Decimal(multiplier) <= 0 or Decimal(multiplier) > Decimal("99999999"):
        raise ValidationFailed(_l("The multiplier must be above zero."), field="multiplier")
    if not 1 <= int(due_day) <= 28:
        raise ValidationFailed(_l("The due day must be between 1 and 28."), field="due_day")
    taken = db.session.scalar(sa.select(FeeItem.id).where(FeeItem.site_id == site.id, FeeItem.code == code,
                                                          FeeItem.id != (item_id or 0)))
    if taken:
        raise ValidationFailed(_l("Another fee item already uses the code %(code)s."), field="code", code=code)


def create_fee_item(site, *, code, name, basis, price, multiplier=Decimal("1"), unit_label="", applies_to="",
                    due_day=15, actor, now) -> FeeItem:
    """Add a fee item to a site. Raises ValidationFailed for a taken code or impossible values.
    Audited as fee_item.create."""
    code = code.strip()
    _check_fee_item(site, code, basis, price, multiplier, due_day)
    item = FeeItem(site_id=site.id, code=code, name=name.strip(), basis=basis, price=Decimal(price),
                   multiplier=Decimal(multiplier), unit_label=unit_label.strip(), applies_to=applies_to,
                   due_day=int(due_day), active=True)
    db.session.add(item)
    db.session.flush()
    record("fee_item.create", actor=actor, now=now, obj=item, summary=item.name, after=_fee_item_facts(item))
    return item


def update_fee_item(item, *, code, name, basis, price, multiplier, unit_label, applies_to, due_day, active,
                    actor, now) -> FeeItem:
    """Change a fee item. Charges already billed keep their amounts. Audited as fee_item.update."""
    code = code.strip()
    _check_fee_item(item.site, code, basis, price, multiplier, due_day, item_id=item.id)
    before = _fee_item_facts(item)
    item.code, item.name, item.basis = code, name.strip(), basis
    item.price, item.multiplier = Decimal(price), Decimal(multiplier)
    item.unit_label, item.applies_to, item.due_day, item.active = unit_label.strip(), applies_to, int(due_day), bool(active)
    db.session.flush()
    record("fee_item.update", actor=actor, now=now, obj=item, summary=item.name, before=before,
           after=_fee_item_facts(item))
    return item


def _fee_item_facts(item):
    return {"code": item.code, "name": item.name, "basis": item.basis, "price": str(item.price),
            "multiplier": str(item.multiplier), "applies_to": item.applies_to, "due_day": item.due_day,
            "active": item.active}


# --- charges -------------------------------------------------------------------------------------

@dataclass
class GenerationResult:
    created: int = 0
    skipped: list[str] = field(default_factory=list)


def generate_charges(site, period, *, actor, now) -> GenerationResult:
    """Bill every unit of the site for a period with each active monthly fee item (per m², fixed).

    Safe to run twice: a charge's dedupe_key (unit:fee item:period) is skipped when it exists.
    A unit with no billed occupant for the period, or whose amount comes to zero, is skipped and
    reported. Raises ValidationFailed for a malformed period. Audited as charges.generate."""
    try:
        period = rules.parse_period(period)
    except ValueError:
        raise ValidationFailed(_l("Enter the billing period as YYYY-MM, for example 2026-03."), field="period") from None
    # one generation per site at a time: a second run waits here and then finds every key taken
    db.session.execute(sa.select(Site.id).where(Site.id == site.id).with_for_update())
    items = [i for i in queries.fee_items(site.id, basis=(PER_AREA_MONTH, FIXED_MONTH), active_only=True)]
    result = GenerationResult()
    if not items:
        result.skipped.append(str(_l("There is no active monthly fee item to bill.")))
        return result
    start, end = rules.period_bounds(period)
    units = db.session.scalars(sa.select(Unit).where(Unit.site_id == site.id).order_by(Unit.number)).all()
    occupants = queries.billed_occupants(site.id, start, end)
    existing = set(db.session.scalars(sa.select(Charge.dedupe_key).where(
        Charge.site_id == site.id, Charge.period == period, Charge.dedupe_key.is_not(None))))
    for unit in units:
        customer = occupants.get(unit.id)
        if customer is None:
            result.skipped.append(str(_l("%(unit)s: nobody is billed for this unit in %(period)s.",
                                         unit=unit.number, period=period)))
            continue
        for item in items:
            key = f"{unit.id}:{item.id}:{period}"
            if key in existing or not item.applies_to_use(unit.use):
                continue
            amount = rules.charge_amount(item.basis, item.price, area=unit.area)
            if amount <= 0:
                result.skipped.append(str(_l("%(unit)s: %(item)s comes to zero and was not billed.",
                                             unit=unit.number, item=item.name)))
                continue
            db.session.add(Charge(site_id=site.id, unit_id=unit.id, customer_id=customer.id, fee_item_id=item.id,
                                  period=period, amount=amount, paid=ZERO, status="unpaid",
                                  due_on=rules.due_date(period, item.due_day), description="", dedupe_key=key,
                                  created_at=now, created_by_id=getattr(actor, "id", None)))
            result.created += 1
    db.session.flush()
    record("charges.generate", actor=actor, now=now, object_type="site", object_id=site.id,
           summary=f"{period}: {result.created} created, {len(result.skipped)} skipped",
           after={"period": period, "created": result.created, "skipped": result.skipped[:50]})
    return result


def record_meter_reading(unit, fee_item, period, current_reading, *, previous_reading=None, read_on, actor,
                         now) -> MeterReading:
    """Enter a meter reading of a unit for a period and bill the consumption.

    The previous reading is the last one entered for this unit and meter; only the meter's first
    reading needs it typed in. Raises ValidationFailed for a reading below the previous one, a
    period already read, a fee item that is not metered or a unit with nobody to bill.
    Audited as meter_reading.create."""
    try:
        period = rules.parse_period(period)
    except ValueError:
        raise ValidationFailed(_l("Enter the billing period as YYYY-MM, for example 2026-03."), field="period") from None
    if fee_item is None or fee_item.basis != METERED or fee_item.site_id != unit.site_id:
        raise ValidationFailed(_l("Choose a metered fee item of this site."), field="fee_item")
    current = _reading(current_reading, "current_reading")
    if db.session.scalar(sa.select(MeterReading.id).where(
            MeterReading.unit_id == unit.id, MeterReading.fee_item_id == fee_item.id, MeterReading.period == period)):
        raise ValidationFailed(_l("This meter of %(unit)s has already been read for %(period)s."),
                               field="period", unit=unit.number, period=period)
    last = queries.last_reading(unit.id, fee_item.id, period)
    if last is not None:
        previous = last.current_reading
    elif previous_reading in (None, ""):
        raise ValidationFailed(_l("This is the meter's first reading: enter the previous reading too."),
                               field="previous_reading")
    else:
        previous = _reading(previous_reading, "previous_reading")
    if current < previous:
        raise ValidationFailed(_l("The reading %(current)s is lower than the last reading %(previous)s."),
                               field="current_reading", current=current, previous=previous)
    start, end = rules.period_bounds(period)
    customer = queries.billed_occupant(unit.id, start, end)
    if customer is None:
        raise ValidationFailed(_l("Nobody is billed for %(unit)s in %(period)s."), field="unit",
                               unit=unit.number, period=period)
    reading = MeterReading(unit_id=unit.id, fee_item_id=fee_item.id, period=period, previous_reading=previous,
                           current_reading=current, read_on=read_on, entered_by_id=actor.id, entered_at=now)
    db.session.add(reading)
    consumption = current - previous
    amount = rules.charge_amount(METERED, fee_item.price, consumption=consumption, multiplier=fee_item.multiplier)
    if amount > 0:
        charge = Charge(site_id=unit.site_id, unit_id=unit.id, customer_id=customer.id, fee_item_id=fee_item.id,
                        period=period, amount=amount, paid=ZERO, status="unpaid",
                        due_on=rules.due_date(period, fee_item.due_day),
                        description=f"{previous:,.2f} → {current:,.2f} {fee_item.unit_label}".strip()[:200],
                        dedupe_key=f"{unit.id}:{fee_item.id}:{period}", created_at=now, created_by_id=actor.id)
        db.session.add(charge)
        db.session.flush()
        reading.charge_id = charge.id
    db.session.flush()
    record("meter_reading.create", actor=actor, now=now, obj=reading, summary=f"{unit.number} {fee_item.name} {period}",
           after={"previous": str(previous), "current": str(current), "amount": str(amount)})
    return reading


def _reading(value, field_name) -> Decimal:
    try:
        reading = Decimal(str(value).strip().replace(",", ""))
    except Exception:
        reading = None
    if reading is None or not reading.is_finite() or reading < 0 or reading >= Decimal("1e12") \
            or reading != reading.quantize(Decimal("0.01")):
        raise ValidationFailed(_l("Enter the meter reading as a number with at most two decimal places."),
                               field=field_name)
    return reading.quantize(Decimal("0.01"))


def add_one_off_charge(unit, fee_item, amount, note, *, due_on, actor, now, dedupe_key=None) -> Charge:
    """Bill a unit once (a repair fee, a deposit) with a note saying what for. The customer is the
    unit's billed occupant today. A `dedupe_key` (unique among charges) makes sure whatever caused
    the charge bills it only once. Raises ValidationFailed for a bad amount, an empty note, a fee item
    that is not one-off or a unit with nobody to bill. Audited as charge.one_off."""
    amount = _amount(amount, "amount")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_l("Say what the charge is for."), field="note")
    if len(note) > 200:
        raise ValidationFailed(_l("Keep the note under 200 characters."), field="note")
    if fee_item is None or fee_item.basis != ONE_OFF or fee_item.site_id != unit.site_id:
        raise ValidationFailed(_l("Choose a one-off fee item of this site."), field="fee_item")
    today = clock.business_day(now)
    customer = queries.billed_occupant(unit.id, today, today)
    if customer is None:
        raise ValidationFailed(_l("Nobody is billed for %(unit)s today."), field="unit", unit=unit.number)
    charge = Charge(site_id=unit.site_id, unit_id=unit.id, customer_id=customer.id, fee_item_id=fee_item.id,
                    period=rules.period_of(today), amount=amount, paid=ZERO, status="unpaid", due_on=due_on,
                    description=note, dedupe_key=dedupe_key, created_at=now, created_by_id=actor.id)
    db.session.add(charge)
    db.session.flush()
    record("charge.one_off", actor=actor, now=now, obj=charge, summary=f"{unit.number} {fee_item.name}",
           after={"amount": amount, "note": note, "customer": customer.name})
    return charge


# --- payments and receipts -----------------------------------------------------------------------

def _payment_by_token(token):
    return db.session.scalar(sa.select(Payment).where(Payment.request_token == token))


def take_payment(*, site, customer, charge_ids, method, amount, tendered=None, reference="", keep_prepayment=False,
                 request_token, actor, now, receipt_number=None, late_fees_on=None) -> Payment:
    """Take a payment for ticked charges of one customer and issue its receipt.

    The amount settles the ticked charges oldest first (the last may stay partly paid); an excess is
    kept as prepayment only when asked. A request token already used returns that payment, so a
    double-submitted form makes one payment. Raises InvalidTransition when a charge is already paid
    or the cashier's day is closed, ValidationFailed for bad amounts, a missing reference, cash below
    the amount or charges of another customer. `receipt_number` (year, seq) is a number already taken
    from the receipt counter (a receipt that went out with a collector); `late_fees_on` the day its late
    fees were worked out for (the visit day), when not the payment's day. Audited as payment.take."""
    if not actor.can(FEES_COLLECT):
        raise NotAllowed(_l("Your roles do not allow taking payments."))
    token = (request_token or "").strip()
    if not token or len(token) > 64:
        raise ValidationFailed(_l("The form is incomplete. Reload the page and try again."))
    existing = _payment_by_token(token)
    if existing is not None:
        return existing
    if method not in METHODS:
        raise ValidationFailed(_l("Choose how the customer pays."), field="method")
    amount = _amount(amount, "amount")
    if customer.site_id != site.id:
        raise ValidationFailed(_l("This customer belongs to another site."))
    business_on = clock.business_day(now)
    ids = sorted({int(i) for i in charge_ids or []})
    charges = []
    if ids:
        charges = list(db.session.scalars(_locked(sa.select(Charge).where(Charge.id.in_(ids)).order_by(Charge.id))))
    # a twin submission that waited for the locks above finds its payment now
    existing = _payment_by_token(token)
    if existing is not None:
        return existing
    if queries.day_close_for(site.id, actor.id, business_on) is not None:
        raise InvalidTransition(_l("You have closed your day for %(day)s: no more payments can be taken on it."),
                                day=business_on.isoformat())
    if not ids and not keep_prepayment:
        raise ValidationFailed(_l("Tick at least one charge to pay."), field="charge_ids")
    if len(charges) != len(ids) or any(c.customer_id != customer.id or c.site_id != site.id for c in charges):
        raise ValidationFailed(
            _l("One of the ticked charges is not a charge of this customer. Reload the account and try again."),
            field="charge_ids")
    for c in charges:
        if c.status == PAID:
            raise InvalidTransition(_l("%(item)s %(period)s of %(unit)s has already been paid."), field="charge_ids",
                                    item=c.fee_item.name, period=c.period, unit=c.unit.number)
    reference = (reference or "").strip()
    tendered_value, change = None, ZERO
    if method == CASH:
        if tendered in (None, ""):
            tendered_value = amount
        else:
            tendered_value = _amount(tendered, "tendered")
        if tendered_value < amount:
            raise ValidationFailed(_l("The cash handed over (%(tendered)s) is less than the amount (%(amount)s)."),
                                   field="tendered", tendered=format_amount(tendered_value), amount=format_amount(amount))
        change = tendered_value - amount
        reference = ""
    else:
        if not reference:
            message = _l("Enter the POS slip reference.") if method == "card" else _l("Enter the transaction reference.")
            raise ValidationFailed(message, field="reference")
        if len(reference) > 64:
            raise ValidationFailed(_l("The reference is at most 64 characters."), field="reference")
    charges.sort(key=lambda c: (c.due_on, c.period, c.id))
    fees = _late_fees(site, late_fees_on or business_on, ids)
    # each charge's late fee before its principal, as the Civil Code (art. 561) applies a payment
    # to interest before the debt itself
    owed = []
    for c in charges:
        if c.id in fees and fees[c.id].amount > 0:
            owed.append((("late_fee", c.id), fees[c.id].amount))
        owed.append((("charge", c.id), c.outstanding))
    settled, excess = rules.settle_oldest_first(owed, amount)
    applied = [(charge_id, part) for (kind, charge_id), part in settled if kind == "charge"]
    fee_parts = {charge_id: part for (kind, charge_id), part in settled if kind == "late_fee"}
    if excess > 0 and not keep_prepayment:
        raise ValidationFailed(
            _l("The amount is %(excess)s more than the ticked charges. "
               "Tick “keep the excess as prepayment” or lower the amount."),
            field="amount", excess=format_amount(excess))
    by_id = {c.id: c for c in charges}
    unit_ids = {c.unit_id for c in charges}
    payment = Payment(site_id=site.id, unit_id=unit_ids.pop() if len(unit_ids) == 1 else None,
                      customer_id=customer.id, cashier_id=actor.id, method=method, amount=amount, prepayment=excess,
                      tendered=tendered_value, change_given=change, reference=reference, payer_name=customer.name,
                      request_token=token, status=COMPLETED, paid_at=now, business_on=business_on)
    db.session.add(payment)
    for charge_id, part in applied:
        charge = by_id[charge_id]
        payment.lines.append(PaymentLine(charge_id=charge_id, amount=part))
        charge.paid += part
        charge.status = rules.charge_status(charge.amount, charge.paid)
    db.session.flush()
    if excess > 0:
        db.session.add(PrepaymentEntry(customer_id=customer.id, amount=excess, payment_id=payment.id,
                                       note="收款预存", at=now))
    late_fees = _settle_late_fees(payment, charges, fees, fee_parts, {i for i, _ in applied})
    principal = dict(applied)
    receipt = _issue_receipt(site, payment, [(c, principal.get(c.id, ZERO)) for c in charges
                                             if c.id in principal or c.id in late_fees],
                             late_fees=late_fees, reserved=receipt_number, actor=actor, now=now)
    record("payment.take", actor=actor, now=now, obj=payment, summary=f"{receipt.number} {customer.name}",
           after={"receipt": receipt.number, "amount": amount, "method": method, "prepayment": excess,
                  "charges": {str(i): part for i, part in applied},
                  "late_fees": {str(i): part for i, (_fee, part) in late_fees.items()}})
    return payment


def _late_fees(site, business_on, charge_ids):
    """The late fees the ticked charges owe on the payment's business day, by charge id."""
    from ..dunning.queries import late_fees_as_of  # dunning reads billing's models: imported when used

    return late_fees_as_of(site.id, business_on, charge_ids=charge_ids) if charge_ids else {}


def _settle_late_fees(payment, charges, fees, fee_parts, paid_ids) -> dict:
    """Record the late fees this payment settles; charge id → (LateFee, part) for the receipt. A
    charge whose fee was waived in full still shows it, at 0.00, on the receipt that pays it."""
    from ..dunning.models import LateFeeSettlement

    printed = {}
    for c in charges:
        fee = fees.get(c.id)
        if fee is None:
            continue
        part = fee_parts.get(c.id, ZERO)
        if part > 0:
            db.session.add(LateFeeSettlement(charge_id=c.id, payment_id=payment.id, amount=part,
                                             as_of=payment.business_on, days=fee.days,
                                             description=fee.description[:200]))
            printed[c.id] = (fee, part)
        elif fee.waived > 0 and fee.amount == 0 and c.id in paid_ids:
            printed[c.id] = (fee, ZERO)
    db.session.flush()
    return printed


def _issue_receipt(site, payment, lines, *, late_fees=None, reserved=None, actor, now) -> Receipt:
    """Number the receipt from the site's counter (in this transaction: no gaps) and freeze what it prints.

    `lines` are (charge, principal paid) in the order printed; a charge in `late_fees` (charge id →
    (LateFee, part)) is followed by its late-fee line, its label as the item."""
    if reserved:
        year, seq = reserved
    else:
        year = payment.business_on.year
        seq = next_number(db.session, "receipt", site.code, year)
    number = rules.receipt_number(site.receipt_prefix, year, seq)
    late_fees = late_fees or {}
    units = []
    for charge, _part in lines:
        if charge.unit.number not in units:
            units.append(charge.unit.number)
    several_units = len(units) > 1
    printed = []
    for charge, part in lines:
        if part > 0:
            printed.append({"item": charge.fee_item.name, "period": charge.period,
                            "description": _line_description(charge, several_units=several_units),
                            "amount": rules.plain_amount(part)})
        if charge.id in late_fees:
            fee, fee_part = late_fees[charge.id]
            text = f"{charge.unit.number} {fee.description}" if several_units else fee.description
            printed.append({"item": fee.label, "period": charge.period, "description": text[:200],
                            "amount": rules.plain_amount(fee_part)})
    snapshot = {
        "number": number,
        "site_name": site.name,
        "company_name": site.company_name,
        "site_address": site.address or "",
        "site_phone": site.phone or "",
        "issued_at": clock.local(now).strftime("%Y-%m-%d %H:%M"),
        "payer": payment.payer_name,
        "units": ", ".join(units),
        "lines": printed,
        "prepayment": rules.plain_amount(payment.prepayment),
        "total": rules.plain_amount(payment.amount),
        "total_figures": format_amount(payment.amount),
        "total_capitals": amount_in_capitals(payment.amount),
        "method": payment.method,
        "method_label": rules.METHOD_LABELS_ZH[payment.method],
        "tendered": rules.plain_amount(payment.tendered) if payment.tendered is not None else None,
        "change": rules.plain_amount(payment.change_given),
        "reference": payment.reference,
        "cashier": actor.full_name,
        "copies": site.copies,
    }
    receipt = Receipt(site_id=site.id, payment_id=payment.id, cashier_id=actor.id, year=year, seq=seq, number=number,
                      issued_at=now, issued_on=payment.business_on, snapshot=snapshot, status=ISSUED, reprints=0)
    db.session.add(receipt)
    db.session.flush()
    record("receipt.issue", actor=actor, now=now, obj=receipt, summary=number, after={"total": payment.amount})
    return receipt


def _line_description(charge, *, several_units):
    """A receipt covering several units says which unit each line is for."""
    text = charge.description or ""
    if several_units:
        text = f"{charge.unit.number} {text}".strip()
    return text[:200]


def print_receipt(receipt, *, actor, now) -> bool:
    """Count a print of the receipt. The first print is the original (printed_at is set); every later
    one is a reprint, counted and audited as receipt.reprint. Returns True for a reprint."""
    receipt = db.session.scalars(_locked(sa.select(Receipt).where(Receipt.id == receipt.id))).one()
    if receipt.printed_at is None:
        receipt.printed_at = now
        db.session.flush()
        record("receipt.print", actor=actor, now=now, obj=receipt, summary=receipt.number)
        return False
    receipt.reprints += 1
    db.session.flush()
    record("receipt.reprint", actor=actor, now=now, obj=receipt, summary=f"{receipt.number} reprint {receipt.reprints}",
           after={"reprints": receipt.reprints})
    return True


def void_receipt(receipt, reason, *, actor, now):
    """Void a receipt: the number stays, its charges owe again what it paid and a prepayment it
    created is reversed. Supervisors only, and never their own receipt. Raises NotAllowed,
    InvalidTransition (already voided) or ValidationFailed (no reason). Audited as receipt.void."""
    if not actor.can(RECEIPTS_VOID):
        raise NotAllowed(_l("Only a supervisor may void a receipt."))
    receipt = db.session.scalars(_locked(sa.select(Receipt).where(Receipt.id == receipt.id))).one()
    if receipt.cashier_id == actor.id:
        raise NotAllowed(_l("You issued this receipt yourself: another supervisor must void it."))
    if receipt.status == VOIDED:
        raise InvalidTransition(_l("Receipt %(number)s has already been voided."), number=receipt.number)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Give the reason for voiding the receipt."), field="reason")
    if len(reason) > 200:
        raise ValidationFailed(_l("Keep the reason under 200 characters."), field="reason")
    payment = receipt.payment
    charge_ids = sorted(line.charge_id for line in payment.lines)
    charges = {c.id: c for c in db.session.scalars(_locked(sa.select(Charge).where(Charge.id.in_(charge_ids))
                                                          .order_by(Charge.id)))} if charge_ids else {}
    for line in payment.lines:
        charge = charges[line.charge_id]
        charge.paid -= line.amount
        charge.status = rules.charge_status(charge.amount, charge.paid)
    if payment.prepayment > 0:
        db.session.add(PrepaymentEntry(customer_id=payment.customer_id, amount=-payment.prepayment,
                                       payment_id=payment.id, note=f"作废 {receipt.number}", at=now))
    receipt.status = VOIDED
    receipt.void_reason = reason
    receipt.voided_by_id = actor.id
    receipt.voided_at = now
    payment.status = VOIDED
    db.session.flush()
    record("receipt.void", actor=actor, now=now, obj=receipt, summary=f"{receipt.number}: {reason}"[:300],
           before={"status": ISSUED}, after={"status": VOIDED, "reason": reason,
                                             "charges": {str(l.charge_id): l.amount for l in payment.lines},
                                             "prepayment_reversed": payment.prepayment})


# --- day close -----------------------------------------------------------------------------------

def close_day(*, site, cashier, day, actor, now) -> DayClose:
    """The cashier confirms the handover of a business day: the day report is frozen and no more
    payments can be taken on that day. Raises NotAllowed (someone else's day), ValidationFailed (a day
    still to come) or InvalidTransition (already closed). Audited as dayclose.confirm."""
    if actor.id != cashier.id:
        raise NotAllowed(_l("Only the cashier can confirm their own day close."))
    if day > clock.business_day(now):
        raise ValidationFailed(_l("A day that has not come yet cannot be closed."))
    if queries.day_close_for(site.id, cashier.id, day) is not None:
        raise InvalidTransition(_l("The day %(day)s is already closed."), day=day.isoformat())
    snapshot = queries.day_figures(site, cashier, day)
    snapshot["confirmed_at"] = clock.local(now).strftime("%Y-%m-%d %H:%M")
    close = DayClose(site_id=site.id, cashier_id=cashier.id, business_on=day, snapshot=snapshot, confirmed_at=now)
    db.session.add(close)
    db.session.flush()
    record("dayclose.confirm", actor=actor, now=now, obj=close, summary=f"{cashier.full_name} {day.isoformat()}",
           after={"count": snapshot["count"], "total": snapshot["total"]})
    return close


def acknowledge_day_close(day_close, *, actor, now):
    """A supervisor records receiving the cashier's takings. Raises NotAllowed (no right, or their
    own day) or InvalidTransition (already acknowledged). Audited as dayclose.acknowledge."""
    if not actor.can(DAYCLOSE_VIEW_ALL):
        raise NotAllowed(_l("Your roles do not allow acknowledging day closes."))
    if day_close.cashier_id == actor.id:
        raise NotAllowed(_l("Someone else must acknowledge receiving your own takings."))
    if day_close.received_at is not None:
        raise InvalidTransition(_l("This day close was already acknowledged."))
    day_close.received_by_id = actor.id
    day_close.received_at = now
    db.session.flush()
    record("dayclose.acknowledge", actor=actor, now=now, obj=day_close,
           summary=f"{day_close.cashier.full_name} {day_close.business_on.isoformat()}")

