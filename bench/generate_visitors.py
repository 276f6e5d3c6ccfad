"""Build a park whose front desk has two years of visitors behind it, for bench/bench_visitors.py.

Site `VIS` (星河产业园): 6 buildings, 384 offices, 320 tenant companies (20 of them moved out
during the two years) with 1–3 contacts each, a dozen members of staff who also receive
visitors, 120 visitor passes, a small watch list and two desk clerks. Then 200,000 past visits
over 730 days by 30,000 distinct visitors (couriers come back hundreds of times, most people a
handful, interviewees once or twice), in the shape the visitor services leave them: numbered
FK<year>-<seq> from the counter, the host's details copied, the host's answer, a pass for most
of those who went upstairs, signed out; ID numbers on the visits of a fifth of the visitors,
erased after the retention period as `frontdesk visitors purge` does; some visits booked ahead
and some bookings cancelled; one text message to the host in the outbox and the audit entries
of each visit. Rows are inserted in bulk with SQLAlchemy Core.

`refresh_today` then sets the desk up as it is on a working morning: whoever is still on site is
signed out, stale bookings are cancelled, and 40 people are on site now (two since yesterday, a
dozen still waiting for their host's answer, most holding a pass), with 6 visitors expected today.
bench/bench_visitors.py calls it before every run, so the lists it measures have the same size
whatever earlier runs registered.

    .venv/bin/python bench/generate_visitors.py [--database-url URL]
"""
import argparse
import bisect
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD, insert  # noqa: E402
from bench.loading import app_for, bulk, last_ids, load_once, move_sequences  # noqa: E402
from frontdesk.audit.models import AuditEntry  # noqa: E402
from frontdesk.auth.models import User, UserRole  # noqa: E402
from frontdesk.auth.services import hash_password  # noqa: E402
from frontdesk.core import clock  # noqa: E402
from frontdesk.core.notify import OutboxMessage  # noqa: E402
from frontdesk.core.numbering import Counter  # noqa: E402
from frontdesk.demo import COMPANY_TRADES, COMPANY_WORDS, GIVEN, POSITIONS, SURNAMES  # noqa: E402
from frontdesk.estate.models import Building, Contact, Customer, Occupancy, Site, Unit  # noqa: E402
from frontdesk.estate.rules import id_number_check_char  # noqa: E402
from frontdesk.extensions import db  # noqa: E402
from frontdesk.visitors.models import (  # noqa: E402
    Visit, Visitor, VisitorPass, VisitorSettings, WatchEntry,
)

SITE_CODE = "VIS"
SITE_NAME = "星河产业园"
CLERK = "bench_clerk"  # the clerk the benchmark logs in as
OTHER_CLERK = "bench_clerk_b"  # the other shift
SUPERVISOR = "bench_vis_supervisor"
VISITS = 200_000
VISITORS = 30_000
DAYS = 730
COMPANIES = 320
MOVED_OUT = 20
PASSES = 120
ON_SITE = 40
LEFT_OVER = 2  # of the 40, still on site since yesterday
WAITING = 12  # of the 40, still waiting for the host's answer
EXPECTED = 6
BOOKED_SHARE = 0.10  # visits booked ahead by the host, then checked in
CANCELLED = 3_000  # bookings that never came, beside the 200,000 visits
ID_SHARE = 0.20  # visitors who show an ID document

COURIERS = ("顺丰速运", "京东物流", "中通快递", "美团外卖", "饿了么", "中国邮政EMS")
CONTRACTORS = ("华创电梯维保有限公司", "苏州恒信装饰工程有限公司", "中国移动苏州分公司", "绿洁保洁服务有限公司",
               "安盾消防设备检测有限公司", "蓝天空调安装工程部")
PROVINCES = "苏沪浙皖鲁豫京粤"
DIVISIONS = ("320506", "320505", "320583", "320585", "310115", "330106", "340104", "370102", "410105", "110105")
NOTES = {"business": ("", "", "", "洽谈业务", "送合同", "开会", "拜访客户"), "interview": ("", "面试"),
         "delivery": ("", "", "快递", "外卖"), "contractor": ("", "设备维修", "电梯年检", "装修", "空调保养"),
         "other": ("", "送东西", "取文件")}
