"""Work orders at two years of history (100,000 orders), against the stack as deployed (gunicorn,
2 sync workers, --preload), with a bare Flask page measured in the same run:

1. logging an order through the real form: POST /workorders/log → 302 (the desk page GET
   /workorders/ first, once per clerk and untimed, for the CSRF token), then the order page it
   redirects to; one clerk, then 4 clerks at once;
2. the overdue list, GET /workorders/overdue, as a clerk (the 60 overdue of the 300 open orders);
3. a technician's own list, GET /workorders/mine, as the technician with the most open orders;
4. the monthly report, GET /reports/workorders?month=YYYY-MM (last month), as the supervisor, and
   for information the last 12 months at once (month=…&to=…);
5. the bare Flask page of bench/run.py (one indexed query on the same database, same settings);
   2–5 by Python threads, one client and 4 at once (and by wrk, 4 connections, when installed);
6. the plan and the time of every statement of the four requests, in-process (EXPLAIN QUERY PLAN on
   SQLite, EXPLAIN ANALYZE on PostgreSQL), written to bench/out/workorders-plans-<backend>.txt.

    .venv/bin/python bench/bench_workorders.py [--fresh] [--requests 400] [--report-requests 100]
        [--orders 300] [--clients 4] [--seconds 10] [--database-url postgresql+psycopg://...]

The site is made by bench/generate_workorders.py (bench/out/workorders.db the first time; --fresh
makes it again) and its open work set up by refresh_today before the measurements (300 open, 60
overdue). Results are printed and written to bench/out/workorders-results-<sqlite|postgresql>.md.
Only 127.0.0.1 is contacted; every loop is bounded by a count and every wrk run by its seconds."""
import argparse
import os
import random
import re
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench import generate_workorders as gw  # noqa: E402
from bench.bench_visitors import explain  # noqa: E402
from bench.run import WRK, hidden, load, login, start, stop, summary, wrk_load  # noqa: E402

TARGETS = {"log": 100, "overdue": 30, "mine": 30, "report": 1000}  # p95 ms


# --- what the run needs from the database ------------------------------------------------------

def fixtures(url):
    """The homes and their occupants (callers), the buildings, the technician with the most open
    orders, the report's month, unit numbers for the bare page and a few counts."""
    from frontdesk.core import clock

    engine = sa.create_engine(url)
    today = clock.business_day()
    first = today.replace(day=1) - timedelta(days=1)
    with engine.connect() as conn:
        site_id = conn.execute(sa.text("SELECT id FROM site WHERE code = :c"), {"c": gw.SITE_CODE}).scalar_one()
        homes = conn.execute(sa.text(
            "SELECT u.number, c.id, c.name, c.phone FROM unit u JOIN occupancy o ON o.unit_id = u.id "
            "JOIN customer c ON c.id = o.customer_id WHERE u.site_id = :s ORDER BY u.id"), {"s": site_id}).all()
        buildings = conn.execute(sa.text("SELECT id FROM building WHERE site_id = :s ORDER BY id"),
                                 {"s": site_id}).scalars().all()
        technician = conn.execute(sa.text(
            "SELECT u.username, COUNT(*) AS n FROM work_order w JOIN \"user\" u ON u.id = w.assignee_id "
            "WHERE w.site_id = :s AND w.status IN ('new', 'dispatched', 'in_progress', 'on_hold') "
            "GROUP BY u.username ORDER BY n DESC, u.username LIMIT 1"), {"s": site_id}).one()
        figures = {
            "orders": conn.execute(sa.text("SELECT COUNT(*) FROM work_order WHERE site_id = :s"),
                                   {"s": site_id}).scalar(),
            "open": conn.execute(sa.text("SELECT COUNT(*) FROM work_order WHERE site_id = :s AND status IN "
                                         "('new', 'dispatched', 'in_progress', 'on_hold')"), {"s": site_id}).scalar(),
            "events": conn.execute(sa.text("SELECT COUNT(*) FROM work_order_event")).scalar(),
        }
    engine.dispose()
    months = [f"{first.year:04d}-{first.month:02d}"]
    year_ago = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    return {"site_id": site_id, "homes": homes, "buildings": buildings, "technician": technician[0],
            "technician_open": technician[1], "month": months[0],
            "twelve": (f"{year_ago.year:04d}-{year_ago.month:02d}", f"{today.year:04d}-{today.month:02d}"),
            "units": [h[0] for h in homes], "figures": figures}


