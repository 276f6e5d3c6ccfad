"""Writing estate master data: sites, buildings, units, customers, contacts, occupancies, and
the all-or-nothing imports of units and customers. Every change is audited with before/after."""
import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..core import clock
from ..core.errors import ImportRejected, InvalidTransition, ValidationFailed
from ..extensions import db
from . import rules
from .models import (CUSTOMER_KINDS, OCCUPANCY_ROLES, RECEIPT_COPIES, SITE_KINDS, UNIT_USES, Building,
                     Contact, Customer, Occupancy, Site, Unit)
from .spreadsheets import Column, cell_text, read_rows

SITE_FIELDS = ("code", "name", "kind", "company_name", "address", "phone", "receipt_prefix", "receipt_copies", "active")
UNIT_FIELDS = ("building_id", "number", "floor", "area", "use")
CUSTOMER_FIELDS = ("kind", "name", "phone", "id_number", "credit_code", "note")
CONTACT_FIELDS = ("name", "position", "phone", "email")
OCCUPANCY_FIELDS = ("unit_id", "customer_id", "role", "start_on", "end_on", "billed")


def _state(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _required(value, field, limit):
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(_l("This field is required."), field=field)
    if len(text) > limit:
        raise ValidationFailed(_l("At most %(n)s characters, please."), field=field, n=limit)
    return text


def _optional(value, field, limit):
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationFailed(_l("At most %(n)s characters, please."), field=field, n=limit)
    return text


# ---------------------------------------------------------------- sites

def _clean_site(site, *, code, name, kind, company_name, address="", phone="", receipt_prefix="SJ",
                receipt_copies=RECEIPT_COPIES, active=True):
    code = re.sub(r"\s", "", rules.halfwidth(code)).upper()
    if not re.fullmatch(r"[A-Z0-9_-]{1,20}", code):
        raise ValidationFailed(_l("A site code has up to 20 letters, digits, dashes or underscores."), field="code")
    taken = db.session.scalar(sa.select(Site.id).where(Site.code == code, Site.id != (site.id if site else None)))
    if taken:
        raise ValidationFailed(_l("Another site already has the code %(code)s."), field="code", code=code)
    if kind not in SITE_KINDS:
        raise ValidationFailed(_l("Choose whether the site is an estate or a park."), field="kind")
    prefix = rules.halfwidth(receipt_prefix).upper()
    if not re.fullmatch(r"[A-Z0-9]{1,10}", prefix):
        raise ValidationFailed(_l("A receipt prefix has 1 to 10 letters or digits, such as SJ."), field="receipt_prefix")
    copies = [c for c in RECEIPT_COPIES if c in set(receipt_copies or ())]
    if not copies:
        raise ValidationFailed(_l("Choose at least one receipt copy to print."), field="receipt_copies")
    return dict(code=code, name=_required(name, "name", 100), kind=kind,
                company_name=_required(company_name, "company_name", 100),
                address=_optional(address, "address", 200), phone=_optional(phone, "phone", 40),
                receipt_prefix=prefix, receipt_copies=",".join(copies), active=bool(active))


def create_site(*, actor, now, **values) -> Site:
    """Create a site with its service-centre settings and its default late-fee rule (违约金, 0.05%
    a day, no grace days, capped at 100% of the unpaid principal: editable on the late-fee rules
    page, and a rate of 0 turns late fees off). Raises ValidationFailed for a taken code, a bad
    receipt prefix or no receipt copy. Logs estate.site.create."""
    from ..dunning.models import LateFeeRule

    site = Site(**_clean_site(None, **values))
    db.session.add(site)
    db.session.flush()
    db.session.add(LateFeeRule(site_id=site.id, fee_item_id=None, updated_at=now,
                               updated_by_id=getattr(actor, "id", None)))
    record("estate.site.create", actor=actor, now=now, obj=site, summary=site.name, after=_state(site, SITE_FIELDS))
    return site


def update_site(site, *, actor, now, **values) -> Site:
    """Change a site's settings (name, receipt company name, prefix, copies). Logs estate.site.update."""
    before = _state(site, SITE_FIELDS)
    for key, value in _clean_site(site, **values).items():
        setattr(site, key, value)
    db.session.flush()
    record("estate.site.update", actor=actor, now=now, obj=site, summary=site.name, before=before,
           after=_state(site, SITE_FIELDS))
    return site


# ---------------------------------------------------------------- buildings

def _check_building_code(site_id, code, building_id=None):
    code = rules.normalise_building_code(code)
    taken = db.session.scalar(sa.select(Building.id).where(
        Building.site_id == site_id, Building.code == code, Building.id != building_id))
    if taken:
        raise ValidationFailed(_l("This site already has a building with the code %(code)s."), field="code", code=code)
    return code


def create_building(site, *, code, name, actor, now) -> Building:
    """Add a building to a site; its code is unique within the site. Logs estate.building.create."""
    building = Building(site=site, code=_check_building_code(site.id, code), name=_required(name, "name", 100))
    db.session.add(building)
    db.session.flush()
    record("estate.building.create", actor=actor, now=now, obj=building, summary=f"{site.code} {building.code}",
           after={"site_id": site.id, "code": building.code, "name": building.name})
    return building


def update_building(building, *, code, name, actor, now) -> Building:
    """Rename a building. Its code can change only while it has no units, because unit numbers
    start with it. Logs estate.building.update."""
    before = {"code": building.code, "name": building.name}
    code = _check_building_code(building.site_id, code, building.id)
    if code != building.code and db.session.scalar(sa.select(Unit.id).where(Unit.building_id == building.id).limit(1)):
        raise ValidationFailed(_l("The code cannot change: the numbers of this building's units start with it."),
                               field="code")
    building.code, building.name = code, _required(name, "name", 100)
    db.session.flush()
    record("estate.building.update", actor=actor, now=now, obj=building, summary=building.code, before=before,
           after={"code": building.code, "name": building.name})
    return building


# ---------------------------------------------------------------- units

def _clean_unit(site_id, unit_id, *, building_id, number, floor, area, use):
    building = db.session.get(Building, building_id) if building_id else None
    if building is None or building.site_id != site_id:
        raise ValidationFailed(_l("Choose a building of this site."), field="building_id")
    number = rules.normalise_unit_number(number)
    if rules.building_code_of(number) != building.code:
        raise ValidationFailed(_l("The unit number %(number)s does not start with the code of building %(code)s."),
                               field="number", number=number, code=building.code)
    taken = db.session.scalar(sa.select(Unit.id).where(Unit.site_id == site_id, Unit.number == number, Unit.id != unit_id))
    if taken:
        raise ValidationFailed(_l("Unit %(number)s already exists on this site."), field="number", number=number)
    if use not in UNIT_USES:
        raise ValidationFailed(_l("Choose what the unit is used for."), field="use")
    return dict(building_id=building.id, number=number, floor=floor, area=rules.parse_area(area), use=use)


def create_unit(site, *, actor, now, **values) -> Unit:
    """Add a unit. Its number is normalised (a－1203 → A-1203), unique within the site and starts
    with its building's code; the area is over 0 with at most 2 decimals. Logs estate.unit.create."""
    unit = Unit(site_id=site.id, **_clean_unit(site.id, None, **values))
    db.session.add(unit)
    db.session.flush()
    record("estate.unit.create", actor=actor, now=now, obj=unit, summary=unit.number, after=_state(unit, UNIT_FIELDS))
    return unit


def update_unit(unit, *, actor, now, **values) -> Unit:
    """Change a unit's number, building, floor, area or use. Logs estate.unit.update."""
    before = _state(unit, UNIT_FIELDS)
    for key, value in _clean_unit(unit.site_id, unit.id, **values).items():
        setattr(unit, key, value)
    db.session.flush()
    db.session.refresh(unit, ["building"])
    record("estate.unit.update", actor=actor, now=now, obj=unit, summary=unit.number, before=before,
           after=_state(unit, UNIT_FIELDS))
    return unit


# ---------------------------------------------------------------- customers

def _clean_customer(site_id, customer_id, *, kind, name, phone=None, id_number=None, credit_code=None, note="",
                    today=None):
    if kind not in CUSTOMER_KINDS:
        raise ValidationFailed(_l("Choose whether the customer is a person or a company."), field="kind")
    name = _required(name, "name", 100)
    phone = rules.normalise_phone(phone) if (phone or "").strip() else None
    id_number = rules.normalise_id_number(id_number, today) if kind == "person" and (id_number or "").strip() else None
    credit_code = rules.normalise_credit_code(credit_code) if kind == "company" and (credit_code or "").strip() else None
    if kind == "company" and not credit_code:
        raise ValidationFailed(_l("A company needs its unified social credit code."), field="credit_code")
    others = sa.select(Customer.name).where(Customer.site_id == site_id, Customer.id != customer_id)
    if credit_code and (holder := db.session.scalar(others.where(Customer.credit_code == credit_code))):
        raise ValidationFailed(_l("The credit code %(code)s already belongs to %(name)s on this site."),
                               field="credit_code", code=credit_code, name=holder)
    if id_number and (holder := db.session.scalar(others.where(Customer.id_number == id_number))):
        raise ValidationFailed(_l("This ID number already belongs to %(name)s on this site."), field="id_number",
                               name=holder)
    return dict(kind=kind, name=name, phone=phone, phone_last4=rules.phone_last4(phone), id_number=id_number,
                credit_code=credit_code, note=_optional(note, "note", 500))


def create_customer(site, *, actor, now, **values) -> Customer:
    """Register a person or a company on a site. A company needs a valid credit code, unique on
    the site; a person's ID number is optional but checked. Logs estate.customer.create."""
    customer = Customer(site_id=site.id, created_at=now,
                        **_clean_customer(site.id, None, today=clock.business_day(now), **values))
    db.session.add(customer)
    db.session.flush()
    record("estate.customer.create", actor=actor, now=now, obj=customer, summary=customer.name,
           after=_state(customer, CUSTOMER_FIELDS))
    return customer


def update_customer(customer, *, actor, now, **values) -> Customer:
    """Change a customer's details; the phone's last four digits follow the phone. Logs
    estate.customer.update."""
    before = _state(customer, CUSTOMER_FIELDS)
    cleaned = _clean_customer(customer.site_id, customer.id, today=clock.business_day(now), **values)
    for key, value in cleaned.items():
        setattr(customer, key, value)
    db.session.flush()
    record("estate.customer.update", actor=actor, now=now, obj=customer, summary=customer.name, before=before,
           after=_state(customer, CUSTOMER_FIELDS))
    return customer


def _clean_contact(*, name, position="", phone=None, email=None):
    phone = rules.normalise_phone(phone) if (phone or "").strip() else None
    return dict(name=_required(name, "name", 60), position=_optional(position, "position", 60), phone=phone,
                phone_last4=rules.phone_last4(phone), email=rules.normalise_email(_optional(email, "email", 120)))


def add_contact(customer, *, actor, now, **values) -> Contact:
    """Add a contact person to a customer. Logs estate.contact.create."""
    contact = Contact(customer=customer, **_clean_contact(**values))
    db.session.add(contact)
    db.session.flush()
    record("estate.contact.create", actor=actor, now=now, obj=contact, summary=f"{customer.name}: {contact.name}",
           after={"customer_id": customer.id, **_state(contact, CONTACT_FIELDS)})
    return contact


def update_contact(contact, *, actor, now, **values) -> Contact:
    """Change a contact's name, position, phone or email. Logs estate.contact.update."""
    before = _state(contact, CONTACT_FIELDS)
    for key, value in _clean_contact(**values).items():
        setattr(contact, key, value)
    db.session.flush()
    record("estate.contact.update", actor=actor, now=now, obj=contact, summary=contact.name, before=before,
           after=_state(contact, CONTACT_FIELDS))
    return contact


# ---------------------------------------------------------------- occupancies

def _check_no_overlap(unit_id, role, start_on, end_on, occupancy_id=None):
    rows = db.session.execute(
        sa.select(Occupancy.start_on, Occupancy.end_on, Customer.name)
        .join(Customer, Customer.id == Occupancy.customer_id)
        .where(Occupancy.unit_id == unit_id, Occupancy.role == role, Occupancy.id != occupancy_id)
    ).all()
    for other_start, other_end, name in rows:
        if rules.periods_overlap(start_on, end_on, other_start, other_end):
            raise ValidationFailed(_l("%(name)s is already the %(role)s of this unit from %(start)s to %(end)s. "
                                      "End that occupancy first."), field="start_on", name=name,
                                   role=rules.ROLE_LABELS[role], start=other_start.isoformat(),
                                   end=other_end.isoformat() if other_end else "—")


def add_occupancy(unit, customer, *, role, start_on, end_on=None, billed=True, end_current=False, actor, now) -> Occupancy:
    """Record that a customer holds a unit as owner or tenant from start_on (to end_on, inclusive).

    Occupancies of the same role must not overlap. With end_current, an open occupancy of the
    same role that started earlier is ended the day before start_on (an owner change). Raises
    ValidationFailed. Logs estate.occupancy.create (and estate.occupancy.end)."""
    if customer is None or customer.site_id != unit.site_id:
        raise ValidationFailed(_l("The customer must belong to the same site as the unit."), field="customer")
    if role not in OCCUPANCY_ROLES:
        raise ValidationFailed(_l("Choose owner or tenant."), field="role")
    if start_on is None:
        raise ValidationFailed(_l("This field is required."), field="start_on")
    rules.check_period(start_on, end_on)
    if end_current:
        current = db.session.scalars(sa.select(Occupancy).where(
            Occupancy.unit_id == unit.id, Occupancy.role == role, Occupancy.end_on.is_(None),
            Occupancy.start_on < start_on)).all()
        for occupancy in current:
            end_occupancy(occupancy, end_on=start_on - timedelta(days=1), actor=actor, now=now)
    _check_no_overlap(unit.id, role, start_on, end_on)
    occupancy = Occupancy(unit=unit, customer=customer, role=role, start_on=start_on, end_on=end_on, billed=bool(billed))
    db.session.add(occupancy)
    db.session.flush()
    record("estate.occupancy.create", actor=actor, now=now, obj=occupancy,
           summary=f"{unit.number} {role} {customer.name}", after=_state(occupancy, OCCUPANCY_FIELDS))
    return occupancy


def end_occupancy(occupancy, *, end_on, actor, now) -> Occupancy:
    """End an open occupancy on end_on (the last day held). Raises InvalidTransition if it has
    ended already, ValidationFailed for an end before the start. Logs estate.occupancy.end."""
    if occupancy.end_on is not None:
        raise InvalidTransition(_l("This occupancy has already ended."))
    if end_on is None:
        raise ValidationFailed(_l("This field is required."), field="end_on")
    rules.check_period(occupancy.start_on, end_on)
    before = _state(occupancy, OCCUPANCY_FIELDS)
    occupancy.end_on = end_on
    db.session.flush()
    record("estate.occupancy.end", actor=actor, now=now, obj=occupancy,
           summary=f"{occupancy.unit.number} {occupancy.role} {occupancy.customer.name}", before=before,
           after=_state(occupancy, OCCUPANCY_FIELDS))
    return occupancy


# ---------------------------------------------------------------- imports

UNIT_COLUMNS = [
    Column("number", "房号", "unit", required=True, aliases=("unit number", "number")),
    Column("building", "楼栋", "building", aliases=("楼号",)),
    Column("floor", "楼层", "floor"),
    Column("area", "面积", "area", required=True, aliases=("建筑面积",)),
    Column("use", "用途", "use", required=True),
]
CUSTOMER_COLUMNS = [
    Column("name", "名称", "name", required=True, aliases=("姓名", "客户名称")),
    Column("kind", "类型", "kind"),
    Column("phone", "电话", "phone", aliases=("手机", "手机号")),
    Column("id_number", "证件号", "id_number", aliases=("身份证号", "id number")),
    Column("credit_code", "统一社会信用代码", "credit_code", aliases=("信用代码", "credit code")),
    Column("unit", "房号", "unit"),
    Column("role", "身份", "role"),
    Column("start_on", "起始日期", "start_on", aliases=("start", "start date")),
]


def _problem(row, error) -> str:
    return str(_l("row %(row)s: %(problem)s", row=row, problem=str(error)))


def _rejected(problems):
    raise ImportRejected(_l("The file was not imported: %(n)s problems were found. Nothing was saved. "
                            "Correct the rows below and upload the file again.", n=len(problems)), problems)


def import_units(site, content: bytes, filename: str, *, actor, now) -> dict:
    """Import units (and the buildings they name) from CSV or XLSX, all or nothing.

    Every row is checked first: unit number, area, use, floor, duplicates within the file and
    against the site. Any problem raises ImportRejected listing "row N: ..." and nothing is
    written. Otherwise units are inserted in bulk. Logs one estate.import_units entry."""
    rows = read_rows(content, filename, UNIT_COLUMNS)
    buildings = {b.code: b for b in db.session.scalars(sa.select(Building).where(Building.site_id == site.id))}
    by_name = {b.name: b for b in buildings.values()}
    existing = set(db.session.scalars(sa.select(Unit.number).where(Unit.site_id == site.id)))
    new_buildings, seen, units, problems = {}, {}, [], []
    for row, cells in rows:
        try:
            number = rules.normalise_unit_number(cell_text(cells.get("number")))
            code = rules.building_code_of(number)
            named = cell_text(cells.get("building"))
            if len(named) > 100:
                raise ValidationFailed(_l("The building name is longer than 100 characters."))
            building = buildings.get(code)
            if named and building is None and named in by_name:
                raise ValidationFailed(_l("Building %(name)s has the code %(code)s, but unit %(number)s does not "
                                          "start with it."), name=named, code=by_name[named].code, number=number)
            if named and building is not None and named not in (building.code, building.name):
                raise ValidationFailed(_l("Unit %(number)s belongs to building %(code)s (%(existing)s), not %(name)s."),
                                       number=number, code=code, existing=building.name, name=named)
            if building is None:
                first_name, first_row = new_buildings.setdefault(code, (named or code, row))
                if named and named != first_name:
                    raise ValidationFailed(_l("Building %(code)s is named %(first)s in row %(first_row)s but %(name)s here."),
                                           code=code, first=first_name, first_row=first_row, name=named)
            area = rules.parse_area(cell_text(cells.get("area")))
            use = rules.word_to_code(cell_text(cells.get("use")), rules.USE_WORDS, UNIT_USES)
            if use is None:
                raise ValidationFailed(_l("The use '%(value)s' is not one of 住宅, 商铺, 办公, 厂房, 车位 (home, shop, "
                                          "office, factory, parking)."), value=cell_text(cells.get("use")))
            floor_text = rules.halfwidth(cell_text(cells.get("floor")))
            if floor_text and not re.fullmatch(r"-?\d{1,3}", floor_text):
                raise ValidationFailed(_l("The floor '%(value)s' is not a whole number."), value=floor_text)
            if number in seen:
                raise ValidationFailed(_l("Unit %(number)s appears again (first in row %(first)s)."),
                                       number=number, first=seen[number])
            if number in existing:
                raise ValidationFailed(_l("Unit %(number)s already exists on this site."), number=number)
        except ValidationFailed as e:
            problems.append(_problem(row, e))
            continue
        seen[number] = row
        units.append(dict(site_id=site.id, number=number, floor=int(floor_text) if floor_text else None,
                          area=area, use=use, building_code=code))
    if problems:
        _rejected(problems)
    for code, (name, _row) in new_buildings.items():
        buildings[code] = Building(site=site, code=code, name=name)
        db.session.add(buildings[code])
    db.session.flush()
    for unit in units:
        unit["building_id"] = buildings[unit.pop("building_code")].id
    db.session.execute(sa.insert(Unit), units)
    summary = {"filename": filename, "units": len(units), "buildings_created": sorted(new_buildings)}
    record("estate.import_units", actor=actor, now=now, obj=site, summary=f"{len(units)} units from {filename}",
           after=summary)
    return summary


def _customer_key(row_values):
    """What makes two rows the same customer (a person owning a flat and a parking space)."""
    kind, name, phone, id_number, credit_code = row_values
    if credit_code:
        return ("credit_code", credit_code)
    if id_number:
        return ("id_number", id_number)
    if phone:
        return ("name_phone", name, phone)
    return None


def import_customers(site, content: bytes, filename: str, *, actor, now) -> dict:
    """Import customers, and the units they occupy, from CSV or XLSX, all or nothing.

    A row is one customer, or one more unit of a customer named in an earlier row (same credit
    code, ID number, or name and phone). Checked first: kinds, phones, ID numbers, credit codes,
    units that exist on the site, roles, start dates, credit codes and ID numbers already on the
    site, and owners or tenants that would overlap an occupancy in the file or the database.
    Any problem raises ImportRejected and nothing is written. Logs one estate.import_customers entry."""
    rows = read_rows(content, filename, CUSTOMER_COLUMNS)
    today = clock.business_day(now)
    unit_ids = dict(db.session.execute(sa.select(Unit.number, Unit.id).where(Unit.site_id == site.id)).all())
    taken_codes = dict(db.session.execute(sa.select(Customer.credit_code, Customer.name).where(
        Customer.site_id == site.id, Customer.credit_code.is_not(None))).all())
    taken_ids = dict(db.session.execute(sa.select(Customer.id_number, Customer.name).where(
        Customer.site_id == site.id, Customer.id_number.is_not(None))).all())
    held = {}
    for unit_id, role, start_on, end_on, name in db.session.execute(
            sa.select(Occupancy.unit_id, Occupancy.role, Occupancy.start_on, Occupancy.end_on, Customer.name)
            .join(Unit, Unit.id == Occupancy.unit_id).join(Customer, Customer.id == Occupancy.customer_id)
            .where(Unit.site_id == site.id)):
        held.setdefault((unit_id, role), []).append((start_on, end_on, name, None))

    customers, by_key, occupancies, problems = [], {}, [], []
    for row, cells in rows:
        text = {k: cell_text(v) for k, v in cells.items()}
        try:
            values = _customer_values(text, today)
            occupancy = _occupancy_values(text, cells, unit_ids)
            key = _customer_key(values)
            index = by_key.get(key) if key else None
            if index is not None:
                first = customers[index]
                if (first["kind"], first["name"], first["phone"]) != values[:3]:
                    raise ValidationFailed(_l("This customer appears in row %(first)s with a different name, kind or "
                                              "phone."), first=first["row"])
                if occupancy is None:
                    raise ValidationFailed(_l("This row repeats row %(first)s."), first=first["row"])
            else:
                kind, name, phone, id_number, credit_code = values
                if credit_code in taken_codes:
                    raise ValidationFailed(_l("The credit code %(code)s already belongs to %(name)s on this site."),
                                           code=credit_code, name=taken_codes[credit_code])
                if id_number in taken_ids:
                    raise ValidationFailed(_l("The ID number in this row already belongs to %(name)s on this site."),
                                           name=taken_ids[id_number])
            if occupancy is not None:
                unit_id, number, role, start_on = occupancy
                for other_start, other_end, other_name, other_row in held.get((unit_id, role), []):
                    if rules.periods_overlap(start_on, None, other_start, other_end):
                        if other_row is not None:
                            raise ValidationFailed(_l("Unit %(number)s already has the %(role)s of row %(first)s."),
                                                   number=number, role=rules.ROLE_LABELS[role], first=other_row)
                        raise ValidationFailed(_l("Unit %(number)s already has %(name)s as %(role)s from %(start)s. "
                                                  "End that occupancy first."), number=number, name=other_name,
                                               role=rules.ROLE_LABELS[role], start=other_start.isoformat())
        except ValidationFailed as e:
            problems.append(_problem(row, e))
            continue
        if index is None:
            kind, name, phone, id_number, credit_code = values
            index = len(customers)
            customers.append(dict(site_id=site.id, kind=kind, name=name, phone=phone,
                                  phone_last4=rules.phone_last4(phone), id_number=id_number, credit_code=credit_code,
                                  note="", created_at=now, row=row))
            if key:
                by_key[key] = index
        if occupancy is not None:
            unit_id, number, role, start_on = occupancy
            held.setdefault((unit_id, role), []).append((start_on, None, "", row))
            occupancies.append(dict(customer_index=index, unit_id=unit_id, role=role, start_on=start_on,
                                    end_on=None, billed=True))
    if problems:
        _rejected(problems)
    for customer in customers:
        customer.pop("row")
    ids = list(db.session.scalars(sa.insert(Customer).returning(Customer.id, sort_by_parameter_order=True), customers))
    for occupancy in occupancies:
        occupancy["customer_id"] = ids[occupancy.pop("customer_index")]
    if occupancies:
        db.session.execute(sa.insert(Occupancy), occupancies)
    summary = {"filename": filename, "customers": len(customers), "occupancies": len(occupancies)}
    record("estate.import_customers", actor=actor, now=now, obj=site,
           summary=f"{len(customers)} customers, {len(occupancies)} occupancies from {filename}", after=summary)
    return summary


def _customer_values(text, today):
    name = text.get("name", "")
    if not name:
        raise ValidationFailed(_l("The name is missing."))
    if len(name) > 100:
        raise ValidationFailed(_l("The name is longer than 100 characters."))
    credit_text, id_text = text.get("credit_code", ""), text.get("id_number", "")
    kind_text = text.get("kind", "")
    kind = rules.word_to_code(kind_text, rules.CUSTOMER_KIND_WORDS, CUSTOMER_KINDS) if kind_text else (
        "company" if credit_text else "person")
    if kind is None:
        raise ValidationFailed(_l("The kind '%(value)s' is not 个人 or 企业 (person or company)."), value=kind_text)
    phone = rules.normalise_phone(text["phone"]) if text.get("phone") else None
    if kind == "company":
        if not credit_text:
            raise ValidationFailed(_l("A company needs its unified social credit code."))
        if id_text:
            raise ValidationFailed(_l("A company has a credit code, not an ID number."))
        return kind, name, phone, None, rules.normalise_credit_code(credit_text)
    if credit_text:
        raise ValidationFailed(_l("A person has no credit code: write 企业 (company) in the kind column."))
    return kind, name, phone, rules.normalise_id_number(id_text, today) if id_text else None, None


def _occupancy_values(text, cells, unit_ids):
    number_text, role_text = text.get("unit", ""), text.get("role", "")
    if not number_text:
        if role_text or text.get("start_on"):
            raise ValidationFailed(_l("A role or start date is given without a unit."))
        return None
    number = rules.normalise_unit_number(number_text)
    if number not in unit_ids:
        raise ValidationFailed(_l("Unit %(number)s does not exist on this site. Import the units first."), number=number)
    role = rules.word_to_code(role_text, rules.ROLE_WORDS, OCCUPANCY_ROLES) if role_text else "owner"
    if role is None:
        raise ValidationFailed(_l("The role '%(value)s' is not 业主 or 租户 (owner or tenant)."), value=role_text)
    if not text.get("start_on"):
        raise ValidationFailed(_l("The start date is missing for unit %(number)s."), number=number)
    return unit_ids[number], number, role, rules.parse_date(cells.get("start_on"))


def import_template(kind) -> bytes:
    """The XLSX template for an import: the header row to fill in, and an example sheet."""
    from .spreadsheets import template_workbook

    if kind == "units":
        return template_workbook(UNIT_COLUMNS, [["A-1203", "A座", 12, "89.50", "住宅"], ["P-001", "P", -1, "12.5", "车位"]],
                                 [str(_l("Use: 住宅 (home), 商铺 (shop), 办公 (office), 厂房 (factory), 车位 (parking).")),
                                  str(_l("A unit number is a building code, a dash and a room number. Buildings that "
                                         "do not exist yet are created."))])
    return template_workbook(CUSTOMER_COLUMNS, [
        ["张伟", "个人", "13812345678", "", "", "A-1203", "业主", "2020-05-01"],
        ["示例科技有限公司", "企业", "0571-88886666", "", "91350100M000100Y43", "B-0301", "租户", "2024-03-01"],
    ], [str(_l("Kind: 个人 (person) or 企业 (company). A company needs its unified social credit code.")),
        str(_l("Role: 业主 (owner) or 租户 (tenant). A customer with several units takes one row per unit.")),
        str(_l("Units must exist before their occupants are imported."))])
