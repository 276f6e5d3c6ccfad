"""Dunning notices (催款通知书) and payment notices (缴款通知书) as A4-portrait PDFs, drawn from their
frozen snapshots: a batch is one PDF, each notice starting on a page of its own."""
from decimal import Decimal, InvalidOperation

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ..core.money import format_amount
from ..pdf import (
    A4_PORTRAIT, Column, Document, Margins, draw_boxed_mark, draw_header, draw_rows, draw_text, draw_text_box,
    paginate, rule_grid, table_width, wrap,
)

MARGINS = Margins(top=18 * mm, right=18 * mm, bottom=16 * mm, left=18 * mm)
NUMBER_RED = Color(0.75, 0.08, 0.08)
LIGHT_FILL = Color(0.93, 0.93, 0.93)
FIRST_PAGE_ROWS = 14  # below the letter's heading and wording, with the totals and the slip underneath
NEXT_PAGE_ROWS = 34


def _amount(value) -> str:
    try:
        return format_amount(Decimal(str(value)), symbol=False)
    except (InvalidOperation, ValueError):
        return ""


def render_dunning_notices(snapshots, *, reprint=False) -> bytes:
    """Dunning notices, one after the other, each from its first page; `reprint` (one flag for all,
    or one per notice) marks them 补打."""
    return _render(snapshots, "催款通知书", _draw_dunning_notice, reprint)


def render_payment_notices(snapshots, *, reprint=False) -> bytes:
    """Payment notices, one customer per page (more when the list of charges is long)."""
    return _render(snapshots, "缴款通知书", _draw_payment_notice, reprint)


def _render(snapshots, title_zh, draw, reprint) -> bytes:
    snapshots = list(snapshots)
    marks = _marks(reprint, len(snapshots))
    first = snapshots[0] if snapshots else {}
    title = first.get("number", "") if len(snapshots) == 1 else f"{title_zh} {len(snapshots)} 份"
    doc = Document(A4_PORTRAIT, title=title, author=first.get("company_name", ""), subject=title_zh,
                   margins=MARGINS)
    for index, s in enumerate(snapshots):
        if index:
            doc.new_page()
        draw(doc, s, reprint=marks[index])
    return doc.finish()


def _marks(reprint, count) -> list[bool]:
    return list(reprint) if isinstance(reprint, (list, tuple)) else [bool(reprint)] * count


# --- pieces both notices share -------------------------------------------------------------------

def _heading(doc, s, title, *, reprint) -> float:
    """Company, title and number; returns the y below them."""
    c, font, left, top, width = doc.canvas, doc.font, doc.left, doc.top, doc.content_width
    draw_text_box(c, s.get("company_name", ""), left, top - 20, width, 20, font=font, size=14, min_size=9,
                  align="center", padding=0)
    draw_text(c, title, left + width / 2, top - 48, font=font, size=20, align="center", bold=True, char_space=2,
              max_width=width - 150)
    c.setFillColor(NUMBER_RED)
    draw_text(c, f"No. {s.get('number', '')}", doc.right, top - 68, font=font, size=11, align="right")
    c.setFillColor(black)
    if reprint:
        draw_boxed_mark(c, "补打", left + 30, top - 40, font=font, size=14, angle=8)
    return top - 78


def _paragraph(doc, text, y, *, size=11, indent=True) -> float:
    """Wrapped text starting below y (the first line indented two characters, as a letter is);
    returns the y below it."""
    c, font, width = doc.canvas, doc.font, doc.content_width
    leading = size * 1.6
    lines = wrap(("\u3000\u3000" if indent else "") + (text or ""), font, size, width)
    for line in lines:
        y -= leading
        draw_text(c, line, doc.left, y, font=font, size=size)
    return y


def _table(doc, columns, rows, y, *, min_rows=0, size=9.5, row_h=19) -> float:
    c, font = doc.canvas, doc.font
    header_bottom = draw_header(c, doc.left, y, columns, font=font, size=size, height=row_h + 2, fill=LIGHT_FILL)
    bottom = draw_rows(c, doc.left, header_bottom, columns, rows, font=font, size=size, row_height=row_h,
                       min_rows=min_rows)
    count = max(len(rows), min_rows)
    rule_grid(c, doc.left, y, bottom, columns, row_lines=[header_bottom - row_h * i for i in range(count)])
    return bottom


