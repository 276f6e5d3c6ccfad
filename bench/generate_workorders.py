"""Build an estate whose service centre has two years of work orders behind it, for
bench/bench_workorders.py.

Site `WOB` (锦绣花园): 6 buildings of 25 floors, 1,500 homes, one occupant per home; 4 departments
(工程部, 保洁部, 秩序维护部, 客服部), 12 technicians spread over them, 3 desk clerks and a
supervisor; a one-off fee item REPAIR (维修费) for paid services. Then 100,000 past work orders
over 730 days, in the shape the work-order services leave them: numbered GD<year>-NNNNNN per
year with the counter rows set so the next order continues the series; the site's default time
limits (rules.DEFAULT_TIME_LIMITS) frozen on each order and its three deadlines worked out by
rules.due_at on the official working-day calendar; dispatched to the department of the category
(and to one of its technicians), started, some put on hold waiting for parts (the deadlines moved
by the pause, as `resume` does), completed, called back within the kind's callback limit with a
satisfaction score, closed. Enquiries are mostly answered on the call; a share of the orders is
late on the first response, on the promised resolution and on the hard limit; late dispatched
orders got a chase notice (CB<year>-NNNN) and those still late after it were escalated; 2% of the
repairs were reopened after a callback that found them unresolved, 1% of the orders cancelled.
Each order has its timeline (3 events for an enquiry answered on the call, up to 12 for a reopened
repair; about 590,000 in all) and one audit entry per event, derived from the events by
`INSERT … SELECT`. Of the last 30 days' orders, those completed in the last working days
still wait for their callback. Paid services (quotes and their one-off charges) are
not generated. Rows go in through the driver's executemany (bench/loading.bulk).

`refresh_today` then sets the open work as it is on a working day: the orders earlier runs left
open are cancelled (bench housekeeping: no events, no audit), and 300 open orders logged over the
last days are put in: 40 new and not yet dispatched, 15 on hold, the rest dispatched or in
progress, every technician with 10–25 of them; exactly 60 are overdue (past their promised
resolution, or new and still without a first response past the response limit); the overdue
dispatched ones carry the chase notices and escalations the hourly chase run would have left
(about 47 notices, half of them escalated). bench/bench_workorders.py calls it before every run,
so the lists it measures have the same size whatever earlier runs logged. (The history leaves
the orders of the last days that were still being worked on open; the first refresh cancels them
with the rest.)

    .venv/bin/python bench/generate_workorders.py [--database-url URL]
"""
import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD, insert  # noqa: E402
from bench.generate_visitors import mobile, person_name  # noqa: E402
from bench.loading import app_for, bulk, last_ids, load_once, move_sequences  # noqa: E402
from frontdesk.auth.models import User, UserRole  # noqa: E402
from frontdesk.auth.services import hash_password  # noqa: E402
from frontdesk.billing.models import FeeItem  # noqa: E402
from frontdesk.core import clock  # noqa: E402
from frontdesk.core.numbering import Counter  # noqa: E402
from frontdesk.estate.models import Building, Customer, Occupancy, Site, Unit  # noqa: E402
from frontdesk.extensions import db  # noqa: E402
from frontdesk.workorders import rules  # noqa: E402
from frontdesk.workorders.models import (  # noqa: E402
    CALLED_BACK, CANCELLED, CLOSED, COMPLAINT, COMPLETED, COMPLEX, DISPATCHED, EMERGENCY, ENQUIRY, IN_PROGRESS,
    NEW, NORMAL, ON_HOLD, OPEN_STATUSES, ORDINARY, PRAISE, REPAIR, SIMPLE, SUGGESTION, ChaseNotice,
    Department, WorkOrder, WorkOrderEvent, WorkOrderPause, WorkOrderReport,
)

SITE_CODE = "WOB"
SITE_NAME = "锦绣花园"
CLERK = "bench_wo_clerk"  # the clerk the benchmark logs orders as
CLERKS = (CLERK, "bench_wo_clerk_b", "bench_wo_clerk_c")
SUPERVISOR = "bench_wo_supervisor"
TECHNICIAN = "bench_wo_tech"  # bench_wo_tech1 … bench_wo_tech12
ORDERS = 100_000
DAYS = 730
BUILDINGS, FLOORS, ROOMS = 6, 25, 10  # 1,500 homes
OPEN = 300  # open orders after refresh_today
OVERDUE = 60  # of them, overdue
NOT_DISPATCHED = 40  # of them, new
HELD = 15  # of them, on hold
PER_TECHNICIAN = (10, 25)

