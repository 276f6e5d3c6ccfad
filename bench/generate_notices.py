"""Build a park whose service centre has five years of notices behind it, for bench/bench_notice_boards.py.

Site `NTB` (东湖智谷产业园): 10 buildings — office towers A座–F座 (1,200 offices) and 人才公寓1–4号楼
(4,000 flats) — and 5,000 customers holding a unit now, each reached by one mobile number of its own:
4,000 residents by their phone, 1,000 companies by their contact's (the company's own number is a
landline); 200 companies moved out, whose numbers are no longer in the audience. Staff: two clerks
and two customer-service supervisors who draft, the two supervisors who approve first, two project
managers who approve finally, two building stewards who post. 12 notice boards: one in the lobby
of each building and two of the whole park.

Then 20,000 notices over five years, in the shape the notice services leave them: drafted by a
clerk or a supervisor, submitted, approved by a supervisor other than the author, then by a
project manager (a tenth of the revisions sent back once with a comment on the way and submitted
again); numbered TZ<year>-NNNN at their first final approval, the approved content frozen into the
snapshot `services._freeze` writes; 8% changed after approval by a second revision (and a few by a
third) that supersedes the one before. What was still in the making when the history ends stays
as it was then (drafts, waiting for the supervisor or for the project manager), as do a few drafts
that were never submitted. Kinds: maintenance 45%, general 30%, promotion 15%, official 10%, valid
for 1–3 days (maintenance) up to 30–90 days (official).

About 100,000 postings of the approved notices that go to the boards, numbered ZT<year>-NNNNN in
posting order: a notice of the whole park on most of the 12 boards, one of some buildings on those
buildings' boards (and half the time a park board), posted by the steward on the day of approval
or the day before the notice starts, taken down the evening it expires or the next morning, or
when a newer revision replaced it; a third with a photo name (the files are not written). The
boards hold 4 sheets each now: the postings of notices still valid beyond that were taken down
earlier, the board being full; and 3 postings are still up after their notice expired and 2 after
their notice was replaced (the take-down list and the home-page flag have something to show).
Audit entries of every step are derived from the rows by `INSERT … SELECT`. Past text messages
are not put in the outbox. Rows go in through the driver's executemany (bench/loading.bulk).

    .venv/bin/python bench/generate_notices.py [--fresh] [--database-url URL]
"""
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import PASSWORD, insert  # noqa: E402
from bench.generate_visitors import at, mobile, person_name  # noqa: E402
from bench.loading import bulk, last_ids, load_once, main, move_sequences  # noqa: E402
from frontdesk.auth.models import User, UserRole  # noqa: E402
from frontdesk.auth.services import hash_password  # noqa: E402
from frontdesk.core import clock  # noqa: E402
from frontdesk.core.numbering import Counter  # noqa: E402
from frontdesk.demo import COMPANY_TRADES, COMPANY_WORDS, POSITIONS  # noqa: E402
from frontdesk.estate.models import Building, Contact, Customer, Occupancy, Site, Unit  # noqa: E402
from frontdesk.notices.models import (  # noqa: E402
    APPROVE, APPROVED, CHECKED, DRAFT, GENERAL, MAINTENANCE, MANAGER_STEP, OFFICIAL, PROMOTION, REJECT, SUBMITTED,
    SUPERSEDED, SUPERVISOR_STEP, Notice, NoticeBoard, NoticeDecision, NoticeRevision, Posting,
)

SITE_CODE = "NTB"
SITE_NAME = "东湖智谷产业园"
COMPANY = "东湖智谷物业服务有限公司"
CLERK, CLERK_B = "bench_nt_clerk", "bench_nt_clerk_b"
SUPERVISOR, SUPERVISOR_B = "bench_nt_supervisor", "bench_nt_supervisor_b"
MANAGER, MANAGER_B = "bench_nt_pm", "bench_nt_pm_b"
STEWARD, STEWARD_B = "bench_nt_steward", "bench_nt_steward_b"
STAFF = ((CLERK, "clerk", "陈晓雯"), (CLERK_B, "clerk", "孙丽"), (SUPERVISOR, "supervisor", "周海燕"),
         (SUPERVISOR_B, "supervisor", "吴建平"), (MANAGER, "project_manager", "郑志强"),
         (MANAGER_B, "project_manager", "黄国栋"), (STEWARD, "steward", "刘大伟"), (STEWARD_B, "steward", "何军"))
