"""The visitor desk at two years of history (200,000 visits), against the stack as deployed
(gunicorn, 2 sync workers, --preload), with a bare Flask page measured in the same run:

1. the desk page, GET /visitors/ (register form, expected today, the ~40 people on site now), and
   the on-site list on its own, GET /visitors/on-site (the same 40 rows, the page security prints);
2. a returning visitor found by phone, GET /visitors/returning?phone=... (the JSON that fills the form);
3. the bare Flask page of bench/run.py (one indexed query on the same database, same settings);
   1–3 by Python threads, one client and 4 at once, and by wrk (4 connections) when installed;
4. registering a visitor through the real form: POST /visitors/register → 302, then the visit page
   it redirects to; one clerk, then 4 clerks at once; three in four are returning visitors (their
   form filled from /visitors/returning first, not timed), the others come for the first time;
   without a pass, then (one clerk) with the first free pass, as the desk preselects it;
5. the plan and the time of every statement the three requests run, in-process (EXPLAIN QUERY
   PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL), written to bench/out/visitors-plans-<backend>.txt.

    .venv/bin/python bench/bench_visitors.py [--fresh] [--requests 400] [--registrations 300]
        [--with-pass 80] [--clients 4] [--seconds 10] [--database-url postgresql+psycopg://...]

The site is made by bench/generate_visitors.py (bench/out/visitors.db the first time; --fresh makes
it again) and set up as a working morning before each run (40 on site, 6 expected). Results are
printed and written to bench/out/visitors-results-<sqlite|postgresql>.md. Only 127.0.0.1 is contacted; every loop is
bounded by a count and every wrk run by its seconds."""
import argparse
import contextlib
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench import generate_visitors as gv  # noqa: E402
from bench.run import WRK, hidden, load, login, start, stop, summary, wrk_load  # noqa: E402

TARGETS = {"register": 100, "desk": 30, "on-site": 30, "returning": 30}  # p95 ms


# --- what the run needs from the database ------------------------------------------------------

def fixtures(url, seed):
    """Phones of returning visitors (drawn from the last 60 days' visits, so regulars come up as
    often as they come), the hosts a new visitor may ask for, free passes and unit numbers."""
    rng = random.Random(seed)
    engine = sa.create_engine(url)
    since = datetime.now(timezone.utc) - timedelta(days=60)
    if engine.dialect.name == "sqlite":
        since = since.replace(tzinfo=None).isoformat(" ", "microseconds")
    with engine.connect() as conn:
        site_id = conn.execute(sa.text("SELECT id FROM site WHERE code = :c"), {"c": gv.SITE_CODE}).scalar_one()
        phones = conn.execute(sa.text(
            "SELECT phone FROM visit WHERE site_id = :s AND status = 'signed_out' AND arrived_at >= :since "
            "ORDER BY random() LIMIT 1000"), {"s": site_id, "since": since}).scalars().all()
        hosts = conn.execute(sa.text(
            "SELECT c.id, c.name, k.name FROM contact c JOIN customer k ON k.id = c.customer_id "
            "WHERE k.site_id = :s AND k.id IN (SELECT customer_id FROM occupancy WHERE end_on IS NULL) ORDER BY c.id"),
            {"s": site_id}).all()
        passes = conn.execute(sa.text(
            "SELECT id FROM visitor_pass WHERE site_id = :s AND active AND out_visit_id IS NULL "
            "ORDER BY length(number), number"), {"s": site_id}).scalars().all()
        units = conn.execute(sa.text("SELECT number FROM unit WHERE site_id = :s ORDER BY id"),
                             {"s": site_id}).scalars().all()
        known = set(conn.execute(sa.text("SELECT phone FROM visitor WHERE site_id = :s AND phone LIKE '19%'"),
                                 {"s": site_id}).scalars())
        figures = {
            "visits": conn.execute(sa.text("SELECT COUNT(*) FROM visit WHERE site_id = :s"), {"s": site_id}).scalar(),
            "visitors": conn.execute(sa.text("SELECT COUNT(*) FROM visitor WHERE site_id = :s"),
                                     {"s": site_id}).scalar(),
            "on_site": conn.execute(sa.text("SELECT COUNT(*) FROM visit WHERE site_id = :s AND status = 'on_site'"),
                                    {"s": site_id}).scalar(),
        }
    engine.dispose()
    fresh = set()
    while len(fresh) < 5000:
        phone = "19" + f"{rng.randrange(10 ** 9):09d}"
        if phone not in known:
            fresh.add(phone)
    return {"site_id": site_id, "phones": phones, "hosts": hosts, "passes": passes, "units": units,
            "new_phones": sorted(fresh), "figures": figures}


