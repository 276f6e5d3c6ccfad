"""Notice boards and postings at five years of history (20,000 notices, 100,000 postings), and a
notice by text message to 5,000 recipients, against the stack as deployed (gunicorn, 2 sync
workers, --preload), with a bare Flask page measured in the same run:

1. the posting log, GET /notices/postings (first page), and filtered: by a month a year ago, and
   by one board; as the steward;
2. the board view, GET /notices/boards/now (what is up on the 12 boards now), as the steward;
3. the bare Flask page of bench/run.py (one indexed query on the same database, same settings);
   1–3 by Python threads, one client and 4 at once (and by wrk, 4 connections, when installed);
4. the project manager's final approval of a notice by text message to the whole park (5,000
   mobile numbers) through the real page: GET /notices/<id> (untimed, for the CSRF token), then
   POST /notices/<id>/approve → 302, timed to the redirect; a fresh notice checked by the
   supervisor is made for each round in-process through the services. Every round is checked:
   5,000 queued messages of that revision in the outbox, the notice numbered. Meanwhile another
   thread keeps requesting the board view as the steward, and its requests that overlapped an
   approval are set against those that did not. Then the same again with the outbox worker
   (`frontdesk outbox work`, as deployed beside gunicorn) sending;
5. the plan and the time of every statement of the pages and of the approval, in-process
   (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL), written to
   bench/out/notices-plans-<backend>.txt.

    .venv/bin/python bench/bench_notice_boards.py [--fresh] [--requests 400] [--clients 4] [--rounds 5]
        [--seconds 10] [--database-url postgresql+psycopg://...]

The park is made by bench/generate_notices.py (bench/out/notices.db the first time; --fresh makes
it again). The text messages earlier runs queued are deleted first (bench housekeeping). Results
are printed and written to bench/out/notices-results-<sqlite|postgresql>.md. Only 127.0.0.1 is
contacted; every loop is bounded by a count or a deadline and every wrk run by its seconds."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench import generate_notices as gn  # noqa: E402
from bench.bench_visitors import explain  # noqa: E402
from bench.loading import remove_sqlite  # noqa: E402
from bench.run import WRK, Client, hidden, load, login, start, stop, summary, wrk_load  # noqa: E402

TARGETS = {"postings": 30, "board": 30, "queue": 2000}  # p95 ms; the approval that queues 5,000 messages
POSTING_NUMBER = re.compile(r"ZT\d{4}-\d{5}")
BOARD_PATH = "/notices/boards/now"
LOG_PATH = "/notices/postings"
INDEX_PATH = "/notices/"
SMS = "【东湖智谷物业】园区将于本周六9:00至11:00进行消防演练，届时警铃鸣响属正常现象，请您勿惊慌，谢谢！"


# --- what the run needs from the database ------------------------------------------------------

def fixtures(url):
    """The site, its boards, what is up now, a month a year ago and the busiest board for the
    filtered log, unit numbers for the bare page, and a few counts."""
    from frontdesk.core import clock

    engine = sa.create_engine(url)
    today = clock.business_day()
    month = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    with engine.connect() as conn:
        site_id = conn.execute(sa.text("SELECT id FROM site WHERE code = :c"), {"c": gn.SITE_CODE}).scalar_one()
        one = {"s": site_id}
        board = conn.execute(sa.text(
            "SELECT b.id, b.name, COUNT(*) AS n FROM posting p JOIN notice_board b ON b.id = p.board_id "
            "WHERE p.site_id = :s GROUP BY b.id, b.name ORDER BY n DESC, b.id LIMIT 1"), one).one()
        figures = {
            "notices": conn.execute(sa.text("SELECT COUNT(*) FROM notice WHERE site_id = :s"), one).scalar(),
            "revisions": conn.execute(sa.text("SELECT COUNT(*) FROM notice_revision r JOIN notice n ON "
                                              "n.id = r.notice_id WHERE n.site_id = :s"), one).scalar(),
            "postings": conn.execute(sa.text("SELECT COUNT(*) FROM posting WHERE site_id = :s"), one).scalar(),
            "up now": conn.execute(sa.text("SELECT COUNT(*) FROM posting WHERE site_id = :s "
                                           "AND taken_down_at IS NULL"), one).scalar(),
            "boards": conn.execute(sa.text("SELECT COUNT(*) FROM notice_board WHERE site_id = :s"), one).scalar(),
        }
        start_, end_ = clock.day_bounds(month)[0], clock.day_bounds(month_end)[1]
        figures["postings in the month"] = conn.execute(sa.text(
            "SELECT COUNT(*) FROM posting WHERE site_id = :s AND posted_at >= :a AND posted_at < :b"),
            {"s": site_id, "a": _param(conn, start_), "b": _param(conn, end_)}).scalar()
        units = conn.execute(sa.text("SELECT number FROM unit WHERE site_id = :s ORDER BY id LIMIT 50"),
                             one).scalars().all()
    engine.dispose()
    figures[f"postings on {board.name}"] = board.n
    return {"site_id": site_id, "board_id": board.id, "board_name": board.name, "board_postings": board.n,
            "month": (month, month_end), "units": units, "figures": figures}


def _param(conn, instant):
    """An instant as the column stores it (naive UTC text on SQLite)."""
    if conn.dialect.name == "sqlite":
        return instant.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    return instant


def log_paths(data):
    """The posting log: first page, a month a year ago, one board (all dates)."""
    month, month_end = data["month"]
    return {
        "posting log, first page": LOG_PATH,
        f"posting log, {month:%Y-%m}":
            f"{LOG_PATH}?{urlencode({'date_from': month.isoformat(), 'date_to': month_end.isoformat()})}",
        f"posting log, one board ({data['board_postings']:,} postings)":
            f"{LOG_PATH}?{urlencode({'board': data['board_id']})}",
    }


# --- notices to approve ------------------------------------------------------------------------

class Desk:
    """The app in this process, to make the notices the project manager approves: drafted by the
    clerk, submitted, approved by the supervisor, committed; by text message to the whole park."""

    def __init__(self, url):
        from frontdesk import create_app

        self.app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
        self.made = 0

    def checked_notice(self):
        from frontdesk.auth.models import User
        from frontdesk.core import clock
        from frontdesk.estate.models import Site
        from frontdesk.extensions import db
        from frontdesk.notices import services
        from frontdesk.notices.models import GENERAL

        with self.app.app_context():
            users = {u.username: u for u in db.session.scalars(sa.select(User).where(
                User.username.in_((gn.CLERK, gn.SUPERVISOR))))}
            site = db.session.scalar(sa.select(Site).where(Site.code == gn.SITE_CODE))
            now = clock.now()
            today = clock.business_day(now)
            self.made += 1
            content = services.Content(
                title=f"关于园区消防演练的通知（{self.made}）",
                body="# 关于园区消防演练的通知\n\n尊敬的各位客户：\n园区将于本周六**9:00至11:00**进行消防演练，"
                     "届时警铃鸣响属正常现象，请您勿惊慌。\n\n- 集合地点：东门广场\n\n感谢您的配合，谢谢！",
                valid_from=today, valid_to=today + timedelta(days=5), building_ids=[], to_boards=False,
                to_sms=True, to_home=False, sms_text=SMS)
            notice = services.draft_notice(site, kind=GENERAL, content=content, actor=users[gn.CLERK], now=now)
            revision = notice.revisions[-1]
            services.submit(revision, actor=users[gn.CLERK], now=now)
            services.approve(revision, actor=users[gn.SUPERVISOR], now=now)
            db.session.commit()
            made = notice.id, revision.id
            db.session.remove()
        return made


def approve(client, notice_id, revision_id):
    """The project manager's final approval through the page: open it (untimed), POST, 302. Ms."""
    status, _h, page = client.request("GET", f"/notices/{notice_id}")
    if status != 200:
        raise RuntimeError(f"the notice page answered {status}")
    form = {"csrf_token": hidden(page, "csrf_token"), "revision_id": str(revision_id)}
    started = time.perf_counter()
    status, headers, body = client.request("POST", f"/notices/{notice_id}/approve", form)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 302:
        errors = re.findall(r'class="[^"]*(?:error|flash)[^"]*"[^>]*>([^<]+)<', body)
        raise RuntimeError(f"the approval answered {status}: {errors or body[:300]}")
    return started, elapsed, urlsplit(headers["Location"]).path