# department → (its technicians, the categories it works on)
DEPARTMENTS = {
    "工程部": (6, ("plumbing", "electrical", "hvac", "lift", "doors_locks")),
    "保洁部": (2, ("cleaning",)),
    "秩序维护部": (2, ("security", "noise")),
    "客服部": (2, ("billing", "other")),
}
DEPARTMENT_OF = {c: name for name, (_n, categories) in DEPARTMENTS.items() for c in categories}
KIND_WEIGHTS = {REPAIR: 55, COMPLAINT: 15, ENQUIRY: 20, SUGGESTION: 5, PRAISE: 5}
CATEGORY_WEIGHTS = {
    REPAIR: {"plumbing": 30, "electrical": 25, "hvac": 10, "lift": 8, "doors_locks": 15, "other": 12},
    COMPLAINT: {"noise": 25, "cleaning": 20, "security": 15, "billing": 15, "lift": 10, "other": 15},
    ENQUIRY: {"billing": 50, "other": 40, "security": 10},
    SUGGESTION: {"cleaning": 30, "security": 20, "other": 50},
    PRAISE: {"other": 60, "cleaning": 20, "security": 20},
}
# what callers say, by category
SAYS = {
    "plumbing": ("厨房水槽下水管漏水", "卫生间地漏堵塞，水排不下去", "热水器进水阀滴水", "马桶水箱一直在流水",
                 "楼上渗水，天花板有水渍"),
    "electrical": ("客厅插座没电", "卫生间灯不亮，开关失灵", "家里跳闸合不上", "楼道声控灯坏了", "空开一开就跳"),
    "hvac": ("空调不制冷", "地暖不热", "新风机噪音很大", "暖气片漏水"),
    "lift": ("电梯按钮失灵", "电梯门关不上", "电梯运行时有异响", "电梯困人"),
    "doors_locks": ("单元门禁刷卡没反应", "入户门锁芯坏了", "楼道防火门关不严", "车库道闸抬不起来"),
    "cleaning": ("楼道垃圾两天没清", "地下车库有积水和异味", "垃圾桶满了没人收", "电梯厅地面很脏"),
    "security": ("小区里有陌生人推销", "车库有车辆被刮", "夜里巡逻看不到保安", "外卖员随意进出单元楼"),
    "noise": ("楼上装修中午还在施工", "广场舞音响太吵", "隔壁深夜噪音扰民", "空调外机噪音大"),
    "billing": ("物业费账单金额有疑问", "想开物业费发票", "车位费怎么交", "预存的费用查不到"),
    "other": ("快递柜取不出快递", "想办理装修备案", "小区绿化修剪建议", "感谢维修师傅服务热情", "询问停水通知"),
}
COMMON_AREAS = ("电梯厅", "地下车库", "一楼大堂", "楼道", "屋顶平台", "单元门口")
SCORES = (5,) * 60 + (4,) * 25 + (3,) * 10 + (2,) * 3 + (1,) * 2
LATE_SHARE = {REPAIR: 0.10, COMPLAINT: 0.12, SUGGESTION: 0.08, PRAISE: 0.05, ENQUIRY: 0.08}
HOLD_SHARE = 0.04  # repairs put on hold waiting for parts
REOPEN_SHARE = 0.02  # repairs sent back after the callback
CANCEL_SHARE = 0.01


def limits_of(kind, category, urgency, complexity) -> rules.TimeLimits:
    return rules.pick_limits(rules.DEFAULT_TIME_LIMITS, kind, category, urgency, complexity)


def deadlines(logged, limits, pauses=()):
    return tuple(rules.due_at(logged, limit, pauses) for limit in (limits.response, limits.target, limits.hard))


def _pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _between(rng, start, end):
    """An instant between two instants (start when they are the wrong way round)."""
    span = (end - start).total_seconds()
    return start + timedelta(seconds=rng.uniform(0, span)) if span > 0 else start


# --- the two years -------------------------------------------------------------------------------

def generate(url: str, seed: int = 5, orders: int = ORDERS, days: int = DAYS) -> dict:
    """Make the estate and its work-order history unless the site is there already."""
    return load_once(url, SITE_CODE, lambda conn, now, _config: History(conn, random.Random(seed), now)
                     .fill(orders, days))


