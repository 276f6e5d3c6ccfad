"""The demo data behind `frontdesk demo`: an industrial park and a residential estate with a year
of fees, payments and receipts, and one user per role.

Master data (sites, buildings, units, customers, users) is inserted directly, for speed. Everything
that carries money — charges, meter readings, payments, receipts, day closes — goes through the
billing services, so the numbers, snapshots and audit entries are the ones the desk makes.

Loading is idempotent: a site whose code exists already and a user whose name exists already are
left alone, so a second run adds nothing. Everything is drawn from a seeded random generator, so
two installations loaded on the same day hold the same data."""
import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa

from .audit.services import record
from .auth import services as auth_services
from .auth.models import User, UserRole
from .auth.permissions import ROLES
from .billing import rules, services as billing
from .billing.models import (
    ALIPAY, CARD, CASH, FIXED_MONTH, METERED, ONE_OFF, PER_AREA_MONTH, TRANSFER, WECHAT, Charge, Payment,
)
from .core import clock
from .estate.models import Building, Contact, Customer, Occupancy, Site, Unit
from .estate.rules import CREDIT_CODE_ALPHABET, credit_code_check_char
from .extensions import db

DEMO_PASSWORD = "frontdesk-demo"
MONTHS = 12  # of charges, up to and including the current month

USER_NAMES = {
    "clerk": "林晓雯",
    "cashier": "王丽娟",
    "steward": "赵建国",
    "account_manager": "陈思远",
    "technician": "周师傅",
    "supervisor": "刘海燕",
    "project_manager": "张志强",
    "admin": "系统管理员",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华 文 华 金凤 晨 浩然 "
         "子涵 雨欣 梓轩 思琪 一鸣 嘉怡 俊杰 欣怡 宇航 佳琪 志远 晓东 海峰 春梅 雪梅 国庆 建军 丽华 玉兰 红梅").split()
COMPANY_WORDS = ("星河 恒信 华创 瑞丰 博远 中科 天成 鼎新 致远 汇通 睿思 宏图 卓越 正泰 新宇 凯达 嘉禾 同创 "
                 "东方 晶华 海纳 启明 润泽 科林 德隆 安泰 长盛 联合 金桥 云帆").split()
COMPANY_TRADES = ("精密机械 电子科技 生物医药 新材料 软件技术 智能装备 信息技术 光电科技 医疗器械 环保科技 "
                  "供应链管理 检测技术 自动化设备 网络科技 包装材料 汽车零部件").split()
POSITIONS = ("财务", "行政经理", "总经理", "办公室主任", "出纳")


@dataclass
class SiteData:
    """What load() made for one site, for the billing part to work on."""

    site: Site
    units: list[Unit] = field(default_factory=list)


def load(*, now: datetime | None = None, months: int = MONTHS) -> list[str]:
    """Create whatever part of the demo data is missing, as of `now`, with `months` of charges up to
    the current month. Flushes, never commits. Returns lines telling what was created or found."""
    now = now or clock.now()
    report = []
    made = {}
    for code, build in (("PARK", _park), ("ESTATE", _estate)):
        if db.session.scalar(sa.select(Site.id).where(Site.code == code)):
            report.append(f"site {code}: present, left alone")
            continue
        # one generator per site, so each site's data is the same whether or not the other exists
        made[code] = build(random.Random(f"{code}-2026"), now)
        db.session.flush()
    sites = {s.code: s for s in db.session.scalars(sa.select(Site).where(Site.code.in_(("PARK", "ESTATE"))))}
    users = _users(now, sites, report)
    for code, data in made.items():
        figures = _bill(data, users, random.Random(f"{code}-billing"), now, months)
        report.append(f"site {code} ({data.site.name}): {len(data.units)} units, " + figures)
    if "ESTATE" in sites:
        report.append(_visitors(sites["ESTATE"], users, random.Random("ESTATE-visitors"), now))
        report.append(_work_orders(sites["ESTATE"], users, random.Random("ESTATE-workorders"), now))
        report.append(_notices(sites["ESTATE"], users, now))
    if "PARK" in sites:
        report.append(_visits(sites["PARK"], users, random.Random("PARK-visits"), now))
    return report


# --- users ---------------------------------------------------------------------------------------

def _users(now, sites, report) -> dict[str, User]:
    """One user per role, named after the role. The demo password is set as a hash here, not
    through auth_services.create_user: it is the same well-known password for every demo account,
    which the password rules of real accounts are right to refuse."""
    found = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(ROLES)))}
    password_hash = None
    for role in ROLES:
        if role in found:
            continue
        password_hash = password_hash or auth_services.hash_password(DEMO_PASSWORD)
        # the account manager looks after the park's companies; everyone else works at the estate
        site = sites.get("PARK" if role == "account_manager" else "ESTATE")
        user = User(username=role, full_name=USER_NAMES[role], password_hash=password_hash, active=True,
                    locale="zh_CN", failed_logins=0, session_version=1, created_at=now, site=site)
        user.role_rows = [UserRole(role=role)]
        db.session.add(user)
        db.session.flush()
        record("user.create", actor=None, now=now, obj=user, summary="demo data",
               after={"username": role, "roles": [role]})
        found[role] = user
        report.append(f"user {role}: created")
    return found


# --- master data ---------------------------------------------------------------------------------

def _person_name(rng, taken):
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in taken or len(taken) > 2000:
            taken.add(name)
            return name


def _mobile(rng):
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _credit_code(rng, division="320594"):
    """A unified social credit code of a company registered in the park's district: 9 (market
    regulator), 1 (enterprise), the division, an organisation code and the GB 32100 check character."""
    body = "91" + division + "".join(rng.choice(CREDIT_CODE_ALPHABET[:10] + "ABCDEFGHJKLMN") for _ in range(9))
    return body + credit_code_check_char(body)


def _customer(site, now, *, kind, name, phone=None, credit_code=None):
    customer = Customer(site_id=site.id, kind=kind, name=name, phone=phone, phone_last4=phone[-4:] if phone else None,
                        credit_code=credit_code, note="", created_at=now)
    db.session.add(customer)
    return customer