# --- registering ---------------------------------------------------------------------------------

class Registrations:
    """The visitors to register, handed out to the clerks' threads in turn."""

    def __init__(self, data, seed):
        self.rng = random.Random(seed)
        self.data = data
        self.lock = threading.Lock()
        self.new_phones = iter(data["new_phones"])

    def next_visitor(self):
        with self.lock:
            if self.rng.random() < 0.75:
                return {"returning": self.rng.choice(self.data["phones"])}
            host_id, host_name, company = self.rng.choice(self.data["hosts"])
            return {"phone": next(self.new_phones), "name": gv.person_name(self.rng),
                    "company": self.rng.choice(["", "远景设计事务所", "顺丰速运", "博远软件技术有限公司"]),
                    "purpose": self.rng.choice(["business", "business", "delivery", "interview"]),
                    "host_ref": f"contact:{host_id}", "host": f"{host_name} · {company}"}


def form_for(client, visitor, csrf):
    """The form as the page sends it: a returning visitor's is filled from /visitors/returning."""
    form = {"csrf_token": csrf, "phone": "", "name": "", "company": "", "party_size": "1", "purpose": "business",
            "purpose_note": "", "plate": "", "id_type": "id_card", "id_number": "", "host": "", "host_ref": "",
            "pass_id": "0"}
    if "returning" in visitor:
        phone = visitor["returning"]
        status, _h, body = client.request("GET", f"/visitors/returning?phone={quote(phone)}")
        found = json.loads(body)
        if status != 200 or not found.get("found"):
            raise RuntimeError(f"returning visitor {phone} not found: {status} {body[:200]}")
        form.update(phone=phone, name=found["name"], company=found["company"], plate=found["plate"],
                    purpose=found.get("purpose", "business"), purpose_note=found.get("purpose_note", ""),
                    party_size=str(found.get("party_size", 1)), id_type=found.get("id_type") or "id_card",
                    id_number=found.get("id_number", ""))
        if found.get("host_ref"):
            form.update(host=found["host"], host_ref=found["host_ref"])
        else:  # the last host has moved out: the clerk picks another
            form.update(host=visitor["fallback_host"][1], host_ref=visitor["fallback_host"][0])
    else:
        form.update({k: v for k, v in visitor.items() if k in form})
    return form


def register(client, form):
    """POST the form, then open the visit page it redirects to. The ms of the POST and of both."""
    started = time.perf_counter()
    status, headers, body = client.request("POST", "/visitors/register", form)
    posted = time.perf_counter()
    if status != 302:
        errors = re.findall(r'class="error"[^>]*>([^<]+)<', body)
        raise RuntimeError(f"registering {form['phone']} answered {status}: {errors or body[:300]}")
    status, _h, page = client.request("GET", urlsplit(headers["Location"]).path)
    done = time.perf_counter()
    if status != 200 or "FK" not in page:
        raise RuntimeError(f"the visit page answered {status}")
    return (posted - started) * 1000, (done - started) * 1000


