"""The receipt (收据) and the cashier's day close (收款日报) as PDFs, drawn only from the snapshot
frozen when the document was issued, so a reprint prints exactly what the original did.

The printed wording is Chinese whatever language the cashier's screen speaks: a receipt is a
Chinese accounting document whose labels belong to the form, like the ruled lines, so they are
constants here and not UI strings for Babel."""
from decimal import Decimal, InvalidOperation

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ..core.money import amount_in_capitals, format_amount
from ..pdf import (
    A4_PORTRAIT, A5_LANDSCAPE, Column, Document, Flow, Margins, draw_boxed_mark,
    draw_diagonal_stamp, draw_header, draw_rows, draw_text, draw_text_box, draw_vertical_text,
    paginate, rule_grid, table_width,
)

COPY_LABELS = {
    "stub": "第一联 存根联",
    "customer": "第二联 客户联（收据联）",
    "accounting": "第三联 记账联",
}
REFERENCE_LABELS = {"card": "POS凭单号", "transfer": "银行流水号", "wechat": "支付单号", "alipay": "支付单号"}
RECEIPT_ROWS_PER_PAGE = 7  # the ruled lines of one receipt form; more lines continue on the next page
NUMBER_RED = Color(0.75, 0.05, 0.05)
LIGHT_FILL = Color(0.93, 0.93, 0.93)


def _amount(text, symbol=False) -> str:
    """A snapshot amount ("1234.56") as printed ("1,234.56"); a value that is not a number is
    printed as frozen rather than refused: the snapshot is the document."""
    if text is None or text == "":
        return ""
    try:
        return format_amount(Decimal(str(text)), symbol=symbol)
    except (InvalidOperation, ValueError):
        return str(text)


def _is_zero(text) -> bool:
    try:
        return Decimal(str(text or "0")) == 0
    except (InvalidOperation, ValueError):
        return False


def _receipt_rows(snapshot) -> list[list[str]]:
    rows = [
        [line.get("item", ""), line.get("period", ""), line.get("description", ""), _amount(line.get("amount"))]
        for line in snapshot.get("lines") or []
    ]
    prepayment = snapshot.get("prepayment")
    if not _is_zero(prepayment):
        negative = str(prepayment).strip().startswith("-")
        rows.append(["预存款抵扣" if negative else "预存款", "", "", _amount(prepayment)])
    return rows


def render_receipt(snapshot: dict, *, reprint: bool = False, voided: bool = False) -> bytes:
    """The receipt as an A5-landscape PDF: one form per copy in snapshot["copies"] (存根联,
    客户联, 记账联), each continued over as many pages as its lines need, the total on the last.
    A reprint carries a 补打 mark; a voided receipt a 作废 stamp across every page."""
    doc = Document(A5_LANDSCAPE, title=f"收据 {snapshot.get('number', '')}", author=snapshot.get("company_name", ""),
                   subject="收据", margins=Margins(top=10 * mm, right=20 * mm, bottom=10 * mm, left=12 * mm))
    pages = paginate(_receipt_rows(snapshot), RECEIPT_ROWS_PER_PAGE)
    copies = snapshot.get("copies") or ["customer"]
    first = True
    for copy in copies:
        for index, rows in enumerate(pages):
            if not first:
                doc.new_page()
            first = False
            _draw_receipt_page(doc, snapshot, rows, copy, index + 1, len(pages), reprint=reprint)
            if voided:
                draw_diagonal_stamp(doc.canvas, "作废", doc.width, doc.height, font=doc.font, size=92)
    return doc.finish()


