"""Dunning-notice PDF cost: a batch of 500 notices rendered to one PDF by render_dunning_notices,
against a bare reportlab script drawing the same pages (heading, letter, table, totals, rule,
signature, slip) with the same font, registered once, in one process.

    .venv/bin/python bench/bench_notices.py [NOTICES] [ROUNDS]

The notices are frozen snapshots built the way the run service builds them (1 to 8 charges each),
so no database is involved: printing a batch reads only the snapshots. Prints the best and mean
seconds of each over ROUNDS (default 3) and their ratio. Targets: ≤ 3 s and within 2× of bare."""
import io
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from frontdesk.core.money import amount_in_capitals, format_amount  # noqa: E402
from frontdesk.dunning import rules  # noqa: E402
from frontdesk.dunning.pdf import render_dunning_notices  # noqa: E402
from frontdesk.pdf import register_font  # noqa: E402

AS_OF = date(2026, 3, 31)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰")


def snapshot(i: int) -> dict:
    """The i-th notice of the batch, shaped like services._issue_dunning_notice writes it."""
    unit = f"{1 + i % 12}-{1 + i % 30:02d}{1 + i % 4:02d}"
    lines, principal, fee_total = [], Decimal("0.00"), Decimal("0.00")
    for k in range(1 + i % 8):
        month = 12 - k
        due = date(2025, month, 15)
        amount = Decimal(180 + (i * 37 + k * 11) % 900) + Decimal("0.50")
        days = (AS_OF - due).days
        fee = (amount * Decimal("0.0005") * days).quantize(Decimal("0.01"))
        principal, fee_total = principal + amount, fee_total + fee
        lines.append({"period": f"2025-{month:02d}", "item": "物业管理费", "unit": unit, "due_on": due.isoformat(),
                      "amount": f"{amount:.2f}", "days": days, "late_fee": f"{fee:.2f}",
                      "rule": f"{amount:.2f}×0.05%×{days}天={fee:.2f}"})
    deadline = AS_OF + timedelta(days=15)
    total = principal + fee_total
    return {
        "company_name": "上海示例物业服务有限公司", "site_name": "万象城", "site_address": "上海市浦东新区金桥路1号",
        "site_phone": "021-58880000", "number": rules.dunning_number(2026, i + 1), "level": 1,
        "title": rules.LEVEL_TITLES_ZH[1], "level_name": rules.LEVEL_NAMES_ZH[1],
        "customer": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], "units": unit,
        "issued_on": AS_OF.isoformat(), "issued_on_zh": rules.chinese_date(AS_OF),
        "deadline_on": deadline.isoformat(), "deadline_zh": rules.chinese_date(deadline),
        "wording": rules.wording(1, as_of=AS_OF, deadline_on=deadline, label="违约金"), "label": "违约金",
        "lines": lines, "fee_rules": [f"违约金按未缴本金每日万分之五计算，宽限0天，以未缴本金的100%为限，计至"
                                      f"{rules.chinese_date(AS_OF)}。"],
        "principal": f"{principal:.2f}", "late_fee": f"{fee_total:.2f}", "total": f"{total:.2f}",
        "total_figures": format_amount(total), "total_capitals": amount_in_capitals(total),
        "how_to_pay": "可到物业服务中心前台以现金、银行卡、微信或支付宝缴纳，或银行转账（请在附言中注明房号）。",
    }