class History:
    def __init__(self, conn, rng, now):
        self.conn, self.rng, self.now = conn, rng, now
        self.today = clock.business_day(now)
        self.ids = last_ids(conn, (Building, Unit, Customer, WorkOrder, WorkOrderEvent, WorkOrderPause,
                                   WorkOrderReport, ChaseNotice))
        self.orders, self.events, self.pauses, self.notices = [], [], [], []
        self.seq, self.chase_seq = {}, {}
        self.overdue_ids = set()

    def new_id(self, table):
        self.ids[table] += 1
        return self.ids[table]

    def fill(self, n_orders, n_days):
        self.site()
        self.estate()
        self.history(n_orders, n_days)
        return self.write()

    def site(self):
        conn, now = self.conn, self.now
        self.site_id = conn.execute(Site.__table__.insert().values(
            code=SITE_CODE, name=SITE_NAME, kind="estate", company_name="锦绣物业服务有限公司",
            address="苏州市吴中区锦绣路8号", phone="0512-65550000", receipt_prefix="JX",
            receipt_copies="stub,customer,accounting", active=True).returning(Site.id)).scalar_one()
        password = hash_password(PASSWORD)
        staff = [(u, person_name(self.rng), "clerk") for u in CLERKS] + [(SUPERVISOR, "郑海峰", "supervisor")]
        staff += [(f"{TECHNICIAN}{n}", person_name(self.rng) + "师傅", "technician") for n in range(1, 13)]
        self.users = {}
        for username, full_name, role in staff:
            user_id = conn.execute(User.__table__.insert().values(
                username=username, full_name=full_name, password_hash=password, active=True, locale="zh_CN",
                site_id=self.site_id, failed_logins=0, session_version=1, created_at=now)
                .returning(User.id)).scalar_one()
            conn.execute(UserRole.__table__.insert().values(user_id=user_id, role=role))
            self.users[username] = user_id
        self.clerks = [self.users[u] for u in CLERKS]
        self.departments, self.technicians, n = {}, {}, 0
        for name, (count, _categories) in DEPARTMENTS.items():
            self.departments[name] = conn.execute(Department.__table__.insert().values(
                site_id=self.site_id, name=name, phone="1380000" + f"{len(self.departments) + 1:04d}", email="",
                active=True).returning(Department.id)).scalar_one()
            self.technicians[name] = [self.users[f"{TECHNICIAN}{n + i}"] for i in range(1, count + 1)]
            n += count
        conn.execute(FeeItem.__table__.insert().values(
            site_id=self.site_id, code="REPAIR", name="维修费", basis="one_off", price=0, multiplier=1,
            unit_label="", applies_to="", due_day=15, active=True))

    def estate(self):
        rng, buildings, units, customers, occupancies = self.rng, [], [], [], []
        self.homes = []  # (unit id, building id, number, customer id, name, phone)
        self.buildings = []  # (id, code)
        for b in range(1, BUILDINGS + 1):
            bid = self.new_id("building")
            buildings.append(dict(id=bid, site_id=self.site_id, code=str(b), name=f"{b}幢"))
            self.buildings.append((bid, str(b)))
            for floor in range(1, FLOORS + 1):
                for room in range(1, ROOMS + 1):
                    uid, cid = self.new_id("unit"), self.new_id("customer")
                    number = f"{b}-{floor}{room:02d}"
                    units.append(dict(id=uid, site_id=self.site_id, building_id=bid, number=number, floor=floor,
                                      area=rng.choice([89, 105, 126, 143]), use="home"))
                    name, phone = person_name(rng), mobile(rng)
                    customers.append(dict(id=cid, site_id=self.site_id, kind="person", name=name, phone=phone,
                                          phone_last4=phone[-4:], id_number=None, credit_code=None, note="",
                                          created_at=self.now))
                    occupancies.append(dict(unit_id=uid, customer_id=cid, role="owner", start_on=date(2018, 6, 1),
                                            end_on=None, billed=True))
                    self.homes.append((uid, bid, number, cid, name, phone))
        insert(self.conn, Building, buildings)
        insert(self.conn, Unit, units)
        insert(self.conn, Customer, customers)
        insert(self.conn, Occupancy, occupancies)

    # --- one order ---------------------------------------------------------------------------------
    def number(self, logged):
        year = clock.local(logged).year
        self.seq[year] = self.seq.get(year, 0) + 1
        return f"GD{year}-{self.seq[year]:06d}"

    def base_order(self, logged, kind=None, category=None, urgency=None, complexity=None):
        """An order as log_order leaves it: reporter, place, frozen limits and deadlines."""
        rng = self.rng
        kind = kind or _pick(rng, KIND_WEIGHTS)
        category = category or _pick(rng, CATEGORY_WEIGHTS[kind])
        urgency = urgency or (EMERGENCY if kind in (REPAIR, COMPLAINT) and rng.random() < 0.05 else NORMAL)
        complexity = complexity or (rng.choices((SIMPLE, ORDINARY, COMPLEX), (30, 55, 15))[0] if kind == COMPLAINT
                                    else ORDINARY)
        limits = limits_of(kind, category, urgency, complexity)
        home = rng.choice(self.homes)
        common = kind in (REPAIR, COMPLAINT, SUGGESTION) and rng.random() < 0.15
        if common:
            bid, code = rng.choice(self.buildings)
            unit_id, place = None, f"{code} 公共区域: {rng.choice(COMMON_AREAS)}"
        else:
            unit_id, bid, place = home[0], home[1], home[2]
        order_id = self.new_id("work_order")
        row = dict(
            id=order_id, site_id=self.site_id, number=self.number(logged), kind=kind,
            channel=rng.choices(("phone", "walk_in", "on_site", "email"), (70, 20, 7, 3))[0], category=category,
            urgency=urgency, complexity=complexity, status=NEW, priority=rules.priority(urgency, 1), reporters=1,
            customer_id=home[3], reporter_name=home[4], reporter_phone=home[5], unit_id=unit_id, building_id=bid,
            place=place, description=rng.choice(SAYS[category]), owner_id=rng.choice(self.clerks), logged_at=logged,
            response_amount=limits.response.amount, response_unit=limits.response.unit,
            target_amount=limits.target.amount, target_unit=limits.target.unit,
            hard_amount=limits.hard.amount, hard_unit=limits.hard.unit,
            response_due_at=None, resolve_due_at=None, hard_due_at=None, first_response_at=None,
            department_id=None, assignee_id=None, dispatched_at=None, started_at=None, completed_at=None,
            completion_note="", reopened=0, quote=None, quote_note="", fee_item_id=None, agreed_by="",
            agreed_at=None, charge_id=None, callback_due_at=None, called_back_at=None, satisfaction=None,
            callback_note="", closed_at=None, cancelled_at=None, escalated_at=None)
        row["response_due_at"], row["resolve_due_at"], row["hard_due_at"] = deadlines(logged, limits)
        self.orders.append(row)
        self.event(row, "log", logged, row["owner_id"], None, NEW, row["description"])
        return row, limits

    def event(self, order, action, at, actor, before, after, note=""):
        self.events.append(dict(id=self.new_id("work_order_event"), order_id=order["id"], at=at, actor_id=actor,
                                action=action, from_status=before, to_status=after, note=note[:500]))
        if after is not None:
            order["status"] = after

    def dispatch(self, order, at, with_technician=True):
        department = DEPARTMENT_OF[order["category"]]
        tech = self.rng.choice(self.technicians[department]) if with_technician else None
        order.update(department_id=self.departments[department], assignee_id=tech, dispatched_at=at)
        self.event(order, "dispatch", at, order["owner_id"], order["status"], DISPATCHED, department)

    def finished_time(self, order, late):
        """When the work was done: within the promise, or late (a fifth of the late past the hard limit)."""
        rng, logged = self.rng, order["logged_at"]
        due, hard = order["resolve_due_at"], order["hard_due_at"]
        if not late:
            return logged + (due - logged) * rng.uniform(0.1, 0.95)
        if hard > due and rng.random() < 0.8:
            return due + (hard - due) * rng.uniform(0.05, 1.0)
        return hard + timedelta(minutes=rng.randrange(30, 2 * 24 * 60))

    # --- the history -------------------------------------------------------------------------------
    def history(self, n_orders, n_days):
        rng = self.rng
        days = [self.today - timedelta(days=d) for d in range(n_days, 0, -1)]
        weights = [{5: 0.6, 6: 0.5}.get(d.weekday(), 1.0) for d in days]
        when = sorted(clock.day_bounds(day)[0] + timedelta(hours=rng.triangular(7.5, 21.5, 10.0))
                      for day in rng.choices(days, weights=weights, k=n_orders))
        self.awaiting_callback = 0
        for logged in when:
            order, limits = self.base_order(logged)
            self.live(order)

    def live(self, order):
        """Take the order from logged to closed (or as far as it got by now)."""
        rng, kind, logged, now = self.rng, order["kind"], order["logged_at"], self.now
        clerk = order["owner_id"]
        first_event = len(self.events) - 1
        if rng.random() < CANCEL_SHARE:
            at = logged + timedelta(minutes=rng.randrange(5, 60))
            order.update(cancelled_at=at)
            self.event(order, "cancel", at, clerk, NEW, CANCELLED, "客户已自行解决")
            return
        late = rng.random() < LATE_SHARE[kind]
        if kind == ENQUIRY:
            on_call = rng.random() < 0.7
            at = logged if on_call else logged + timedelta(minutes=rng.randrange(3, 15) if not late
                                                           else rng.randrange(16, 90))
            order.update(first_response_at=at, completed_at=at, completion_note="已答复", closed_at=at)
            self.event(order, "answer" if on_call else "complete", at, clerk, NEW, COMPLETED, "已答复")
            self.event(order, "close", at, clerk, COMPLETED, CLOSED, "无需回访")
            return
        if kind == PRAISE:
            at = logged + timedelta(minutes=rng.randrange(30, 20 * 60))
            order.update(first_response_at=at, completed_at=at, completion_note="已转达表扬", closed_at=at)
            self.event(order, "complete", at, clerk, NEW, COMPLETED, "已转达表扬")
            self.event(order, "close", at, clerk, COMPLETED, CLOSED, "无需回访")
            return
        # the first reply to the caller: within the response limit for most
        response_late = rng.random() < 0.08
        reply_at = (_between(rng, logged + timedelta(minutes=1), order["response_due_at"]) if not response_late
                    else order["response_due_at"] + timedelta(minutes=rng.randrange(1, 180)))
        if kind == REPAIR:
            dispatched = logged + timedelta(minutes=rng.randrange(1, 6))
            self.dispatch(order, dispatched)
            order["first_response_at"] = reply_at
            self.event(order, "reply", reply_at, clerk, None, None, "已派维修师傅，十分钟内联系您")
            started = dispatched + timedelta(minutes=rng.randrange(15, 120))
            order["started_at"] = started
            self.event(order, "start", started, order["assignee_id"], DISPATCHED, IN_PROGRESS)
            if rng.random() < HOLD_SHARE:
                held = started + timedelta(minutes=rng.randrange(10, 40))
                resumed = held + timedelta(hours=rng.randrange(20, 72))
                self.pauses.append(dict(id=self.new_id("work_order_pause"), order_id=order["id"],
                                        reason="waiting_parts", note="等配件", started_at=held, ended_at=resumed))
                self.event(order, "hold", held, order["assignee_id"], IN_PROGRESS, ON_HOLD, "等配件")
                self.event(order, "resume", resumed, order["assignee_id"], ON_HOLD, IN_PROGRESS)
                order["response_due_at"], order["resolve_due_at"], order["hard_due_at"] = deadlines(
                    logged, limits_of(REPAIR, order["category"], order["urgency"], order["complexity"]),
                    [(held, resumed)])
                started = resumed
        else:  # a complaint or a suggestion: replied to, then sent to the department that answers for it
            order["first_response_at"] = reply_at
            self.event(order, "reply", reply_at, clerk, None, None, "已受理，正在协调处理")
            dispatched = reply_at + timedelta(minutes=rng.randrange(1, 30))
            self.dispatch(order, dispatched, with_technician=kind == COMPLAINT and rng.random() < 0.5)
            started = dispatched
        done = max(self.finished_time(order, late), started + timedelta(minutes=20))
        self.chase(order, done)
        if done > now:  # still being worked on today
            self.as_of_now(order, first_event)
            return
        worker = order["assignee_id"] or clerk
        if kind == REPAIR and rng.random() < REOPEN_SHARE and done + timedelta(days=2) < now:
            called = done + timedelta(hours=rng.randrange(4, 30))
            self.event(order, "complete", done, worker, IN_PROGRESS, COMPLETED, "已修复")
            self.event(order, "callback", called, clerk, None, None, "未解决：仍然漏水")
            self.event(order, "reopen", called, clerk, COMPLETED, DISPATCHED, "回访未解决，返工")
            restarted = called + timedelta(hours=rng.randrange(1, 20))
            self.event(order, "start", restarted, worker, DISPATCHED, IN_PROGRESS)
            order["reopened"] = 1
            done = restarted + timedelta(hours=rng.randrange(1, 6))
            if done > now:
                done = now - timedelta(minutes=5)
        note = {REPAIR: "已修复", COMPLAINT: "已与相关方沟通解决", SUGGESTION: "已转相关部门采纳"}[kind]
        order.update(completed_at=done, completion_note=note)
        self.event(order, "complete", done, worker, order["status"], COMPLETED, note)
        if kind == SUGGESTION:
            if rng.random() < 0.3:
                called = done + timedelta(hours=rng.randrange(2, 48))
                if called < now:
                    self.callback(order, called, rng.choice(SCORES))
            closed = max(done, order["called_back_at"] or done) + timedelta(minutes=rng.randrange(0, 120))
            if closed < now:
                order["closed_at"] = closed
                self.event(order, "close", closed, clerk, order["status"], CLOSED)
            return
        within = rules.DEFAULT_CALLBACK_POLICIES[kind][1]
        order["callback_due_at"] = rules.callback_due(done, within)
        on_time = rng.random() < 0.92
        called = (_between(rng, done + timedelta(hours=1), order["callback_due_at"]) if on_time
                  else order["callback_due_at"] + timedelta(hours=rng.randrange(1, 48)))
        if called >= now:
            self.awaiting_callback += 1
            return
        score = rng.choice(SCORES) if not late else rng.choice((5, 4, 4, 3, 3, 2, 1))
        self.callback(order, called, score)
        closed = called + timedelta(minutes=rng.randrange(0, 120))
        if closed < now:
            order["closed_at"] = closed
            self.event(order, "close", closed, clerk, CALLED_BACK, CLOSED)

    def as_of_now(self, order, first_event):
        """An order whose work goes on past now: only what has happened by now is kept."""
        now = self.now
        kept = [e for e in self.events[first_event:] if e["order_id"] == order["id"] and e["at"] <= now]
        self.events[first_event:] = kept
        order["status"] = next(e["to_status"] for e in reversed(kept) if e["to_status"])
        for name in ("first_response_at", "dispatched_at", "started_at"):
            if order[name] is not None and order[name] > now:
                order[name] = None
        if order["dispatched_at"] is None:
            order.update(department_id=None, assignee_id=None)
        for pause in self.pauses:
            if pause["order_id"] == order["id"] and pause["ended_at"] > now:
                pause["ended_at"] = None
                order["response_due_at"] = order["resolve_due_at"] = order["hard_due_at"] = None

    def callback(self, order, at, score):
        note = {5: "非常满意", 4: "满意", 3: "一般", 2: "不太满意，处理太慢", 1: "不满意"}[score]
        order.update(called_back_at=at, satisfaction=score, callback_note=note)
        self.event(order, "callback", at, order["owner_id"], COMPLETED, CALLED_BACK, note)

    def chase(self, order, done):
        """A dispatched order still not done an hour past its promise got a chase notice from the
        hourly chase run; still not done when the notice ran out, it was escalated."""
        due = order["resolve_due_at"]
        issued = due + timedelta(minutes=self.rng.randrange(1, 60))
        if order["department_id"] is None or issued >= done or issued >= self.now:
            return
        hard = order["hard_due_at"]
        reply_by = hard if hard and hard > issued else issued + timedelta(hours=4)
        year = clock.local(issued).year
        self.chase_seq[year] = self.chase_seq.get(year, 0) + 1
        number = f"CB{year}-{self.chase_seq[year]:04d}"
        department = next(n for n, i in self.departments.items() if i == order["department_id"])
        self.notices.append(dict(
            id=self.new_id("chase_notice"), site_id=self.site_id, number=number, order_id=order["id"],
            department_id=order["department_id"], issued_at=issued, issued_by_id=None, reply_by=reply_by, reprints=0,
            snapshot={"company": "锦绣物业服务有限公司", "site": SITE_NAME, "number": number, "order": order["number"],
                      "department": department, "assignee": "", "kind": order["kind"],
                      "category": order["category"], "place": order["place"], "description": order["description"],
                      "logged_at": order["logged_at"].isoformat(), "due_at": due.isoformat(),
                      "hard_due_at": hard.isoformat() if hard else None, "reply_by": reply_by.isoformat(),
                      "issued_at": issued.isoformat(), "issued_by": "", "chases": 1}))
        self.event(order, "chase", issued, None, None, None, f"{number} → {department}")
        escalated = reply_by + timedelta(minutes=self.rng.randrange(1, 60))
        if escalated < done and escalated < self.now:
            order["escalated_at"] = escalated
            self.event(order, "escalate", escalated, None, None, None, "催办后仍未完成")

    def write(self):
        conn = self.conn
        after = self.events[0]["id"] - 1 if self.events else 0
        bulk(conn, WorkOrder, self.orders)
        bulk(conn, WorkOrderEvent, self.events)
        bulk(conn, WorkOrderPause, self.pauses)
        bulk(conn, ChaseNotice, self.notices)
        entries = conn.execute(sa.text(AUDIT_SQL), {"site": self.site_id, "after": after}).rowcount
        for kind, counts in (("work_order", self.seq), ("chase_notice", self.chase_seq)):
            for year, value in counts.items():
                conn.execute(Counter.__table__.insert().values(kind=kind, scope=SITE_CODE, year=year, value=value))
        move_sequences(conn, self.ids)
        statuses = {}
        for row in self.orders:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        month_ago = self.now - timedelta(days=30)
        recent = [r for r in self.orders if r["logged_at"] >= month_ago]
        return {"homes": len(self.homes), "orders": len(self.orders), "statuses": statuses,
                "late_resolution": sum(1 for r in self.orders if r["completed_at"] and r["resolve_due_at"]
                                       and r["completed_at"] > r["resolve_due_at"]),
                "last_30_days": len(recent),
                "last_30_days_unfinished": sum(1 for r in recent if r["status"] in (COMPLETED, CALLED_BACK)),
                "events": len(self.events), "pauses": len(self.pauses), "chase_notices": len(self.notices),
                "escalated": sum(1 for r in self.orders if r["escalated_at"]), "audit_entries": entries}


    def open_set(self, now):
        """OPEN orders as they stand now: NOT_DISPATCHED new, HELD on hold, the rest dispatched or in
        progress; exactly OVERDUE overdue. Each is drawn until its deadlines say what it should be."""
        rng = self.rng
        technicians = [(dept, tech) for dept, techs in self.technicians.items() for tech in techs]
        assigned = OPEN - NOT_DISPATCHED
        counts = [PER_TECHNICIAN[0]] * len(technicians)
        while sum(counts) < assigned:
            i = rng.randrange(len(counts))
            if counts[i] < PER_TECHNICIAN[1]:
                counts[i] += 1
        plan = [(dept, tech) for (dept, tech), n in zip(technicians, counts) for _ in range(n)]
        rng.shuffle(plan)
        plan += [(None, None)] * NOT_DISPATCHED
        states = [ON_HOLD] * HELD + [rng.choice((DISPATCHED, IN_PROGRESS)) for _ in range(assigned - HELD)]
        states += [NEW] * NOT_DISPATCHED
        # the overdue: a third of the new ones (past the response limit, nobody called back yet) and the
        # rest among the dispatched and in progress
        overdue_new = NOT_DISPATCHED // 3
        working = [i for i, s in enumerate(states) if s in (DISPATCHED, IN_PROGRESS)]
        late = set(rng.sample(working, OVERDUE - overdue_new)) | set(range(assigned, assigned + overdue_new))
        rows = []
        for i, ((dept, tech), state) in enumerate(zip(plan, states)):
            overdue = i in late
            for _attempt in range(200):
                if dept is None:
                    kind = rng.choices((REPAIR, COMPLAINT, SUGGESTION), (70, 22, 8))[0]
                    category = _pick(rng, CATEGORY_WEIGHTS[kind])
                else:
                    category = rng.choice(DEPARTMENTS[dept][1])
                    kind = (REPAIR if category in DEPARTMENTS["工程部"][1] or rng.random() < 0.5 else
                            COMPLAINT if category != "billing" or rng.random() < 0.7 else SUGGESTION)
                    if kind == SUGGESTION and category == "billing":
                        category = "other"
                limits = limits_of(kind, category, NORMAL, ORDINARY)
                span = ((timedelta(hours=6), timedelta(days=9)) if overdue and state != NEW
                        else (timedelta(minutes=10), timedelta(hours=3)) if state == NEW
                        else (timedelta(minutes=30), timedelta(days=4)))
                logged = now - span[0] - (span[1] - span[0]) * rng.random()
                response_due, resolve_due, _hard = deadlines(logged, limits)
                # those not overdue stay so for the next two hours, whatever the run takes
                if state == NEW and overdue and response_due < now < resolve_due:
                    break
                if not overdue and resolve_due > now + timedelta(hours=2):
                    break
                if state != NEW and overdue and resolve_due < now:
                    break
            else:
                raise RuntimeError(f"no time found for open order {i} ({state}, overdue={overdue})")
            order, _limits = self.base_order(logged, kind, category, NORMAL, ORDINARY)
            if overdue:
                self.overdue_ids.add(order["id"])
            rows.append(order)
            clerk = order["owner_id"]
            if state == NEW:
                if not overdue:  # the caller was told somebody will come
                    order["first_response_at"] = logged + timedelta(minutes=rng.randrange(1, 9))
                    self.event(order, "reply", order["first_response_at"], clerk, None, None, "已受理，稍后安排")
                continue
            dispatched = logged + (min(order["resolve_due_at"], now) - logged) * rng.uniform(0.02, 0.3)
            reply = logged + timedelta(minutes=rng.randrange(1, 9))
            order["first_response_at"] = min(reply, dispatched)
            self.event(order, "reply", order["first_response_at"], clerk, None, None, "已派维修师傅，十分钟内联系您")
            order.update(department_id=self.departments[dept], assignee_id=tech, dispatched_at=dispatched)
            self.event(order, "dispatch", dispatched, clerk, NEW, DISPATCHED, dept)
            if state in (IN_PROGRESS, ON_HOLD):
                started = _between(rng, dispatched, now - timedelta(minutes=5))
                order["started_at"] = started
                self.event(order, "start", started, tech, DISPATCHED, IN_PROGRESS)
            if state == ON_HOLD:
                held = _between(rng, order["started_at"], now - timedelta(minutes=1))
                self.pauses.append(dict(id=self.new_id("work_order_pause"), order_id=order["id"],
                                        reason=rng.choice(("waiting_parts", "waiting_customer")), note="",
                                        started_at=held, ended_at=None))
                self.event(order, "hold", held, tech, IN_PROGRESS, ON_HOLD, "等配件")
                order["response_due_at"] = order["resolve_due_at"] = order["hard_due_at"] = None
            if overdue:
                self.chase(order, now + timedelta(days=30))
        return rows