def queued(url, revision_id):
    """(messages queued for the revision, distinct recipients, the notice's number, revision status)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count, distinct = conn.execute(sa.text(
            "SELECT COUNT(*), COUNT(DISTINCT recipient) FROM outbox_message WHERE object_type = 'notice_revision' "
            "AND object_id = :r AND channel = 'sms'"), {"r": revision_id}).one()
        number, status = conn.execute(sa.text(
            "SELECT n.number, r.status FROM notice_revision r JOIN notice n ON n.id = r.notice_id WHERE r.id = :r"),
            {"r": revision_id}).one()
    engine.dispose()
    return count, distinct, number, status


class Reader(threading.Thread):
    """Requests the board view back to back (a new connection each) until stopped; keeps when each
    request started and ended. Bounded by `limit` requests."""

    def __init__(self, port, cookies, limit=20_000):
        super().__init__(daemon=True)
        self.port, self.cookies, self.limit = port, cookies, limit
        self.stopping = threading.Event()
        self.spans, self.errors = [], []

    def run(self):
        client = Client(self.port, self.cookies)
        for _ in range(self.limit):
            if self.stopping.is_set():
                return
            began = time.perf_counter()
            status, _h, _body = client.request("GET", BOARD_PATH)
            self.spans.append((began, time.perf_counter()))
            if status != 200:
                self.errors.append(status)


def approvals(url, port, desk, manager_cookies, reader_cookies, rounds, *, pause=1.0, settle=3.0):
    """`rounds` final approvals, one at a time with a pause between, while a Reader requests the
    board view (from `settle` seconds before the first). Returns the approvals' summary, the board
    view's before the first approval, during one and between them, and the checks of each round."""
    prepared = [desk.checked_notice() for _ in range(rounds)]
    manager = Client(port, manager_cookies)
    reader = Reader(port, reader_cookies)
    reader.start()
    time.sleep(settle)
    posts, checks = [], []
    try:
        for notice_id, revision_id in prepared:
            began, ms, _target = approve(manager, notice_id, revision_id)
            posts.append((began, began + ms / 1000, ms))
            time.sleep(pause)
    finally:
        time.sleep(settle / 2)
        reader.stopping.set()
        reader.join(timeout=60)
    if reader.errors:
        raise RuntimeError(f"the board view answered {reader.errors[0]} during the approvals")
    for notice_id, revision_id in prepared:
        count, distinct, number, status = queued(url, revision_id)
        if count != gn.AUDIENCE or distinct != count or status != "approved" or not number:
            raise RuntimeError(f"notice {notice_id}: {count} messages ({distinct} recipients), {number}, {status}")
        checks.append((number, count))
    phases = {"before": [], "during": [], "between": []}
    first = posts[0][0]
    for began, ended in reader.spans:
        overlaps = any(began < p_end and ended > p_began for p_began, p_end, _ms in posts)
        phases["during" if overlaps else "before" if ended <= first else "between"].append((ended - began) * 1000)
    posted = summary([ms for _b, _e, ms in posts], len(posts) / sum(ms / 1000 for _b, _e, ms in posts))
    posted["max"] = max(ms for _b, _e, ms in posts)
    return posted, {k: summary(v) for k, v in phases.items() if v}, checks


