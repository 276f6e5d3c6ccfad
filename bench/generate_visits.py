"""Build a park whose account managers have three years of customer visits behind them, for
bench/bench_visits.py.

Site `VSB` (金鸡湖科创园): 8 office towers A座–H座 of 15 floors × 10 offices (1,200 offices) and
1,000 tenant companies, a tenth of them on two offices, 150 of them moved in during the three
years; one or two contacts each. Staff: 8 account managers, a customer-service supervisor, a
project manager and a desk clerk. Every company but 24 newcomers is in a manager's portfolio
(portfolios of 93 to 169 companies), assigned when the history starts or when the company moved
in; 8% were handed to another manager on the way, each change kept in the history.

Then 50,000 recorded visits over 1,095 days, in the shape the visit services leave them: a few
busy companies are visited every few days, most every month or two (the busiest 546 times in
all); on working days, by the manager who looked after the company on the day, on site or by
phone, for routine care, a late payment, a complaint, a survey or a lease renewal; numbered
BF<year>-NNNNN per year in the order they were written down (60% planned a few days ahead, the
rest recorded without a plan). What the customer said, an item each (0–3 a visit, about 52,000 in
all), answered on the spot half the time; 15% of the requests and 10% of the complaints turned
into work orders owned by the manager. Commitments at 30% of the visits (about 17,000), owned by
the manager or a colleague, kept on time or a little late, except those still open: of the last
six weeks', a fifth of those due already and 60% of the others, and a few forgotten older ones
(about 370 open, 150 of them overdue). A follow-up day on 35% of the visits, followed up by the
company's next recorded visit; those of a company's last visit whose day passed are overdue (160).
Portfolio.last_visit_on is the last recorded visit day. Beside them 1,500 cancelled plans, plans
that were not recorded on their day (4 a manager) and this week's and next week's (12 a manager).

10,000 satisfaction surveys on the questionnaire of the time: every survey visit takes one,
the rest were taken on their own (version 1 for the first 21 months, then version 2, where two
questions are worded anew), seven answers each, scores that vary by dimension, company and time
(repairs improve over the years), 5% not applicable. The park's companies also called the desk
directly: 12,000 more work orders (closed but for the last days'), without their timelines. 60
case studies. Audit entries of the steps are derived from the rows by `INSERT … SELECT`. Rows go
in through the driver's executemany (bench/loading.bulk).

    .venv/bin/python bench/generate_visits.py [--fresh] [--database-url URL]
"""
import bisect
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD, insert  # noqa: E402
from bench.generate_visitors import at, mobile, person_name  # noqa: E402
from bench.generate_workorders import deadlines, limits_of  # noqa: E402
from bench.loading import bulk, last_ids, load_once, main, move_sequences  # noqa: E402
from frontdesk.auth.models import User, UserRole  # noqa: E402
from frontdesk.auth.services import hash_password  # noqa: E402
from frontdesk.core import clock  # noqa: E402
from frontdesk.core.numbering import Counter  # noqa: E402
from frontdesk.demo import COMPANY_TRADES, COMPANY_WORDS, POSITIONS  # noqa: E402
from frontdesk.estate.models import Building, Contact, Customer, Occupancy, Site, Unit  # noqa: E402
from frontdesk.visits import rules as visit_rules  # noqa: E402
from frontdesk.visits.models import (  # noqa: E402
    CANCELLED, DIMENSIONS, ITEM_COMPLAINT, LATE_PAYMENT, ON_SITE, OPINION, PHONE, PLANNED, RECORDED, RENEWAL,
    REPAIRS, REQUEST, ROUTINE_CARE, SUGGESTION, SURVEY, CaseStudy, Commitment, CustomerVisit, Portfolio,
    PortfolioChange, Questionnaire, SurveyAnswer, SurveyQuestion, SurveyResponse, VisitItem, VisitSettings,
)
from frontdesk.workorders import rules as wo_rules  # noqa: E402
from frontdesk.workorders.models import (  # noqa: E402
    CLOSED, DISPATCHED, IN_PROGRESS, NORMAL, ORDINARY, Department, WorkOrder,
)

SITE_CODE = "VSB"
SITE_NAME = "金鸡湖科创园"
COMPANY = "金鸡湖科创物业服务有限公司"
MANAGER = "bench_vs_am"  # bench_vs_am1 … bench_vs_am8
SUPERVISOR = "bench_vs_supervisor"
PROJECT_MANAGER = "bench_vs_pm"
CLERK = "bench_vs_clerk"
MANAGER_NAMES = ("李娜", "王磊", "张静", "刘洋", "陈晨", "杨帆", "赵敏", "黄涛")
COMPANIES = 1_000
MOVED_IN = 150  # of them, during the history
UNASSIGNED = 24  # newcomers nobody looks after yet
REASSIGNED = 0.08
VISITS = 50_000
SURVEYS = 10_000
DAYS = 3 * 365
TOWERS, FLOORS, ROOMS = "ABCDEFGH", 15, 10
CANCELLED_PLANS = 1_500
OVERDUE_PLANS = 4  # a manager
PLANNED_AHEAD = 12  # a manager, this week and next
CALLS = 12_000  # work orders the companies asked the desk for directly
CASES = 60
VERSION_2_AFTER = 640  # days into the history: the questionnaire's second version