def _draw_receipt_page(doc, s, rows, copy, page, page_count, *, reprint):
    c, font = doc.canvas, doc.font
    left, right, top = doc.left, doc.right, doc.top
    width = right - left
    middle = left + width / 2

    # heading: company, the title with its double rule, the number in red as a printed form has it
    draw_text_box(c, s.get("company_name", ""), left + 90, top - 18, width - 180, 18, font=font, size=13,
                  min_size=8, align="center", padding=0)
    title_w = draw_text(c, "收据", middle, top - 46, font=font, size=22, align="center", bold=True, char_space=22)
    c.setLineWidth(0.8)
    c.line(middle - title_w / 2 - 14, top - 52, middle + title_w / 2 + 14, top - 52)
    c.line(middle - title_w / 2 - 14, top - 54.5, middle + title_w / 2 + 14, top - 54.5)
    c.setFillColor(NUMBER_RED)
    draw_text(c, f"No. {s.get('number', '')}", right, top - 44, font=font, size=13, align="right", max_width=170)
    c.setFillColor(black)
    if page_count > 1:
        draw_text(c, f"第 {page} 页 / 共 {page_count} 页", right, top - 58, font=font, size=8, align="right")
    if reprint:
        draw_boxed_mark(c, "补打", left + 52, top - 38, font=font, size=15, angle=8)

    # who paid, when, for which unit
    y = top - 78
    draw_text_box(c, f"交款单位（人）：{s.get('payer', '')}", left, y, width * 0.62, 18, font=font, size=10,
                  min_size=7, padding=0, max_lines=1)
    draw_text_box(c, f"日期：{s.get('issued_at', '')}", left + width * 0.64, y, width * 0.36, 18, font=font,
                  size=10, min_size=7, align="right", padding=0, max_lines=1)
    y -= 17
    draw_text_box(c, f"房号：{s.get('units', '')}", left, y, width * 0.62, 18, font=font, size=10, min_size=7,
                  padding=0, max_lines=1)
    draw_text_box(c, f"项目：{s.get('site_name', '')}", left + width * 0.64, y, width * 0.36, 18, font=font,
                  size=10, min_size=7, align="right", padding=0, max_lines=1)

    # the ruled table: lines, then the total (or "continued") and the payment method
    amount_w, item_w, period_w = 108, 132, 84
    columns = [
        Column("收费项目", item_w, min_size=7),
        Column("所属期间", period_w, align="center", min_size=7),
        Column("说明", width - item_w - period_w - amount_w, min_size=6.5),
        Column("金额（元）", amount_w, align="right", min_size=7),
    ]
    table_top = y - 6
    header_h, row_h, total_h, method_h = 20, 19, 24, 21
    y = draw_header(c, left, table_top, columns, font=font, size=10, height=header_h)
    row_lines = [y]
    rows_bottom = draw_rows(c, left, y, columns, rows, font=font, size=10, row_height=row_h,
                            min_rows=RECEIPT_ROWS_PER_PAGE)
    row_lines += [y - row_h * (i + 1) for i in range(RECEIPT_ROWS_PER_PAGE)]

    total_y = rows_bottom - total_h
    label_w = item_w
    capitals_w = width - label_w - amount_w
    if page == page_count:
        draw_text_box(c, "合计人民币（大写）", left, total_y, label_w, total_h, font=font, size=10, min_size=8,
                      align="center", bold=True)
        draw_text_box(c, s.get("total_capitals", ""), left + label_w, total_y, capitals_w, total_h, font=font,
                      size=11.5, min_size=7, padding=5)
        draw_text_box(c, s.get("total_figures", ""), right - amount_w, total_y, amount_w, total_h, font=font,
                      size=11.5, min_size=7, align="right", padding=3, bold=True)
    else:
        draw_text_box(c, f"续下页（第 {page + 1} 页）", left, total_y, width, total_h, font=font, size=10,
                      align="center")
    method_y = total_y - method_h
    draw_text_box(c, _method_text(s), left, method_y, width, method_h, font=font, size=10, min_size=7, padding=5)
    c.saveState()
    c.setLineWidth(0.5)
    if page == page_count:
        for x in (left + label_w, right - amount_w):
            c.line(x, rows_bottom, x, total_y)
    c.restoreState()
    rule_grid(c, left, table_top, method_y, columns, row_lines=row_lines + [total_y], column_rules_to=rows_bottom,
              frame_width=1.1)

    # signatures, and where to find the issuer
    y = method_y - 24
    draw_text_box(c, f"收款单位（盖章）：{s.get('company_name', '')}", left, y, width * 0.44, 16, font=font,
                  size=9.5, min_size=6.5, padding=0)
    draw_text_box(c, f"收款人：{s.get('cashier', '')}", left + width * 0.46, y, width * 0.22, 16, font=font,
                  size=9.5, min_size=6.5, padding=0)
    draw_text(c, "交款人签字：", left + width * 0.70, y + 4, font=font, size=9.5)
    c.setLineWidth(0.5)
    c.line(left + width * 0.70 + 58, y + 2, right, y + 2)
    contact = "　".join(p for p in (f"地址：{s.get('site_address') or ''}" if s.get("site_address") else "",
                                   f"电话：{s.get('site_phone') or ''}" if s.get("site_phone") else "") if p)
    if contact:
        draw_text_box(c, contact, left, doc.bottom - 4, width, 14, font=font, size=8, min_size=6, padding=0)

    # the copy's name down the right margin, as on a carbon receipt book
    label = COPY_LABELS.get(copy, copy)
    c.saveState()
    c.setDash(2, 2)
    c.setLineWidth(0.4)
    c.line(right + 12, doc.bottom, right + 12, top)
    c.restoreState()
    draw_vertical_text(c, label, right + 12 + (doc.width - right - 12) / 2, table_top, font=font, size=11,
                       max_height=table_top - doc.bottom)


