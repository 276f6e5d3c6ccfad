"""The web benchmarks, in one run, against the stack as deployed (gunicorn, 2 sync workers, --preload):

1. the fee lookup: the account page of a household in arrears, 8 concurrent clients;
2. beside it, a bare Flask page doing one indexed query on the same database, same settings;
   both loaded by Python threads and, when `wrk` is installed (apt-get install wrk), by wrk
   through bench/rotate.lua: the targets are judged on wrk, which leaves the cores to the server;
3. payment + receipt end to end: the payment form POSTed through the real view, then the receipt
   page it redirects to (one cashier at a time, then 8 at once);
4. the receipt PDF against bare reportlab (bench/bench_pdf.py).

    .venv/bin/python bench/run.py [--fresh] [--requests 2000] [--seconds 10] [--payments 200]
                                  [--database-url postgresql+psycopg://...]

The large site is made by bench/generate.py into bench/out/bench.db the first time (--fresh makes
it again; payments use up arrears, so regenerate after a few runs). Results are printed and written
to bench/out/results.md. Only 127.0.0.1 is ever contacted; every loop is bounded by a count and
every wrk run by its seconds."""
import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from decimal import ROUND_CEILING, Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

WRK = shutil.which("wrk")
GUNICORN = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--worker-class", "sync", "--preload",
            "--log-level", "warning"]


# --- a small HTTP client: one connection per request, as gunicorn's sync workers close them anyway --

class Client:
    def __init__(self, port, cookies=None):
        self.port = port
        self.cookies = dict(cookies or {})

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, data.decode("utf-8", "replace")


def hidden(page, name):
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', page)
    if not match:
        raise RuntimeError(f"no field {name} on the page")
    return match.group(1)


def login(port, username, password):
    client = Client(port)
    _status, _h, page = client.request("GET", "/login")
    status, _h, _page = client.request("POST", "/login", {"csrf_token": hidden(page, "csrf_token"),
                                                          "username": username, "password": password})
    if status != 302:
        raise RuntimeError(f"login as {username} failed with {status}")
    return client


# --- servers -------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env, health):
    port = free_port()
    process = subprocess.Popen(GUNICORN + ["--bind", f"127.0.0.1:{port}"] + args, cwd=ROOT,
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            if Client(port).request("GET", health)[0] == 200:
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start: " + process.stderr.read().decode()[-2000:])


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


# --- load ----------------------------------------------------------------------------------------

def load(port, paths, *, total, clients, cookies=None, warmup=100):
    """`total` GETs of `paths` (in turn) from `clients` threads; latencies in ms and requests/s."""
    for i in range(warmup):
        Client(port, cookies).request("GET", paths[i % len(paths)])
    latencies, errors, lock = [], [], threading.Lock()
    counter = iter(range(total))

    def worker():
        client = Client(port, cookies)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            started = time.perf_counter()
            status, _h, _body = client.request("GET", paths[i % len(paths)])
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(status)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. status {errors[0]}")
    return summary(latencies, total / wall)


def wrk_load(port, paths, *, seconds, clients, cookies=None, warmup=2):
    """The same GETs from wrk (bench/rotate.lua): a load generator in C takes far less of the two
    cores than Python threads do, so its figures are closer to what the server alone can do."""
    paths_file = OUT / f"paths-{port}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    try:
        for duration in (warmup, seconds):
            done = subprocess.run(
                [WRK, "-t", "2", "-c", str(clients), "-d", f"{duration}s", "--timeout", "10s",
                 "-s", str(ROOT / "bench" / "rotate.lua"), f"http://127.0.0.1:{port}", "--", str(paths_file), cookie],
                capture_output=True, text=True, timeout=duration + 60)
            line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                raise RuntimeError(f"wrk gave no result: {done.stdout[-1000:]} {done.stderr[-1000:]}")
            results = {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    finally:
        paths_file.unlink()
    if results["not_200"] or results["socket_errors"]:
        raise RuntimeError(f"wrk: {results['not_200']:.0f} answers were not 200, "
                           f"{results['socket_errors']:.0f} socket errors")
    return {"n": int(results["n"]), "p50": results["p50"], "p95": results["p95"], "p99": results["p99"],
            "mean": results["mean"], "rps": results["n"] / results["seconds"]}


def summary(latencies, rps=None):
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1)]

    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": pct(95), "p99": pct(99),
            "mean": statistics.fmean(ordered), "rps": rps}


