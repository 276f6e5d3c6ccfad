"""The arrears report at the benchmark scale, against bare SQL aggregates over the same rows,
measured in one process in the same run.

    .venv/bin/python bench/bench_reports.py [--fresh] [--runs 30] [--database-url URL]

Uses the large site of bench/generate.py (bench/out/bench.db; --fresh makes it again). A site
without a late-fee rule has no late fees to add up, so the site default of the issue (0.05% a day,
no grace, capped at 100%) is set first when the site has none. Measured for two as-of days: today,
and six months ago (every payment made since then is added back, the heaviest case):

- `dashboard.queries.arrears(...)` with late fees: the figures of the page and the export;
- the same without late fees (the ageing alone);
- bare aggregate A: the ageing totals as of the day in one hand-written SQL statement over the same
  rows (charges due before the day, what they owed on it), no grouping, no names, no late fees;
- bare aggregate B: count and sum of what the overdue charges owe today, by the status index
  (the cheapest statement that touches those rows; meaningful for today only);
- the whole page (`GET /reports/arrears`, arrears and twelve months of collection rate) and the
  XLSX export, through the Flask test client as a supervisor.

Targets: the report with late fees ≤ 300 ms, and within 5× of bare aggregate A."""
import argparse
import statistics
import sys
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from frontdesk import create_app  # noqa: E402
from frontdesk.auth.models import User, UserRole  # noqa: E402
from frontdesk.core import clock  # noqa: E402
from frontdesk.dashboard import queries, rules  # noqa: E402
from frontdesk.dunning.models import LateFeeRule  # noqa: E402
from frontdesk.estate.models import Site  # noqa: E402
from frontdesk.extensions import db  # noqa: E402

SUPERVISOR = "bench_supervisor"

BARE_AGEING = """
WITH later AS (
  SELECT pl.charge_id, SUM(pl.amount) AS later FROM payment_line pl
  WHERE pl.payment_id IN (SELECT p.id FROM payment p WHERE p.site_id = :site AND p.status = 'completed'
                          AND p.business_on > :as_of)
  GROUP BY pl.charge_id)
SELECT {sums}
FROM (
  SELECT c.due_on, c.amount - c.paid + COALESCE(l.later, 0) AS owed
  FROM charge c LEFT JOIN later l ON l.charge_id = c.id
  WHERE c.site_id = :site AND c.status IN ('unpaid', 'partial') AND c.due_on < :as_of
  UNION ALL
  SELECT c.due_on, l.later FROM charge c JOIN later l ON l.charge_id = c.id
  WHERE c.site_id = :site AND c.status = 'paid' AND c.due_on < :as_of
) owed
"""
BARE_OVERDUE = ("SELECT COUNT(*), SUM(amount - paid) FROM charge "
                "WHERE site_id = :site AND status IN ('unpaid', 'partial') AND due_on < :as_of")


def bare_ageing_sql(as_of):
    parts, params = [], {}
    for i, (earliest, latest) in enumerate(rules.bucket_bounds(as_of)):
        cond = f"due_on <= :l{i}" + (f" AND due_on >= :e{i}" if earliest else "")
        parts.append(f"SUM(CASE WHEN {cond} THEN owed ELSE 0 END)")
        params[f"l{i}"] = latest
        if earliest:
            params[f"e{i}"] = earliest
    return sa.text(BARE_AGEING.format(sums=", ".join(parts))), params


def timed(fn, runs):
    fn()  # warm: statement caches, the font of nothing, imports
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered), "p95": ordered[min(len(ordered) - 1, round(0.95 * len(ordered)))],
            "min": ordered[0]}