def _method_text(s) -> str:
    parts = [f"收款方式：{s.get('method_label') or s.get('method') or ''}"]
    if s.get("method") == "cash":
        if s.get("tendered") not in (None, ""):
            parts.append(f"实收：{_amount(s.get('tendered'), symbol=True)}")
            parts.append(f"找零：{_amount(s.get('change') or '0', symbol=True)}")
    elif s.get("reference"):
        parts.append(f"{REFERENCE_LABELS.get(s.get('method'), '参考号')}：{s.get('reference')}")
    return "　　".join(parts)


DAY_CLOSE_MARGINS = Margins(top=15 * mm, right=15 * mm, bottom=18 * mm, left=15 * mm)


def render_day_close(snapshot: dict) -> bytes:
    """The cashier's day close (收款日报) as an A4-portrait PDF.

    Snapshot keys (billing.queries.day_figures): company_name, site_name, cashier, business_on
    ("2026-03-31"), confirmed_at, count, first_number, last_number, totals_by_method ([{method,
    label, count, amount}]), total, receipts ([{number, payer, units, method_label, amount,
    status}, optionally issued_at]), voids ([{number, amount, reason}, optionally voided_by]),
    visits_out and visits_back ([{number, payer, collector, amount, status, reason}]) of collection visits;
    total_capitals if frozen, else read from total. Missing keys print blank."""
    s = snapshot
    footer_text = f"{s.get('company_name', '')}　收款日报　{s.get('cashier', '')}　{s.get('business_on', '')}"

    def footer(canvas, number, total):
        canvas.setFillColor(black)
        draw_text(canvas, footer_text, DAY_CLOSE_MARGINS.left, 10 * mm, font=doc.font, size=8, max_width=380)
        draw_text(canvas, f"第 {number} 页 / 共 {total} 页", A4_PORTRAIT[0] - DAY_CLOSE_MARGINS.right, 10 * mm,
                  font=doc.font, size=8, align="right")

    doc = Document(A4_PORTRAIT, title=f"收款日报 {s.get('cashier', '')} {s.get('business_on', '')}",
                   author=s.get("company_name", ""), subject="收款日报", margins=DAY_CLOSE_MARGINS,
                   page_footer=footer)
    c, font = doc.canvas, doc.font
    left, width = doc.left, doc.content_width
    flow = Flow(doc)

    y = flow.reserve(58)
    draw_text_box(c, s.get("company_name", ""), left, y - 20, width, 20, font=font, size=14, min_size=8,
                  align="center", padding=0)
    draw_text(c, "收款日报（日结单）", left + width / 2, y - 46, font=font, size=18, align="center", bold=True,
              char_space=3)

    # the facts of the day, in a ruled grid of label/value pairs
    facts = [
        ("收款员", s.get("cashier", ""), "营业日期", s.get("business_on", "")),
        ("项目", s.get("site_name", ""), "日结时间", s.get("confirmed_at") or "未日结"),
        ("收据张数", str(s.get("count", "")), "收据号段", _range(s)),
    ]
    label_w, value_w = 70, width / 2 - 70
    grid = [Column("", label_w), Column("", value_w), Column("", label_w), Column("", value_w)]
    row_h = 20
    top = flow.reserve(row_h * len(facts) + 12)
    for i, row in enumerate(facts):
        ry = top - row_h * (i + 1)
        c.saveState()
        c.setFillColor(LIGHT_FILL)
        c.rect(left, ry, label_w, row_h, stroke=0, fill=1)
        c.rect(left + label_w + value_w, ry, label_w, row_h, stroke=0, fill=1)
        c.restoreState()
        x = left
        for col, text in zip(grid, row):
            draw_text_box(c, text, x, ry, col.width, row_h, font=font, size=10, min_size=7, padding=4,
                          align="center" if col.width == label_w else "left")
            x += col.width
    bottom = top - row_h * len(facts)
    rule_grid(c, left, top, bottom, grid, row_lines=[top - row_h * (i + 1) for i in range(len(facts) - 1)])

    _section_title(flow, "一、按收款方式汇总")
    method_cols = [Column("收款方式", width * 0.4, align="center"), Column("笔数", width * 0.2, align="center"),
                   Column("金额（元）", width * 0.4, align="right")]
    totals = [[t.get("label") or t.get("method", ""), str(t.get("count", "")), _amount(t.get("amount"))]
              for t in s.get("totals_by_method") or []]
    totals.append(["合计", str(sum(int(t.get("count") or 0) for t in s.get("totals_by_method") or [])),
                   _amount(s.get("total"))])
    _flow_table(flow, method_cols, totals, row_h=19, size=10, bold_last=True)
    y = flow.reserve(24)
    draw_text_box(c, f"合计人民币（大写）：{_capitals(s)}", left, y - 22, width, 22, font=font,
                  size=11, min_size=7, padding=0, bold=False)

    _section_title(flow, "二、收据明细")
    receipt_list = s.get("receipts") or []
    with_time = any(r.get("issued_at") for r in receipt_list)
    receipt_cols = [
        Column("序号", 30, align="center"), Column("收据号", 92, align="center", min_size=6.5),
        Column("时间", 52, align="center", min_size=6.5), Column("交款单位（人）", 125, min_size=6.5),
        Column("房号", 70, min_size=6.5), Column("收款方式", 52, align="center", min_size=6.5),
        Column("金额（元）", 0, align="right", min_size=6.5), Column("状态", 36, align="center"),
    ]
    if not with_time:
        receipt_cols[3] = Column("交款单位（人）", 125 + 52, min_size=6.5)
        del receipt_cols[2]
    amount_at = len(receipt_cols) - 2
    receipt_cols[amount_at] = Column("金额（元）", width - table_width(receipt_cols), align="right", min_size=6.5)
    receipts = [
        [str(i), r.get("number", "")] + ([r.get("issued_at", "")] if with_time else [])
        + [r.get("payer", ""), r.get("units", ""), r.get("method_label", ""), _amount(r.get("amount")),
           "作废" if r.get("status") == "voided" else "有效"]
        for i, r in enumerate(receipt_list, start=1)
    ]
    _flow_table(flow, receipt_cols, receipts, row_h=17, size=8.5, empty="当日无收据")

    _section_title(flow, "三、作废收据")
    void_list = s.get("voids") or []
    with_who = any(v.get("voided_by") for v in void_list)
    void_cols = [Column("收据号", 100, align="center", min_size=6.5), Column("金额（元）", 90, align="right"),
                 Column("作废原因", width - 190 - (80 if with_who else 0), min_size=6.5)]
    if with_who:
        void_cols.append(Column("作废人", 80, align="center", min_size=6.5))
    voids = [[v.get("number", ""), _amount(v.get("amount")), v.get("reason", ""), v.get("voided_by", "")]
             for v in void_list]
    _flow_table(flow, void_cols, voids, row_h=22, size=9, empty="无")

    # receipts that left with collectors on visits (预约上门收费), and those that came back
    visits_out, visits_back = s.get("visits_out") or [], s.get("visits_back") or []
    if visits_out or visits_back:
        _section_title(flow, "四、上门收费收据")
        states = {"out": "外出未交回", "paid": "已收款", "unused": "未使用作废"}
        visit_cols = [Column("收据号", 100, align="center", min_size=6.5), Column("方向", 50, align="center"),
                      Column("客户", width - 390, min_size=6.5), Column("收费员", 70, align="center", min_size=6.5),
                      Column("金额（元）", 80, align="right"), Column("状态", 90, min_size=6.5)]
        visits = [[v.get("number", ""), "领出", v.get("payer", ""), v.get("collector", ""), _amount(v.get("amount")),
                   states.get(v.get("status"), "")] for v in visits_out]
        visits += [[v.get("number", ""), "交回", v.get("payer", ""), v.get("collector", ""), _amount(v.get("amount")),
                    (states.get(v.get("status"), "") + (f"：{v['reason']}" if v.get("reason") else ""))[:40]]
                   for v in visits_back]
        _flow_table(flow, visit_cols, visits, row_h=20, size=8.5)

    # the handover: the cashier hands the money and this report to the supervisor
    y = flow.reserve(70) - 40
    half = width / 2
    for x, who in ((left, "收款员（签字）："), (left + half, "主管（签字）：")):
        draw_text(c, who, x, y, font=font, size=11)
        c.setLineWidth(0.5)
        c.line(x + 92, y - 2, x + half - 20, y - 2)
        draw_text(c, "日期：", x, y - 26, font=font, size=11)
        c.line(x + 38, y - 28, x + half - 20, y - 28)
    return doc.finish()