def pay(client, customer_id):
    """One payment through the real form: open the account (not timed), POST the payment, open
    the receipt page it redirects to. Returns the ms of the POST and of POST + receipt page."""
    _s, _h, page = client.request("GET", f"/billing/accounts/{customer_id}")
    amount = Decimal(hidden(page, "amount"))
    form = {"csrf_token": hidden(page, "csrf_token"), "request_token": hidden(page, "request_token"),
            "charge_ids": re.findall(r'name="charge_ids" value="(\d+)"', page), "method": "cash",
            "amount": f"{amount:.2f}", "tendered": f"{(amount / 100).to_integral_value(ROUND_CEILING) * 100:.2f}",
            "reference": ""}
    started = time.perf_counter()
    status, headers, body = client.request("POST", f"/billing/accounts/{customer_id}/pay", form)
    posted = time.perf_counter()
    if status != 302:
        raise RuntimeError(f"payment for customer {customer_id} answered {status}: {body[:500]}")
    status, _h, receipt = client.request("GET", urlsplit(headers["Location"]).path)
    done = time.perf_counter()
    if status != 200 or "收 据" not in receipt:
        raise RuntimeError(f"receipt page answered {status}")
    return (posted - started) * 1000, (done - started) * 1000


def payments(port, customer_ids, clients):
    post_ms, e2e_ms, lock = [], [], threading.Lock()
    queue = iter(customer_ids)

    def worker():
        client = login(port, generate.CASHIER, generate.PASSWORD)
        while True:
            with lock:
                customer_id = next(queue, None)
            if customer_id is None:
                return
            a, b = pay(client, customer_id)
            with lock:
                post_ms.append(a)
                e2e_ms.append(b)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return summary(post_ms, len(post_ms) / wall), summary(e2e_ms, len(e2e_ms) / wall)


# --- the run -------------------------------------------------------------------------------------

def accounts(url):
    """Customers of the big site with overdue charges (for the lookup) and others who owe (to pay)."""
    from frontdesk.core import clock

    engine = sa.create_engine(url)
    today = clock.business_day()
    with engine.connect() as conn:
        site_id = conn.execute(sa.text("SELECT id FROM site WHERE code = :c"), {"c": generate.SITE_CODE}).scalar_one()
        owing = conn.execute(sa.text(
            "SELECT customer_id, MIN(due_on) AS oldest, COUNT(*) AS n FROM charge "
            "WHERE site_id = :s AND status <> 'paid' GROUP BY customer_id ORDER BY customer_id"), {"s": site_id}).all()
        numbers = dict(conn.execute(sa.text("SELECT id, number FROM unit WHERE site_id = :s"), {"s": site_id}).all())
    engine.dispose()
    in_arrears = [r.customer_id for r in owing if str(r.oldest) < today.isoformat() and r.n >= 3]
    lookup = in_arrears[:50]
    to_pay = [r.customer_id for r in owing if r.customer_id not in set(lookup)]
    return site_id, lookup, to_pay, list(numbers.values())