# these names are built from characters the generated names never use, so no visitor matches them
WATCH = (("bar", "欧阳震华", None, None, "多次在园区内推销并与保安发生冲突"),
         ("flag", "", None, "13100001111", "曾冒充快递员进入写字楼，来访请先电话确认受访人"),
         ("flag", "司马光明", "320506198001010012", None, "前租户，欠费未结清，来访请通知客户经理"),
         ("bar", "", "110105197505050017", None, "公安机关通报，勿予放行并报告主管"),
         ("flag", "", None, "13200002222", "多次未登记进入"))


_midnights = {}


def at(day: date, hours: float) -> datetime:
    """A Shanghai wall-clock time, given in hours since midnight, as a UTC instant."""
    if day not in _midnights:
        _midnights[day] = clock.day_bounds(day)[0]
    return _midnights[day] + timedelta(minutes=int(hours * 60))


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def id_number(rng) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(16_000))
    first17 = rng.choice(DIVISIONS) + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return first17 + id_number_check_char(first17)


def plate(rng) -> str:
    return (rng.choice(PROVINCES) + rng.choice("ABCDEFGHJ")
            + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5)))




# --- the two years -------------------------------------------------------------------------------

def generate(url: str, seed: int = 11, visits: int = VISITS, visitors: int = VISITORS, days: int = DAYS) -> dict:
    """Make the park and its visit history unless the site is there already."""
    return load_once(url, SITE_CODE, lambda conn, now, config: History(
        conn, random.Random(seed), now, config["VISITOR_ID_RETENTION_DAYS"]).fill(visits, visitors, days))