NOTICES = 20_000
POSTINGS = 100_000
DAYS = 5 * 365 + 1
OFFICE_TOWERS = "ABCDEF"  # 20 floors × 10 offices
FLATS = 4  # 人才公寓1–4号楼, 25 floors × 40 flats
COMPANIES_NOW, COMPANIES_GONE = 1_000, 200
AUDIENCE = COMPANIES_NOW + FLATS * 25 * 40  # 5,000 mobile numbers: a text message to the whole park
PER_BOARD_NOW = 4  # sheets on a board now
LEFT_UP_EXPIRED, LEFT_UP_REPLACED = 3, 2
PARK_BOARDS = ("东门公告栏", "食堂门口信息栏")

KIND_WEIGHTS = {MAINTENANCE: 45, GENERAL: 30, PROMOTION: 15, OFFICIAL: 10}
VALID_DAYS = {MAINTENANCE: (0, 2), GENERAL: (6, 29), PROMOTION: (6, 13), OFFICIAL: (29, 89)}
REJECT_SHARE = 0.10  # revisions sent back once on the way
SECOND_REVISION, THIRD_REVISION = 0.08, 0.01
ABANDONED = 0.005  # drafts never submitted
SMS_SHARE, HOME_SHARE, NOT_BOARDS = 0.10, 0.15, 0.10
WHOLE_SITE = (0.6, 0.3)  # notices for the whole park: of other kinds, of maintenance
PHOTO_SHARE = 0.33

TITLES = {
    MAINTENANCE: ("关于{where}临时停水的通知", "关于{where}计划停电检修的通知", "{where}电梯年度维保通知",
                  "关于{where}消防设施检测的通知", "{where}外墙清洗作业通知", "关于{where}空调系统切换的通知",
                  "{where}地下车库地坪维修通知"),
    GENERAL: ("关于加强园区消防安全管理的通知", "园区春节假期服务安排", "关于园区垃圾分类投放的温馨提示",
              "关于规范电动自行车停放充电的通知", "园区防台防汛温馨提示", "关于办理{year}年度停车证的通知",
              "园区快递收发点调整的通知"),
    PROMOTION: ("园区食堂{season}新菜品推介", "园区健身房开放及会员优惠", "企业服务中心政策宣讲会邀请",
                "园区篮球友谊赛报名通知", "人才公寓家政服务推介"),
    OFFICIAL: ("关于配合开展燃气安全入户检查的通知", "关于开展{year}年经济普查的通知", "关于做好冬季安全生产工作的通知",
               "关于开展消防安全专项整治的通知（街道）", "关于人口信息登记核查的通知"),
}
BODIES = {
    MAINTENANCE: "# {title}\n\n尊敬的各位客户：\n因设备检修，{where}将于{start}起暂停相关服务。\n\n"
                 "- 影响时间：{start} **8:00至18:00**\n- 影响范围：{where}\n\n请您提前做好准备，"
                 "给您带来不便，敬请谅解，谢谢！\n\n如有疑问请致电客服中心。",
    GENERAL: "# {title}\n\n尊敬的各位客户：\n为营造安全、整洁的园区环境，请您配合以下事项：\n\n"
             "1. 请遵守园区管理规定\n2. 如发现问题请及时告知客服中心\n\n感谢您的理解与支持！",
    PROMOTION: "# {title}\n\n各位客户：\n{start}起园区推出新的服务项目，欢迎您前来体验。\n\n"
               "- 地点：园区服务中心\n- 时间：**每日9:00至20:00**\n\n详情请咨询客服中心，谢谢！",
    OFFICIAL: "# {title}\n\n尊敬的各位客户：\n根据街道办事处要求，园区将于{start}起开展相关工作，"
              "届时工作人员将上门，请您予以配合。\n\n请携带有效证件，谢谢！",
}
SMS_TEXT = "【东湖智谷物业】{title}：{start}起，详见各楼栋信息栏或咨询客服中心，谢谢！"
COMMENTS = ("时间写得不清楚，请补充具体时段", "请补充影响范围", "语气再客气一些", "标题与正文不一致，请修改",
            "请核实日期", "缺少联系电话")
SEASONS = ("春季", "夏季", "秋季", "冬季")


