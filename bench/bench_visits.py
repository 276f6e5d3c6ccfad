"""Customer visits at three years of history (1,000 companies, 8 account managers, 50,000 past
visits, 10,000 surveys) against the stack as deployed (gunicorn, 2 sync workers, --preload), with a
bare Flask page measured in the same run:

1. a manager's lists, GET /visits/ (this week's visits, plans left unrecorded, overdue follow-ups
   and commitments, companies not visited in 90 days), as the account manager with the largest
   portfolio;
2. that manager's portfolio, GET /visits/companies;
3. the company page of the company with the most visits, GET /visits/companies/<id>, as its
   manager (units, open work orders, the account, the last visits, open commitments);
4. the per-manager figures of this month, GET /visits/managers, as the supervisor;
5. the survey report, GET /visits/surveys (the last 12 months, the page's default), as the supervisor;
6. the bare Flask page of bench/run.py (one indexed query on the same database, same settings);
   1–6 by Python threads, one client and 4 at once (and by wrk, 4 connections, when installed);
   for information, the supervisor's lists (every manager's), the whole park's companies and the
   manager's home page (with its card of the week);
7. every statement of the pages with its plan and its time alone, in-process (EXPLAIN QUERY PLAN
   on SQLite, EXPLAIN ANALYZE on PostgreSQL), written to bench/out/visits-plans-<backend>.txt,
   and the median time of each page in-process;
8. for information, the visit register XLSX of the last 365 days in-process, beside a bare openpyxl
   workbook of as many rows.

    .venv/bin/python bench/bench_visits.py [--fresh] [--requests 400] [--clients 4] [--seconds 10]
        [--database-url postgresql+psycopg://...]

The park is made by bench/generate_visits.py (bench/out/visits.db the first time; --fresh makes it
again). The pages only read, so runs leave the data as they found it. Results are printed and
written to bench/out/visits-results-<sqlite|postgresql>.md. Only 127.0.0.1 is contacted; every loop
is bounded by a count and every wrk run by its seconds."""
import argparse
import os
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench import generate_visits as gv  # noqa: E402
from bench.bench_visitors import explain  # noqa: E402
from bench.loading import remove_sqlite  # noqa: E402
from bench.run import WRK, hidden, load, login, start, stop, wrk_load  # noqa: E402

TARGETS = {"lists": 30, "companies": 30, "company": 30, "managers": 30, "surveys": 1000}  # p95 ms
VISIT_NUMBER = re.compile(r"BF\d{4}-\d{5}")
SURVEY_COUNT = re.compile(r'id="survey-count">\s*([\d,]+)\s*<')


# --- what the run needs from the database ------------------------------------------------------