# every timeline entry, as the services audit it ({json} is the dialect's json_object)
AUDIT_SQL = """
INSERT INTO audit_entry (at, actor_id, actor_name, action, object_type, object_id, summary, remote_addr, before, after)
SELECT e.at, e.actor_id, COALESCE(u.username, 'system'), 'workorder.' || e.action, 'work_order',
       CAST(o.id AS VARCHAR(40)), o.number || ' ' || COALESCE(e.from_status, '') || '→' || COALESCE(e.to_status, ''),
       CASE WHEN e.actor_id IS NULL THEN NULL ELSE '10.0.6.12' END, NULL, NULL
FROM work_order_event e JOIN work_order o ON o.id = e.order_id LEFT JOIN "user" u ON u.id = e.actor_id
WHERE o.site_id = :site AND e.id > :after
"""



# --- today ---------------------------------------------------------------------------------------

def refresh_today(url: str, seed: int | None = None) -> dict:
    """Put the open work in a known state: the orders earlier runs (or the history) left open are
    cancelled (bench housekeeping, no events), the bench users' passwords and locks reset, then
    OPEN orders logged over the last days are put in, numbered from the counter, each technician
    holding 10–25 of them and exactly OVERDUE of them overdue now."""
    rng = random.Random(seed)
    app = app_for(url)
    with app.app_context(), db.engine.begin() as conn:
        now = clock.now()
        site_id = conn.execute(sa.select(Site.id).where(Site.code == SITE_CODE)).scalar_one()
        order_t, pause_t = WorkOrder.__table__, WorkOrderPause.__table__
        names = [*CLERKS, SUPERVISOR] + [f"{TECHNICIAN}{n}" for n in range(1, 13)]
        conn.execute(sa.update(User.__table__).where(User.username.in_(names))
                     .values(password_hash=hash_password(PASSWORD), failed_logins=0, locked_until=None, active=True))
        left = conn.execute(sa.update(order_t).where(order_t.c.site_id == site_id,
                                                     order_t.c.status.in_(OPEN_STATUSES))
                            .values(status=CANCELLED, cancelled_at=now)).rowcount
        conn.execute(sa.update(pause_t).where(pause_t.c.ended_at.is_(None), pause_t.c.order_id.in_(
            sa.select(order_t.c.id).where(order_t.c.site_id == site_id))).values(ended_at=now))
        history = History(conn, rng, now)
        history.site_id = site_id
        users = dict(conn.execute(sa.select(User.username, User.id).where(User.username.in_(names))).all())
        history.clerks = [users[u] for u in CLERKS]
        history.departments = dict(conn.execute(sa.select(Department.name, Department.id)
                                                .where(Department.site_id == site_id)).all())
        history.technicians, n = {}, 0
        for name, (count, _categories) in DEPARTMENTS.items():
            history.technicians[name] = [users[f"{TECHNICIAN}{n + i}"] for i in range(1, count + 1)]
            n += count
        history.homes = [tuple(r) for r in conn.execute(
            sa.select(Unit.id, Unit.building_id, Unit.number, Customer.id, Customer.name, Customer.phone)
            .join(Occupancy, Occupancy.unit_id == Unit.id).join(Customer, Customer.id == Occupancy.customer_id)
            .where(Unit.site_id == site_id).order_by(Unit.id))]
        history.buildings = [tuple(r) for r in conn.execute(sa.select(Building.id, Building.code)
                                                            .where(Building.site_id == site_id))]
        history.seq = dict(conn.execute(sa.select(Counter.year, Counter.value).where(
            Counter.kind == "work_order", Counter.scope == SITE_CODE)).all())
        history.chase_seq = dict(conn.execute(sa.select(Counter.year, Counter.value).where(
            Counter.kind == "chase_notice", Counter.scope == SITE_CODE)).all())
        seq_before, chase_before = dict(history.seq), dict(history.chase_seq)
        history.open_set(now)
        after = history.events[0]["id"] - 1
        bulk(conn, WorkOrder, history.orders)
        bulk(conn, WorkOrderEvent, history.events)
        bulk(conn, WorkOrderPause, history.pauses)
        bulk(conn, ChaseNotice, history.notices)
        conn.execute(sa.text(AUDIT_SQL), {"site": site_id, "after": after})
        for kind, counts, before in (("work_order", history.seq, seq_before),
                                     ("chase_notice", history.chase_seq, chase_before)):
            for year, value in counts.items():
                if year in before:
                    conn.execute(sa.update(Counter.__table__).where(
                        Counter.kind == kind, Counter.scope == SITE_CODE, Counter.year == year).values(value=value))
                else:
                    conn.execute(Counter.__table__.insert().values(kind=kind, scope=SITE_CODE, year=year, value=value))
        move_sequences(conn, history.ids)
        per_tech = {}
        for row in history.orders:
            if row["assignee_id"]:
                per_tech[row["assignee_id"]] = per_tech.get(row["assignee_id"], 0) + 1
        busiest = max(per_tech, key=per_tech.get)
        return {"cancelled_from_earlier_runs": left, "open": len(history.orders),
                "overdue": len(history.overdue_ids),
                "on_hold": sum(1 for r in history.orders if r["status"] == ON_HOLD),
                "new": sum(1 for r in history.orders if r["status"] == NEW),
                "escalated": sum(1 for r in history.orders if r["escalated_at"]),
                "chase_notices": len(history.notices),
                "per_technician": sorted(per_tech.values()),
                "busiest_technician": next(u for u, i in users.items() if i == busiest),
                "day": clock.business_day(now).isoformat()}



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'workorders.db'}")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    figures = generate(args.database_url)
    print(f"generated in {time.perf_counter() - started:.1f} s: {figures}")
    print(refresh_today(args.database_url))


if __name__ == "__main__":
    main()