# --- logging -------------------------------------------------------------------------------------

class Calls:
    """The calls to log, handed out to the clerks' threads in turn: repairs mostly, some
    complaints, enquiries (half answered on the call) and suggestions; a sixth about a common area."""

    def __init__(self, data, seed):
        self.rng = random.Random(seed)
        self.data = data
        self.lock = threading.Lock()

    def next_call(self, csrf):
        with self.lock:
            rng = self.rng
            number, customer_id, name, phone = rng.choice(self.data["homes"])
            kind = rng.choices(("repair", "complaint", "enquiry", "suggestion"), (60, 20, 15, 5))[0]
            category = rng.choice(list(gw.CATEGORY_WEIGHTS[kind]))
            form = {"csrf_token": csrf, "kind": kind, "channel": rng.choice(("phone", "phone", "walk_in")),
                    "caller": "", "customer_id": str(customer_id), "reporter_name": name, "reporter_phone": phone,
                    "place": number, "building_id": "0", "place_note": "", "category": category,
                    "complexity": "ordinary", "description": rng.choice(gw.SAYS[category]), "answer": "",
                    "link_to": ""}
            if kind in ("repair", "complaint") and rng.random() < 0.16:
                form.update(place="", building_id=str(rng.choice(self.data["buildings"])),
                            place_note=rng.choice(gw.COMMON_AREAS))
            if kind == "repair" and rng.random() < 0.1:
                form["emergency"] = "y"
            if kind == "enquiry" and rng.random() < 0.5:
                form.update(answered="y", answer="物业费可在前台或线上缴纳，每月15日前。")
            return form


def log_order(client, form):
    """POST the form, then open the order page it redirects to. The ms of the POST and of both."""
    started = time.perf_counter()
    status, headers, body = client.request("POST", "/workorders/log", form)
    posted = time.perf_counter()
    if status != 302:
        errors = re.findall(r'class="error"[^>]*>([^<]+)<', body)
        raise RuntimeError(f"logging a {form['kind']} answered {status}: {errors or body[:300]}")
    status, _h, page = client.request("GET", urlsplit(headers["Location"]).path)
    done = time.perf_counter()
    if status != 200 or "GD" not in page:
        raise RuntimeError(f"the order page answered {status}")
    return (posted - started) * 1000, (done - started) * 1000


def logging(port, calls, count, clients):
    post_ms, both_ms, lock, failures = [], [], threading.Lock(), []
    remaining = iter(range(count))
    clerks = [gw.CLERKS[i % len(gw.CLERKS)] for i in range(clients)]

    def clerk(username):
        try:
            client = login(port, username, gw.PASSWORD)
            _s, _h, page = client.request("GET", "/workorders/")
            csrf = hidden(page, "csrf_token")
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                a, b = log_order(client, calls.next_call(csrf))
                with lock:
                    post_ms.append(a)
                    both_ms.append(b)
        except Exception as e:  # noqa: BLE001 - reported after the threads are joined
            failures.append(e)

    threads = [threading.Thread(target=clerk, args=(u,)) for u in clerks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return summary(post_ms, len(post_ms) / wall), summary(both_ms, len(both_ms) / wall)


# --- plans ---------------------------------------------------------------------------------------

def plans(url, data, samples=20, runs=20):
    """In-process, through the Flask test client: every statement of the four requests with its
    plan and its median time run alone, and the median ms of each request."""
    from frontdesk import create_app
    from frontdesk.extensions import db

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    captured, lines, timings = [], [], {}

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    def client_for(username):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"csrf_token": hidden(page, "csrf_token"), "username": username,
                                    "password": gw.PASSWORD})
        return client

    clerk, technician, supervisor = client_for(gw.CLERK), client_for(data["technician"]), client_for(gw.SUPERVISOR)
    csrf = hidden(clerk.get("/workorders/").get_data(as_text=True), "csrf_token")
    calls = Calls(data, 99)
    month = data["month"]
    requests = [
        ("GET /workorders/overdue (clerk)", lambda: clerk.get("/workorders/overdue")),
        (f"GET /workorders/mine ({data['technician']}, {data['technician_open']} open)",
         lambda: technician.get("/workorders/mine")),
        (f"GET /reports/workorders?month={month} (supervisor)",
         lambda: supervisor.get(f"/reports/workorders?month={month}")),
        ("POST /workorders/log (clerk)", lambda: clerk.post("/workorders/log", data=calls.next_call(csrf))),
    ]
    for name, call in requests:
        sa.event.listen(engine, "before_cursor_execute", capture)
        captured.clear()
        response = call()
        sa.event.remove(engine, "before_cursor_execute", capture)
        assert response.status_code in (200, 302), (name, response.status_code)
        statements = list(captured)
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code in (200, 302), (name, response.status_code)
        timings[name] = statistics.median(times)
        lines.append(f"## {name}: {response.status_code}, {len(statements)} statements, "
                     f"{timings[name]:.1f} ms in-process (median of {samples})\n")
        for statement, parameters in statements:
            lines += explain(engine, postgres, statement, parameters, runs)
    return "\n".join(lines) + "\n", timings