def _total_lines(doc, pairs, y, *, size=10.5) -> float:
    """Label: value lines under a table, the values right-aligned with its amount column."""
    for label, value, bold in pairs:
        y -= size * 1.8
        draw_text(doc.canvas, label, doc.left, y, font=doc.font, size=size, bold=bold)
        draw_text(doc.canvas, value, doc.right, y, font=doc.font, size=size, align="right", bold=bold)
    return y


def _signature(doc, s, y, day_text) -> float:
    c, font = doc.canvas, doc.font
    x = doc.left + doc.content_width * 0.52
    y -= 26
    draw_text_box(c, s.get("company_name", ""), x, y - 4, doc.right - x, 18, font=font, size=11, min_size=8,
                  align="right", padding=0)
    y -= 20
    draw_text(c, "（盖章）", doc.right, y, font=font, size=10, align="right")
    y -= 18
    draw_text(c, day_text, doc.right, y, font=font, size=11, align="right")
    return y


def _contact(s) -> str:
    parts = []
    if s.get("site_address"):
        parts.append(f"地址：{s['site_address']}")
    if s.get("site_phone"):
        parts.append(f"电话：{s['site_phone']}")
    return "　".join(parts)


def _continued(doc, s, what, page, pages):
    c, font = doc.canvas, doc.font
    draw_text(c, f"{what} {s.get('number', '')}（续）", doc.left, doc.top - 14, font=font, size=11, bold=True)
    draw_text(c, f"第 {page} 页 / 共 {pages} 页", doc.right, doc.top - 14, font=font, size=9, align="right")
    return doc.top - 26


# --- the dunning notice --------------------------------------------------------------------------

def _dunning_columns(width):
    fixed = [Column("所属期间", 58, align="center"), Column("收费项目", 88, min_size=7),
             Column("房号", 62, min_size=7), Column("应缴日期", 62, align="center"),
             Column("欠费金额（元）", 78, align="right"), Column("逾期天数", 46, align="center"),
             Column("违约金（元）", 0, align="right")]
    fixed[-1] = Column("违约金（元）", width - table_width(fixed), align="right")
    return fixed


def _draw_dunning_notice(doc, s, *, reprint):
    c, font, width = doc.canvas, doc.font, doc.content_width
    lines = s.get("lines") or []
    rows = [[ln.get("period", ""), ln.get("item", ""), ln.get("unit", ""), ln.get("due_on", ""),
             _amount(ln.get("amount")), str(ln.get("days", "")), _amount(ln.get("late_fee"))] for ln in lines]
    pages = paginate(rows, NEXT_PAGE_ROWS, first_page=FIRST_PAGE_ROWS)
    columns = _dunning_columns(width)

    y = _heading(doc, s, s.get("title") or "催款通知书", reprint=reprint)
    y -= 8
    draw_text_box(c, f"致：{s.get('customer', '')}", doc.left, y - 18, width * 0.6, 18, font=font, size=12,
                  min_size=8, padding=0, max_lines=1)
    draw_text_box(c, f"房号：{s.get('units', '')}", doc.left + width * 0.6, y - 18, width * 0.4, 18, font=font,
                  size=11, min_size=7, align="right", padding=0, max_lines=1)
    y = _paragraph(doc, s.get("wording", ""), y - 20)
    y -= 10
    for number, chunk in enumerate(pages, start=1):
        if number > 1:
            doc.new_page()
            y = _continued(doc, s, "催款通知书", number, len(pages))
        y = _table(doc, columns, chunk, y, min_rows=0 if len(pages) > 1 else 3)
    label = s.get("label") or "违约金"
    y = _total_lines(doc, [
        ("欠费合计", f"￥{_amount(s.get('principal'))}", False),
        (f"{label}合计（计至{s.get('issued_on_zh', '')}）", f"￥{_amount(s.get('late_fee'))}", False),
        (f"应缴总额　{s.get('total_capitals', '')}", s.get("total_figures", ""), True),
    ], y)
    y -= 6
    explanations = [f"{ln.get('period', '')} {ln.get('item', '')}：{ln['rule']}" for ln in lines if ln.get("rule")]
    if explanations or s.get("fee_rules"):
        y = _paragraph(doc, f"{label}计算：" + "；".join(s.get("fee_rules") or []), y, size=9, indent=False)
        for text in explanations[:12]:
            y = _paragraph(doc, text, y, size=8.5, indent=False)
        if len(explanations) > 12:
            y = _paragraph(doc, f"……另有 {len(explanations) - 12} 项，计算方法同上。", y, size=8.5, indent=False)
    y -= 4
    y = _paragraph(doc, f"请于{s.get('deadline_zh', '')}前缴清上述款项。{s.get('how_to_pay', '')}", y, size=11)
    if _contact(s):
        y = _paragraph(doc, _contact(s), y, size=10, indent=False)
    y = _signature(doc, s, y, s.get("issued_on_zh", ""))
    _receipt_slip(doc, s, min(y - 20, doc.bottom + 70))