MODE_WEIGHTS = {ON_SITE: 65, PHONE: 35}
PURPOSE_WEIGHTS = {ROUTINE_CARE: 55, LATE_PAYMENT: 8, "complaint": 10, SURVEY: 15, RENEWAL: 12}
ITEM_COUNTS = (0,) * 35 + (1,) * 35 + (2,) * 20 + (3,) * 10
COMMITMENT_COUNTS = (0,) * 70 + (1,) * 26 + (2,) * 4
ITEM_WEIGHTS = {OPINION: 35, REQUEST: 30, SUGGESTION: 20, ITEM_COMPLAINT: 15}
TO_WORK_ORDER = {REQUEST: 0.15, ITEM_COMPLAINT: 0.10}
PREPARATION = {
    ROUTINE_CARE: ("带上园区服务手册和最新活动通知", "查看近三个月的报修记录", "了解企业近期人员和业务变化"),
    LATE_PAYMENT: ("打印欠费明细和缴款通知书", "核对近两期账单和收款记录", "准备分期缴纳方案供客户选择"),
    "complaint": ("调出投诉工单和处理记录", "与工程部确认整改进度", "准备书面答复"),
    SURVEY: ("打印满意度调查表", "准备小礼品", "查看上次调查的意见"),
    RENEWAL: ("准备续租合同草案和租金方案", "了解周边园区租金水平", "确认企业扩租或缩租需求"),
}
SUMMARIES = {
    ROUTINE_CARE: ("客户整体满意，对园区服务无重大意见", "了解企业经营情况，介绍园区新服务", "客户反映了几点小问题，已记录跟进"),
    LATE_PAYMENT: ("客户承诺月底前缴清欠费", "客户因资金周转困难申请分期缴纳", "已当面说明滞纳金规定，客户表示理解"),
    "complaint": ("当面致歉并说明整改措施，客户表示接受", "客户对处理结果基本满意", "客户仍有意见，需主管跟进"),
    SURVEY: ("完成满意度调查，客户评价较好", "完成满意度调查，客户对维修及时性有意见", "完成满意度调查"),
    RENEWAL: ("客户有意续租，需报价", "客户考虑扩租，希望增加一间办公室", "客户计划明年搬离，已了解原因"),
}
SAID = {
    OPINION: ("对前台接待很满意", "保洁比以前好多了", "园区绿化做得不错", "停车位太紧张", "食堂菜品种类偏少",
              "快递收发点离得太远"),
    REQUEST: ("办公室空调不制冷", "卫生间水龙头漏水", "会议室灯管不亮", "门禁卡刷不开", "希望增加访客车位",
              "办公室插座没电"),
    SUGGESTION: ("建议增加充电桩", "建议周末开放健身房", "建议在大堂放置共享雨伞", "建议增加班车班次"),
    ITEM_COMPLAINT: ("电梯高峰期等待时间太长", "楼上装修噪音大", "垃圾清运不及时", "夜间保安巡逻不到位",
                     "报修后三天没人来"),
}
CATEGORY_OF = {
    "办公室空调不制冷": "hvac", "卫生间水龙头漏水": "plumbing", "会议室灯管不亮": "electrical",
    "门禁卡刷不开": "doors_locks", "希望增加访客车位": "other", "办公室插座没电": "electrical",
    "电梯高峰期等待时间太长": "lift", "楼上装修噪音大": "noise", "垃圾清运不及时": "cleaning",
    "夜间保安巡逻不到位": "security", "报修后三天没人来": "other",
}
ANSWERS = ("已当场解释，客户表示理解", "已告知处理流程和时限", "已联系工程部当天处理", "已记录，将在周会上反馈")
PROMISES = ("三个工作日内书面答复", "协调工程部上门检修", "核对账单后回复客户", "向主管申请减免滞纳金并回复",
            "安排保洁加强清运", "提供续租报价方案")
KEPT = ("已按时回复客户", "已处理完毕，客户确认", "已电话告知结果", "已上门答复")
CALL_SAYS = (("repair", "plumbing", "卫生间下水管堵塞"), ("repair", "electrical", "办公室跳闸"),
             ("repair", "hvac", "空调出风口滴水"), ("repair", "lift", "电梯按钮失灵"),
             ("repair", "doors_locks", "办公室门锁坏了"), ("complaint", "cleaning", "走廊地面很脏"),
             ("complaint", "noise", "隔壁装修噪音"), ("enquiry", "billing", "询问电费账单"))
CANCEL_REASONS = ("客户临时外出", "客户要求改期", "当天有紧急工作", "客户公司搬迁中")
# the questionnaire: version 2 words two questions anew (same dimensions)
QUESTIONS_V2 = dict(visit_rules.DEFAULT_QUESTIONS)
QUESTIONS_V2.update({REPAIRS: "您对报修响应速度、维修质量及维修人员态度是否满意？",
                     "recommend": "如有企业朋友在找办公场地，您是否会推荐本园区？"})