def sender(url):
    """The outbox worker as deployed beside gunicorn (`frontdesk outbox work`), text messages
    recorded as sent by the default gateway; what it says goes to bench/out/notices-outbox-worker.log."""
    env = {**os.environ, "FRONTDESK_DATABASE_URL": url, "FRONTDESK_SECRET_KEY": "bench"}
    with open(OUT / "notices-outbox-worker.log", "ab") as log:
        return subprocess.Popen([str(ROOT / ".venv" / "bin" / "frontdesk"), "outbox", "work"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def outbox_counts(url, site_id):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.text("SELECT status, COUNT(*) FROM outbox_message WHERE site_id = :s "
                                           "GROUP BY status"), {"s": site_id}).all())
    engine.dispose()
    return counts


def clear_outbox(url, site_id):
    """Bench housekeeping: the messages earlier runs queued for the park go."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        gone = conn.execute(sa.text("DELETE FROM outbox_message WHERE site_id = :s"), {"s": site_id}).rowcount
    engine.dispose()
    return gone


# --- plans ---------------------------------------------------------------------------------------

def plans(url, data, desk, samples=20, runs=20):
    """In-process, through the Flask test client: every statement of the pages and of one final
    approval with its plan and its median time run alone, and the median ms of each request."""
    app = desk.app
    from frontdesk.extensions import db

    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    captured, lines, timings = [], [], {}

    def capture(conn, cursor, statement, parameters, context, executemany):
        context.bench_started = time.perf_counter()

    def captured_after(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters if not executemany else f"{len(parameters)} rows",
                         (time.perf_counter() - context.bench_started) * 1e6))

    def client_for(username):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"csrf_token": hidden(page, "csrf_token"), "username": username,
                                    "password": gn.PASSWORD})
        return client

    steward, manager = client_for(gn.STEWARD), client_for(gn.MANAGER)
    requests = [(f"GET {path} (steward)", lambda path=path: steward.get(path), samples)
                for path in [*log_paths(data).values(), BOARD_PATH]]
    notices = [desk.checked_notice() for _ in range(3)]
    csrf = hidden(manager.get(f"/notices/{notices[0][0]}").get_data(as_text=True), "csrf_token")

    def approval():
        notice_id, revision_id = notices.pop()
        return manager.post(f"/notices/{notice_id}/approve", data={"csrf_token": csrf, "revision_id": revision_id})

    requests.append(("POST /notices/<id>/approve (project manager, 5,000 text messages)", approval, 2))
    for name, call, n in requests:
        sa.event.listen(engine, "before_cursor_execute", capture)
        sa.event.listen(engine, "after_cursor_execute", captured_after)
        captured.clear()
        response = call()
        sa.event.remove(engine, "before_cursor_execute", capture)
        sa.event.remove(engine, "after_cursor_execute", captured_after)
        assert response.status_code in (200, 302), (name, response.status_code)
        statements = list(captured)
        times = []
        for _ in range(n):
            began = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code in (200, 302), (name, response.status_code)
        timings[name] = statistics.median(times)
        lines.append(f"## {name}: {response.status_code}, {len(statements)} statements, "
                     f"{timings[name]:.1f} ms in-process (median of {n})\n")
        for statement, parameters, took in statements:
            lines += explain(engine, postgres, statement, parameters, runs)[:-1]
            lines += [f"  in the request: {took:.0f} µs", ""]
    return "\n".join(lines) + "\n", timings


# --- the run -------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description="Frontdesk notice-board benchmarks")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'notices.db'}")
    parser.add_argument("--fresh", action="store_true", help="make the park again first (SQLite)")
    parser.add_argument("--requests", type=int, default=400, help="GETs of each page per load")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="final approvals, without and with the sender")
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run, when wrk is installed")
    args = parser.parse_args()
    url = args.database_url
    OUT.mkdir(exist_ok=True)
    if args.fresh:
        remove_sqlite(url)
    began = time.perf_counter()
    made = gn.generate(url)
    generated_in = time.perf_counter() - began
    print(f"park: {made} ({generated_in:.0f} s)", flush=True)
    data = fixtures(url)
    print(f"data: {data['figures']}", flush=True)
    cleared = clear_outbox(url, data["site_id"])
    backend = sa.engine.make_url(url).get_backend_name()
    desk = Desk(url)
    plan_text, in_process = plans(url, data, desk)
    (OUT / f"notices-plans-{backend}.txt").write_text(plan_text)
    print(f"in-process: {in_process}", flush=True)

    env = {"FRONTDESK_DATABASE_URL": url, "FRONTDESK_SECRET_KEY": "bench", "FRONTDESK_RATELIMIT_ENABLED": "false"}
    desk_server, desk_port = start(["frontdesk:create_app()"], env, "/healthz")
    bare_server, bare_port = start(["--chdir", str(ROOT / "bench"), "bare_app:app"], {"BENCH_DATABASE_URL": url},
                                   "/healthz")
    rows, checks, approval_rows = [], {}, []
    worker = None
    try:
        steward = login(desk_port, gn.STEWARD, gn.PASSWORD)
        manager = login(desk_port, gn.MANAGER, gn.PASSWORD)
        status, _h, page = steward.request("GET", BOARD_PATH)
        shown = checks["postings on the board view"] = len(set(POSTING_NUMBER.findall(page)))
        if status != 200 or shown != data["figures"]["up now"]:
            raise RuntimeError(f"the board view answered {status} with {shown} postings, "
                               f"not {data['figures']['up now']}")
        paths = log_paths(data)
        for name, path in paths.items():
            status, _h, page = steward.request("GET", path)
            numbers = sorted(set(POSTING_NUMBER.findall(page)))
            checks[name] = f"{len(numbers)} postings shown"
            if status != 200 or not numbers:
                raise RuntimeError(f"{name} answered {status} with {len(numbers)} postings")
        bare_paths = [f"/units/{data['site_id']}/{n}" for n in data["units"]]
        loads = [(f"{name} GET {path}", [path], steward.cookies) for name, path in paths.items()]
        loads += [(f"board view GET {BOARD_PATH}", [BOARD_PATH], steward.cookies),
                  ("bare Flask page, one indexed query", bare_paths, None)]
        for clients in (1, args.clients):
            label = f"{clients} client{'s' if clients > 1 else ''}, Python"
            for name, paths_, cookies in loads:
                port = bare_port if cookies is None else desk_port
                rows.append((name, label, load(port, paths_, total=args.requests, clients=clients, cookies=cookies,
                                               warmup=10)))
        # for information: the list of notices (20,000 of them), not a target of the issue
        rows.append((f"notices list GET {INDEX_PATH}, for information", "1 client, Python",
                     load(desk_port, [INDEX_PATH], total=max(args.requests // 8, 20), clients=1,
                          cookies=steward.cookies, warmup=3)))
        if WRK:
            label = f"{args.clients} connections, wrk"
            for name, paths_, cookies in loads:
                port = bare_port if cookies is None else desk_port
                rows.append((name, label, wrk_load(port, paths_, seconds=args.seconds, clients=args.clients,
                                                   cookies=cookies)))
        for with_sender in (False, True):
            before = outbox_counts(url, data["site_id"])
            if with_sender:
                worker = sender(url)
                time.sleep(1)
            posts, reads, round_checks = approvals(url, desk_port, desk, manager.cookies, steward.cookies,
                                                   args.rounds)
            if with_sender:
                stop(worker)
                worker = None
            after = outbox_counts(url, data["site_id"])
            approval_rows.append((with_sender, posts, reads, round_checks, before, after))
            print(f"approvals{' with the sender' if with_sender else ''}: {round_checks}", flush=True)
    finally:
        if worker is not None:
            stop(worker)
        stop(desk_server)
        stop(bare_server)

    checks["outbox messages of earlier runs deleted"] = cleared
    report = render(url, args, data, made, generated_in, checks, rows, approval_rows, in_process)
    (OUT / f"notices-results-{backend}.md").write_text(report)
    print(report)
    print(f"plans and statement times: {OUT / f'notices-plans-{backend}.txt'}")


def render(url, args, data, made, generated_in, checks, rows, approval_rows, in_process):
    backend = sa.engine.make_url(url).get_backend_name()
    lines = [f"Frontdesk notice-board benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {backend}, "
             f"gunicorn 2 sync workers --preload, {os.cpu_count()} cores, load average "
             f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end", "",
             "data: " + ", ".join(f"{k} {v:,}" for k, v in data["figures"].items()) + "; park "
             + ("present already" if "note" in made else f"generated in {generated_in:.0f} s"),
             "checks: " + ", ".join(f"{k}: {v}" for k, v in checks.items()),
             "", "| what | load | n | p50 ms | p95 ms | p99 ms | req/s |", "|---|---|---:|---:|---:|---:|---:|"]

    def row(name, load_, s):
        rate = "" if s["rps"] is None else f"{s['rps']:.0f}"
        lines.append(f"| {name} | {load_} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {rate} |")

    for name, load_, s in rows:
        row(name, load_, s)
    words = {"before": "before the first approval", "during": "during an approval POST",
             "between": "between and after the approvals"}
    for with_sender, posts, reads, _checks, _before, _after in approval_rows:
        tag = ", outbox worker sending" if with_sender else ""
        row("final approval POST (302), 5,000 text messages queued", f"1 project manager{tag}", posts)
        for phase, s in reads.items():
            row(f"board view, {words[phase]}", f"1 client beside it{tag}", s)
    lines += ["", "in-process (Flask test client): " + ", ".join(f"{k} {v:.1f} ms" for k, v in in_process.items())]
    for with_sender, _posts, _reads, round_checks, before, after in approval_rows:
        lines.append(f"- approvals{' with the outbox worker' if with_sender else ''}: "
                     + ", ".join(f"{n} {c:,} queued" for n, c in round_checks)
                     + f"; outbox of the park before {before}, after {after}")
    lines += ["", "targets (p95, judged on one client: four clients and two workers queue on two cores):"]
    for name, load_, s in rows:
        key = "postings" if name.startswith("posting log") else "board" if name.startswith("board view") else None
        if key and load_.startswith("1 client"):
            lines.append(f"- {name}, {load_}: {s['p95']:.1f} ms (target ≤ {TARGETS[key]} ms): "
                         f"{'met' if s['p95'] <= TARGETS[key] else 'MISSED'}")
    for with_sender, posts, reads, _c, _b, _a in approval_rows:
        tag = " (outbox worker sending)" if with_sender else ""
        lines.append(f"- queueing 5,000 text messages{tag}: slowest of {posts['n']} approvals {posts['max']:.0f} ms "
                     f"(target ≤ {TARGETS['queue']} ms): {'met' if posts['max'] <= TARGETS['queue'] else 'MISSED'}")
        if "during" in reads:
            lines.append(f"- board view beside the approvals{tag}: p95 {reads['during']['p95']:.1f} ms during one, "
                         + ", ".join(f"{reads[k]['p95']:.1f} ms {k}" for k in ("before", "between") if k in reads)
                         + f" (target ≤ {TARGETS['board']} ms): "
                         f"{'met' if reads['during']['p95'] <= TARGETS['board'] else 'MISSED'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