class History:
    def __init__(self, conn, rng, now, retention_days):
        self.conn, self.rng, self.now = conn, rng, now
        self.today = clock.business_day(now)
        self.id_cutoff = clock.day_bounds(self.today - timedelta(days=retention_days))[0]
        self.retention = timedelta(days=retention_days)
        self.ids = last_ids(conn, (Building, Unit, Customer, Contact, Visitor, Visit, VisitorPass, OutboxMessage,
                                   AuditEntry))

    def new_id(self, table):
        self.ids[table] += 1
        return self.ids[table]

    def fill(self, n_visits, n_visitors, n_days):
        self.site()
        self.companies()
        self.passes()
        self.people(n_visitors)
        self.visits(n_visits, n_days)
        return self.write()

    # the park, its staff and its tenants
    def site(self):
        conn, now = self.conn, self.now
        self.site_id = conn.execute(Site.__table__.insert().values(
            code=SITE_CODE, name=SITE_NAME, kind="park", company_name="星河物业服务有限公司", address="苏州工业园区星湖街1号",
            phone="0512-62880000", receipt_prefix="XH", receipt_copies="stub,customer,accounting", active=True)
            .returning(Site.id)).scalar_one()
        password = hash_password(PASSWORD)
        self.users, self.usernames = {}, {}
        staff = [(CLERK, "周静", "clerk"), (OTHER_CLERK, "吴晓东", "clerk"), (SUPERVISOR, "郑海峰", "supervisor")]
        staff += [(f"bench_vis_staff{n}", person_name(self.rng), "steward") for n in range(1, 13)]
        for username, full_name, role in staff:
            user_id = conn.execute(User.__table__.insert().values(
                username=username, full_name=full_name, password_hash=password, active=True, locale="zh_CN",
                site_id=self.site_id, failed_logins=0, session_version=1, created_at=now)
                .returning(User.id)).scalar_one()
            conn.execute(UserRole.__table__.insert().values(user_id=user_id, role=role))
            self.users[username] = (user_id, full_name)
            self.usernames[user_id] = username
        self.clerks = [self.users[CLERK], self.users[OTHER_CLERK]]
        self.staff_hosts = [self.users[u] for u in self.users if u.startswith("bench_vis_staff")]
        conn.execute(VisitorSettings.__table__.insert().values(site_id=self.site_id, id_required=False,
                                                               answer_minutes=5))
        conn.execute(WatchEntry.__table__.insert(), [
            dict(site_id=self.site_id, level=level, name=name, id_number=number, phone=phone, reason=reason,
                 active=True, added_at=now - timedelta(days=200), added_by_id=self.users[SUPERVISOR][0])
            for level, name, number, phone, reason in WATCH])

    def companies(self):
        rng, buildings, units, customers, contacts, occupancies = self.rng, [], [], [], [], []
        for code in "ABCDEF":
            bid = self.new_id("building")
            buildings.append(dict(id=bid, site_id=self.site_id, code=code, name=f"{code}座"))
            for floor in range(1, 9):
                for room in range(1, 9):
                    units.append(dict(id=self.new_id("unit"), site_id=self.site_id, building_id=bid,
                                      number=f"{code}-{floor}{room:02d}", floor=floor, area=rng.choice([120, 240, 360]),
                                      use="office"))
        free = units[:]
        rng.shuffle(free)
        self.contacts = []  # (id, name, phone, email, company id, company name, unit numbers, moved out on)
        names = set()
        for n in range(COMPANIES):
            while True:
                name = f"苏州{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司"
                if name not in names:
                    names.add(name)
                    break
            cid = self.new_id("customer")
            customers.append(dict(id=cid, site_id=self.site_id, kind="company", name=name, phone="0512-6" + f"{n:07d}",
                                  phone_last4=f"{n:04d}", id_number=None, credit_code=None, note="",
                                  created_at=self.now))
            held = [free.pop() for _ in range(2 if n % 8 == 0 else 1)]
            moved_out = self.today - timedelta(days=rng.randrange(30, DAYS - 60)) if n < MOVED_OUT else None
            for unit in held:
                occupancies.append(dict(unit_id=unit["id"], customer_id=cid, role="tenant", start_on=date(2019, 3, 1),
                                        end_on=moved_out, billed=True))
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                phone = mobile(rng)
                row = dict(id=self.new_id("contact"), customer_id=cid, name=person_name(rng),
                           position=rng.choice(POSITIONS), phone=phone, phone_last4=phone[-4:],
                           email=f"c{len(contacts) + 1}@example.com" if rng.random() < 0.6 else None)
                contacts.append(row)
                self.contacts.append((row["id"], row["name"], phone, row["email"] or "", cid, name,
                                      "、".join(u["number"] for u in held), moved_out))
        insert(self.conn, Building, buildings)
        insert(self.conn, Unit, units)
        insert(self.conn, Customer, customers)
        insert(self.conn, Contact, contacts)
        insert(self.conn, Occupancy, occupancies)
        self.staying = [c for c in self.contacts if c[7] is None]

    def passes(self):
        self.pass_rows = [dict(id=self.new_id("visitor_pass"), site_id=self.site_id, number=f"{n:03d}",
                               active=n <= PASSES - 2, out_visit_id=None, missing_since=None)
                          for n in range(1, PASSES + 1)]
        self.usable_passes = [(p["id"], p["number"]) for p in self.pass_rows if p["active"]]

    # who comes: a kind, a weight (how often), a usual host
    def people(self, n_visitors):
        rng, phones, self.people_rows = self.rng, set(), []
        for wid in (w[3] for w in WATCH if w[3]):
            phones.add(wid)
        for _ in range(n_visitors):
            draw = rng.random()
            kind = ("delivery" if draw < 0.12 else "contractor" if draw < 0.22 else "interview" if draw < 0.37
                    else "business")
            weight = {"delivery": 8.0, "contractor": 3.0, "business": 1.0, "interview": 0.1}[kind]
            weight *= min(rng.paretovariate(1.6), 40)
            while True:
                phone = mobile(rng)
                if phone not in phones:
                    phones.add(phone)
                    break
            company = (rng.choice(COURIERS) if kind == "delivery" else rng.choice(CONTRACTORS) if kind == "contractor"
                       else "" if kind == "interview" or rng.random() < 0.3
                       else f"{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司")
            if kind == "contractor" and rng.random() < 0.6:
                usual = ("user",) + rng.choice(self.staff_hosts)
            else:
                usual = ("contact",) + rng.choice(self.contacts)
            self.people_rows.append(dict(
                id=self.new_id("visitor"), kind=kind, weight=weight, phone=phone, name=person_name(rng),
                company=company,
                plate=plate(rng) if kind != "delivery" and rng.random() < 0.15 else "",
                id_number=id_number(rng) if rng.random() < ID_SHARE else None, usual=usual))

    def host(self, person, day):
        """The host of one visit: mostly the visitor's usual one, never a company gone by that day."""
        rng = self.rng
        stay = {"delivery": 0.5, "contractor": 0.8, "business": 0.85, "interview": 1.0}[person["kind"]]
        host = person["usual"] if rng.random() < stay else ("contact",) + rng.choice(self.contacts)
        if host[0] == "contact" and host[8] is not None and host[8] <= day:
            host = ("contact",) + rng.choice(self.staying)
        return host

    # the visits themselves
    def visits(self, n_visits, n_days):
        rng, people = self.rng, self.people_rows
        days = [self.today - timedelta(days=d) for d in range(n_days, 0, -1)]
        day_weights = [{5: 0.25, 6: 0.15}.get(d.weekday(), 1.0) for d in days]
        cumulative, total = [], 0.0
        for p in people:
            total += p["weight"]
            cumulative.append(total)
        # everyone came at least once; the rest of the visits go by how often each kind comes back
        who = list(range(len(people))) + [i for i in _draw(rng, cumulative, n_visits - len(people))]
        when = rng.choices(days, weights=day_weights, k=len(who))
        plan = []
        for i, day in zip(who, when):
            person = people[i]
            hours = rng.triangular(8.5, 18.0, 10.0) if person["kind"] != "delivery" else rng.uniform(9.0, 18.5)
            arrived = at(day, hours)
            booked = person["kind"] in ("business", "interview") and rng.random() < BOOKED_SHARE
            booked_at = arrived - timedelta(days=rng.randrange(1, 8), hours=rng.randrange(0, 6)) if booked else None
            plan.append((booked_at or arrived, arrived, day, i, booked_at))
        for _ in range(CANCELLED):
            day = rng.choices(days, weights=day_weights)[0]
            when_booked = at(day, 9.0) - timedelta(days=rng.randrange(1, 8))
            plan.append((when_booked, None, day, rng.randrange(len(people)), when_booked))
        plan.sort(key=lambda row: row[0])

        self.visit_rows = []
        self.seq = {}
        last = {}
        for numbered_at, arrived, day, i, booked_at in plan:
            person = people[i]
            year = (day if numbered_at is arrived else clock.business_day(numbered_at)).year
            self.seq[year] = self.seq.get(year, 0) + 1
            visit_id = self.new_id("visit")
            number = f"FK{year}-{self.seq[year]:06d}"
            host = self.host(person, day)
            row = self.visit_row(visit_id, number, person, host, day, arrived, booked_at)
            self.visit_rows.append(row)
            if arrived is not None:
                row["visitor_id"] = person["id"]
                previous = last.get(i)
                if previous is None or arrived >= previous[1]:
                    last[i] = (visit_id, arrived, row)
                person["visits"] = person.get("visits", 0) + 1
                person["first"] = min(person.get("first", arrived), arrived)
        self.visitor_rows = []
        for i, person in enumerate(people):
            visit_id, last_at, row = last[i]
            kept = person["id_number"] if last_at >= self.id_cutoff else None
            self.visitor_rows.append(dict(
                id=person["id"], site_id=self.site_id, phone=person["phone"], name=person["name"],
                company=person["company"], id_type="id_card" if kept else None, id_number=kept, plate=person["plate"],
                last_visit_id=visit_id, visits=person["visits"], last_visit_at=last_at, created_at=person["first"]))

    def visit_row(self, visit_id, number, person, host, day, arrived, booked_at):
        rng = self.rng
        purpose = person["kind"] if rng.random() < 0.9 else rng.choice(["business", "other"])
        kind, host_id, host_name = host[0], host[1], host[2]
        if kind == "contact":
            host_company, host_unit, host_phone, host_email = host[6], host[7], host[3], host[4]
        else:
            host_company, host_unit, host_phone, host_email = SITE_NAME, "", "", ""
        row = dict(
            id=visit_id, site_id=self.site_id, number=number, status="signed_out", visitor_id=None,
            name=person["name"], phone=person["phone"], company=person["company"],
            party_size=1 if rng.random() < 0.85 or purpose == "delivery" else rng.randrange(2, 5), purpose=purpose,
            purpose_note=rng.choice(NOTES[purpose]), plate=person["plate"], id_type=None, id_number=None,
            id_erased_at=None, watch_note="", host_kind=kind, host_contact_id=host_id if kind == "contact" else None,
            host_customer_id=None, host_user_id=host_id if kind == "user" else None, host_name=host_name,
            host_company=host_company, host_unit=host_unit, host_phone=host_phone, host_email=host_email,
            expected_on=day if booked_at else None, booked_at=booked_at,
            booked_by_id=rng.choice(self.staff_hosts)[0] if booked_at else None, arrived_at=arrived,
            registered_by_id=None, announced_at=None, link_nonce=f"{rng.getrandbits(128):032x}", answer=None,
            answer_note="",
            answered_at=None, answered_via=None, answer_recorded_by_id=None, pass_id=None, pass_number="",
            signed_out_at=None, signed_out_via=None, signed_out_by_id=None, cancelled_at=None)
        if arrived is None:
            row.update(status="cancelled", cancelled_at=booked_at + timedelta(hours=rng.randrange(2, 20)))
            return row
        clerk = rng.choice(self.clerks)
        row.update(registered_by_id=clerk[0], announced_at=arrived)
        if person["id_number"]:
            if arrived >= self.id_cutoff:
                row.update(id_type="id_card", id_number=person["id_number"])
            else:
                row["id_erased_at"] = arrived + self.retention + timedelta(days=1)
        if purpose != "delivery" and rng.random() < 0.65:
            row["pass_id"], row["pass_number"] = rng.choice(self.usable_passes)
        stay = timedelta(minutes=rng.randrange(3, 15) if purpose == "delivery" else rng.randrange(10, 240))
        if rng.random() < 0.85:
            via = "link" if rng.random() < 0.7 else "phone"
            draw = rng.random()
            row.update(answer="lobby" if draw < 0.4 else "send_up" if draw < 0.95 else "decline",
                       answered_at=arrived + timedelta(minutes=rng.randrange(1, 7)), answered_via=via,
                       answer_recorded_by_id=clerk[0] if via == "phone" else None)
        out_via = "desk" if rng.random() < 0.85 else "link"
        row.update(signed_out_at=arrived + stay, signed_out_via=out_via,
                   signed_out_by_id=clerk[0] if out_via == "desk" else None)
        return row

    def write(self):
        conn = self.conn
        insert(conn, VisitorPass, self.pass_rows)
        bulk(conn, Visitor, self.visitor_rows)
        bulk(conn, Visit, self.visit_rows)
        # what the services wrote beside each visit is derived from the visits by the database
        sms = conn.execute(sa.text(OUTBOX_SQL), {"site": self.site_id}).rowcount
        json_object = "json_build_object" if conn.dialect.name == "postgresql" else "json_object"
        entries = 0
        for parts in AUDIT_PARTS:
            sql = AUDIT_SQL.format(**{k: v.replace("{json}", json_object) for k, v in parts.items()})
            entries += conn.execute(sa.text(sql), {"site": self.site_id}).rowcount
        for year, value in self.seq.items():
            conn.execute(Counter.__table__.insert().values(kind="visit", scope=SITE_CODE, year=year, value=value))
        move_sequences(conn, self.ids)
        visits = [r for r in self.visit_rows if r["arrived_at"] is not None]
        return {"companies": COMPANIES, "contacts": len(self.contacts), "visitors": len(self.visitor_rows),
                "visits": len(visits), "cancelled_bookings": len(self.visit_rows) - len(visits),
                "visits_with_id_number": sum(1 for r in visits if r["id_number"]),
                "visitors_with_2+_visits": sum(1 for r in self.visitor_rows if r["visits"] > 1),
                "outbox_messages": sms, "audit_entries": entries, "passes": len(self.pass_rows)}