# mean score by dimension at the start of the history, and how it moves over the three years
MEAN_SCORE = {"front_desk": (4.4, 0.1), "security": (4.1, 0.1), "cleaning": (3.9, 0.2), "repairs": (3.4, 0.7),
              "billing": (4.2, 0.0), "overall": (4.0, 0.3), "recommend": (3.9, 0.3)}
SCORE_COMMENTS = ("", "", "", "", "维修有时不及时", "保洁阿姨很负责", "前台很热情", "停车难", "收费清楚")


def _pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(url: str, seed: int = 17, visits: int = VISITS, surveys: int = SURVEYS, days: int = DAYS) -> dict:
    """Make the park and its visit history unless the site is there already."""
    return load_once(url, SITE_CODE, lambda conn, now, _config: History(conn, random.Random(seed), now)
                     .fill(visits, surveys, days), vacuum=True)


class History:
    def __init__(self, conn, rng, now):
        self.conn, self.rng, self.now = conn, rng, now
        self.today = clock.business_day(now)
        self.ids = last_ids(conn, (Building, Unit, Customer, Contact, Occupancy, PortfolioChange, CustomerVisit,
                                   VisitItem, Commitment, Questionnaire, SurveyQuestion, SurveyResponse, SurveyAnswer,
                                   CaseStudy, WorkOrder, Department))
        self.visits, self.items, self.commitments, self.orders = [], [], [], []
        self.responses, self.answers, self.cases = [], [], []
        self.numbers = {"customer_visit": {}, "work_order": {}}

    def new_id(self, table):
        self.ids[table] += 1
        return self.ids[table]

    def fill(self, n_visits, n_surveys, n_days):
        self.first_day = self.today - timedelta(days=n_days)
        self.days = [self.first_day + timedelta(days=d) for d in range(n_days)]  # up to yesterday
        self.site()
        self.estate()
        self.portfolios()
        self.history(n_visits)
        self.plans()
        self.surveys(n_surveys)
        self.calls()
        self.case_studies()
        return self.write()

    # --- the park ----------------------------------------------------------------------------------
    def site(self):
        conn, now = self.conn, self.now
        self.site_id = conn.execute(Site.__table__.insert().values(
            code=SITE_CODE, name=SITE_NAME, kind="park", company_name=COMPANY, address="苏州工业园区星湖街328号",
            phone="0512-62990000", receipt_prefix="JK", receipt_copies="stub,customer,accounting", active=True)
            .returning(Site.id)).scalar_one()
        password = hash_password(PASSWORD)
        staff = [(f"{MANAGER}{n}", name, "account_manager") for n, name in enumerate(MANAGER_NAMES, 1)]
        staff += [(SUPERVISOR, "周海燕", "supervisor"), (PROJECT_MANAGER, "郑志强", "project_manager"),
                  (CLERK, "孙丽", "clerk")]
        self.users = {}
        for username, full_name, role in staff:
            user_id = conn.execute(User.__table__.insert().values(
                username=username, full_name=full_name, password_hash=password, active=True, locale="zh_CN",
                site_id=self.site_id, failed_logins=0, session_version=1, created_at=now - timedelta(days=1200))
                .returning(User.id)).scalar_one()
            conn.execute(UserRole.__table__.insert().values(user_id=user_id, role=role))
            self.users[username] = user_id
        self.names = {self.users[u]: n for u, n, _r in staff}
        self.usernames = {i: u for u, i in self.users.items()}
        self.managers = [self.users[f"{MANAGER}{n}"] for n in range(1, len(MANAGER_NAMES) + 1)]
        self.colleagues = [self.users[SUPERVISOR], self.users[PROJECT_MANAGER], self.users[CLERK]]
        self.departments = {}
        for name in ("工程部", "客服部"):
            self.departments[name] = self.new_id("department")
        bulk(conn, Department, [dict(id=i, site_id=self.site_id, name=n, phone="", email="", active=True)
                                for n, i in self.departments.items()])
        conn.execute(VisitSettings.__table__.insert().values(site_id=self.site_id, not_visited_days=90))

    def estate(self):
        rng, buildings, units, customers, contacts, occupancies = self.rng, [], [], [], [], []
        for code in TOWERS:
            bid = self.new_id("building")
            buildings.append(dict(id=bid, site_id=self.site_id, code=code, name=f"{code}座"))
            for floor in range(1, FLOORS + 1):
                for room in range(1, ROOMS + 1):
                    units.append(dict(id=self.new_id("unit"), site_id=self.site_id, building_id=bid,
                                      number=f"{code}-{floor}{room:02d}", floor=floor,
                                      area=rng.choice([120, 180, 240, 360]), use="office"))
        free = units[:]
        rng.shuffle(free)
        self.companies = []  # dict: id, name, building, unit, since, contacts, weight
        names = set()
        for n in range(COMPANIES):
            while True:
                first, second = rng.sample(COMPANY_WORDS, 2)
                name = f"苏州{first}{second}{rng.choice(COMPANY_TRADES)}有限公司"
                if name not in names:
                    names.add(name)
                    break
            cid = self.new_id("customer")
            held = sorted([free.pop() for _ in range(2 if n % 10 == 0 else 1)], key=lambda u: u["number"])
            since = (self.first_day + timedelta(days=rng.randrange(30, DAYS - 60)) if n < MOVED_IN
                     else date(rng.choice([2016, 2018, 2020, 2022]), rng.randrange(1, 13), 1))
            customers.append(dict(id=cid, site_id=self.site_id, kind="company", name=name,
                                  phone="0512-6" + f"{rng.randrange(1000000, 9999999)}", phone_last4=None,
                                  id_number=None, credit_code=None, note="", created_at=self.now))
            people = []
            for _ in range(rng.choice([1, 1, 2])):
                phone = mobile(rng)
                contact = dict(id=self.new_id("contact"), customer_id=cid, name=person_name(rng),
                               position=rng.choice(POSITIONS), phone=phone, phone_last4=phone[-4:], email=None)
                contacts.append(contact)
                people.append((contact["name"], contact["position"]))
            for unit in held:
                occupancies.append(dict(id=self.new_id("occupancy"), unit_id=unit["id"], customer_id=cid,
                                        role="tenant", start_on=since, end_on=None, billed=True))
            self.companies.append(dict(id=cid, name=name, building=held[0]["building_id"], unit=held[0]["id"],
                                       number=held[0]["number"], since=since, people=people,
                                       weight=min(rng.paretovariate(1.4), 25)))
        insert(self.conn, Building, buildings)
        insert(self.conn, Unit, units)
        insert(self.conn, Customer, customers)
        insert(self.conn, Contact, contacts)
        insert(self.conn, Occupancy, occupancies)

    def portfolios(self):
        """Who looks after each company from when: a list of (from day, manager) a company."""
        rng = self.rng
        self.changes, self.portfolio = [], []
        sizes = [rng.uniform(0.7, 1.3) for _ in self.managers]
        newcomers = sorted(self.companies[:MOVED_IN], key=lambda c: c["since"])[-UNASSIGNED:]
        for company in self.companies:
            company["owners"] = []
            if company in newcomers:
                continue
            start = max(company["since"], self.first_day)
            manager = rng.choices(self.managers, weights=sizes)[0]
            company["owners"].append((start, manager))
            self.change(company, None, manager, start, "新入驻企业" if start > self.first_day else "园区客户经理分工")
            if rng.random() < REASSIGNED and (self.today - start).days > 120:
                day = start + timedelta(days=rng.randrange(60, (self.today - start).days - 30))
                other = rng.choice([m for m in self.managers if m != manager])
                company["owners"].append((day, other))
                self.change(company, manager, other, day, rng.choice(("客户经理分工调整", "企业要求更换对接人", "均衡工作量")))

    def change(self, company, before, after, day, reason):
        self.changes.append(dict(id=self.new_id("portfolio_change"), customer_id=company["id"],
                                 from_manager_id=before, to_manager_id=after, on=day, reason=reason,
                                 changed_by_id=self.users[SUPERVISOR], changed_at=at(day, 9.5)))

    @staticmethod
    def owner_on(company, day):
        owner = None
        for start, manager in company["owners"]:
            if start <= day:
                owner = manager
        return owner

    # --- the visits --------------------------------------------------------------------------------
    def history(self, n_visits):
        rng = self.rng
        looked_after = [c for c in self.companies if c["owners"]]
        weights = [c["weight"] * (self.today - c["owners"][0][0]).days for c in looked_after]
        cumulative = list(_running(weights))
        working = [d for d in self.days if d.weekday() < 5 or rng.random() < 0.05]
        by_company = {}
        drawn = 0
        total = n_visits + CANCELLED_PLANS
        while drawn < total:
            company = looked_after[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            start = company["owners"][0][0]
            lo = bisect.bisect_left(working, start)
            if lo >= len(working):
                continue
            day = working[rng.randrange(lo, len(working))]
            by_company.setdefault(company["id"], []).append(day)
            drawn += 1
        self.cancelled = set(rng.sample(range(total), CANCELLED_PLANS))
        n = 0
        for company in looked_after:
            pending = []  # recorded visits waiting for their follow-up
            for day in sorted(by_company.get(company["id"], [])):
                visit = self.visit(company, day, n in self.cancelled)
                n += 1
                if visit["status"] != RECORDED:
                    continue
                for earlier in pending:
                    earlier["followed_up_by"] = visit
                pending = [visit] if visit["follow_up_on"] else []
            company["last_visit_on"] = max((v["visit_on"] for v in company.get("visits", ())
                                            if v["status"] == RECORDED), default=None)
        self.visits.sort(key=lambda v: v["created_at"])

    def visit(self, company, day, cancelled):
        rng = self.rng
        manager = self.owner_on(company, day)
        purpose = _pick(rng, PURPOSE_WEIGHTS)
        mode = _pick(rng, MODE_WEIGHTS)
        visited = at(day, rng.triangular(9.0, 17.5, 10.5))
        planned = cancelled or rng.random() < 0.6
        created = min(at(day - timedelta(days=rng.randrange(1, 10)), rng.uniform(8.5, 18)) if planned
                      else visited + timedelta(minutes=rng.randrange(20, 240)), self.now - timedelta(minutes=1))
        person = rng.choice(company["people"])
        visit = dict(id=None, number=None, site_id=self.site_id, customer_id=company["id"], manager_id=manager,
                     status=CANCELLED if cancelled else RECORDED, mode=mode, purpose=purpose, visit_on=day,
                     meet=f"{person[0]}（{person[1]}）" if planned else "",
                     preparation=rng.choice(PREPARATION[purpose]) if planned else "", visited_at=None,
                     attendees="", summary="", follow_up_on=None, followed_up_by=None, cancel_reason="",
                     created_by_id=manager, created_at=created, recorded_at=None, company=company)
        self.visits.append(visit)
        company.setdefault("visits", []).append(visit)
        if cancelled:
            visit["cancel_reason"] = rng.choice(CANCEL_REASONS)
            return visit
        recorded = visited + timedelta(minutes=rng.randrange(30, 300))
        if recorded > self.now:
            recorded = self.now - timedelta(minutes=1)
        visit.update(visited_at=visited, recorded_at=max(recorded, created) if planned else created,
                     attendees=f"{person[0]}（{person[1]}）、{self.names[manager]}",
                     summary=rng.choice(SUMMARIES[purpose]))
        if rng.random() < 0.35:
            visit["follow_up_on"] = day + timedelta(days=rng.randrange(7, 46))
        for _ in range(rng.choice(ITEM_COUNTS)):
            self.item(visit, company)
        for _ in range(rng.choice(COMMITMENT_COUNTS)):
            self.commitment(visit, manager)
        return visit

    def item(self, visit, company):
        rng = self.rng
        kind = _pick(rng, ITEM_WEIGHTS)
        if visit["purpose"] == "complaint" and not any(i["kind"] == ITEM_COMPLAINT for i in visit.get("items", ())):
            kind = ITEM_COMPLAINT
        text = rng.choice(SAID[kind])
        item = dict(id=self.new_id("visit_item"), visit=visit, kind=kind, text=text,
                    answer=rng.choice(ANSWERS) if rng.random() < 0.5 else "", work_order_id=None)
        visit.setdefault("items", []).append(item)
        self.items.append(item)
        if rng.random() < TO_WORK_ORDER.get(kind, 0):
            logged = visit["recorded_at"] + timedelta(minutes=rng.randrange(1, 30))
            order = self.order(company, visit_rules.WORK_ORDER_KIND[kind], CATEGORY_OF[text], logged,
                               visit["manager_id"], visit["mode"], f"{{number}}: {text}", visit=visit)
            item["work_order_id"] = order["id"]

    def commitment(self, visit, manager):
        rng, today = self.rng, self.today
        day = visit["visit_on"]
        owner = manager if rng.random() < 0.7 else rng.choice(self.colleagues)
        due = day + timedelta(days=rng.randrange(3, 31))
        # still open: some of the last six weeks' (fewer of those already due) and a few forgotten
        recent = (today - day).days <= 42
        kept = rng.random() >= ((0.2 if due < today else 0.6) if recent else 0.004)
        row = dict(id=self.new_id("commitment"), site_id=self.site_id, visit=visit, customer_id=visit["customer_id"],
                   text=rng.choice(PROMISES), owner_id=owner, due_on=due, done_at=None, done_by_id=None, done_note="")
        if kept:
            done_day = due - timedelta(days=rng.randrange(0, 4)) if rng.random() < 0.9 else \
                due + timedelta(days=rng.randrange(1, 8))
            done_day = max(done_day, day)
            done = at(done_day, rng.uniform(9, 18))
            if done < self.now:
                row.update(done_at=done, done_by_id=owner, done_note=rng.choice(KEPT))
        self.commitments.append(row)

    def plans(self):
        """Plans not recorded on their day, and this week's and next week's plans."""
        rng, today = self.rng, self.today
        week_start = visit_rules.week_of(today)[0]
        ahead = [week_start + timedelta(days=d) for d in range(12) if week_start + timedelta(days=d) >= today
                 and (week_start + timedelta(days=d)).weekday() < 5]
        for manager in self.managers:
            mine = [c for c in self.companies if c["owners"] and c["owners"][-1][1] == manager]
            for n in range(OVERDUE_PLANS + PLANNED_AHEAD):
                company = rng.choice(mine)
                day = (today - timedelta(days=rng.randrange(1, 20)) if n < OVERDUE_PLANS
                       else rng.choice(ahead or [today]))
                purpose = _pick(rng, PURPOSE_WEIGHTS)
                person = rng.choice(company["people"])
                created = min(at(day - timedelta(days=rng.randrange(1, 8)), rng.uniform(8.5, 18)),
                              self.now - timedelta(minutes=5))
                self.visits.append(dict(
                    id=None, number=None, site_id=self.site_id, customer_id=company["id"], manager_id=manager,
                    status=PLANNED, mode=_pick(rng, MODE_WEIGHTS), purpose=purpose, visit_on=day,
                    meet=f"{person[0]}（{person[1]}）", preparation=rng.choice(PREPARATION[purpose]), visited_at=None,
                    attendees="", summary="", follow_up_on=None, followed_up_by=None, cancel_reason="",
                    created_by_id=manager, created_at=created, recorded_at=None, company=company))
        self.visits.sort(key=lambda v: v["created_at"])

    # --- surveys -----------------------------------------------------------------------------------
    def surveys(self, n_surveys):
        rng = self.rng
        version_2 = self.first_day + timedelta(days=VERSION_2_AFTER)
        self.questionnaires = []
        for version, day, texts in ((1, self.first_day, dict(visit_rules.DEFAULT_QUESTIONS)),
                                    (2, version_2, QUESTIONS_V2)):
            qid = self.new_id("questionnaire")
            questions = {d: self.new_id("survey_question") for d in DIMENSIONS}
            self.questionnaires.append(dict(id=qid, version=version, day=day, texts=texts, questions=questions))
        survey_visits = [v for v in self.visits if v["status"] == RECORDED and v["purpose"] == SURVEY]
        takes = [(v["visit_on"], v["company"], v) for v in survey_visits][:n_surveys]
        looked_after = [c for c in self.companies if c["owners"]]
        while len(takes) < n_surveys:
            company = rng.choice(looked_after)
            day = rng.choice(self.days)
            if day >= company["owners"][0][0]:
                takes.append((day, company, None))
        takes.sort(key=lambda t: t[0])
        span = (self.today - self.first_day).days
        for day, company, visit in takes:
            questionnaire = self.questionnaires[1 if day >= version_2 else 0]
            taker = visit["manager_id"] if visit else self.owner_on(company, day)
            mood = company.setdefault("mood", rng.gauss(0, 0.35))
            share = (day - self.first_day).days / span
            response = dict(id=self.new_id("survey_response"), site_id=self.site_id,
                            questionnaire_id=questionnaire["id"], customer_id=company["id"],
                            building_id=company["building"], visit_id=visit,
                            respondent=rng.choice(company["people"])[0],
                            taken_on=day, comment="" if rng.random() < 0.8 else rng.choice(SCORE_COMMENTS[4:]),
                            taken_by_id=taker,
                            created_at=visit["recorded_at"] if visit else at(day, rng.uniform(9, 18)))
            self.responses.append(response)
            for dimension in DIMENSIONS:
                mean, rise = MEAN_SCORE[dimension]
                score = None
                if rng.random() >= 0.05:
                    score = max(1, min(5, round(rng.gauss(mean + rise * share + mood, 0.7))))
                self.answers.append(dict(id=self.new_id("survey_answer"), response_id=response["id"],
                                         question_id=questionnaire["questions"][dimension], dimension=dimension,
                                         score=score,
                                         comment=rng.choice(SCORE_COMMENTS) if score and score <= 3 else ""))

    # --- work orders -------------------------------------------------------------------------------
    def order(self, company, kind, category, logged, owner, channel, description, visit=None):
        rng = self.rng
        limits = limits_of(kind, category, NORMAL, ORDINARY)
        response_due, resolve_due, hard_due = deadlines(logged, limits)
        open_ = logged > self.now - timedelta(days=3)
        department = self.departments["工程部" if category not in ("billing", "other", "noise", "cleaning", "security")
                                      else "客服部"]
        dispatched = logged + timedelta(minutes=rng.randrange(5, 60))
        row = dict(
            id=self.new_id("work_order"), site_id=self.site_id, number=None, kind=kind, channel=channel,
            category=category, urgency=NORMAL, complexity=ORDINARY, status=rng.choice((DISPATCHED, IN_PROGRESS))
            if open_ else CLOSED, priority=wo_rules.priority(NORMAL, 1), reporters=1, customer_id=company["id"],
            reporter_name=company["people"][0][0], reporter_phone="", unit_id=company["unit"],
            building_id=company["building"], place=company["number"], description=description, owner_id=owner,
            logged_at=logged, response_amount=limits.response.amount, response_unit=limits.response.unit,
            target_amount=limits.target.amount, target_unit=limits.target.unit, hard_amount=limits.hard.amount,
            hard_unit=limits.hard.unit, response_due_at=response_due, resolve_due_at=resolve_due,
            hard_due_at=hard_due, first_response_at=dispatched, department_id=department, assignee_id=None,
            dispatched_at=min(dispatched, self.now), started_at=None, completed_at=None, completion_note="",
            reopened=0, quote=None, quote_note="", fee_item_id=None, agreed_by="", agreed_at=None, charge_id=None,
            callback_due_at=None, called_back_at=None, satisfaction=None, callback_note="", closed_at=None,
            cancelled_at=None, escalated_at=None, visit=visit)
        if not open_:
            done = dispatched + (resolve_due - logged) * rng.uniform(0.1, 0.9)
            row.update(started_at=dispatched + timedelta(minutes=20), completed_at=done, completion_note="已处理完毕",
                       called_back_at=done + timedelta(hours=rng.randrange(2, 30)),
                       satisfaction=rng.choice((5, 5, 4, 3)),
                       callback_note="客户满意", closed_at=done + timedelta(hours=31))
        self.orders.append(row)
        return row

    def calls(self):
        rng = self.rng
        clerk = self.users[CLERK]
        for _ in range(CALLS):
            company = rng.choice(self.companies)
            day = rng.choice(self.days[-(self.today - company["since"]).days:] or self.days[-1:])
            kind, category, text = rng.choice(CALL_SAYS)
            self.order(company, kind, category, at(day, rng.uniform(8, 20)), clerk, "phone", text)

    def case_studies(self):
        rng = self.rng
        complaints = [v for v in self.visits if v["status"] == RECORDED and v["purpose"] == "complaint"]
        for visit in sorted(rng.sample(complaints, CASES), key=lambda v: v["recorded_at"]):
            written = visit["recorded_at"] + timedelta(days=rng.randrange(3, 30))
            if written >= self.now:
                continue
            name = visit["company"]["name"]
            self.cases.append(dict(
                id=self.new_id("case_study"), site_id=self.site_id, title=f"{name}投诉的处理",
                situation=f"{name}反映：{(visit.get('items') or [{'text': '服务问题'}])[0]['text']}。",
                action="客户经理当天上门致歉，协调相关部门处理，并每日电话告知进度。",
                result="问题在承诺时间内解决，客户在回访中表示满意。",
                lesson="投诉当天上门、给出明确时限并主动告知进度，是化解不满的关键。",
                visit=visit, work_order_id=None, author_id=visit["manager_id"], created_at=written, updated_at=written))

    # --- writing -----------------------------------------------------------------------------------
    def number(self, kind, prefix, width, instant):
        year = clock.local(instant).year
        counts = self.numbers[kind]
        counts[year] = counts.get(year, 0) + 1
        return f"{prefix}{year}-{counts[year]:0{width}d}"

    def write(self):
        conn = self.conn
        for visit in self.visits:
            visit["id"] = self.new_id("customer_visit")
            visit["number"] = self.number("customer_visit", "BF", 5, visit["created_at"])
        self.orders.sort(key=lambda o: o["logged_at"])
        for order in self.orders:
            order["number"] = self.number("work_order", "GD", 6, order["logged_at"])
            if order["visit"] is not None:
                order["description"] = order["description"].format(number=order["visit"]["number"])
        for company in self.companies:
            last = company.get("last_visit_on")
            owner = company["owners"][-1] if company["owners"] else None
            if owner is not None:
                self.portfolio.append(dict(customer_id=company["id"], site_id=self.site_id, manager_id=owner[1],
                                           since=owner[0], last_visit_on=last))
        visit_keys = ("site_id", "number", "customer_id", "manager_id", "status", "mode", "purpose", "visit_on",
                      "meet", "preparation", "visited_at", "attendees", "summary", "follow_up_on", "cancel_reason",
                      "created_by_id", "created_at", "recorded_at")
        # a follow-up may point either way in id order: set once every visit is in
        visit_rows = [dict(id=v["id"], **{k: v[k] for k in visit_keys}, followed_up_by_id=None) for v in self.visits]
        followed = [(v["followed_up_by"]["id"], v["id"]) for v in self.visits if v["followed_up_by"]]
        order_rows = [{k: v for k, v in o.items() if k != "visit"} for o in self.orders]
        item_rows = [dict(id=i["id"], visit_id=i["visit"]["id"], kind=i["kind"], text=i["text"], answer=i["answer"],
                          work_order_id=i["work_order_id"]) for i in self.items]
        commitment_rows = [{**{k: v for k, v in c.items() if k != "visit"}, "visit_id": c["visit"]["id"]}
                           for c in self.commitments]
        questionnaire_rows, question_rows = [], []
        for q in self.questionnaires:
            questionnaire_rows.append(dict(id=q["id"], site_id=self.site_id, version=q["version"], created_by_id=None,
                                           created_at=at(q["day"], 9)))
            for position, (dimension, _text) in enumerate(visit_rules.DEFAULT_QUESTIONS, 1):
                question_rows.append(dict(id=q["questions"][dimension], questionnaire_id=q["id"], position=position,
                                          dimension=dimension, text=q["texts"][dimension]))
        response_rows = [{**r, "visit_id": r["visit_id"]["id"] if r["visit_id"] else None} for r in self.responses]
        case_rows = [{**{k: v for k, v in c.items() if k != "visit"}, "visit_id": c["visit"]["id"]} for c in self.cases]
        bulk(conn, WorkOrder, order_rows)
        bulk(conn, Portfolio, self.portfolio)
        bulk(conn, PortfolioChange, self.changes)
        bulk(conn, CustomerVisit, visit_rows)
        marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"UPDATE customer_visit SET followed_up_by_id = {marker} WHERE id = {marker}", followed)
        bulk(conn, VisitItem, item_rows)
        bulk(conn, Commitment, commitment_rows)
        bulk(conn, Questionnaire, questionnaire_rows)
        bulk(conn, SurveyQuestion, question_rows)
        bulk(conn, SurveyResponse, response_rows)
        bulk(conn, SurveyAnswer, self.answers)
        bulk(conn, CaseStudy, case_rows)
        entries = sum(conn.execute(sa.text(sql), {"site": self.site_id}).rowcount for sql in AUDIT_SQL)
        for kind, counts in self.numbers.items():
            for year, value in counts.items():
                conn.execute(Counter.__table__.insert().values(kind=kind, scope=SITE_CODE, year=year, value=value))
        move_sequences(conn, self.ids)
        return self.figures(entries)

    def figures(self, entries):
        today = self.today
        statuses = {}
        for v in self.visits:
            statuses[v["status"]] = statuses.get(v["status"], 0) + 1
        open_commitments = [c for c in self.commitments if c["done_at"] is None]
        portfolios = {}
        for row in self.portfolio:
            if row["manager_id"]:
                portfolios[self.usernames[row["manager_id"]]] = portfolios.get(self.usernames[row["manager_id"]], 0) + 1
        per_company = {}
        for v in self.visits:
            per_company[v["customer_id"]] = per_company.get(v["customer_id"], 0) + 1
        return {"companies": len(self.companies), "visits": statuses, "items": len(self.items),
                "work_orders_from_items": sum(1 for i in self.items if i["work_order_id"]),
                "work_orders": len(self.orders), "commitments": len(self.commitments),
                "open_commitments": len(open_commitments),
                "overdue_commitments": sum(1 for c in open_commitments if c["due_on"] < today),
                "overdue_follow_ups": sum(1 for v in self.visits if v["follow_up_on"] and v["followed_up_by"] is None
                                          and v["follow_up_on"] < today),
                "busiest_company_visits": max(per_company.values()), "portfolios": dict(sorted(portfolios.items())),
                "unassigned": sum(1 for c in self.companies if not c["owners"]),
                "portfolio_changes": len(self.changes), "surveys": len(self.responses), "answers": len(self.answers),
                "case_studies": len(self.cases), "audit_entries": entries,
                "numbers": {k: dict(sorted(v.items())) for k, v in self.numbers.items()}}