def prepare(site_id, now):
    """The site default late-fee rule and a supervisor to open the page, when missing."""
    if db.session.scalar(sa.select(LateFeeRule.id).where(LateFeeRule.site_id == site_id)) is None:
        db.session.add(LateFeeRule(site_id=site_id, fee_item_id=None, label="违约金", daily_rate=Decimal("0.0005"),
                                   grace_days=0, cap_percent=Decimal("100"), updated_at=now))
    if db.session.scalar(sa.select(User.id).where(User.username == SUPERVISOR)) is None:
        from frontdesk.auth.services import hash_password

        user = User(username=SUPERVISOR, full_name="压测主管", password_hash=hash_password(generate.PASSWORD),
                    active=True, locale="zh_CN", site_id=site_id, failed_logins=0, session_version=1, created_at=now)
        user.role_rows = [UserRole(role="supervisor")]
        db.session.add(user)
    db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'bench.db'}")
    parser.add_argument("--fresh", action="store_true", help="make the large site again first (SQLite)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(generate.generate(url), flush=True)

    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench"})
    rows = []
    with app.app_context():
        now = clock.now()
        today = clock.business_day(now)
        site_id = db.session.scalar(sa.select(Site.id).where(Site.code == generate.SITE_CODE))
        prepare(site_id, now)
        client = app.test_client()
        login = client.post("/login", data={"username": SUPERVISOR, "password": generate.PASSWORD})
        assert login.status_code == 302, "the supervisor could not log in"
        half_year_ago = date.fromordinal(today.toordinal() - 182)
        for as_of in (today, half_year_ago):
            report = queries.arrears(site_id, as_of)
            bare_sql, params = bare_ageing_sql(as_of)
            params.update(site=site_id, as_of=as_of)
            bare = db.session.execute(bare_sql, params).one()
            # the yardstick must say what the report says
            assert [Decimal(int(v or 0)) / 100 for v in bare] == report.total.buckets, (bare, report.total.buckets)
            charges = db.session.scalar(sa.text(
                "SELECT COUNT(*) FROM charge WHERE site_id = :s AND due_on < :d"), {"s": site_id, "d": as_of})
            label = f"as of {as_of.isoformat()}"
            with_fees = timed(lambda: queries.arrears(site_id, as_of), args.runs)
            ageing_only = timed(lambda: queries.arrears(site_id, as_of, with_late_fees=False), args.runs)
            bare_a = timed(lambda: db.session.execute(bare_sql, params).one(), args.runs)
            bare_b = timed(lambda: db.session.execute(sa.text(BARE_OVERDUE), {"site": site_id, "as_of": as_of}).one(),
                           args.runs)

            def page():
                response = client.get("/reports/arrears", query_string={"as_of": as_of.isoformat()})
                assert response.status_code == 200, response.status_code

            def export():
                response = client.get("/reports/arrears.xlsx", query_string={"as_of": as_of.isoformat()})
                assert response.status_code == 200, response.status_code

            page_ms = timed(page, max(args.runs // 3, 5))
            export_ms = timed(export, max(args.runs // 3, 5))
            rows.append((label, {
                "customers": len(report.by_customer), "arrears": report.total.total, "late_fees": report.total.late_fee,
                "charges_due": charges, "with_fees": with_fees, "ageing_only": ageing_only, "bare_a": bare_a,
                "bare_b": bare_b, "page": page_ms, "export": export_ms}))
        backend = db.engine.dialect.name
    print(render(backend, args.runs, rows))


def render(backend, runs, rows):
    lines = [f"Arrears report, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {backend}, in-process, "
             f"{runs} runs each after a warm-up (p50 / p95 ms)", ""]
    for label, r in rows:
        lines += [f"{label}: {r['charges_due']:,} charges due before the day, {r['customers']:,} customers in "
                  f"arrears, {r['arrears']:,} yuan in arrears, {r['late_fees']:,} yuan of late fees", "",
                  "| what | p50 ms | p95 ms |", "|---|---:|---:|"]
        for key, name in (("with_fees", "arrears report with late fees (queries.arrears)"),
                          ("ageing_only", "arrears report without late fees"),
                          ("bare_a", "bare aggregate A: the ageing totals as of the day, one statement"),
                          ("bare_b", "bare aggregate B: count and sum of what overdue charges owe today"),
                          ("page", "the page, GET /reports/arrears (with 12 months of collection rate)"),
                          ("export", "the XLSX export")):
            lines.append(f"| {name} | {r[key]['p50']:.1f} | {r[key]['p95']:.1f} |")
        ratio = r["with_fees"]["p50"] / r["bare_a"]["p50"]
        lines += ["", f"- report with late fees p95 {r['with_fees']['p95']:.1f} ms (target ≤ 300 ms): "
                      f"{'met' if r['with_fees']['p95'] <= 300 else 'MISSED'}",
                  f"- {ratio:.1f}× bare aggregate A at p50 (target ≤ 5×): {'met' if ratio <= 5 else 'MISSED'}; "
                  f"{r['with_fees']['p50'] / r['bare_b']['p50']:.1f}× bare aggregate B", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