def main():
    parser = argparse.ArgumentParser(description="Frontdesk web benchmarks")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'bench.db'}")
    parser.add_argument("--fresh", action="store_true", help="make the large site again first")
    parser.add_argument("--requests", type=int, default=2000, help="GETs per page measured")
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run, when wrk is installed")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--payments", type=int, default=200, help="payments per payment run")
    args = parser.parse_args()
    url = args.database_url
    OUT.mkdir(exist_ok=True)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if not path.exists():
            print("generating the large site ...", flush=True)
            print(generate.generate(url))
    else:
        print(generate.generate(url))

    site_id, lookup_ids, pay_ids, unit_numbers = accounts(url)
    if len(pay_ids) < 2 * args.payments:
        raise SystemExit(f"only {len(pay_ids)} accounts still owe: run again with --fresh")
    env = {"FRONTDESK_DATABASE_URL": url, "FRONTDESK_SECRET_KEY": "bench", "FRONTDESK_RATELIMIT_ENABLED": "false"}
    desk, desk_port = start(["frontdesk:create_app()"], env, "/healthz")
    bare, bare_port = start(["--chdir", str(ROOT / "bench"), "bare_app:app"], {"BENCH_DATABASE_URL": url}, "/healthz")
    rows = []
    try:
        cashier = login(desk_port, generate.CASHIER, generate.PASSWORD)
        # one page first: it puts the CSRF token into the session, which then no longer changes
        cashier.request("GET", f"/billing/accounts/{lookup_ids[0]}")
        cookies = cashier.cookies
        lookup_paths = [f"/billing/accounts/{c}" for c in lookup_ids]
        bare_paths = [f"/units/{site_id}/{n}" for n in unit_numbers[:50]]
        lookup = load(desk_port, lookup_paths, total=args.requests, clients=args.clients, cookies=cookies)
        rows.append(("fee lookup: account page in arrears", f"{args.clients} clients, Python", lookup))
        yardstick = load(bare_port, bare_paths, total=args.requests, clients=args.clients)
        rows.append(("bare Flask page, one indexed query", f"{args.clients} clients, Python", yardstick))
        pairs = [("Python threads", lookup, yardstick)]
        if WRK:
            lookup_wrk = wrk_load(desk_port, lookup_paths, seconds=args.seconds, clients=args.clients, cookies=cookies)
            rows.append(("fee lookup: account page in arrears", f"{args.clients} connections, wrk", lookup_wrk))
            yardstick_wrk = wrk_load(bare_port, bare_paths, seconds=args.seconds, clients=args.clients)
            rows.append(("bare Flask page, one indexed query", f"{args.clients} connections, wrk", yardstick_wrk))
            pairs.insert(0, ("wrk", lookup_wrk, yardstick_wrk))
        post1, e2e1 = payments(desk_port, pay_ids[:args.payments], 1)
        rows.append(("payment POST (302)", "1 cashier", post1))
        rows.append(("payment POST + receipt page", "1 cashier", e2e1))
        post8, e2e8 = payments(desk_port, pay_ids[args.payments:2 * args.payments], args.clients)
        rows.append(("payment POST (302)", f"{args.clients} cashiers", post8))
        rows.append(("payment POST + receipt page", f"{args.clients} cashiers", e2e8))
    finally:
        stop(desk)
        stop(bare)

    pdf = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_pdf.py")], cwd=ROOT, capture_output=True,
                         text=True)
    report = render(url, args, rows, pairs, e2e1, pdf)
    (OUT / "results.md").write_text(report)
    print(report)


def render(url, args, rows, pairs, e2e1, pdf):
    lines = [f"Frontdesk web benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
             f"{sa.engine.make_url(url).get_backend_name()}, gunicorn 2 sync workers --preload, "
             f"{os.cpu_count()} cores", "",
             "| what | load | n | p50 ms | p95 ms | p99 ms | req/s |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, load_, s in rows:
        lines.append(f"| {name} | {load_} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
                     f"{s['rps']:.0f} |")
    lines += ["", "targets (the first load generator is the one they are judged on):"]
    for generator, lookup, yardstick in pairs:
        share = lookup["rps"] / yardstick["rps"] * 100
        lines += [
            f"- {generator}: fee lookup p95 {lookup['p95']:.1f} ms (target ≤ 30 ms): "
            f"{'met' if lookup['p95'] <= 30 else 'MISSED'}",
            f"- {generator}: fee lookup throughput {share:.0f}% of the bare page (target ≥ 40%): "
            f"{'met' if share >= 40 else 'MISSED'}",
        ]
    lines += [f"- payment + receipt p95 {e2e1['p95']:.1f} ms, one cashier (target ≤ 150 ms): "
              f"{'met' if e2e1['p95'] <= 150 else 'MISSED'}",
              "", "bench/bench_pdf.py:", "```", (pdf.stdout or pdf.stderr).strip(), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