def _occupy(unit, customer, role, start_on, billed=True):
    db.session.add(Occupancy(unit=unit, customer=customer, role=role, start_on=start_on, billed=billed))


def _park(rng, now) -> SiteData:
    """星河产业园: two office towers (A, B) and a row of factories (C), mostly let to companies."""
    site = Site(code="PARK", name="星河产业园", kind="park", company_name="苏州星河物业服务有限公司",
                address="江苏省苏州市工业园区星河大道88号", phone="0512-66881234", receipt_prefix="XH",
                receipt_copies="stub,customer,accounting")
    db.session.add(site)
    made = SiteData(site)
    towers = [Building(site=site, code=c, name=f"{c}座研发楼") for c in "AB"]
    factories = Building(site=site, code="C", name="C区标准厂房")
    db.session.add_all(towers + [factories])
    for tower in towers:
        for floor in range(1, 11):
            for room in range(1, 5):
                area = Decimal(rng.choice(["186.40", "215.75", "248.30", "312.60", "420.00"]))
                made.units.append(Unit(site=site, building=tower, number=f"{tower.code}-{floor}{room:02d}",
                                       floor=floor, area=area, use="office"))
    for n in range(1, 13):
        area = Decimal(rng.choice(["1260.00", "1850.50", "2400.00", "3120.80"]))
        made.units.append(Unit(site=site, building=factories, number=f"C-{100 + n}", floor=1, area=area,
                               use="factory"))
    db.session.add_all(made.units)
    db.session.flush()

    names, people = set(), set()
    let = [u for u in made.units if rng.random() < 0.88]  # the rest stand empty
    i = 0
    while i < len(let):
        while True:
            name = f"苏州{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司"
            if name not in names:
                names.add(name)
                break
        company = _customer(site, now, kind="company", name=name, phone=f"0512-6{rng.randrange(1000000, 9999999)}",
                            credit_code=_credit_code(rng))
        for position in rng.sample(POSITIONS, rng.choice([1, 2, 2, 3])):
            phone = _mobile(rng)
            db.session.add(Contact(customer=company, name=_person_name(rng, people), position=position,
                                   phone=phone, phone_last4=phone[-4:]))
        # a growing company takes the office next door as well
        size = 2 if let[i].use == "office" and rng.random() < 0.15 else 1
        start = date(rng.choice([2019, 2020, 2021, 2022, 2023, 2024]), rng.randrange(1, 13), 1)
        for unit in let[i:i + size]:
            _occupy(unit, company, "tenant", start)
        i += size
    return made


def _estate(rng, now) -> SiteData:
    """锦绣花园: six residential buildings, a row of shops and an underground car park."""
    site = Site(code="ESTATE", name="锦绣花园", kind="estate", company_name="锦绣物业管理有限公司",
                address="江苏省苏州市姑苏区锦绣路168号", phone="0512-65201688", receipt_prefix="JX",
                receipt_copies="stub,customer,accounting")
    db.session.add(site)
    made = SiteData(site)
    homes = []
    for b in range(1, 7):
        building = Building(site=site, code=str(b), name=f"{b}号楼")
        db.session.add(building)
        for floor in range(1, 19):
            for room in (1, 2):
                area = Decimal(rng.choice(["89.56", "98.20", "105.35", "118.74", "126.08", "143.60"]))
                homes.append(Unit(site=site, building=building, number=f"{b}-{floor}{room:02d}", floor=floor,
                                  area=area, use="home"))
    shops_building = Building(site=site, code="S", name="沿街商铺")
    parking_building = Building(site=site, code="P", name="地下车库")
    db.session.add_all([shops_building, parking_building])
    shops = [Unit(site=site, building=shops_building, number=f"S-{100 + n}", floor=1,
                  area=Decimal(rng.choice(["45.20", "68.90", "92.50", "120.00"])), use="shop") for n in range(1, 13)]
    spaces = [Unit(site=site, building=parking_building, number=f"P-{n:03d}", floor=-1, area=Decimal("12.50"),
                   use="parking") for n in range(1, 61)]
    made.units = homes + shops + spaces
    db.session.add_all(made.units)
    db.session.flush()

    people = set()
    owners = []
    for unit in homes + shops:
        phone = _mobile(rng)
        owner = _customer(site, now, kind="person", name=_person_name(rng, people), phone=phone)
        since = date(rng.choice([2016, 2017, 2018, 2019, 2021, 2023]), rng.randrange(1, 13), rng.randrange(1, 28))
        # a let home or shop is billed to its tenant, as the lease says
        if rng.random() < (0.5 if unit.use == "shop" else 0.12):
            _occupy(unit, owner, "owner", since, billed=False)
            phone = _mobile(rng)
            tenant = _customer(site, now, kind="person", name=_person_name(rng, people), phone=phone)
            _occupy(unit, tenant, "tenant", max(since, date(2024, rng.randrange(1, 13), 1)))
        else:
            _occupy(unit, owner, "owner", since)
        if unit.use == "home":
            owners.append((owner, since))
    # most spaces belong to home owners of the estate and are billed to them
    for space, (owner, since) in zip(spaces, rng.sample(owners, k=52)):
        _occupy(space, owner, "owner", since)
    return made


# --- fees, charges and payments (through the billing services) -----------------------------------

FEE_ITEMS = {
    "PARK": [
        dict(code="MGMT-OFFICE", name="物业管理费（写字楼）", basis=PER_AREA_MONTH, price="6.50", unit_label="m²",
             applies_to="office", due_day=15),
        dict(code="MGMT-FACTORY", name="物业管理费（厂房）", basis=PER_AREA_MONTH, price="3.20", unit_label="m²",
             applies_to="factory", due_day=15),
        dict(code="WATER", name="水费", basis=METERED, price="4.60", unit_label="m³", applies_to="office,factory",
             due_day=20),
        dict(code="ELECTRICITY", name="电费", basis=METERED, price="1.05", unit_label="kWh",
             applies_to="office,factory", due_day=20),
        dict(code="REPAIR", name="维修费", basis=ONE_OFF, price="0", applies_to="", due_day=15),
    ],
    "ESTATE": [
        dict(code="MGMT-HOME", name="物业管理费（住宅）", basis=PER_AREA_MONTH, price="2.80", unit_label="m²",
             applies_to="home", due_day=15),
        dict(code="MGMT-SHOP", name="物业管理费（商铺）", basis=PER_AREA_MONTH, price="5.00", unit_label="m²",
             applies_to="shop", due_day=15),
        dict(code="PARKING", name="车位管理费", basis=FIXED_MONTH, price="150.00", unit_label="车位",
             applies_to="parking", due_day=15),
        dict(code="WATER", name="水费", basis=METERED, price="3.45", unit_label="m³", applies_to="shop", due_day=20),
        dict(code="ELECTRICITY", name="电费", basis=METERED, price="0.85", unit_label="kWh", applies_to="shop",
             due_day=20),
        dict(code="REPAIR", name="维修费", basis=ONE_OFF, price="0", applies_to="", due_day=15),
    ],
}