def registrations(port, source, count, clients, passes=None):
    post_ms, both_ms, lock = [], [], threading.Lock()
    remaining = iter(range(count))
    pass_ids = iter(passes or [])
    failures = []

    def clerk():
        try:
            client = login(port, gv.CLERK, gv.PASSWORD)
            _s, _h, page = client.request("GET", "/visitors/")
            csrf = hidden(page, "csrf_token")
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                    visitor = source.next_visitor()
                    visitor["fallback_host"] = (f"contact:{source.data['hosts'][0][0]}", source.data["hosts"][0][1])
                    pass_id = next(pass_ids, None) if passes is not None else 0
                if pass_id is None:
                    return
                form = form_for(client, visitor, csrf)
                form["pass_id"] = str(pass_id)
                a, b = register(client, form)
                with lock:
                    post_ms.append(a)
                    both_ms.append(b)
        except Exception as e:  # noqa: BLE001 - reported after the threads are joined
            failures.append(e)

    threads = [threading.Thread(target=clerk) for _ in range(clients)]
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

def plans(url, data, seed, runs=30, samples=40):
    """In-process, through the Flask test client: every statement of the three requests (and of the
    visit page) with its plan and its median time run alone; the median ms of each request; and
    the desk page again without its on-site rows, its pass choices or its expected visitors, to
    see what each part costs. Returns the report's text, the request times and the breakdown."""
    from unittest import mock

    from frontdesk import create_app
    from frontdesk.extensions import db

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})
    captured, lines, timings = [], [], {}
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    # each request below pushes its own app context: an outer one would share `g`, and with it
    # Flask-WTF's cached token, across requests

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": hidden(page, "csrf_token"), "username": gv.CLERK,
                                "password": gv.PASSWORD})
    csrf = hidden(client.get("/visitors/").get_data(as_text=True), "csrf_token")
    phones = data["phones"][:samples]
    newcomers = iter(data["new_phones"][-samples - 1:])
    host_id, host_name, _company = data["hosts"][0]

    def register_form():
        return {"csrf_token": csrf, "phone": next(newcomers), "name": "陈思远", "company": "远景设计事务所",
                "party_size": "1", "purpose": "business", "purpose_note": "", "plate": "", "id_type": "id_card",
                "id_number": "", "host": host_name, "host_ref": f"contact:{host_id}", "pass_id": "0"}

    visit_pages = []

    def post():
        response = client.post("/visitors/register", data=register_form())
        assert response.status_code == 302, response.status_code
        visit_pages.append(urlsplit(response.headers["Location"]).path)
        return response

    def timed(call, n):
        times = []
        for i in range(n):
            began = time.perf_counter()
            response = call(i)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code in (200, 302), response.status_code
        return statistics.median(times)

    requests = [("GET /visitors/", lambda i: client.get("/visitors/")),
                ("GET /visitors/returning",
                 lambda i: client.get(f"/visitors/returning?phone={phones[i % len(phones)]}")),
                ("POST /visitors/register", lambda i: post()),
                ("GET the visit page", lambda i: client.get(visit_pages[i % len(visit_pages)]))]
    for name, call in requests:
        sa.event.listen(engine, "before_cursor_execute", capture)
        captured.clear()
        response = call(0)
        sa.event.remove(engine, "before_cursor_execute", capture)
        statements = list(captured)
        timings[name] = timed(call, samples)
        lines.append(f"## {name}: {response.status_code}, {len(statements)} statements, "
                     f"{timings[name]:.1f} ms in-process (median of {samples})\n")
        for statement, parameters in statements:
            lines += explain(engine, postgres, statement, parameters, runs)

    # the desk page with parts left out; the registrations above added people on site, so this
    # morning's 40 are set up again first
    gv.refresh_today(url, seed)
    variants = {"whole page": (), "without the 40 on-site rows": ("on_site",),
                "without the free passes": ("free_passes",), "without the expected visitors": ("expected_on",),
                "without all three": ("on_site", "free_passes", "expected_on")}
    times = {label: [] for label in variants}
    for _ in range(samples):  # the variants in turn, so that the machine's drift hits them alike
        for label, left_out in variants.items():
            with contextlib.ExitStack() as stack:
                for target in left_out:
                    stack.enter_context(mock.patch(f"frontdesk.visitors.queries.{target}", return_value=[]))
                began = time.perf_counter()
                response = client.get("/visitors/")
                times[label].append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
    breakdown = {label: statistics.median(ms) for label, ms in times.items()}
    lines.append("## the desk page in parts (median ms in-process)\n")
    lines += [f"{label}: {ms:.1f}" for label, ms in breakdown.items()]
    return "\n".join(lines) + "\n", timings, breakdown