def _pick(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _hours(rng, low, high) -> timedelta:
    return timedelta(minutes=rng.uniform(low * 60, high * 60))


def generate(url: str, seed: int = 13, notices: int = NOTICES, postings: int = POSTINGS, days: int = DAYS) -> dict:
    """Make the park and its notices unless the site is there already."""
    return load_once(url, SITE_CODE, lambda conn, now, _config: History(conn, random.Random(seed), now)
                     .fill(notices, postings, days), vacuum=True)


class History:
    def __init__(self, conn, rng, now):
        self.conn, self.rng, self.now = conn, rng, now
        self.today = clock.business_day(now)
        self.ids = last_ids(conn, (Building, Unit, Customer, Notice, NoticeRevision, NoticeDecision, NoticeBoard,
                                   Posting))
        self.notices, self.revisions, self.decisions, self.postings = [], [], [], []

    def new_id(self, table):
        self.ids[table] += 1
        return self.ids[table]

    def fill(self, n_notices, n_postings, n_days):
        self.site()
        self.estate()
        self.boards()
        self.history(n_notices, n_days)
        self.post(n_postings)
        return self.write()

    # --- the park ----------------------------------------------------------------------------------
    def site(self):
        conn, now = self.conn, self.now
        self.site_id = conn.execute(Site.__table__.insert().values(
            code=SITE_CODE, name=SITE_NAME, kind="park", company_name=COMPANY, address="武汉市东湖新技术开发区智谷大道18号",
            phone="027-87650000", receipt_prefix="DH", receipt_copies="stub,customer,accounting", active=True)
            .returning(Site.id)).scalar_one()
        password = hash_password(PASSWORD)
        self.users, self.names = {}, {}
        for username, role, full_name in STAFF:
            user_id = conn.execute(User.__table__.insert().values(
                username=username, full_name=full_name, password_hash=password, active=True, locale="zh_CN",
                site_id=self.site_id, failed_logins=0, session_version=1, created_at=now)
                .returning(User.id)).scalar_one()
            conn.execute(UserRole.__table__.insert().values(user_id=user_id, role=role))
            self.users[username], self.names[user_id] = user_id, full_name

    def estate(self):
        """The buildings, the units and who holds them: one mobile number per customer holding a unit now."""
        rng, buildings, units, customers, contacts, occupancies = self.rng, [], [], [], [], []
        self.buildings = []  # (id, code, name), in code order
        seen = set()

        def fresh_mobile():
            while True:
                phone = mobile(rng)
                if phone not in seen:
                    seen.add(phone)
                    return phone

        for code, name, floors, rooms, use in ([(c, f"{c}座", 20, 10, "office") for c in OFFICE_TOWERS]
                                               + [(f"R{n}", f"人才公寓{n}号楼", 25, 40, "home")
                                                  for n in range(1, FLATS + 1)]):
            bid = self.new_id("building")
            buildings.append(dict(id=bid, site_id=self.site_id, code=code, name=name))
            self.buildings.append((bid, code, name))
            for floor in range(1, floors + 1):
                for room in range(1, rooms + 1):
                    units.append(dict(id=self.new_id("unit"), site_id=self.site_id, building_id=bid,
                                      number=f"{code}-{floor}{room:02d}", floor=floor,
                                      area=rng.choice([45, 60, 120, 260]) if use == "office" else 42, use=use))
        offices = [u for u in units if u["use"] == "office"]
        flats = [u for u in units if u["use"] == "home"]
        rng.shuffle(offices)
        start = date(2019, 3, 1)
        # companies: a landline of their own, a contact with a mobile; the last COMPANIES_GONE moved out
        for i, unit in enumerate(offices[:COMPANIES_NOW + COMPANIES_GONE]):
            cid = self.new_id("customer")
            gone = i >= COMPANIES_NOW
            customers.append(dict(id=cid, site_id=self.site_id, kind="company",
                                  name=f"武汉{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司{cid}",
                                  phone=f"027-8{rng.randrange(1000000, 9999999)}", phone_last4=None, id_number=None,
                                  credit_code=None, note="", created_at=self.now))
            phone = fresh_mobile()
            contacts.append(dict(customer_id=cid, name=person_name(rng), position=rng.choice(POSITIONS), phone=phone,
                                 phone_last4=phone[-4:], email=None))
            end = self.today - timedelta(days=rng.randrange(30, 900)) if gone else None
            occupancies.append(dict(unit_id=unit["id"], customer_id=cid, role="tenant", start_on=start, end_on=end,
                                    billed=True))
        for unit in flats:
            cid, phone = self.new_id("customer"), fresh_mobile()
            customers.append(dict(id=cid, site_id=self.site_id, kind="person", name=person_name(rng), phone=phone,
                                  phone_last4=phone[-4:], id_number=None, credit_code=None, note="",
                                  created_at=self.now))
            occupancies.append(dict(unit_id=unit["id"], customer_id=cid, role="tenant", start_on=start, end_on=None,
                                    billed=True))
        insert(self.conn, Building, buildings)
        insert(self.conn, Unit, units)
        insert(self.conn, Customer, customers)
        insert(self.conn, Contact, contacts)
        insert(self.conn, Occupancy, occupancies)
        self.audience = COMPANIES_NOW + len(flats)
        assert self.audience == AUDIENCE == len(seen) - COMPANIES_GONE

    def boards(self):
        rows, self.board_of, self.park_boards, self.board_names = [], {}, [], {}
        for bid, code, name in self.buildings:
            board_id = self.new_id("notice_board")
            rows.append(dict(id=board_id, site_id=self.site_id, name=f"{name}一楼大堂信息栏", building_id=bid, active=True))
            self.board_of[bid] = board_id
        for name in PARK_BOARDS:
            board_id = self.new_id("notice_board")
            rows.append(dict(id=board_id, site_id=self.site_id, name=name, building_id=None, active=True))
            self.park_boards.append(board_id)
        self.board_names = {r["id"]: r["name"] for r in rows}
        bulk(self.conn, NoticeBoard, rows)

    # --- the notices -------------------------------------------------------------------------------
    def history(self, n_notices, n_days):
        rng = self.rng
        days = [self.today - timedelta(days=d) for d in range(n_days - 1, -1, -1)]
        weights = [0.25 if d.weekday() >= 5 else 1.0 for d in days]
        created = []
        while len(created) < n_notices:  # up to now
            created += [when for when in (at(day, rng.uniform(8.5, 17.5)) for day in rng.choices(
                days, weights=weights, k=n_notices - len(created))) if when < self.now]
        created.sort()
        authors = [CLERK] * 4 + [CLERK_B] * 3 + [SUPERVISOR] * 2 + [SUPERVISOR_B]
        for when in created:
            kind = _pick(rng, KIND_WEIGHTS)
            author = self.users[rng.choice(authors)]
            notice = dict(id=None, site_id=self.site_id, kind=kind, number=None, author_id=author, created_at=when)
            self.notices.append(notice)
            whole = rng.random() < WHOLE_SITE[kind == MAINTENANCE]
            building_ids = [] if whole else sorted(b[0] for b in rng.sample(self.buildings, rng.choice((1, 1, 2, 3))))
            to_boards = rng.random() >= NOT_BOARDS
            to_sms = rng.random() < SMS_SHARE or not to_boards and rng.random() < 0.6
            to_home = rng.random() < HOME_SHARE or not (to_boards or to_sms)
            where = "园区" if not building_ids else "、".join(b[2] for b in self.buildings if b[0] in building_ids)
            title = rng.choice(TITLES[kind]).format(where=where, year=clock.local(when).year,
                                                    season=SEASONS[(clock.local(when).month % 12) // 3])[:100]
            content = dict(title=title, kind=kind, building_ids=building_ids, to_boards=to_boards, to_sms=to_sms,
                           to_home=to_home, where=where)
            revision = self.revise(notice, 1, content, when, author, None)
            while revision is not None and revision["status"] == APPROVED:
                no = revision["no"]
                share = SECOND_REVISION if no == 1 else THIRD_REVISION / SECOND_REVISION if no == 2 else 0
                if rng.random() >= share:
                    break
                # a change while it is valid: drafted between the approval and the last valid day
                start = revision["approved_at"]
                end = max(at(revision["valid_to"], 12), start + timedelta(hours=1))
                drafted = self.office(start + (end - start) * rng.uniform(0.05, 0.7))
                if drafted >= self.now:
                    break
                revision = self.revise(notice, no + 1, content, drafted, author, revision)

    def revise(self, notice, no, content, drafted, drafter, previous):
        """One revision from its draft as far as it got by now. The approved one is frozen; it
        supersedes `previous`."""
        rng, now = self.rng, self.now
        kind = content["kind"]
        revision = dict(id=None, notice=notice, no=no, status=DRAFT, title=content["title"], body="",
                        building_ids=content["building_ids"], valid_from=None, valid_to=None,
                        to_boards=content["to_boards"], to_sms=content["to_sms"], to_home=content["to_home"],
                        sms_text="", drafted_by_id=drafter, drafted_at=drafted, submitted_at=None, approved_at=None,
                        snapshot=None, previous=previous, postings=[])
        self.revisions.append(revision)
        # the plan: when it would be submitted, checked and approved; the dates follow from the approval
        submitted = self.office(drafted + _hours(rng, 0.2, 20))
        rejected = rng.random() < REJECT_SHARE
        reject_step = rng.choice((SUPERVISOR_STEP, SUPERVISOR_STEP, MANAGER_STEP)) if rejected else None
        checked = self.office(submitted + _hours(rng, 0.3, 22))
        approved = self.office(checked + _hours(rng, 0.3, 26))
        if rejected:
            approved = self.office(approved + timedelta(hours=40))  # sent back, changed, submitted and approved again
        if previous is None:
            first = clock.business_day(approved) + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
            low, high = VALID_DAYS[kind]
            revision["valid_from"] = first
            revision["valid_to"] = first + timedelta(days=rng.randint(low, high))
        else:
            revision["valid_from"] = previous["valid_from"]
            revision["valid_to"] = max(previous["valid_to"], clock.business_day(approved)) + timedelta(
                days=rng.choice((0, 0, 1, 2, 7)))
        words = dict(title=content["title"], where=content["where"],
                     start=f"{revision['valid_from'].month}月{revision['valid_from'].day}日")
        revision["body"] = BODIES[kind].format(**words)
        revision["sms_text"] = SMS_TEXT.format(**words)[:140] if content["to_sms"] else ""
        if no == 1 and rng.random() < ABANDONED:
            return None  # a draft nobody submitted
        supervisors = [u for u in (self.users[SUPERVISOR], self.users[SUPERVISOR_B])
                       if u not in (drafter, notice["author_id"])]
        supervisor = rng.choice(supervisors)
        manager = self.users[MANAGER] if rng.random() < 0.8 else self.users[MANAGER_B]
        if submitted >= now:
            return None
        revision.update(status=SUBMITTED, submitted_at=submitted)
        if rejected:
            back = self.office(submitted + _hours(rng, 0.5, 20) if reject_step == SUPERVISOR_STEP
                               else checked + _hours(rng, 0.5, 20))
            if reject_step == MANAGER_STEP:
                if checked >= now:
                    return None
                self.decide(revision, SUPERVISOR_STEP, APPROVE, supervisor, checked)
                revision["status"] = CHECKED
                if back >= now:
                    return None
                self.decide(revision, MANAGER_STEP, REJECT, manager, back)
            else:
                if back >= now:
                    return None
                self.decide(revision, SUPERVISOR_STEP, REJECT, supervisor, back)
            revision["status"] = DRAFT
            if rng.random() < 0.05:
                return None  # left as sent back
            again = self.office(back + _hours(rng, 1, 20))
            if again >= now:
                return None
            revision.update(status=SUBMITTED, submitted_at=again)
            checked = self.office(again + _hours(rng, 0.3, 12))
            approved = max(approved, self.office(checked + _hours(rng, 0.3, 12)))
        if checked >= now:
            return None
        self.decide(revision, SUPERVISOR_STEP, APPROVE, supervisor, checked)
        revision["status"] = CHECKED
        if approved >= now:
            return None
        self.decide(revision, MANAGER_STEP, APPROVE, manager, approved)
        revision.update(status=APPROVED, approved_at=approved, approvers=(supervisor, manager))
        if previous is not None:
            previous["status"] = SUPERSEDED
            previous["superseded_at"] = approved
        return revision

    def office(self, when):
        """`when`, or the next morning when it falls outside office hours (8:00–20:00)."""
        local = clock.local(when)
        if 8 <= local.hour < 20:
            return when
        day = local.date() + timedelta(days=1 if local.hour >= 20 else 0)
        return at(day, self.rng.uniform(8.3, 9.8))

    def decide(self, revision, step, decision, actor, when):
        self.decisions.append(dict(id=None, revision=revision, step=step, decision=decision,
                                   comment=self.rng.choice(COMMENTS) if decision == REJECT else "", actor_id=actor,
                                   at=when))

    # --- the postings ------------------------------------------------------------------------------
    def post(self, n_postings):
        """Postings of every approved revision for the boards, then trimmed to n_postings (of those not
        up now), then the boards now: PER_BOARD_NOW a board and the few left up."""
        rng, now = self.rng, self.now
        steward_of = {}
        for bid, code, _name in self.buildings:
            steward_of[self.board_of[bid]] = self.users[STEWARD if code in OFFICE_TOWERS else STEWARD_B]
        for board in self.park_boards:
            steward_of[board] = self.users[STEWARD]
        everywhere = [self.board_of[b[0]] for b in self.buildings] + self.park_boards
        for revision in self.revisions:
            if revision["approved_at"] is None or not revision["to_boards"]:
                continue
            previous = revision["previous"]
            if previous is not None and previous["postings"]:
                boards = sorted({p["board_id"] for p in previous["postings"]})
            elif revision["building_ids"]:
                boards = [self.board_of[b] for b in revision["building_ids"]]
                if rng.random() < 0.5:
                    boards.append(rng.choice(self.park_boards))
            else:
                boards = rng.sample(everywhere, rng.randint(7, 12))
            earliest = max(revision["approved_at"] + _hours(rng, 0.3, 3),
                           at(revision["valid_from"] - timedelta(days=1), 9))
            expiry = revision["valid_to"]
            for board in boards:
                posted = self.office(earliest + _hours(rng, 0, 4))
                if posted >= now or clock.business_day(posted) > expiry:
                    continue
                if revision["status"] == SUPERSEDED and revision["superseded_at"] <= posted:
                    continue  # replaced before the steward got to this board: the new revision goes up
                down = (at(expiry, rng.uniform(17, 19.5)) if rng.random() < 0.6
                        else at(expiry + timedelta(days=1), rng.uniform(8.5, 10.5)))
                down = max(down, posted + _hours(rng, 1, 3))
                reason = "expired"
                replaced = revision.get("superseded_at")
                if replaced is not None and replaced + timedelta(hours=6) < down:
                    down, reason = self.office(max(replaced + _hours(rng, 0.5, 6), posted + _hours(rng, 0.5, 1))), \
                        "replaced"
                posting = dict(id=None, number=None, site_id=self.site_id, revision=revision, board_id=board,
                               posted_at=posted, posted_by_id=steward_of[board], photo=None,
                               taken_down_at=down if down < now else None, taken_down_by_id=steward_of[board],
                               reason=reason)
                revision["postings"].append(posting)
                self.postings.append(posting)
        # the boards now: the newest PER_BOARD_NOW of each stay, the others were taken down for them
        up = {}
        for posting in sorted(self.postings, key=lambda p: p["posted_at"], reverse=True):
            if posting["taken_down_at"] is None:
                kept = up.setdefault(posting["board_id"], [])
                if len(kept) < PER_BOARD_NOW:
                    kept.append(posting)
                else:
                    posting["taken_down_at"] = min(kept[-1]["posted_at"] + _hours(rng, 0.1, 1),
                                                   now - timedelta(minutes=1))
                    posting["reason"] = "board full"
        # trim to n_postings, never one that is up now
        if len(self.postings) > n_postings:
            down = [i for i, p in enumerate(self.postings) if p["taken_down_at"] is not None]
            drop = set(rng.sample(down, len(self.postings) - n_postings))
            self.postings = [p for i, p in enumerate(self.postings) if i not in drop]
        # a few left up after they should have come down: recently expired, recently replaced
        for reason, count, days in (("expired", LEFT_UP_EXPIRED, 6), ("replaced", LEFT_UP_REPLACED, 30)):
            late = [p for p in self.postings if p["reason"] == reason and p["taken_down_at"] is not None
                    and p["taken_down_at"] > now - timedelta(days=days)]
            for posting in rng.sample(late, min(count, len(late))):
                posting["taken_down_at"] = None
        for posting in self.postings:
            if posting["taken_down_at"] is None:
                posting["taken_down_by_id"] = None

    # --- writing -----------------------------------------------------------------------------------
    def write(self):
        conn, rng = self.conn, self.rng
        counters = {"notice": {}, "posting": {}}
        for notice in self.notices:
            notice["id"] = self.new_id("notice")
        first_approvals = sorted((r for r in self.revisions if r["approved_at"] is not None),
                                 key=lambda r: r["approved_at"])
        for revision in first_approvals:
            notice = revision["notice"]
            if notice["number"] is None:
                year = clock.local(revision["approved_at"]).year
                counters["notice"][year] = counters["notice"].get(year, 0) + 1
                notice["number"] = f"TZ{year}-{counters['notice'][year]:04d}"
        names = {b[0]: b[2] for b in self.buildings}
        codes = {b[0]: b[1] for b in self.buildings}
        revisions = sorted(self.revisions, key=lambda r: r["drafted_at"])
        for revision in revisions:
            revision["id"] = self.new_id("notice_revision")
        for decision in sorted(self.decisions, key=lambda d: d["at"]):
            decision["id"] = self.new_id("notice_decision")
        self.postings.sort(key=lambda p: p["posted_at"])
        for posting in self.postings:
            posting["id"] = self.new_id("posting")
            year = clock.local(posting["posted_at"]).year
            counters["posting"][year] = counters["posting"].get(year, 0) + 1
            posting["number"] = f"ZT{year}-{counters['posting'][year]:05d}"
            if rng.random() < PHOTO_SHARE:
                posting["photo"] = f"{posting['id']}-{posting['number']}.jpg"
        notice_rows = [{k: n[k] for k in ("id", "site_id", "kind", "number", "author_id", "created_at")}
                       for n in self.notices]
        revision_rows = []
        for r in revisions:
            notice = r["notice"]
            snapshot = None
            if r["approved_at"] is not None:
                supervisor, manager = r["approvers"]
                snapshot = {
                    "company": COMPANY, "site": SITE_NAME, "number": notice["number"], "revision": r["no"],
                    "kind": notice["kind"], "title": r["title"], "body": r["body"],
                    "buildings": [names[b] for b in sorted(r["building_ids"], key=codes.get)],
                    "valid_from": r["valid_from"].isoformat(), "valid_to": r["valid_to"].isoformat(),
                    "issued_on": clock.business_day(r["approved_at"]).isoformat(), "sms_text": r["sms_text"],
                    "approved_by": {SUPERVISOR_STEP: self.names[supervisor], MANAGER_STEP: self.names[manager]},
                }
            revision_rows.append(dict(
                id=r["id"], notice_id=notice["id"], no=r["no"], status=r["status"], title=r["title"], body=r["body"],
                building_ids=r["building_ids"], valid_from=r["valid_from"], valid_to=r["valid_to"],
                to_boards=r["to_boards"], to_sms=r["to_sms"], to_home=r["to_home"], sms_text=r["sms_text"],
                drafted_by_id=r["drafted_by_id"], drafted_at=r["drafted_at"], submitted_at=r["submitted_at"],
                approved_at=r["approved_at"], snapshot=snapshot))
        decision_rows = [dict(id=d["id"], revision_id=d["revision"]["id"], step=d["step"], decision=d["decision"],
                              comment=d["comment"], actor_id=d["actor_id"], at=d["at"])
                         for d in sorted(self.decisions, key=lambda d: d["id"])]
        posting_rows = [dict(id=p["id"], site_id=p["site_id"], number=p["number"],
                             notice_id=p["revision"]["notice"]["id"], revision_id=p["revision"]["id"],
                             board_id=p["board_id"], posted_at=p["posted_at"], posted_by_id=p["posted_by_id"],
                             photo=p["photo"], taken_down_at=p["taken_down_at"],
                             taken_down_by_id=p["taken_down_by_id"]) for p in self.postings]
        bulk(conn, Notice, notice_rows)
        bulk(conn, NoticeRevision, revision_rows)
        bulk(conn, NoticeDecision, decision_rows)
        bulk(conn, Posting, posting_rows)
        entries = sum(conn.execute(sa.text(sql), {"site": self.site_id}).rowcount for sql in AUDIT_SQL)
        for kind, counts in counters.items():
            for year, value in counts.items():
                conn.execute(Counter.__table__.insert().values(kind=kind, scope=SITE_CODE, year=year, value=value))
        move_sequences(conn, self.ids)
        statuses = {}
        for r in self.revisions:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        up = [p for p in self.postings if p["taken_down_at"] is None]
        return {"customers_now": self.audience, "boards": len(self.board_names), "notices": len(self.notices),
                "numbered": sum(1 for n in self.notices if n["number"]), "revisions": len(self.revisions),
                "revision_statuses": statuses, "decisions": len(self.decisions),
                "rejections": sum(1 for d in self.decisions if d["decision"] == REJECT),
                "postings": len(self.postings), "up_now": len(up),
                "up_after_expiry": sum(1 for p in up if p["revision"]["valid_to"] < self.today),
                "up_replaced": sum(1 for p in up if p["revision"]["status"] == SUPERSEDED),
                "audit_entries": entries, "numbers": {k: dict(sorted(v.items())) for k, v in counters.items()}}


# the audit entries of every step, as the services write them (before/after left out)
_AUDIT = ("INSERT INTO audit_entry (at, actor_id, actor_name, action, object_type, object_id, summary, remote_addr, "
          "before, after) ")
AUDIT_SQL = (
    _AUDIT + """
SELECT r.drafted_at, r.drafted_by_id, u.username, CASE WHEN r.no = 1 THEN 'notice.draft' ELSE 'notice.revise' END,
       'notice', CAST(n.id AS VARCHAR(40)), CASE WHEN r.no = 1 THEN n.kind || ' ' || r.title
       ELSE COALESCE(n.number, '') || ' r' || CAST(r.no AS VARCHAR(10)) END, '10.0.8.21', NULL, NULL
FROM notice_revision r JOIN notice n ON n.id = r.notice_id JOIN "user" u ON u.id = r.drafted_by_id
WHERE n.site_id = :site""",
    _AUDIT + """
SELECT r.submitted_at, r.drafted_by_id, u.username, 'notice.submit', 'notice', CAST(n.id AS VARCHAR(40)),
       COALESCE(n.number, CAST(n.id AS VARCHAR(20))) || ' r' || CAST(r.no AS VARCHAR(10)) || ' draft→submitted',
       '10.0.8.21', NULL, NULL
FROM notice_revision r JOIN notice n ON n.id = r.notice_id JOIN "user" u ON u.id = r.drafted_by_id
WHERE n.site_id = :site AND r.submitted_at IS NOT NULL""",
    _AUDIT + """
SELECT d.at, d.actor_id, u.username,
       CASE WHEN d.decision = 'reject' THEN 'notice.reject' WHEN d.step = 'supervisor' THEN 'notice.check'
            ELSE 'notice.approve' END,
       'notice', CAST(n.id AS VARCHAR(40)),
       COALESCE(n.number, CAST(n.id AS VARCHAR(20))) || ' r' || CAST(r.no AS VARCHAR(10)) || ' ' ||
       CASE WHEN d.decision = 'reject' AND d.step = 'supervisor' THEN 'submitted→draft'
            WHEN d.decision = 'reject' THEN 'checked→draft' WHEN d.step = 'supervisor' THEN 'submitted→checked'
            ELSE 'checked→approved' END,
       '10.0.8.22', NULL, NULL
FROM notice_decision d JOIN notice_revision r ON r.id = d.revision_id JOIN notice n ON n.id = r.notice_id
JOIN "user" u ON u.id = d.actor_id
WHERE n.site_id = :site""",
    _AUDIT + """
SELECT p.posted_at, p.posted_by_id, u.username, 'posting.create', 'posting', CAST(p.id AS VARCHAR(40)),
       p.number || ' ' || n.number || ' ' || b.name, '10.0.8.23', NULL, NULL
FROM posting p JOIN notice n ON n.id = p.notice_id JOIN notice_board b ON b.id = p.board_id
JOIN "user" u ON u.id = p.posted_by_id
WHERE p.site_id = :site""",
    _AUDIT + """
SELECT p.taken_down_at, p.taken_down_by_id, u.username, 'posting.take_down', 'posting', CAST(p.id AS VARCHAR(40)),
       p.number || ' ' || n.number || ' ' || b.name, '10.0.8.23', NULL, NULL
FROM posting p JOIN notice n ON n.id = p.notice_id JOIN notice_board b ON b.id = p.board_id
JOIN "user" u ON u.id = p.taken_down_by_id
WHERE p.site_id = :site AND p.taken_down_at IS NOT NULL""",
)


if __name__ == "__main__":
    main(__doc__.splitlines()[0], generate, f"sqlite:///{ROOT / 'bench' / 'out' / 'notices.db'}")