# one text message to the host of each visit with a mobile number (the contacts; staff have none)
OUTBOX_SQL = """
INSERT INTO outbox_message (site_id, channel, recipient, subject, body, status, attempts, next_attempt_at, last_error,
                            created_at, sent_at, object_type, object_id)
SELECT site_id, 'sms', host_phone, '',
       '【{site}】' || name || ' 到前台拜访您（' || purpose || '）。请点击回复：https://desk.example.com/visitors/h/'
       || link_nonce || link_nonce || number,
       'sent', 1, arrived_at, '', arrived_at, arrived_at, 'visit', id
FROM visit WHERE site_id = :site AND arrived_at IS NOT NULL AND host_phone <> ''
""".replace("{site}", SITE_NAME)
# the audit entries of each visit, as the services write them: {json} is the dialect's json_object
AUDIT_SQL = """
INSERT INTO audit_entry (at, actor_id, actor_name, action, object_type, object_id, summary, remote_addr, before, after)
SELECT {at}, u.id, COALESCE(u.username, 'system'), '{action}', 'visit', CAST(v.id AS VARCHAR(40)), {summary},
       CASE WHEN u.id IS NULL THEN NULL ELSE '10.0.8.21' END, {before}, {after}
FROM visit v LEFT JOIN "user" u ON u.id = {actor}
WHERE v.site_id = :site AND {where}
"""
_HOST = "v.host_kind || ':' || CAST(COALESCE(v.host_contact_id, v.host_user_id) AS VARCHAR(20))"
_STATUS = "{json}('status', '%s')"
AUDIT_PARTS = [
    dict(action="visit.book", at="v.booked_at", actor="v.booked_by_id", where="v.booked_at IS NOT NULL",
         summary="v.number || ' ' || v.name || ' → ' || v.host_name", before="NULL",
         after="{json}('host', " + _HOST + ", 'expected_on', CAST(v.expected_on AS VARCHAR(10)))"),
    dict(action="visit.cancelled", at="v.cancelled_at", actor="v.booked_by_id", where="v.status = 'cancelled'",
         summary="v.number || ' ' || v.name", before=_STATUS % "expected", after=_STATUS % "cancelled"),
    dict(action="visit.register", at="v.arrived_at", actor="v.registered_by_id",
         where="v.arrived_at IS NOT NULL AND v.booked_at IS NULL",
         summary="v.number || ' ' || v.name || ' → ' || v.host_name", before="NULL",
         after="{json}('host', " + _HOST + ", 'purpose', v.purpose, 'pass', v.pass_number, 'watch', '')"),
    dict(action="visit.on_site", at="v.arrived_at", actor="v.registered_by_id",
         where="v.arrived_at IS NOT NULL AND v.booked_at IS NOT NULL",
         summary="v.number || ' ' || v.name", before=_STATUS % "expected", after=_STATUS % "on_site"),
    dict(action="visit.announce", at="v.announced_at", actor="NULL", where="v.announced_at IS NOT NULL",
         summary="v.number || ' → ' || v.host_name", before="NULL", after="NULL"),
    dict(action="visit.answer", at="v.answered_at", actor="v.answer_recorded_by_id", where="v.answer IS NOT NULL",
         summary="v.number || ' ' || v.answer", before="NULL",
         after="{json}('answer', v.answer, 'note', v.answer_note, 'via', v.answered_via)"),
    dict(action="visit.signed_out", at="v.signed_out_at", actor="v.signed_out_by_id", where="v.status = 'signed_out'",
         summary="v.number || ' ' || v.name", before=_STATUS % "on_site", after=_STATUS % "signed_out"),
]