def explain(engine, postgres, statement, parameters, runs):
    text = " ".join(statement.split())
    head = text.split(" ", 1)[0].upper()
    out = [f"{text[:600]}", f"  parameters: {str(parameters)[:200]}"]
    if head not in ("SELECT", "UPDATE", "WITH"):
        return out + [""]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if postgres:
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if head != "UPDATE" else "EXPLAIN "
        else:
            prefix = "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + statement, parameters)
        plan = cursor.fetchall()
        out += ["  plan: " + (" | ".join(str(r[0]) for r in plan) if postgres else
                              " | ".join(str(r[-1]) for r in plan))]
        if head == "SELECT":
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                samples.append((time.perf_counter() - began) * 1e6)
            out.append(f"  alone: {statistics.median(samples):.0f} µs median of {runs}")
        raw.rollback()
    finally:
        raw.close()
    return out + [""]


# --- the run -------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description="Frontdesk visitor benchmarks")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'visitors.db'}")
    parser.add_argument("--fresh", action="store_true", help="make the site again first (SQLite)")
    parser.add_argument("--requests", type=int, default=400, help="GETs per page and load")
    parser.add_argument("--registrations", type=int, default=300, help="registrations per run without a pass")
    parser.add_argument("--with-pass", type=int, default=80, help="registrations with a pass, one clerk")
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
    made = gv.generate(url)
    generated_in = time.perf_counter() - began
    print(f"site: {made} ({generated_in:.0f} s)", flush=True)
    print(f"this morning: {gv.refresh_today(url, args.seed)}", flush=True)
    data = fixtures(url, args.seed)
    print(f"data: {data['figures']}, {len(data['passes'])} free passes", flush=True)

    backend = sa.engine.make_url(url).get_backend_name()
    plan_text, in_process, breakdown = plans(url, data, args.seed)
    (OUT / f"visitors-plans-{backend}.txt").write_text(plan_text)
    # plans() registered visitors, then set this morning up again: what is free now
    data = fixtures(url, args.seed)

    env = {"FRONTDESK_DATABASE_URL": url, "FRONTDESK_SECRET_KEY": "bench", "FRONTDESK_RATELIMIT_ENABLED": "false"}
    desk_server, desk_port = start(["frontdesk:create_app()"], env, "/healthz")
    bare_server, bare_port = start(["--chdir", str(ROOT / "bench"), "bare_app:app"], {"BENCH_DATABASE_URL": url},
                                   "/healthz")
    rows = []
    try:
        clerk = login(desk_port, gv.CLERK, gv.PASSWORD)
        status, _h, page = clerk.request("GET", "/visitors/")
        on_site = page.count("data-poll-visit=")
        if status != 200 or on_site != gv.ON_SITE:
            raise RuntimeError(f"the desk page answered {status} with {on_site} people on site")
        cookies = clerk.cookies
        desk_paths = ["/visitors/"]
        list_paths = ["/visitors/on-site"]
        returning_paths = [f"/visitors/returning?phone={p}" for p in data["phones"][:200]]
        bare_paths = [f"/units/{data['site_id']}/{n}" for n in data["units"][:50]]
        for clients in (1, args.clients):
            label = f"{clients} client{'s' if clients > 1 else ''}, Python"
            rows.append(("desk page GET /visitors/", label,
                         load(desk_port, desk_paths, total=args.requests, clients=clients, cookies=cookies, warmup=20)))
            rows.append(("on-site list GET /visitors/on-site", label,
                         load(desk_port, list_paths, total=args.requests, clients=clients, cookies=cookies, warmup=20)))
            rows.append(("returning visitor GET /visitors/returning", label,
                         load(desk_port, returning_paths, total=args.requests, clients=clients, cookies=cookies,
                              warmup=20)))
            rows.append(("bare Flask page, one indexed query", label,
                         load(bare_port, bare_paths, total=args.requests, clients=clients, warmup=20)))
        if WRK:
            label = f"{args.clients} connections, wrk"
            rows.append(("desk page GET /visitors/", label,
                         wrk_load(desk_port, desk_paths, seconds=args.seconds, clients=args.clients, cookies=cookies)))
            rows.append(("on-site list GET /visitors/on-site", label,
                         wrk_load(desk_port, list_paths, seconds=args.seconds, clients=args.clients, cookies=cookies)))
            rows.append(("returning visitor GET /visitors/returning", label,
                         wrk_load(desk_port, returning_paths, seconds=args.seconds, clients=args.clients,
                                  cookies=cookies)))
            rows.append(("bare Flask page, one indexed query", label,
                         wrk_load(bare_port, bare_paths, seconds=args.seconds, clients=args.clients)))
        source = Registrations(data, args.seed)
        post1, both1 = registrations(desk_port, source, args.registrations, 1)
        rows.append(("register POST (302), no pass", "1 clerk", post1))
        rows.append(("register POST + visit page, no pass", "1 clerk", both1))
        post4, both4 = registrations(desk_port, source, args.registrations, args.clients)
        rows.append(("register POST (302), no pass", f"{args.clients} clerks", post4))
        rows.append(("register POST + visit page, no pass", f"{args.clients} clerks", both4))
        if args.with_pass:
            passes = data["passes"][:args.with_pass]
            post_p, both_p = registrations(desk_port, source, len(passes), 1, passes=passes)
            rows.append(("register POST (302), with a pass", "1 clerk", post_p))
            rows.append(("register POST + visit page, with a pass", "1 clerk", both_p))
    finally:
        stop(desk_server)
        stop(bare_server)

    registered = fixtures(url, args.seed)["figures"]["visits"] - data["figures"]["visits"]
    expected = 2 * args.registrations + min(args.with_pass, len(data["passes"]))
    if registered != expected:
        raise RuntimeError(f"{registered} visits were registered, not {expected}")
    report = render(url, args, data, made, generated_in, on_site, rows, in_process, breakdown)
    (OUT / f"visitors-results-{backend}.md").write_text(report)
    print(report)
    print(f"plans and statement times: {OUT / f'visitors-plans-{backend}.txt'}")