def _capitals(s) -> str:
    if s.get("total_capitals"):
        return s["total_capitals"]
    try:
        return amount_in_capitals(Decimal(str(s.get("total") or "0")))
    except (InvalidOperation, ValueError):
        return ""


def _range(s) -> str:
    first, last = s.get("first_number") or "", s.get("last_number") or ""
    if first and last and first != last:
        return f"{first} 至 {last}"
    return first or last


def _section_title(flow, text):
    # keep a title with the first rows of its table rather than alone at the foot of a page
    top = flow.reserve(30 + 44)
    flow.y = top - 30
    y = top - 22
    draw_text(flow.doc.canvas, text, flow.doc.left, y, font=flow.doc.font, size=11.5, bold=True)


def _flow_table(flow, columns, rows, *, row_h, size, empty=None, bold_last=False):
    """A ruled table that continues over pages, its header repeated on each; a table with no
    rows shows `empty` in one row."""
    doc, c = flow.doc, flow.doc.canvas
    font, left, header_h = doc.font, doc.left, row_h + 2
    width = table_width(columns)
    if not rows:
        top = flow.reserve(header_h + row_h)
        y = draw_header(c, left, top, columns, font=font, size=size, height=header_h, fill=LIGHT_FILL)
        draw_text_box(c, empty or "", left, y - row_h, width, row_h, font=font, size=size, align="center")
        rule_grid(c, left, top, y - row_h, columns, row_lines=[y], column_rules_to=y)
        return
    index = 0
    while index < len(rows):
        # keep the header with at least one row
        top = flow.reserve(header_h + row_h)
        flow.y = top
        fits = max(int((flow.space_left() - header_h) // row_h), 1)
        chunk = rows[index:index + fits]
        y = draw_header(c, left, top, columns, font=font, size=size, height=header_h, fill=LIGHT_FILL)
        bottom = draw_rows(c, left, y, columns, chunk, font=font, size=size, row_height=row_h)
        if bold_last and index + len(chunk) == len(rows):
            c.saveState()
            c.setLineWidth(1)
            c.line(left, bottom + row_h, left + width, bottom + row_h)
            c.restoreState()
        rule_grid(c, left, top, bottom, columns, row_lines=[y - row_h * i for i in range(len(chunk))])
        flow.y = bottom
        index += len(chunk)
        if index < len(rows):
            flow.new_page()