# monthly consumption (low, high) by meter and unit use
CONSUMPTION = {
    ("WATER", "office"): (8, 30), ("WATER", "factory"): (80, 320), ("WATER", "shop"): (5, 25),
    ("ELECTRICITY", "office"): (600, 3500), ("ELECTRICITY", "factory"): (12000, 55000),
    ("ELECTRICITY", "shop"): (300, 1500),
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as the UTC instant the services expect."""
    return datetime.combine(day, time(hour, minute), tzinfo=clock.BUSINESS_TZ).astimezone(timezone.utc)


def _periods(today: date, months: int) -> list[str]:
    year, month = today.year, today.month
    periods = []
    for _ in range(months):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def _bill(data: SiteData, users, rng, now, months) -> str:
    """A year of charges, meter readings, payments and day closes for one new site."""
    site, admin, cashier = data.site, users["admin"], users["cashier"]
    today = clock.business_day(now)
    periods = _periods(today, months)
    first_day = rules.period_bounds(periods[0])[0]
    items = {spec["code"]: billing.create_fee_item(site, **spec, actor=admin, now=_at(first_day, 9) - timedelta(days=3))
             for spec in FEE_ITEMS[site.code]}
    metered = [items[c] for c in ("WATER", "ELECTRICITY")]
    occupied = {o for (o,) in db.session.execute(sa.select(Occupancy.unit_id).join(Unit).where(
        Unit.site_id == site.id, Occupancy.billed.is_(True)))}
    meters = {(u.id, item.id): rng.randrange(1000, 60000) for u in data.units if u.id in occupied
              for item in metered if item.applies_to_use(u.use)}
    units = {u.id: u for u in data.units}

    for period in periods:
        start, _end = rules.period_bounds(period)
        billing.generate_charges(site, period, actor=admin, now=_at(start, 9))
        read_on = start.replace(day=25)
        if read_on > today:
            continue  # this month's meters are read on the 25th
        for (unit_id, item_id), last in meters.items():
            item = items["WATER"] if item_id == items["WATER"].id else items["ELECTRICITY"]
            unit = units[unit_id]
            low, high = CONSUMPTION[(item.code, unit.use)]
            current = last + rng.randrange(low, high)
            billing.record_meter_reading(unit, item, period, Decimal(current),
                                         previous_reading=Decimal(last) if period == periods[0] else None,
                                         read_on=read_on, actor=users["steward"], now=_at(read_on, 16))
            meters[(unit_id, item_id)] = current

    payments = _take_payments(site, cashier, periods, today, now, rng)
    closes = _close_days(site, cashier, users["supervisor"], payments, today, now)
    notices = _dun(site, users["supervisor"], today)
    counts = db.session.execute(sa.select(Charge.status, sa.func.count()).where(Charge.site_id == site.id)
                                .group_by(Charge.status)).all()
    return (f"{sum(n for _s, n in counts)} charges ({', '.join(f'{n} {s}' for s, n in sorted(counts))}), "
            f"{len(payments)} payments with receipts, {closes} day closes, {notices} dunning notices")


def _dun(site, supervisor, today) -> int:
    """The site default late-fee rule (违约金, 0.05% a day, no grace, capped at the principal) and a
    first round of dunning notices a few days ago, through the same services as the pages. Set after
    the payments, so the receipts stay as the counter took them and the open charges show a fee."""
    from .core.errors import ValidationFailed
    from .dunning import services as dunning

    as_of = today - timedelta(days=3)
    dunning.save_late_fee_rule(site, label="违约金", daily_rate_percent="0.05", grace_days=0, cap_percent="100",
                               actor=supervisor, now=_at(as_of, 9))
    try:
        run = dunning.run_dunning(site, as_of=as_of, min_days=15, actor=supervisor, now=_at(as_of, 10))
    except ValidationFailed:
        return 0  # nothing overdue yet (a demo of a month or two)
    return len(run.notices)


def _profile(rng, kind):
    """How an account pays: every how many months, and how the year ends for it."""
    cadence = rng.choice([1, 1, 3] if kind == "company" else [1, 3, 3, 6, 12])
    roll = rng.random()
    ending = "prompt" if roll < 0.74 else "partial" if roll < 0.86 else "overdue" if roll < 0.95 else "late"
    return cadence, ending


def _method(rng, kind):
    if kind == "company":
        return rng.choice([TRANSFER, TRANSFER, TRANSFER, WECHAT, CARD])
    return rng.choice([CASH, WECHAT, WECHAT, WECHAT, ALIPAY, ALIPAY, CARD])


def _take_payments(site, cashier, periods, today, now, rng) -> list[Payment]:
    """Each account pays at the counter on its own rhythm; payments are taken in time order so the
    receipt numbers run with the dates, and a day is closed once the next one starts."""
    rows = db.session.execute(sa.select(Charge.id, Charge.customer_id, Charge.period, Charge.amount, Customer.kind)
                              .join(Customer, Customer.id == Charge.customer_id)
                              .where(Charge.site_id == site.id).order_by(Charge.id)).all()
    charges, kinds = {}, {}
    for charge_id, customer_id, period, amount, kind in rows:
        charges.setdefault(customer_id, []).append((charge_id, period, amount))
        kinds[customer_id] = kind
    plan = []
    for customer_id in sorted(charges):
        cadence, ending = _profile(rng, kinds[customer_id])
        last_index = len(periods) - 1
        stop = {"prompt": last_index, "partial": last_index, "late": max(last_index - 3, 0),
                "overdue": max(last_index - rng.randrange(3, 8), 0)}[ending]
        visits = [i for i in range(len(periods)) if i % cadence == cadence - 1 or i == stop]
        visits = [i for i in visits if i <= stop]
        for n, index in enumerate(visits):
            start, _end = rules.period_bounds(periods[index])
            day = start.replace(day=rng.randrange(3, 27))
            at = _at(day, rng.randrange(8, 17), rng.randrange(0, 60))
            if at >= now:
                continue
            plan.append((at, customer_id, periods[index], ending == "partial" and n == len(visits) - 1))
    plan.sort()

    outstanding = {cid: amount for rows_ in charges.values() for cid, _p, amount in rows_}
    customers = {c.id: c for c in db.session.scalars(sa.select(Customer).where(Customer.id.in_(list(charges))))}
    payments = []
    for n, (at, customer_id, up_to, partly) in enumerate(plan, 1):
        due = [(cid, outstanding[cid]) for cid, period, _a in charges[customer_id]
               if period <= up_to and outstanding[cid] > 0]
        if not due:
            continue
        total = sum(owed for _cid, owed in due)
        amount = max((total * Decimal("0.6")).quantize(Decimal("1")), Decimal("1")) if partly else total
        customer = customers[customer_id]
        method = _method(rng, customer.kind)
        tendered, reference = None, ""
        if method == CASH:
            tendered = amount if rng.random() < 0.3 else (amount / 100).to_integral_value(ROUND_CEILING) * 100
        else:
            reference = f"{rng.randrange(10**11, 10**12)}{n:06d}"
        payment = billing.take_payment(site=site, customer=customer, charge_ids=[cid for cid, _o in due], method=method,
                                       amount=amount, tendered=tendered, reference=reference,
                                       request_token=f"demo-{site.code}-{n}", actor=cashier, now=at)
        for line in payment.lines:
            outstanding[line.charge_id] -= line.amount
        payments.append(payment)
    return payments


def _close_days(site, cashier, supervisor, payments, today, now) -> int:
    """The cashier closes every past day she took money on; the supervisor acknowledges the
    takings the next morning, except for the last few days, still waiting on his desk."""
    days = sorted({p.business_on for p in payments if p.business_on < today})
    for n, day in enumerate(days):
        close = billing.close_day(site=site, cashier=cashier, day=day, actor=cashier, now=_at(day, 17, 40))
        received = _at(day + timedelta(days=1), 9, 10)
        if n < len(days) - 3 and received < now:
            billing.acknowledge_day_close(close, actor=supervisor, now=received)
    return len(days)


# --- visitors ------------------------------------------------------------------------------------

VISITOR_COMPANIES = ("顺丰速运", "美团外卖", "京东物流", "苏州恒信装饰工程有限公司", "中国移动", "个人", "远景设计事务所",
                     "华创电梯维保有限公司")


def _visitors(site, users, rng, now) -> str:
    """Thirty visitor passes, two weeks of visits through the real services (registered, answered,
    signed out), a few visitors on site now and two expected today, and one name on the watch list.
    Skipped when the site has passes already."""
    from .core.notify import OutboxMessage
    from .visitors import queries as visitor_queries, services as visitors
    from .visitors.models import VisitorPass

    if db.session.scalar(sa.select(VisitorPass.id).where(VisitorPass.site_id == site.id).limit(1)):
        return f"visitors at {site.code}: present, left alone"
    clerk, supervisor = users["clerk"], users["supervisor"]
    visitors.add_passes(site, [f"{n:03d}" for n in range(1, 31)], actor=supervisor, now=now)
    visitors.save_settings(site, id_required=False, answer_minutes=5, actor=supervisor, now=now)
    visitors.add_watch_entry(site, level="flag", name="赵一鸣", phone="13500009999",
                             reason="曾多次未登记进入；来访请先电话确认受访人", actor=supervisor, now=now)
    today = clock.business_day(now)
    hosts = [visitor_queries.Host("customer", c.id, c.name, "", "", c.phone or "")
             for c in db.session.scalars(sa.select(Customer).where(Customer.site_id == site.id,
                                                                   Customer.kind == "person").order_by(Customer.id).limit(60))]
    people = [(_person_name(rng, set()), _mobile(rng), rng.choice(VISITOR_COMPANIES)) for _ in range(40)]
    count = 0
    for days_ago in range(14, -1, -1):
        day = today - timedelta(days=days_ago)
        for n in range(rng.randrange(5, 11) if days_ago else 5):
            name, phone, company = rng.choice(people)
            purpose = "delivery" if company in ("顺丰速运", "美团外卖", "京东物流") else rng.choice(
                ["business", "business", "contractor", "other", "interview"])
            # today's visitors came in during the last hour and a bit, whatever the time of day
            arrived = _at(day, 9 + n, rng.randrange(0, 60)) if days_ago else now - timedelta(minutes=70 - 14 * n)
            free = visitor_queries.free_passes(site.id)
            host = visitor_queries.host_by_ref(site.id, rng.choice(hosts).ref, day)
            visit = visitors.register_visit(
                site, visitors.VisitorDetails(name=name, phone=phone, company="" if company == "个人" else company,
                                              party_size=rng.choice([1, 1, 1, 2]), purpose=purpose),
                host, actor=clerk, now=arrived, pass_id=free[0].id if free and purpose != "delivery" else None)
            count += 1
            if days_ago == 0 and n >= 3:
                continue  # still here, one still waiting for the host
            visitors.answer_visit(visit, rng.choice(["lobby", "send_up", "send_up"]), via=rng.choice(["link", "phone"]),
                                  actor=clerk, now=arrived + timedelta(minutes=rng.randrange(1, 6)))
            if days_ago == 0 and n == 2:
                continue
            visitors.sign_out(visit, via="desk", actor=clerk, now=arrived + timedelta(minutes=rng.randrange(10, 90)))
    for name, phone, company in people[:2]:
        host = visitor_queries.host_by_ref(site.id, rng.choice(hosts).ref, today)
        visitors.book_visit(site, visitors.VisitorDetails(name=name, phone=phone, company=company, purpose="business"),
                            host, today, actor=clerk, now=now)
    # the hosts of past visits were told long ago
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.site_id == site.id)
                       .values(status="sent", sent_at=OutboxMessage.created_at))
    return f"visitors at {site.code}: 30 passes, {count} visits, 2 expected today"


WORK_ORDER_CALLS = [
    ("repair", "plumbing", "厨房水槽下水管漏水，地面有积水"),
    ("repair", "electrical", "卫生间灯不亮，换了灯泡也不行"),
    ("repair", "doors_locks", "入户门锁芯卡住，钥匙拧不动"),
    ("repair", "hvac", "客厅空调不制冷，外机不转"),
    ("complaint", "noise", "楼上晚上十一点后还在装修，噪音很大"),
    ("complaint", "cleaning", "楼道垃圾两天没有清运，有异味"),
    ("enquiry", "billing", "想问一下今年物业费的收费标准和缴费方式"),
    ("suggestion", "security", "建议夜间在北门加派一名巡逻人员"),
    ("praise", "other", "维修师傅上门及时，态度很好，特此表扬"),
]


def _work_orders(site, users, rng, now) -> str:
    """Four departments, and three weeks of calls through the real services: most repaired and
    called back, a few still open (one overdue and chased), one paid service billed to the unit.
    Skipped when the site has departments already."""
    from .billing.models import FeeItem
    from .workorders import services as workorders
    from .workorders.models import Department

    if db.session.scalar(sa.select(Department.id).where(Department.site_id == site.id).limit(1)):
        return f"work orders at {site.code}: present, left alone"
    admin, clerk, technician = users["admin"], users["clerk"], users["technician"]
    departments = {name: workorders.save_department(site, name=name, phone=phone, actor=admin, now=now)
                   for name, phone in (("工程部", "13912340001"), ("保洁部", "13912340002"),
                                       ("秩序维护部", "13912340003"), ("客服中心", ""))}
    by_category = {"cleaning": "保洁部", "security": "秩序维护部", "noise": "秩序维护部", "billing": "客服中心",
                   "other": "客服中心"}
    repair_fee = db.session.scalar(sa.select(FeeItem).where(FeeItem.site_id == site.id, FeeItem.code == "REPAIR"))
    occupied = db.session.execute(
        sa.select(Unit, Customer).join(Occupancy, Occupancy.unit_id == Unit.id)
        .join(Customer, Customer.id == Occupancy.customer_id)
        .where(Unit.site_id == site.id, Occupancy.end_on.is_(None), Customer.phone.is_not(None))
        .order_by(Unit.id).limit(80)).all()
    count = 0
    for days_ago in range(21, -1, -1):
        for n in range(rng.randrange(1, 4)):
            paid = days_ago == 6 and n == 0  # a lock on the owner's own door: a paid service
            kind, category, text = WORK_ORDER_CALLS[2] if paid else rng.choice(WORK_ORDER_CALLS)
            unit, customer = rng.choice(occupied)
            logged = now - timedelta(days=days_ago, hours=rng.randrange(1, 8) if days_ago else 3 + n)
            order = workorders.log_order(
                site, kind=kind, channel=rng.choice(["phone", "phone", "walk_in"]), category=category,
                description=text, complexity="ordinary", report=workorders.Report(
                    customer.name, customer.phone, unit_id=unit.id, customer_id=customer.id),
                answered=kind == "enquiry", answer="已告知收费标准及线上缴费方式", actor=clerk, now=logged)
            count += 1
            if kind == "enquiry":
                continue
            if paid:
                workorders.record_quote(order, amount="85.00", note="更换入户门锁芯（业主自购门锁范围）",
                                        agreed_by=customer.name, agreed=True, fee_item_id=repair_fee.id,
                                        actor=clerk, now=logged + timedelta(minutes=3))
            department = departments[by_category.get(category, "工程部")]
            workorders.dispatch(order, department_id=department.id,
                                assignee_id=technician.id if department.name == "工程部" else None,
                                actor=clerk, now=logged + timedelta(minutes=5))
            workorders.record_reply(order, note="已安排师傅，约半小时内上门", actor=clerk,
                                    now=logged + timedelta(minutes=8))
            if days_ago <= 1 and not paid:
                continue  # still open today
            if days_ago == 4 and n == 0:
                workorders.chase_overdue(site, actor=clerk, now=now)
                continue  # late, chased
            finished = logged + timedelta(hours=rng.randrange(2, 20))
            workorders.complete(order, note="已处理完毕，现场恢复正常", actor=clerk, now=finished)
            if order.status == "completed" and days_ago > 2:
                workorders.record_callback(order, satisfaction=rng.choice([5, 5, 4, 4, 3]), note="业主表示满意",
                                           actor=clerk, now=finished + timedelta(hours=20))
                workorders.close(order, actor=clerk, now=finished + timedelta(hours=21))
    return f"work orders at {site.code}: {count} logged, {len(departments)} departments"


# --- notices -------------------------------------------------------------------------------------

NOTICE_BOARDS = (("1号楼一楼大堂信息栏", "1"), ("3号楼一楼大堂信息栏", "3"), ("5号楼一楼大堂信息栏", "5"),
                 ("南门公告栏", None), ("地下车库入口信息栏", "P"))

WATER_CUT = """因市政供水管网检修，小区将暂停供水，具体安排如下：

- 停水时间：**{day} 9:00至17:00**
- 影响范围：1号楼至3号楼

# 温馨提示

请您提前做好储水准备，停水期间请关闭家中水龙头。给您带来不便，敬请谅解，谢谢！"""

LIFT_CHECK = """根据特种设备安全要求，电梯将进行年度检验：

1. 检验期间每部电梯停运约2小时
2. 检验顺序以现场公示为准

请您合理安排出行，谢谢配合！"""

AUTUMN_CLEAN = """本周末小区开展秋季环境清洁活动，欢迎您带上家人一同参加，现场有小礼品相送。谢谢！"""

PARKING_RULES = """车库内请勿堆放杂物，请按车位停放，谢谢您的配合！"""


def _notices(site, users, now) -> str:
    """Five notice boards and notices at every stage, through the real services: a water cut
    approved, posted on two boards and shown on the staff's home page, a lift inspection sent by text message too, an autumn
    event that expired yesterday but is still up (the home page flags it), one waiting for the
    supervisor, one for the project manager, and one sent back. Skipped when the site has boards."""
    from .notices import services as notices
    from .notices.models import GENERAL, MAINTENANCE, NoticeBoard, PROMOTION

    if db.session.scalar(sa.select(NoticeBoard.id).where(NoticeBoard.site_id == site.id).limit(1)):
        return f"notices at {site.code}: present, left alone"
    clerk, supervisor, manager, steward = (users[r] for r in ("clerk", "supervisor", "project_manager", "steward"))
    buildings = {b.code: b for b in db.session.scalars(sa.select(Building).where(Building.site_id == site.id))}
    boards = [notices.save_board(site, name=name, building_id=buildings[code].id if code else None, actor=steward,
                                 now=now - timedelta(days=30)) for name, code in NOTICE_BOARDS]
    today = clock.business_day(now)

    def approved(kind, title, body, start, end, *, at, **channels):
        notice = notices.draft_notice(site, kind=kind, content=notices.Content(
            title=title, body=body, valid_from=start, valid_to=end, **channels), actor=clerk, now=at)
        revision = notice.revisions[-1]
        notices.submit(revision, actor=clerk, now=at + timedelta(minutes=10))
        notices.approve(revision, actor=supervisor, now=at + timedelta(hours=1))
        notices.approve(revision, actor=manager, now=at + timedelta(hours=3))
        return notice

    # approved and posted oldest first, so that the numbers run with the dates
    autumn = approved(PROMOTION, "秋季清洁活动邀请", AUTUMN_CLEAN, today - timedelta(days=8), today - timedelta(days=1),
                      at=now - timedelta(days=9, hours=5))
    lift = approved(MAINTENANCE, "关于电梯年度检验的通知", LIFT_CHECK, today - timedelta(days=3),
                    today + timedelta(days=7), at=now - timedelta(days=4, hours=5), to_sms=True,
                    sms_text="【锦绣物业】尊敬的业主：小区电梯将于近日进行年度检验，每部停运约2小时，请您合理安排出行，谢谢！")
    water = approved(MAINTENANCE, "关于小区临时停水的通知",
                     WATER_CUT.format(day=f"{(today + timedelta(days=2)).month}月{(today + timedelta(days=2)).day}日"),
                     today, today + timedelta(days=2), at=now - timedelta(days=1, hours=5),
                     building_ids=[buildings[c].id for c in "123"], to_home=True)
    for notice, on in ((autumn, boards[3:4]), (lift, boards[:4]), (water, boards[:2])):
        for board in on:
            notices.post_notice(notice, board, actor=steward,
                                now=notice.revisions[-1].approved_at + timedelta(hours=1))

    waiting = notices.draft_notice(site, kind=GENERAL, content=notices.Content(
        title="车库管理温馨提示", body=PARKING_RULES, valid_from=today + timedelta(days=1),
        valid_to=today + timedelta(days=30), building_ids=[buildings["P"].id]), actor=clerk,
        now=now - timedelta(hours=3))
    notices.submit(waiting.revisions[-1], actor=clerk, now=now - timedelta(hours=2))
    checked = notices.draft_notice(site, kind=MAINTENANCE, content=notices.Content(
        title="关于外墙清洗的通知", body="本周六将清洗5号楼、6号楼外墙，请您关好窗户，谢谢！",
        valid_from=today + timedelta(days=2), valid_to=today + timedelta(days=5),
        building_ids=[buildings["5"].id, buildings["6"].id]), actor=clerk, now=now - timedelta(hours=6))
    notices.submit(checked.revisions[-1], actor=clerk, now=now - timedelta(hours=5))
    notices.approve(checked.revisions[-1], actor=supervisor, now=now - timedelta(hours=4))
    sent_back = notices.draft_notice(site, kind=GENERAL, content=notices.Content(
        title="关于缴纳物业费的提醒", body="物业费不交的话，该找谁找谁。", valid_from=today,
        valid_to=today + timedelta(days=14)), actor=clerk, now=now - timedelta(hours=8))
    notices.submit(sent_back.revisions[-1], actor=clerk, now=now - timedelta(hours=7, minutes=50))
    notices.reject(sent_back.revisions[-1], comment="措辞生硬，请改用礼貌用语，并写明缴费方式和期限。", actor=supervisor,
                   now=now - timedelta(hours=7))
    return f"notices at {site.code}: {len(boards)} boards, 6 notices ({lift.number} sent by text message too)"


# --- customer visits -----------------------------------------------------------------------------

# the park's second account manager and its customer-service supervisor, who assigns the companies
# and reads the survey reports (the demo's supervisor works at the estate)
PARK_STAFF = (("account_manager2", "王敏", "account_manager"), ("park_supervisor", "吴建平", "supervisor"))
VISIT_OPINIONS = (
    ("opinion", "前台接待热情，访客登记很快", ""),
    ("opinion", "园区停车位偏紧张，访客车经常没地方停", "已说明访客可停地下二层临时车位"),
    ("suggestion", "建议在食堂增加晚餐供应", "已记录，将反馈给园区食堂"),
    ("suggestion", "建议在B座大堂放置共享雨伞", ""),
    ("opinion", "保洁比去年好多了，卫生间很干净", ""),
)
SURVEY_MEANS = {"front_desk": 4.5, "security": 4.2, "cleaning": 4.1, "repairs": 3.5, "billing": 4.3, "overall": 4.1,
                "recommend": 4.0}
LOW_SCORE_COMMENTS = {"repairs": "报修后等了两天才有人来", "cleaning": "楼道垃圾有时清运不及时",
                      "security": "夜间巡逻看不到人", "front_desk": "电话有时没人接", "billing": "电费账单看不懂",
                      "overall": "希望服务再主动一些", "recommend": "停车问题不解决不好推荐"}


def _park_staff(site, now) -> dict[str, User]:
    found = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_([u for u, _n, _r in PARK_STAFF])))}
    for username, full_name, role in PARK_STAFF:
        if username in found:
            continue
        user = User(username=username, full_name=full_name, password_hash=auth_services.hash_password(DEMO_PASSWORD),
                    active=True, locale="zh_CN", failed_logins=0, session_version=1, created_at=now, site=site)
        user.role_rows = [UserRole(role=role)]
        db.session.add(user)
        db.session.flush()
        record("user.create", actor=None, now=now, obj=user, summary="demo data",
               after={"username": username, "roles": [role]})
        found[username] = user
    return found


def _working_day(day: date) -> date:
    """`day`, or the Friday before when it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _visits(site, users, rng, now) -> str:
    """The park's account managers at work, through the real services on the demo's clock: the
    companies shared between 陈思远 and 王敏 half a year ago (one handed over since, a few newcomers
    nobody looks after yet), about seventy visits recorded over the six months with what the
    customers said, a satisfaction survey at twenty of them, four companies never visited and a few
    not for months. And the stories behind the lists: a complaint answered on the spot whose
    commitment was kept (written up as a case study), a request turned into a work order with a
    follow-up due this week, a late payment whose commitment is overdue, a follow-up overdue, and
    this week's plans. Skipped when the site's companies are assigned already."""
    from .visits import services as visits
    from .visits.models import Commitment, Portfolio, VisitItem

    if db.session.scalar(sa.select(Portfolio.customer_id).where(Portfolio.site_id == site.id).limit(1)):
        return f"visits at {site.code}: present, left alone"
    staff = _park_staff(site, now)
    chen, wang, supervisor = users["account_manager"], staff["account_manager2"], staff["park_supervisor"]
    names = {chen.id: chen.full_name, wang.id: wang.full_name}
    today = clock.business_day(now)
    companies = list(db.session.scalars(sa.select(Customer).where(Customer.site_id == site.id,
                                                                  Customer.kind == "company").order_by(Customer.id)))
    units = dict(db.session.execute(sa.select(Occupancy.customer_id, sa.func.min(Occupancy.unit_id))
                                    .join(Customer, Customer.id == Occupancy.customer_id)
                                    .where(Customer.site_id == site.id).group_by(Occupancy.customer_id)).all())
    newcomers, assigned = companies[-3:], companies[:-3]
    owner = {}
    for n, company in enumerate(assigned):
        manager = chen if n % 3 else wang
        visits.assign(site, company, manager.id, reason="园区客户经理分工", actor=supervisor,
                      now=now - timedelta(days=190))
        owner[company.id] = [(today - timedelta(days=190), manager)]
    handed = next(c for c in assigned if owner[c.id][0][1] is wang)
    handed_on = today - timedelta(days=60)
    owner[handed.id].append((handed_on, chen))
    chens = [c for c in assigned if owner[c.id][-1][1] is chen and c is not handed]
    # the stories happen at four of 陈思远's companies, which get no other visit in the last months
    complained, requested, late_payer, waiting = stories = chens[:4]
    never = [c for c in assigned if c not in stories][-4:]
    queue, sequence, done = [], itertools.count(), {"recorded": 0, "surveys": 0}

    def later(instant, action):
        heapq.heappush(queue, (instant, next(sequence), action))

    def manager_on(company, day):
        return [m for since, m in owner[company.id] if since <= day][-1]

    def contact(company):
        person = company.contacts[0] if company.contacts else None
        return f"{person.name}（{person.position}）" if person else company.name

    def plan_and_record(company, day, purpose, *, hour, items=(), commitments=(), follow_up_on=None,
                        mode="on_site", survey=False, then=None):
        """A visit on `day`, planned three days ahead most of the time, recorded two hours after it."""
        manager = manager_on(company, day)
        visited_at = _at(day, hour, rng.randrange(0, 50))
        planned_at = _at(day - timedelta(days=3), 16)
        state = {}
        if rng.random() < 0.6 and manager_on(company, day - timedelta(days=3)) is manager:
            later(planned_at, lambda: state.update(visit=visits.plan_visit(
                site, customer_id=company.id, visit_on=day, mode=mode, purpose=purpose, meet=contact(company),
                preparation="", actor=manager, now=planned_at)))

        def record_it():
            recorded = visited_at + timedelta(hours=2)
            visit = visits.record_visit(
                site, visit=state.get("visit"), customer_id=company.id, visited_at=visited_at, mode=mode,
                purpose=purpose, attendees=f"{contact(company)}、{names[manager.id]}",
                summary=VISIT_SUMMARIES[purpose], items=[visits.ItemInput(*i) for i in items],
                commitments=[visits.CommitmentInput(*c) for c in commitments], follow_up_on=follow_up_on,
                actor=manager, now=recorded)
            done["recorded"] += 1
            if survey:
                _survey(site, visit, company, manager, rng, recorded, (day - today).days / 180 + 1)
                done["surveys"] += 1
            if then:
                then(visit, recorded)
        later(visited_at, record_it)

    later(_at(handed_on, 8, 30), lambda: visits.assign(
        site, handed, chen.id, reason="企业要求与A座其他企业统一对接", actor=supervisor, now=_at(handed_on, 8, 30)))
    # everyday visits: most companies once in the last eleven weeks, some also earlier, a few only
    # long ago (not visited for months), four never; twenty of them, one every nine days or so,
    # take the satisfaction survey
    everyday = []
    for n, company in enumerate(assigned):
        if company in never:
            continue
        recent = company not in stories and n % 9 != 4
        days = [today - timedelta(days=rng.randrange(1, 78))] if recent else []
        if not recent or rng.random() < 0.4:
            days.append(today - timedelta(days=rng.randrange(95, 180)))
        everyday += [(company, _working_day(day)) for day in days]
    surveyed = set()
    for k in range(20):
        target = today - timedelta(days=4 + 9 * k)
        surveyed.add(min((i for i in range(len(everyday)) if i not in surveyed),
                         key=lambda i: abs((everyday[i][1] - target).days)))
    for i, (company, day) in enumerate(everyday):
        purpose = "survey" if i in surveyed else rng.choice(
            ["routine_care", "routine_care", "routine_care", "renewal", "late_payment"])
        plan_and_record(company, day, purpose, hour=rng.choice([9, 10, 14, 15]),
                        items=[rng.choice(VISIT_OPINIONS)] if rng.random() < 0.5 else [],
                        mode=rng.choice(["on_site", "on_site", "phone"]), survey=purpose == "survey")

    # a complaint answered on the spot, the promise kept and the case written up for training
    complaint_day = _working_day(today - timedelta(days=24))

    def kept_and_written_up(visit, recorded):
        promise = db.session.scalars(sa.select(Commitment).where(Commitment.visit_id == visit.id)).one()
        kept_at, written_at = recorded + timedelta(days=9), recorded + timedelta(days=12)
        later(kept_at, lambda: visits.complete_commitment(
            promise, note="已提交电梯高峰运行调整方案，客户确认早高峰等待明显缩短", actor=chen, now=kept_at))
        later(written_at, lambda: visits.save_case(
            site, title="电梯高峰等待投诉的当场答复与跟进", visit_id=visit.id, actor=chen, now=written_at,
            situation=f"{complained.name}行政经理投诉早高峰电梯等待超过五分钟，员工经常迟到，情绪较大。",
            action="客户经理当场说明电梯群控的调整计划并致歉，承诺两周内提交书面方案；会后协调工程部调整高峰运行模式。",
            result="第九天提交方案并实施，客户确认等待时间明显缩短，在满意度回访中给出好评。",
            lesson="投诉当场能答复的先答复，答复不了的给出明确时限并按时兑现，比事后解释更能赢得客户信任。"))
    plan_and_record(complained, complaint_day, "complaint", hour=10, items=[
        ("complaint", "早高峰电梯等待时间太长，员工经常迟到", "已当场说明：工程部将调整电梯群控，早高峰增开一部货梯载人")],
        commitments=[("两周内提交电梯高峰运行调整方案", chen.id, complaint_day + timedelta(days=14))],
        then=kept_and_written_up)

    # a request that became a work order; a follow-up due this week and a colleague's promise open
    request_day = _working_day(today - timedelta(days=9))
    sunday = today + timedelta(days=6 - today.weekday())

    def to_work_order(visit, recorded):
        request = db.session.scalars(sa.select(VisitItem).where(VisitItem.visit_id == visit.id,
                                                                VisitItem.kind == "request")).one()
        later(recorded + timedelta(minutes=20), lambda: visits.item_to_work_order(
            request, category="hvac", unit_id=units.get(requested.id), actor=chen,
            now=recorded + timedelta(minutes=20)))
    plan_and_record(requested, request_day, "routine_care", hour=14, items=[
        ("request", "三楼会议室空调不制冷，已经一周了", ""), ("opinion", "对园区前台的访客登记服务很满意", "")],
        commitments=[("工程部上门检修会议室空调", supervisor.id, today + timedelta(days=3))],
        follow_up_on=min(today + timedelta(days=2), sunday), then=to_work_order)

    # a late payment: the promised answer is overdue
    late_day = _working_day(today - timedelta(days=28))
    plan_and_record(late_payer, late_day, "late_payment", hour=15, mode="phone", items=[
        ("opinion", "对二季度电费账单金额有疑问，核对清楚前暂缓缴费", "已说明电费按分表读数计收，将提供抄表记录")],
        commitments=[("核对二季度电费分表读数并书面答复", chen.id, late_day + timedelta(days=14))])

    # a follow-up whose day has passed with no visit since
    plan_and_record(waiting, _working_day(today - timedelta(days=21)), "renewal", hour=10, items=[
        ("request", "希望续租时扩租隔壁一间办公室", "已说明需确认隔壁租约到期时间")],
        follow_up_on=today - timedelta(days=6))

    while queue:
        heapq.heappop(queue)[2]()
    # this week's plans
    days = [d for d in (today + timedelta(days=n) for n in range((sunday - today).days + 1)) if d.weekday() < 5]
    days = days[:3] or [today]
    wangs = next(c for c in assigned if owner[c.id][-1][1] is wang and c not in never)
    plans = ((chen, chens[4], days[0], "routine_care", "带上园区服务手册，了解企业扩招后的用餐需求"),
             (chen, chens[5], days[-1], "renewal", "准备续租合同草案和明年租金方案"),
             (wang, wangs, days[len(days) // 2], "routine_care", "查看近三个月的报修记录"))
    for manager, company, day, purpose, preparation in plans:
        visits.plan_visit(site, customer_id=company.id, visit_on=day, mode="on_site", purpose=purpose,
                          meet=contact(company), preparation=preparation, actor=manager, now=now - timedelta(hours=1))
    return (f"visits at {site.code}: {len(assigned)} companies assigned ({len(newcomers)} not yet), "
            f"{done['recorded']} visits recorded, {done['surveys']} surveys, {len(plans)} visits planned this week")


VISIT_SUMMARIES = {
    "routine_care": "了解企业近况，介绍园区近期服务安排，客户总体满意",
    "late_payment": "说明欠费情况和缴费期限，客户表示将尽快处理",
    "complaint": "当面听取投诉并致歉，说明整改安排",
    "survey": "完成年度满意度调查，听取客户意见",
    "renewal": "沟通续租意向和面积需求",
}


def _survey(site, visit, company, manager, rng, now, progress):
    """The satisfaction survey taken at `visit`: scores around the park's usual level, repairs
    getting better over the half year, a comment where a score is low."""
    from .visits import services as visits

    questionnaire = visits.questionnaire_for(site, now=now)
    answers = []
    for question in questionnaire.questions:
        mean = SURVEY_MEANS[question.dimension] + (0.8 * progress if question.dimension == "repairs" else 0)
        score = max(1, min(5, round(rng.gauss(mean, 0.6))))
        if question.dimension == "billing" and rng.random() < 0.1:
            score = None  # not applicable: pays through its group's head office
        answers.append(visits.AnswerInput(question.id, score, LOW_SCORE_COMMENTS[question.dimension]
                                          if score is not None and score <= 3 else ""))
    person = company.contacts[0].name if company.contacts else company.name
    visits.record_survey(site, customer_id=company.id, questionnaire_id=questionnaire.id, answers=answers,
                         respondent=person, taken_on=visit.visit_on, comment="", visit=visit, actor=manager, now=now)