def render(url, args, data, made, generated_in, on_site, rows, in_process, breakdown):
    backend = sa.engine.make_url(url).get_backend_name()
    lines = [f"Frontdesk visitor benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {backend}, "
             f"gunicorn 2 sync workers --preload, {os.cpu_count()} cores, load average "
             f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end", "",
             f"data: {data['figures']['visits']:,} visits, {data['figures']['visitors']:,} visitors, {on_site} on "
             f"site on the desk page; site "
             + ("present already" if "note" in made else f"generated in {generated_in:.0f} s"),
             "", "| what | load | n | p50 ms | p95 ms | p99 ms | req/s |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, load_, s in rows:
        lines.append(f"| {name} | {load_} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
                     f"{s['rps']:.0f} |")
    lines += ["", "in-process (Flask test client, median of 40, each POST a new visitor): "
              + ", ".join(f"{k} {v:.1f} ms" for k, v in in_process.items()),
              "the desk page in-process: " + ", ".join(f"{k} {v:.1f} ms" for k, v in breakdown.items()),
              "", "targets (p95):"]
    for name, load_, s in rows:
        key = ("register" if name.startswith("register POST (302)") else "desk" if name.startswith("desk")
               else "on-site" if name.startswith("on-site") else "returning" if name.startswith("returning") else None)
        if key:
            lines.append(f"- {name}, {load_}: {s['p95']:.1f} ms (target ≤ {TARGETS[key]} ms): "
                         f"{'met' if s['p95'] <= TARGETS[key] else 'MISSED'}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