def _draw(rng, cumulative, k):
    """k indexes drawn with the weights whose running totals are `cumulative`."""
    total = cumulative[-1]
    for _ in range(k):
        yield bisect.bisect(cumulative, rng.random() * total)


# --- this morning ------------------------------------------------------------------------------

def refresh_today(url: str, seed: int | None = None) -> dict:
    """Make the desk look like a working morning, whatever earlier runs left: everyone on site is
    signed out and stale bookings cancelled (bench housekeeping, no audit entries), the bench
    clerks' password and lock reset, then 40 people are put on site and 6 visitors booked for
    today, numbered from the counter."""
    rng = random.Random(seed)
    app = app_for(url)
    with app.app_context(), db.engine.begin() as conn:
        now = clock.now()
        today = clock.business_day(now)
        site_id = conn.execute(sa.select(Site.id).where(Site.code == SITE_CODE)).scalar_one()
        visit, card = Visit.__table__, VisitorPass.__table__
        users = dict(conn.execute(sa.select(User.username, User.id).where(User.site_id == site_id)).all())
        clerk = users[OTHER_CLERK]
        staff = [users[u] for u in users if u.startswith("bench_vis_staff")]
        # the database sits in the shared work tree: make sure the benchmark's clerk can log in
        conn.execute(sa.update(User.__table__).where(User.username.in_([CLERK, OTHER_CLERK, SUPERVISOR]))
                     .values(password_hash=hash_password(PASSWORD), failed_logins=0, locked_until=None, active=True))
        left = conn.execute(sa.update(visit).where(visit.c.site_id == site_id, visit.c.status == "on_site")
                            .values(status="signed_out", signed_out_at=now, signed_out_via="desk",
                                    signed_out_by_id=clerk)).rowcount
        conn.execute(sa.update(card).where(card.c.site_id == site_id).values(out_visit_id=None))
        conn.execute(sa.update(visit).where(visit.c.site_id == site_id, visit.c.status == "expected",
                                            visit.c.expected_on <= today)
                     .values(status="cancelled", cancelled_at=now))
        hosts = conn.execute(
            sa.select(Contact.id, Contact.name, Contact.phone, Contact.email, Customer.name)
            .join(Customer, Customer.id == Contact.customer_id)
            .where(Customer.site_id == site_id, Customer.id.in_(
                sa.select(Occupancy.customer_id)
                .where(sa.or_(Occupancy.end_on.is_(None), Occupancy.end_on >= today))))).all()
        units = {}
        for customer_name, number in conn.execute(
                sa.select(Customer.name, Unit.number).join(Occupancy, Occupancy.customer_id == Customer.id)
                .join(Unit, Unit.id == Occupancy.unit_id).where(Customer.site_id == site_id).order_by(Unit.number)):
            units.setdefault(customer_name, []).append(number)
        returning = conn.execute(
            sa.select(Visitor.id, Visitor.phone, Visitor.name, Visitor.company, Visitor.plate, Visitor.id_number)
            .where(Visitor.site_id == site_id, Visitor.visits > 1).order_by(sa.func.random())
            .limit(ON_SITE + EXPECTED)).all()
        free = conn.execute(sa.select(card.c.id, card.c.number).where(card.c.site_id == site_id,
                                                                      card.c.active.is_(True))
                            .order_by(card.c.number)).all()
        year = today.year
        bump = (sa.update(Counter.__table__).where(Counter.kind == "visit", Counter.scope == SITE_CODE,
                                                   Counter.year == year)
                .values(value=Counter.value + ON_SITE + EXPECTED).returning(Counter.value))
        top = conn.execute(bump).scalar()
        if top is None:
            conn.execute(Counter.__table__.insert().values(kind="visit", scope=SITE_CODE, year=year,
                                                           value=ON_SITE + EXPECTED))
            top = ON_SITE + EXPECTED
        seqs = iter(range(top - ON_SITE - EXPECTED + 1, top + 1))
        audit, outbox = [], []
        for n in range(ON_SITE + EXPECTED):
            expected = n >= ON_SITE
            new_person = n % 5 == 4  # a fifth of them come for the first time
            if new_person:
                while True:  # a number the desk has never seen, also after earlier mornings
                    phone = "1" + rng.choice("3456789") + f"{rng.randrange(10 ** 9):09d}"
                    if conn.execute(sa.select(Visitor.id).where(Visitor.site_id == site_id,
                                                                Visitor.phone == phone)).first() is None:
                        break
                person = (None, phone, person_name(rng), rng.choice(["", "远景设计事务所", "博远软件技术有限公司"]), "", None)
            else:
                person = returning[n]
            host_id, host_name, host_phone, host_email, company = rng.choice(hosts)
            if n < LEFT_OVER:
                arrived = clock.day_bounds(today)[0] - timedelta(hours=rng.uniform(4, 8))
            else:
                arrived = now - timedelta(minutes=rng.uniform(1, 240))
            waiting = LEFT_OVER <= n < LEFT_OVER + WAITING
            number = f"FK{year}-{next(seqs):06d}"
            row = dict(
                site_id=site_id, number=number, status="expected" if expected else "on_site",
                visitor_id=None if expected else person[0], name=person[2], phone=person[1], company=person[3],
                party_size=1 if n % 6 else 2, purpose="business", purpose_note="", plate=person[4],
                id_type="id_card" if person[5] else None, id_number=person[5], watch_note="", host_kind="contact",
                host_contact_id=host_id, host_name=host_name, host_company=company,
                host_unit="、".join(units.get(company, [])[:3]), host_phone=host_phone or "",
                host_email=host_email or "",
                link_nonce=secrets.token_hex(16), answer_note="", pass_number="")
            if expected:
                row.update(expected_on=today, booked_at=now - timedelta(days=1), booked_by_id=rng.choice(staff))
            else:
                row.update(arrived_at=arrived, registered_by_id=clerk, announced_at=arrived)
                if not waiting:
                    row.update(answer=rng.choice(["lobby", "send_up", "send_up"]), answered_via="link",
                               answered_at=min(arrived + timedelta(minutes=3), now))
            visit_id = conn.execute(visit.insert().values(**row).returning(visit.c.id)).scalar_one()
            if not expected:
                if n % 4 != 3 and free:
                    pass_id, pass_number = free.pop(0)
                    conn.execute(sa.update(card).where(card.c.id == pass_id).values(out_visit_id=visit_id))
                    conn.execute(sa.update(visit).where(visit.c.id == visit_id)
                                 .values(pass_id=pass_id, pass_number=pass_number))
                conn.execute(_remember(site_id, person, visit_id, arrived, now))
                if person[0] is None:
                    new_id = conn.execute(sa.select(Visitor.id).where(Visitor.site_id == site_id,
                                                                      Visitor.phone == person[1])).scalar_one()
                    conn.execute(sa.update(visit).where(visit.c.id == visit_id).values(visitor_id=new_id))
                audit.append(dict(at=arrived, actor_id=clerk, actor_name=OTHER_CLERK, action="visit.register",
                                  object_type="visit", object_id=str(visit_id),
                                  summary=f"{number} {person[2]} → {host_name}",
                                  remote_addr="10.0.8.21", before=None, after={"host": f"contact:{host_id}"}))
                if host_phone:
                    outbox.append(dict(site_id=site_id, channel="sms", recipient=host_phone, subject="",
                                       body=f"【{SITE_NAME}】{person[2]}到前台拜访您。", status="sent", attempts=1,
                                       next_attempt_at=arrived, created_at=arrived, sent_at=arrived, last_error="",
                                       object_type="visit", object_id=visit_id))
        if audit:
            conn.execute(AuditEntry.__table__.insert(), audit)
        if outbox:
            conn.execute(OutboxMessage.__table__.insert(), outbox)
    return {"signed_out_from_earlier_runs": left, "on_site": ON_SITE, "expected_today": EXPECTED,
            "day": today.isoformat()}


def _remember(site_id, person, visit_id, arrived, now):
    """The visitor row after one more visit: created for a newcomer, counted up for the others."""
    table = Visitor.__table__
    if person[0] is None:
        return table.insert().values(site_id=site_id, phone=person[1], name=person[2], company=person[3],
                                     plate=person[4], visits=1, last_visit_id=visit_id, last_visit_at=arrived,
                                     created_at=now)
    return (sa.update(table).where(table.c.id == person[0])
            .values(visits=table.c.visits + 1, last_visit_id=visit_id, last_visit_at=arrived))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'visitors.db'}")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures = generate(args.database_url)
    print(f"generated in {time.perf_counter() - started:.1f} s: {figures}")
    print(refresh_today(args.database_url))


if __name__ == "__main__":
    main()