def _receipt_slip(doc, s, y):
    """The tear-off acknowledgement at the foot of the page: proof the notice was received."""
    c, font = doc.canvas, doc.font
    c.saveState()
    c.setDash(3, 3)
    c.setLineWidth(0.5)
    c.line(doc.left, y, doc.right, y)
    c.restoreState()
    y -= 18
    draw_text(c, f"签收回执　催款通知书 {s.get('number', '')}　{s.get('customer', '')}", doc.left, y, font=font,
              size=10, max_width=doc.content_width)
    y -= 26
    draw_text(c, "签收人：", doc.left, y, font=font, size=10.5)
    c.line(doc.left + 44, y - 2, doc.left + 200, y - 2)
    draw_text(c, "签收日期：", doc.left + 230, y, font=font, size=10.5)
    c.line(doc.left + 286, y - 2, doc.right, y - 2)


# --- the payment notice --------------------------------------------------------------------------

def _payment_columns(width):
    cols = [Column("所属期间", 60, align="center"), Column("收费项目", 100, min_size=7), Column("房号", 70, min_size=7),
            Column("说明", 0, min_size=6.5), Column("应缴日期", 66, align="center"),
            Column("金额（元）", 84, align="right")]
    cols[3] = Column("说明", width - table_width(cols), min_size=6.5)
    return cols


def _draw_payment_notice(doc, s, *, reprint):
    c, font, width = doc.canvas, doc.font, doc.content_width
    columns = _payment_columns(width)

    def rows_of(lines):
        return [[ln.get("period", ""), ln.get("item", ""), ln.get("unit", ""), ln.get("description", ""),
                 ln.get("due_on", ""), _amount(ln.get("amount"))] for ln in lines]

    current, arrears = rows_of(s.get("lines") or []), rows_of(s.get("arrears") or [])
    y = _heading(doc, s, "缴款通知书", reprint=reprint)
    y -= 8
    draw_text_box(c, f"致：{s.get('customer', '')}", doc.left, y - 18, width * 0.6, 18, font=font, size=12,
                  min_size=8, padding=0, max_lines=1)
    draw_text_box(c, f"房号：{s.get('units', '')}", doc.left + width * 0.6, y - 18, width * 0.4, 18, font=font,
                  size=11, min_size=7, align="right", padding=0, max_lines=1)
    text = f"贵方{s.get('period', '')}期间的费用如下，请于{s.get('due_zh', '')}前缴纳。"
    if arrears:
        text += "往期尚有未缴费用一并列出，请一并缴清。"
    y = _paragraph(doc, text, y - 20)
    y -= 10
    # this period's charges first, then the earlier arrears, in one table continued over pages
    pages = paginate(current + arrears, NEXT_PAGE_ROWS, first_page=FIRST_PAGE_ROWS + 4)
    for number, chunk in enumerate(pages, start=1):
        if number > 1:
            doc.new_page()
            y = _continued(doc, s, "缴款通知书", number, len(pages))
        y = _table(doc, columns, chunk, y, min_rows=0 if len(pages) > 1 else 3)
    pairs = [("本期应缴", f"￥{_amount(s.get('period_total'))}", False)]
    if arrears:
        pairs.append(("往期欠费", f"￥{_amount(s.get('arrears_total'))}", False))
    pairs.append((f"合计　{s.get('total_capitals', '')}", s.get("total_figures", ""), True))
    y = _total_lines(doc, pairs, y)
    y -= 6
    y = _paragraph(doc, f"缴费方式：{s.get('how_to_pay', '')}", y, size=10.5, indent=False)
    if _contact(s):
        y = _paragraph(doc, _contact(s), y, size=10, indent=False)
    y = _paragraph(doc, "如已缴纳，请忽略本通知。感谢您的支持与配合！", y, size=10.5, indent=False)
    _signature(doc, s, y, s.get("issued_on_zh", ""))