# --- the run -------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description="Frontdesk work-order benchmarks")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'workorders.db'}")
    parser.add_argument("--fresh", action="store_true", help="make the site again first (SQLite)")
    parser.add_argument("--requests", type=int, default=400, help="GETs of each list per load")
    parser.add_argument("--report-requests", type=int, default=100, help="GETs of the monthly report per load")
    parser.add_argument("--orders", type=int, default=300, help="orders logged by one clerk, then by 4")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run, when wrk is installed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = args.database_url
    OUT.mkdir(exist_ok=True)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    began = time.perf_counter()
    made = gw.generate(url)
    generated_in = time.perf_counter() - began
    print(f"site: {made} ({generated_in:.0f} s)", flush=True)
    print(f"today: {gw.refresh_today(url, args.seed)}", flush=True)
    data = fixtures(url)
    backend = sa.engine.make_url(url).get_backend_name()
    plan_text, in_process = plans(url, data)
    (OUT / f"workorders-plans-{backend}.txt").write_text(plan_text)
    # plans() logged orders: the open work is set up again, then measured as it stands
    today = gw.refresh_today(url, args.seed)
    print(f"today again: {today}", flush=True)
    data = fixtures(url)
    print(f"data: {data['figures']}, technician {data['technician']} with {data['technician_open']} open",
          flush=True)

    env = {"FRONTDESK_DATABASE_URL": url, "FRONTDESK_SECRET_KEY": "bench", "FRONTDESK_RATELIMIT_ENABLED": "false"}
    desk_server, desk_port = start(["frontdesk:create_app()"], env, "/healthz")
    bare_server, bare_port = start(["--chdir", str(ROOT / "bench"), "bare_app:app"], {"BENCH_DATABASE_URL": url},
                                   "/healthz")
    rows, checks = [], {}
    try:
        clerk = login(desk_port, gw.CLERK, gw.PASSWORD)
        technician = login(desk_port, data["technician"], gw.PASSWORD)
        supervisor = login(desk_port, gw.SUPERVISOR, gw.PASSWORD)
        status, _h, page = clerk.request("GET", "/workorders/overdue")
        checks["overdue rows"] = page.count('<tr class="overdue')
        if status != 200 or checks["overdue rows"] != gw.OVERDUE:
            raise RuntimeError(f"the overdue list answered {status} with {checks['overdue rows']} rows")
        status, _h, page = technician.request("GET", "/workorders/mine")
        jobs = checks["technician's jobs"] = page.count('class="card job')
        if status != 200 or jobs != data["technician_open"]:
            raise RuntimeError(f"the technician's list answered {status} with {jobs} jobs")
        month_path = f"/reports/workorders?month={data['month']}"
        twelve_path = f"/reports/workorders?month={data['twelve'][0]}&to={data['twelve'][1]}"
        status, _h, page = supervisor.request("GET", month_path)
        if status != 200:
            raise RuntimeError(f"the report answered {status}")
        bare_paths = [f"/units/{data['site_id']}/{n}" for n in data["units"][:50]]
        loads = [("overdue list GET /workorders/overdue", ["/workorders/overdue"], clerk.cookies, args.requests),
                 ("technician's list GET /workorders/mine", ["/workorders/mine"], technician.cookies, args.requests),
                 (f"monthly report GET /reports/workorders?month={data['month']}", [month_path], supervisor.cookies,
                  args.report_requests),
                 ("bare Flask page, one indexed query", bare_paths, None, args.requests)]
        for clients in (1, args.clients):
            label = f"{clients} client{'s' if clients > 1 else ''}, Python"
            for name, paths, cookies, total in loads:
                port = bare_port if cookies is None else desk_port
                rows.append((name, label, load(port, paths, total=total, clients=clients, cookies=cookies,
                                               warmup=10)))
        rows.append((f"report, 12 months GET …?month={data['twelve'][0]}&to={data['twelve'][1]}", "1 client, Python",
                     load(desk_port, [twelve_path], total=max(args.report_requests // 3, 10), clients=1,
                          cookies=supervisor.cookies, warmup=3)))
        if WRK:
            label = f"{args.clients} connections, wrk"
            for name, paths, cookies, _total in loads:
                port = bare_port if cookies is None else desk_port
                rows.append((name, label, wrk_load(port, paths, seconds=args.seconds, clients=args.clients,
                                                   cookies=cookies)))
        calls = Calls(data, args.seed)
        post1, both1 = logging(desk_port, calls, args.orders, 1)
        rows.append(("log POST (302)", "1 clerk", post1))
        rows.append(("log POST + order page", "1 clerk", both1))
        post4, both4 = logging(desk_port, calls, args.orders, args.clients)
        rows.append(("log POST (302)", f"{args.clients} clerks", post4))
        rows.append(("log POST + order page", f"{args.clients} clerks", both4))
    finally:
        stop(desk_server)
        stop(bare_server)

    checks.update(gapless(url, data, 2 * args.orders))
    report = render(url, args, data, made, generated_in, today, checks, rows, in_process)
    (OUT / f"workorders-results-{backend}.md").write_text(report)
    print(report)
    print(f"plans and statement times: {OUT / f'workorders-plans-{backend}.txt'}")


def gapless(url, data, logged):
    """Every order of the run was logged, and this year's numbers run 1…counter without a gap."""
    from frontdesk.core import clock

    year = clock.business_day().year
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        s = data["site_id"]
        count = conn.execute(sa.text("SELECT COUNT(*) FROM work_order WHERE site_id = :s"), {"s": s}).scalar()
        numbers = conn.execute(sa.text("SELECT COUNT(*), COUNT(DISTINCT number), MAX(number) FROM work_order "
                                       "WHERE site_id = :s AND number LIKE :p"), {"s": s, "p": f"GD{year}-%"}).one()
        counter = conn.execute(sa.text("SELECT value FROM counter WHERE kind = 'work_order' AND scope = :c "
                                       "AND year = :y"), {"c": gw.SITE_CODE, "y": year}).scalar()
    engine.dispose()
    if count - data["figures"]["orders"] != logged:
        raise RuntimeError(f"{count - data['figures']['orders']} orders were logged, not {logged}")
    if not (numbers[0] == numbers[1] == counter == int(numbers[2].split("-")[1])):
        raise RuntimeError(f"numbers of {year}: {numbers[0]} orders, {numbers[1]} distinct, last {numbers[2]}, "
                           f"counter {counter}")
    return {"orders logged": logged, f"numbers of {year}": f"{numbers[0]:,}, gapless up to {numbers[2]}"}


def render(url, args, data, made, generated_in, today, checks, rows, in_process):
    backend = sa.engine.make_url(url).get_backend_name()
    lines = [f"Frontdesk work-order benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {backend}, "
             f"gunicorn 2 sync workers --preload, {os.cpu_count()} cores, load average "
             f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end", "",
             f"data: {data['figures']['orders']:,} orders, {data['figures']['events']:,} timeline events, "
             f"{today['open']} open, {today['overdue']} overdue, technicians holding {today['per_technician']}; "
             "site " + ("present already" if "note" in made else f"generated in {generated_in:.0f} s"),
             "checks: " + ", ".join(f"{k} {v}" for k, v in checks.items()),
             "", "| what | load | n | p50 ms | p95 ms | p99 ms | req/s |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, load_, s in rows:
        lines.append(f"| {name} | {load_} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
                     f"{s['rps']:.0f} |")
    lines += ["", "in-process (Flask test client, median of 20): "
              + ", ".join(f"{k} {v:.1f} ms" for k, v in in_process.items()), "", "targets (p95):"]
    for name, load_, s in rows:
        key = ("log" if name.startswith("log POST (302)") else "overdue" if name.startswith("overdue")
               else "mine" if name.startswith("technician") else "report" if name.startswith("monthly") else None)
        if key:
            lines.append(f"- {name}, {load_}: {s['p95']:.1f} ms (target ≤ {TARGETS[key]} ms): "
                         f"{'met' if s['p95'] <= TARGETS[key] else 'MISSED'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