def fixtures(url):
    """The site, the manager with the largest portfolio, the company with the most visits and its
    manager, unit numbers for the bare page, and a few counts."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        site_id = conn.execute(sa.text("SELECT id FROM site WHERE code = :c"), {"c": gv.SITE_CODE}).scalar_one()
        one = {"s": site_id}
        manager = conn.execute(sa.text(
            "SELECT u.username, u.full_name, COUNT(*) AS n FROM portfolio p JOIN \"user\" u ON u.id = p.manager_id "
            "WHERE p.site_id = :s GROUP BY u.username, u.full_name ORDER BY n DESC, u.username LIMIT 1"), one).one()
        company = conn.execute(sa.text(
            "SELECT c.id, c.name, COUNT(*) AS n, u.username FROM customer_visit v "
            "JOIN customer c ON c.id = v.customer_id JOIN portfolio p ON p.customer_id = c.id "
            "JOIN \"user\" u ON u.id = p.manager_id WHERE v.site_id = :s "
            "GROUP BY c.id, c.name, u.username ORDER BY n DESC, c.id LIMIT 1"), one).one()
        figures = {
            "companies": conn.execute(sa.text("SELECT COUNT(*) FROM customer WHERE site_id = :s AND kind = 'company'"),
                                      one).scalar(),
            "visits": conn.execute(sa.text("SELECT COUNT(*) FROM customer_visit WHERE site_id = :s"), one).scalar(),
            "recorded": conn.execute(sa.text("SELECT COUNT(*) FROM customer_visit WHERE site_id = :s "
                                             "AND status = 'recorded'"), one).scalar(),
            "items": conn.execute(sa.text("SELECT COUNT(*) FROM visit_item i "
                                          "JOIN customer_visit v ON v.id = i.visit_id WHERE v.site_id = :s"),
                                  one).scalar(),
            "commitments": conn.execute(sa.text("SELECT COUNT(*) FROM commitment WHERE site_id = :s"), one).scalar(),
            "surveys": conn.execute(sa.text("SELECT COUNT(*) FROM survey_response WHERE site_id = :s"), one).scalar(),
            "work orders": conn.execute(sa.text("SELECT COUNT(*) FROM work_order WHERE site_id = :s"), one).scalar(),
            f"portfolio of {manager.username}": manager.n,
            f"visits of the busiest company ({company.username}'s)": company.n,
        }
        units = conn.execute(sa.text("SELECT number FROM unit WHERE site_id = :s ORDER BY id LIMIT 50"),
                             one).scalars().all()
        managers = conn.execute(sa.text("SELECT full_name FROM \"user\" WHERE username LIKE :p ORDER BY username"),
                                {"p": f"{gv.MANAGER}%"}).scalars().all()
    engine.dispose()
    return {"site_id": site_id, "manager": manager.username, "company_id": company.id, "company_name": company.name,
            "company_visits": company.n, "company_manager": company.username, "units": units, "managers": managers,
            "figures": figures}


def pages(data):
    """(name, who, path, target key, what the page must show)."""
    def numbers(page):
        return len(set(VISIT_NUMBER.findall(page)))

    def surveys(page):
        match = SURVEY_COUNT.search(page)
        return int(match.group(1).replace(",", "")) if match else 0

    def names(page):
        return sum(1 for name in data["managers"] if name in page)

    return [
        ("manager's lists GET /visits/", data["manager"], "/visits/", "lists", ("visit numbers", numbers)),
        ("manager's portfolio GET /visits/companies", data["manager"], "/visits/companies", "companies",
         ("company links", lambda page: page.count('href="/visits/companies/'))),
        (f"company page GET /visits/companies/<id> ({data['company_visits']} visits)", data["company_manager"],
         f"/visits/companies/{data['company_id']}", "company", ("visit numbers", numbers)),
        ("per-manager figures GET /visits/managers", gv.SUPERVISOR, "/visits/managers", "managers",
         ("managers", names)),
        ("survey report GET /visits/surveys (12 months)", gv.SUPERVISOR, "/visits/surveys", "surveys",
         ("surveys", surveys)),
        ("supervisor's lists GET /visits/, for information", gv.SUPERVISOR, "/visits/", None,
         ("visit numbers", numbers)),
        ("all companies GET /visits/companies, for information", gv.SUPERVISOR, "/visits/companies", None,
         ("company links", lambda page: page.count('href="/visits/companies/'))),
        ("manager's home page GET /, for information", data["manager"], "/", None,
         ("links to visit pages", lambda page: page.count('href="/visits/'))),
    ]


# --- plans ---------------------------------------------------------------------------------------

def plans(url, data, samples=20, runs=20):
    """In-process, through the Flask test client: every statement of each page with its plan and
    its median time alone, and the median ms of each page."""
    from frontdesk import create_app
    from frontdesk.extensions import db

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    captured, lines, timings, clients = [], [], {}, {}

    def before(conn, cursor, statement, parameters, context, executemany):
        context.bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters, (time.perf_counter() - context.bench_started) * 1e6))

    def client_for(username):
        if username not in clients:
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            client.post("/login", data={"csrf_token": hidden(page, "csrf_token"), "username": username,
                                        "password": gv.PASSWORD})
            clients[username] = client
        return clients[username]

    for name, who, path, _key, _check in pages(data):
        client = client_for(who)
        client.get(path)  # warm: templates compiled, statements cached
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        captured.clear()
        response = client.get(path)
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        assert response.status_code == 200, (name, response.status_code)
        statements = list(captured)
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
        timings[name] = statistics.median(times)
        lines.append(f"## {name} as {who}: {len(statements)} statements, {len(response.data):,} bytes, "
                     f"{timings[name]:.1f} ms in-process (median of {samples})\n")
        for statement, parameters, took in statements:
            lines += explain(engine, postgres, statement, parameters, runs)[:-1]
            lines += [f"  in the request: {took:.0f} µs", ""]
    with app.app_context():
        db.engine.dispose()
    return "\n".join(lines) + "\n", timings


def register_export(url, samples=5):
    """In-process: the visit register XLSX of the last 365 days as the supervisor (median of
    `samples`), beside the raw baseline of a bare openpyxl write-only workbook of as many rows of
    eleven short texts, made in the same run."""
    import io

    from openpyxl import Workbook

    from frontdesk import create_app

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT MAX(visit_on) FROM customer_visit WHERE status = 'recorded'")).scalar()
    engine.dispose()
    last = last if not isinstance(last, str) else datetime.fromisoformat(last).date()
    first = last.fromordinal(last.toordinal() - 364)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": hidden(page, "csrf_token"), "username": gv.SUPERVISOR,
                                "password": gv.PASSWORD})
    path = f"/visits/register.xlsx?from={first.isoformat()}&to={last.isoformat()}"
    times, size = [], 0
    for _ in range(samples):
        began = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    with app.app_context():
        from frontdesk.extensions import db

        rows = db.session.scalar(sa.text("SELECT COUNT(*) FROM customer_visit WHERE status = 'recorded' "
                                         "AND visit_on BETWEEN :a AND :b"), {"a": first, "b": last})
        db.engine.dispose()
    bare = []
    for _ in range(samples):
        began = time.perf_counter()
        book = Workbook(write_only=True)
        ws = book.create_sheet("bare")
        for n in range(rows):
            ws.append([f"BF2025-{n:05d}", "2025-06-01", "某某科技有限公司", "陈思远", "上门拜访", "例行关怀", "李总",
                       "例行拜访，了解经营情况", "意见：空调噪音大", "", "2025-07-01"])
        book.save(io.BytesIO())
        bare.append(time.perf_counter() - began)
    return (f"register XLSX {first} – {last} ({rows:,} visits, {size:,} bytes): "
            f"{statistics.median(times):.2f} s in-process (median of {samples}); bare openpyxl workbook of as many "
            f"rows × 11 texts: {statistics.median(bare):.2f} s")


# --- the run -------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description="Frontdesk customer-visit benchmarks")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'visits.db'}")
    parser.add_argument("--fresh", action="store_true", help="make the park again first (SQLite)")
    parser.add_argument("--requests", type=int, default=400, help="GETs of each page per load")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run, when wrk is installed")
    args = parser.parse_args()
    url = args.database_url
    OUT.mkdir(exist_ok=True)
    if args.fresh:
        remove_sqlite(url)
    began = time.perf_counter()
    made = gv.generate(url)
    generated_in = time.perf_counter() - began
    print(f"park: {made} ({generated_in:.0f} s)", flush=True)
    data = fixtures(url)
    print(f"data: {data['figures']}", flush=True)
    backend = sa.engine.make_url(url).get_backend_name()
    plan_text, in_process = plans(url, data)
    (OUT / f"visits-plans-{backend}.txt").write_text(plan_text)
    print(f"in-process: {in_process}", flush=True)
    export = register_export(url)
    print(export, flush=True)

    env = {"FRONTDESK_DATABASE_URL": url, "FRONTDESK_SECRET_KEY": "bench", "FRONTDESK_RATELIMIT_ENABLED": "false"}
    desk_server, desk_port = start(["frontdesk:create_app()"], env, "/healthz")
    bare_server, bare_port = start(["--chdir", str(ROOT / "bench"), "bare_app:app"], {"BENCH_DATABASE_URL": url},
                                   "/healthz")
    rows, checks = [], {}
    try:
        sessions = {}
        loads = []
        for name, who, path, key, (what, count) in pages(data):
            if who not in sessions:
                sessions[who] = login(desk_port, who, gv.PASSWORD)
            status, _h, page = sessions[who].request("GET", path)
            shown = count(page)
            checks[name.split(" GET")[0]] = f"{shown:,} {what}"
            if status != 200 or not shown:
                raise RuntimeError(f"{name} answered {status} showing {shown} {what}")
            loads.append((name, [path], sessions[who].cookies, key))
        bare_paths = [f"/units/{data['site_id']}/{n}" for n in data["units"]]
        loads.append(("bare Flask page, one indexed query", bare_paths, None, None))
        for clients in (1, args.clients):
            label = f"{clients} client{'s' if clients > 1 else ''}, Python"
            for name, paths, cookies, key in loads:
                if key is None and cookies is not None and clients > 1:
                    continue  # the pages for information: one client
                port = bare_port if cookies is None else desk_port
                total = args.requests if key != "surveys" else max(args.requests // 4, 40)
                rows.append((name, label, key, load(port, paths, total=total, clients=clients, cookies=cookies,
                                                     warmup=10)))
        if WRK:
            label = f"{args.clients} connections, wrk"
            for name, paths, cookies, key in loads:
                port = bare_port if cookies is None else desk_port
                rows.append((name, label, key, wrk_load(port, paths, seconds=args.seconds, clients=args.clients,
                                                        cookies=cookies)))
    finally:
        stop(desk_server)
        stop(bare_server)

    report = render(url, data, made, generated_in, checks, rows, in_process, export)
    (OUT / f"visits-results-{backend}.md").write_text(report)
    print(report)
    print(f"plans and statement times: {OUT / f'visits-plans-{backend}.txt'}")


def render(url, data, made, generated_in, checks, rows, in_process, export):
    backend = sa.engine.make_url(url).get_backend_name()
    lines = [f"Frontdesk customer-visit benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {backend}, "
             f"gunicorn 2 sync workers --preload, {os.cpu_count()} cores, load average "
             f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end", "",
             "data: " + ", ".join(f"{k} {v:,}" for k, v in data["figures"].items()) + "; park "
             + ("present already" if "note" in made else f"generated in {generated_in:.0f} s"),
             "checks: " + ", ".join(f"{k}: {v}" for k, v in checks.items()),
             "", "| what | load | n | p50 ms | p95 ms | p99 ms | req/s |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, load_, _key, s in rows:
        rate = "" if s["rps"] is None else f"{s['rps']:.0f}"
        lines.append(f"| {name} | {load_} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {rate} |")
    lines += ["", "in-process (Flask test client, median): "
              + ", ".join(f"{k} {v:.1f} ms" for k, v in in_process.items()), "", export]
    lines += ["", "targets (p95, judged on one client: four clients and two workers queue on two cores):"]
    for name, load_, key, s in rows:
        if key and load_.startswith("1 client"):
            lines.append(f"- {name}: {s['p95']:.1f} ms (target ≤ {TARGETS[key]} ms): "
                         f"{'met' if s['p95'] <= TARGETS[key] else 'MISSED'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