def _running(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


# the audit entries of each step, as the services write them (before/after left out)
_AUDIT = ("INSERT INTO audit_entry (at, actor_id, actor_name, action, object_type, object_id, summary, remote_addr, "
          "before, after) ")
AUDIT_SQL = (
    _AUDIT + """
SELECT p.changed_at, p.changed_by_id, u.username, 'visits.assign', 'customer', CAST(c.id AS VARCHAR(40)),
       c.name || ': ' || COALESCE(CAST(p.from_manager_id AS VARCHAR(20)), '-') || ' → '
       || COALESCE(CAST(p.to_manager_id AS VARCHAR(20)), '-'), '10.0.9.11', NULL, NULL
FROM portfolio_change p JOIN customer c ON c.id = p.customer_id JOIN "user" u ON u.id = p.changed_by_id
WHERE c.site_id = :site""",
    _AUDIT + """
SELECT v.created_at, v.created_by_id, u.username, 'visits.plan', 'customer_visit', CAST(v.id AS VARCHAR(40)),
       v.number || ' ' || c.name || ' ' || CAST(v.visit_on AS VARCHAR(10)), '10.0.9.12', NULL, NULL
FROM customer_visit v JOIN customer c ON c.id = v.customer_id JOIN "user" u ON u.id = v.created_by_id
WHERE v.site_id = :site AND (v.recorded_at IS NULL OR v.created_at < v.recorded_at)""",
    _AUDIT + """
SELECT v.recorded_at, v.manager_id, u.username, 'visits.record', 'customer_visit', CAST(v.id AS VARCHAR(40)),
       v.number || ' ' || c.name || ' ' || CAST(v.visit_on AS VARCHAR(10)), '10.0.9.12', NULL, NULL
FROM customer_visit v JOIN customer c ON c.id = v.customer_id JOIN "user" u ON u.id = v.manager_id
WHERE v.site_id = :site AND v.status = 'recorded'""",
    _AUDIT + """
SELECT c.done_at, c.done_by_id, u.username, 'visits.commitment_done', 'commitment', CAST(c.id AS VARCHAR(40)),
       c.text, '10.0.9.12', NULL, NULL
FROM commitment c JOIN "user" u ON u.id = c.done_by_id
WHERE c.site_id = :site AND c.done_at IS NOT NULL""",
    _AUDIT + """
SELECT r.created_at, r.taken_by_id, u.username, 'visits.survey', 'survey_response', CAST(r.id AS VARCHAR(40)),
       c.name || ' ' || CAST(r.taken_on AS VARCHAR(10)), '10.0.9.12', NULL, NULL
FROM survey_response r JOIN customer c ON c.id = r.customer_id JOIN "user" u ON u.id = r.taken_by_id
WHERE r.site_id = :site""",
)


if __name__ == "__main__":
    main(__doc__.splitlines()[0], generate, f"sqlite:///{ROOT / 'bench' / 'out' / 'visits.db'}")
