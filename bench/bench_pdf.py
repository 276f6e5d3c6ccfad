"""Receipt PDF cost: render_receipt against a bare reportlab script drawing the same three A5
pages with the same font, registered once, in one process.

    .venv/bin/python bench/bench_pdf.py [N]

Prints mean and p95 milliseconds per PDF for each and their ratio (target: within 2×)."""
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A5, landscape  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from frontdesk.billing.pdf import render_receipt  # noqa: E402
from frontdesk.pdf import register_font  # noqa: E402

SNAPSHOT = {
    "number": "SJ2026-000123", "site_name": "金桥产业园", "company_name": "上海示例物业服务有限公司",
    "site_address": "上海市浦东新区金桥路1号", "site_phone": "021-58880000",
    "issued_at": "2026-03-31 10:00", "payer": "上海星河科技有限公司", "units": "A-1203",
    "lines": [
        {"item": "物业管理费", "period": "2026-03", "description": "", "amount": "1234.56"},
        {"item": "水费", "period": "2026-03", "description": "读数 1203→1250，47 m³", "amount": "235.00"},
        {"item": "停车费", "period": "2026-03", "description": "沪A12345", "amount": "300.00"},
    ],
    "prepayment": "0.00", "total": "1769.56", "total_figures": "￥1,769.56",
    "total_capitals": "人民币壹仟柒佰陆拾玖元伍角陆分", "method": "cash", "method_label": "现金",
    "tendered": "1800.00", "change": "30.44", "reference": "", "cashier": "王收费",
    "copies": ["stub", "customer", "accounting"],
}
COPIES = {"stub": "第一联 存根联", "customer": "第二联 客户联（收据联）", "accounting": "第三联 记账联"}


def bare_receipt(s, font) -> bytes:
    """The same page drawn by hand: fixed positions, no fitting, no wrapping."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=landscape(A5), invariant=1, pageCompression=1)
    w, h = landscape(A5)
    for copy in s["copies"]:
        c.setFont(font, 13)
        c.drawCentredString(w / 2, h - 46, s["company_name"])
        c.setFont(font, 22)
        c.drawCentredString(w / 2, h - 74, "收  据")
        c.setFont(font, 13)
        c.drawRightString(w - 57, h - 72, "No. " + s["number"])
        c.setFont(font, 10)
        c.drawString(34, h - 100, "交款单位（人）：" + s["payer"])
        c.drawRightString(w - 57, h - 100, "日期：" + s["issued_at"])
        c.drawString(34, h - 117, "房号：" + s["units"])
        c.drawRightString(w - 57, h - 117, "项目：" + s["site_name"])
        top = h - 130
        c.rect(34, top - 20 - 7 * 19 - 45, w - 91, 20 + 7 * 19 + 45)
        for i, title in enumerate(("收费项目", "所属期间", "说明", "金额（元）")):
            c.drawString(40 + i * 125, top - 14, title)
        for i, line in enumerate(s["lines"]):
            y = top - 20 - (i + 1) * 19
            c.line(34, y, w - 57, y)
            c.drawString(37, y + 6, line["item"])
            c.drawString(170, y + 6, line["period"])
            c.drawString(260, y + 6, line["description"])
            c.drawRightString(w - 60, y + 6, line["amount"])
        c.drawString(40, top - 20 - 7 * 19 - 16, "合计人民币（大写）  " + s["total_capitals"])
        c.drawRightString(w - 60, top - 20 - 7 * 19 - 16, s["total_figures"])
        c.drawString(40, top - 20 - 7 * 19 - 38, f"收款方式：{s['method_label']}  实收：{s['tendered']}  找零：{s['change']}")
        c.drawString(34, 80, "收款人：" + s["cashier"] + "      交款人签字：")
        c.setFont(font, 11)
        for i, ch in enumerate(COPIES[copy].replace(" ", "")):
            c.drawCentredString(w - 28, top - 12 - i * 13, ch)
        c.showPage()
    c.save()
    return buf.getvalue()


def measure(fn, n):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.mean(times), times[int(len(times) * 0.95) - 1]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    font = register_font()
    # warm up both paths (glyph caches, imports) before measuring
    for _ in range(5):
        render_receipt(SNAPSHOT)
        bare_receipt(SNAPSHOT, font)
    ours_mean, ours_p95 = measure(lambda: render_receipt(SNAPSHOT), n)
    bare_mean, bare_p95 = measure(lambda: bare_receipt(SNAPSHOT, font), n)
    print(f"receipt PDF, 3 copies x 3 lines, N={n}, {len(render_receipt(SNAPSHOT)):,} bytes "
          f"(bare {len(bare_receipt(SNAPSHOT, font)):,} bytes)")
    print(f"render_receipt   mean {ours_mean:6.2f} ms   p95 {ours_p95:6.2f} ms")
    print(f"bare reportlab   mean {bare_mean:6.2f} ms   p95 {bare_p95:6.2f} ms")
    print(f"ratio            mean {ours_mean / bare_mean:5.2f}x     p95 {ours_p95 / bare_p95:5.2f}x")


if __name__ == "__main__":
    main()