def _chunks(text: str, size: int):
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def bare_notices(snapshots, font) -> bytes:
    """The same pages drawn by hand: fixed positions, fixed-width wrapping, no fitting."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    w, h = A4
    left, right = 51, w - 51
    widths = (58, 88, 62, 62, 78, 46, right - left - 394)
    for s in snapshots:
        y = h - 51
        c.setFont(font, 14)
        c.drawCentredString(w / 2, y - 16, s["company_name"])
        c.setFont(font, 20)
        c.drawCentredString(w / 2, y - 48, s["title"])
        c.setFont(font, 11)
        c.drawRightString(right, y - 68, "No. " + s["number"])
        y -= 86
        c.setFont(font, 12)
        c.drawString(left, y - 14, "致：" + s["customer"])
        c.setFont(font, 11)
        c.drawRightString(right, y - 14, "房号：" + s["units"])
        y -= 20
        for line in _chunks("\u3000\u3000" + s["wording"], 44):
            y -= 17.6
            c.drawString(left, y, line)
        y -= 10
        c.setFont(font, 9.5)
        c.rect(left, y - 21, right - left, 21)
        x = left
        for title, width in zip(("所属期间", "收费项目", "房号", "应缴日期", "欠费金额（元）", "逾期天数", "违约金（元）"), widths):
            c.drawString(x + 3, y - 14, title)
            x += width
        y -= 21
        rows = s["lines"] + [None] * max(0, 3 - len(s["lines"]))
        for ln in rows:
            c.rect(left, y - 19, right - left, 19)
            if ln:
                x = left
                for value, width in zip((ln["period"], ln["item"], ln["unit"], ln["due_on"], ln["amount"],
                                         str(ln["days"]), ln["late_fee"]), widths):
                    c.drawString(x + 3, y - 13, value)
                    x += width
            y -= 19
        c.setFont(font, 10.5)
        for label, value in (("欠费合计", "￥" + s["principal"]), (f"违约金合计（计至{s['issued_on_zh']}）", "￥" + s["late_fee"]),
                             ("应缴总额　" + s["total_capitals"], s["total_figures"])):
            y -= 19
            c.drawString(left, y, label)
            c.drawRightString(right, y, value)
        y -= 6
        c.setFont(font, 9)
        for line in _chunks("违约金计算：" + "；".join(s["fee_rules"]), 55):
            y -= 14.4
            c.drawString(left, y, line)
        c.setFont(font, 8.5)
        for ln in s["lines"]:
            y -= 13.6
            c.drawString(left, y, f"{ln['period']} {ln['item']}：{ln['rule']}")
        c.setFont(font, 11)
        for line in _chunks(f"\u3000\u3000请于{s['deadline_zh']}前缴清上述款项。{s['how_to_pay']}", 44):
            y -= 17.6
            c.drawString(left, y, line)
        c.setFont(font, 10)
        y -= 16
        c.drawString(left, y, f"地址：{s['site_address']}　电话：{s['site_phone']}")
        c.setFont(font, 11)
        c.drawRightString(right, y - 30, s["company_name"])
        c.setFont(font, 10)
        c.drawRightString(right, y - 50, "（盖章）")
        c.setFont(font, 11)
        c.drawRightString(right, y - 68, s["issued_on_zh"])
        slip = min(y - 88, 115)
        c.setDash(3, 3)
        c.line(left, slip, right, slip)
        c.setDash()
        c.setFont(font, 10)
        c.drawString(left, slip - 18, f"签收回执　催款通知书 {s['number']}　{s['customer']}")
        c.drawString(left, slip - 44, "签收人：")
        c.drawString(left + 230, slip - 44, "签收日期：")
        c.showPage()
    c.save()
    return buf.getvalue()


def measure(fn, rounds):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times), statistics.mean(times)


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    snapshots = [snapshot(i) for i in range(count)]
    font = register_font()
    # warm up both paths (glyph caches, imports) before measuring
    render_dunning_notices(snapshots[:20])
    bare_notices(snapshots[:20], font)
    ours_best, ours_mean = measure(lambda: render_dunning_notices(snapshots), rounds)
    bare_best, bare_mean = measure(lambda: bare_notices(snapshots, font), rounds)
    ours_size, bare_size = len(render_dunning_notices(snapshots)), len(bare_notices(snapshots, font))
    print(f"dunning notices, {count} in one PDF ({sum(len(s['lines']) for s in snapshots)} charges), "
          f"{ours_size:,} bytes (bare {bare_size:,} bytes), best of {rounds}")
    print(f"render_dunning_notices  best {ours_best:6.2f} s   mean {ours_mean:6.2f} s")
    print(f"bare reportlab          best {bare_best:6.2f} s   mean {bare_mean:6.2f} s")
    print(f"ratio                   best {ours_best / bare_best:5.2f}x     mean {ours_mean / bare_mean:5.2f}x")
    print(f"targets: <= 3 s {'met' if ours_best <= 3 else 'MISSED'}, "
          f"within 2x {'met' if ours_best <= 2 * bare_best else 'MISSED'}")


if __name__ == "__main__":
    main()
