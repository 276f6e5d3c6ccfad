"""The visitor slip (会客登记单, two copies on one A4 page) and the visitor register (来访登记簿)
that security keeps.

Like the receipts, these are Chinese forms: their labels belong to the form and are constants
here, not UI strings. Phone and ID numbers are always printed masked, whoever prints: paper
leaves the desk and nobody can take it back. A visit carries copies of the visitor's and the
host's details as they were that day, so the slip is drawn from the visit alone."""
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from ..core import clock
from ..pdf import (
    A4_PORTRAIT, Column, Document, Margins, draw_header, draw_rows, draw_text, draw_text_box, paginate, rule_grid,
    table_width,
)
from . import rules

PURPOSE_WORDS = {"business": "商务洽谈", "interview": "面试", "delivery": "送货", "contractor": "施工维修",
                 "other": "其他"}
ID_TYPE_WORDS = {"id_card": "身份证", "passport": "护照", "hk_macao_permit": "港澳通行证",
                 "taiwan_permit": "台湾通行证", "other": "其他证件"}
NO_PASS = "无"
NOT_SIGNED_OUT = "未登记离开"
NO_VISITS = "本期无来访记录"
REGISTER_HEADERS = ("序号", "访客单号", "到访时间", "姓名", "单位", "电话", "人数", "事由", "受访人", "访客卡",
                    "离开时间", "登记人")

NUMBER_RED = Color(0.75, 0.05, 0.05)
LIGHT_FILL = Color(0.93, 0.93, 0.93)
A4_LANDSCAPE = landscape(A4)


# --- what both documents and the workbook print ------------------------------------------------

def masked(value) -> str:
    """137****5678, 110***********1234: the first 3 and last 4 characters, never fewer than 4
    hidden, so a short number is not printed nearly whole."""
    text = str(value or "").strip()
    if not text:
        return ""
    hidden = min(max(len(text) - 7, 4), len(text))
    shown = len(text) - hidden
    tail = min(4, shown)
    return text[:shown - tail] + "*" * hidden + text[len(text) - tail:]


def local_text(at) -> str:
    """An instant as Shanghai wall time, 2026-03-31 10:00; empty for none."""
    return clock.local(at).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def purpose_text(visit) -> str:
    word = PURPOSE_WORDS.get(visit.purpose, visit.purpose or "")
    return f"{word}：{visit.purpose_note}" if visit.purpose_note else word


def id_text(visit) -> str:
    if not visit.id_number:
        return ""
    return f"{ID_TYPE_WORDS.get(visit.id_type, ID_TYPE_WORDS['other'])} {masked(visit.id_number)}"


def host_text(visit) -> str:
    return rules.host_label(visit.host_kind, visit.host_name, visit.host_company, visit.host_unit)


def clerk_name(visit) -> str:
    return visit.registered_by.full_name if visit.registered_by is not None else ""


def qr_drawing(value: str, size: float) -> Drawing:
    """A QR code of `value`, `size` points square including its quiet zone."""
    widget = QrCodeWidget(value, barLevel="M", barWidth=size, barHeight=size)
    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


def slip_qr_value(visit) -> str:
    """What the slip's QR code holds: the visit number, which the desk's search finds."""
    return visit.number


def _spaced(canvas, text, x, y, **kwargs) -> float:
    """draw_text with letter spacing, kept to this text: the PDF's character spacing is part of
    the graphics state and would otherwise carry over to everything drawn after it."""
    canvas.saveState()
    try:
        return draw_text(canvas, text, x, y, **kwargs)
    finally:
        canvas.restoreState()


# --- the visitor slip --------------------------------------------------------------------------

SLIP_MARGINS = Margins(top=12 * mm, right=15 * mm, bottom=12 * mm, left=15 * mm)
SLIP_COPIES = (
    ("第一联 存根联", "本联由前台留存备查。"),
    ("第二联 访客联", "请随身携带本联。离开时请受访人签字，并将本联与访客卡交回前台。"),
)
SLIP_ROW_H = 26
SLIP_LABEL_W = 62
SLIP_SIDE_W = 130  # the QR code and the pass number, right of the grid
SLIP_QR_SIZE = 104
SLIP_QR_FORM = "visit-qr"


def visitor_slip(visit, site) -> bytes:
    """The visitor slip as one A4-portrait page: the desk's stub above, the visitor's copy below,
    a dashed line to cut along between them. Each copy carries the visit number as text and as
    a QR code, the pass number in large print, and blanks for the visitor's and the host's
    signatures and the time of leaving."""
    doc = Document(A4_PORTRAIT, title=f"会客登记单 {visit.number}", author=site.name, subject="会客登记单",
                   margins=SLIP_MARGINS)
    middle = doc.height / 2
    # the QR code is encoded and drawn once, then placed on both copies
    doc.canvas.beginForm(SLIP_QR_FORM)
    renderPDF.draw(qr_drawing(slip_qr_value(visit), SLIP_QR_SIZE), doc.canvas, 0, 0)
    doc.canvas.endForm()
    _draw_slip_copy(doc, visit, site, *SLIP_COPIES[0], top=doc.top)
    _draw_cut_line(doc, middle)
    _draw_slip_copy(doc, visit, site, *SLIP_COPIES[1], top=middle - 8 * mm)
    return doc.finish()


def _draw_cut_line(doc, y):
    c, font = doc.canvas, doc.font
    c.saveState()
    c.setDash(4, 3)
    c.setLineWidth(0.6)
    c.setStrokeColor(Color(0.45, 0.45, 0.45))
    c.line(doc.left - 8 * mm, y, doc.right + 8 * mm, y)
    c.restoreState()
    label = "沿此虚线剪开"
    c.saveState()
    c.setFillColor(white)
    c.rect(doc.width / 2 - 40, y - 6, 80, 12, stroke=0, fill=1)
    c.setFillColor(Color(0.45, 0.45, 0.45))
    _spaced(c, label, doc.width / 2, y - 3, font=font, size=8, align="center", char_space=1)
    c.restoreState()


def _draw_slip_copy(doc, visit, site, copy_label, note, *, top):
    c, font = doc.canvas, doc.font
    left, right, width = doc.left, doc.right, doc.content_width
    centre = left + width / 2

    # heading: the site, the title over a double rule, the number in red and the copy's name
    draw_text_box(c, site.name, left + 120, top - 16, width - 240, 16, font=font, size=12, min_size=8,
                  align="center", padding=0)
    title_w = _spaced(c, "会客登记单", centre, top - 42, font=font, size=20, align="center", bold=True,
                      char_space=8)
    c.setLineWidth(0.8)
    c.line(centre - title_w / 2 - 12, top - 48, centre + title_w / 2 + 12, top - 48)
    c.line(centre - title_w / 2 - 12, top - 50.5, centre + title_w / 2 + 12, top - 50.5)
    c.setFillColor(NUMBER_RED)
    draw_text(c, f"No. {visit.number}", left, top - 42, font=font, size=12, max_width=150)
    c.setFillColor(black)
    label_w = draw_text(c, copy_label, right - 6, top - 41, font=font, size=11, align="right", bold=True)
    c.setLineWidth(0.8)
    c.rect(right - label_w - 12, top - 46, label_w + 12, 18, stroke=1, fill=0)

    # the grid of what was registered, two label/value pairs a row or one pair across
    grid_top = top - 60
    grid_w = width - SLIP_SIDE_W
    value_w = (grid_w - 2 * SLIP_LABEL_W) / 2
    rows = [
        ("到访时间", local_text(visit.arrived_at), "登记人", clerk_name(visit)),
        ("访客姓名", visit.name, "人数", f"{visit.party_size} 人"),
        ("访客单位", visit.company),
        ("联系电话", masked(visit.phone), "车牌号码", visit.plate),
        ("证件号码", id_text(visit)),
        ("来访事由", purpose_text(visit)),
        ("受访人", visit.host_name, "所在房号", visit.host_unit),
        ("受访单位", visit.host_company),
    ]
    grid_bottom = grid_top - SLIP_ROW_H * len(rows)
    c.saveState()
    c.setFillColor(LIGHT_FILL)
    for i, row in enumerate(rows):
        y = grid_top - SLIP_ROW_H * (i + 1)
        c.rect(left, y, SLIP_LABEL_W, SLIP_ROW_H, stroke=0, fill=1)
        if len(row) == 4:
            c.rect(left + SLIP_LABEL_W + value_w, y, SLIP_LABEL_W, SLIP_ROW_H, stroke=0, fill=1)
    c.restoreState()
    c.setLineWidth(0.5)
    for i, row in enumerate(rows):
        y = grid_top - SLIP_ROW_H * (i + 1)
        if i:
            c.line(left, y + SLIP_ROW_H, left + grid_w, y + SLIP_ROW_H)
        cells = [(row[0], SLIP_LABEL_W, True), (row[1], value_w if len(row) == 4 else grid_w - SLIP_LABEL_W, False)]
        if len(row) == 4:
            cells += [(row[2], SLIP_LABEL_W, True), (row[3], value_w, False)]
        x = left
        for text, cell_w, is_label in cells:
            draw_text_box(c, text, x, y, cell_w, SLIP_ROW_H, font=font, size=10.5 if is_label else 11, min_size=7,
                          align="center" if is_label else "left", padding=4, max_lines=2)
            x += cell_w
            if x < left + grid_w - 1:
                c.line(x, y, x, y + SLIP_ROW_H)

    # right of the grid: the QR code of the visit number, and the pass in large print
    side_x = left + grid_w
    qr_box_h = SLIP_ROW_H * 5
    c.saveState()
    c.translate(side_x + (SLIP_SIDE_W - SLIP_QR_SIZE) / 2, grid_top - 4 - SLIP_QR_SIZE)
    c.doForm(SLIP_QR_FORM)
    c.restoreState()
    draw_text(c, visit.number, side_x + SLIP_SIDE_W / 2, grid_top - qr_box_h + 8, font=font, size=8,
              align="center", max_width=SLIP_SIDE_W - 8)
    c.line(side_x, grid_top - qr_box_h, right, grid_top - qr_box_h)
    _spaced(c, "访客卡号", side_x + SLIP_SIDE_W / 2, grid_top - qr_box_h - 16, font=font, size=10, align="center",
            char_space=2)
    draw_text_box(c, visit.pass_number or NO_PASS, side_x, grid_bottom + 2, SLIP_SIDE_W, SLIP_ROW_H * 3 - 22,
                  font=font, size=34, min_size=14, align="center", bold=True, padding=4, max_lines=1)
    c.line(side_x, grid_top, side_x, grid_bottom)
    c.setLineWidth(1.1)
    c.rect(left, grid_bottom, width, grid_top - grid_bottom, stroke=1, fill=0)

    # what the visitor and the host sign, and when the visitor left
    y = grid_bottom - 30
    third = width / 3
    left_at = local_text(visit.signed_out_at)
    c.setLineWidth(0.5)
    for i, (label, filled) in enumerate((("访客签字：", ""), ("受访人签字：", ""), ("离开时间：", left_at))):
        x = left + third * i
        label_w = draw_text(c, label, x, y, font=font, size=10.5)
        c.line(x + label_w + 2, y - 3, x + third - 14, y - 3)
        if filled:
            draw_text(c, filled, x + label_w + 6, y, font=font, size=10.5, max_width=third - label_w - 22)
    contact = f"　前台电话：{site.phone}" if site.phone else ""
    draw_text_box(c, note + contact, left, y - 34, width, 16, font=font, size=9, min_size=6.5, padding=0,
                  max_lines=1)


# --- the visitor register ----------------------------------------------------------------------

REGISTER_MARGINS = Margins(top=12 * mm, right=12 * mm, bottom=14 * mm, left=12 * mm)
REGISTER_ROW_H = 22
REGISTER_HEADER_H = 22
REGISTER_TITLE_H = 46
REGISTER_TOTAL_H = 26
_LEFT_COLUMN = REGISTER_HEADERS.index("离开时间")


def _register_columns(width):
    columns = [
        Column("序号", 30, align="center"), Column("访客单号", 70, align="center", min_size=6.5),
        Column("到访时间", 70, align="center", min_size=6.5), Column("姓名", 54, min_size=6.5),
        Column("单位", 100, min_size=6.5), Column("电话", 62, align="center", min_size=6.5),
        Column("人数", 28, align="center"), Column("事由", 86, min_size=6.5), Column("受访人", 0, min_size=6.5),
        Column("访客卡", 40, align="center", min_size=6.5), Column("离开时间", 70, align="center", min_size=6.5),
        Column("登记人", 46, align="center", min_size=6.5),
    ]
    columns[8] = Column("受访人", width - table_width(columns), min_size=6.5)
    return columns


def _register_row(index, visit) -> list[str]:
    return [str(index), visit.number, local_text(visit.arrived_at), visit.name, visit.company, masked(visit.phone),
            str(visit.party_size), purpose_text(visit), host_text(visit), visit.pass_number or NO_PASS,
            local_text(visit.signed_out_at), clerk_name(visit)]


def visitor_register(site, rows, start_on, end_on) -> bytes:
    """The visitor register for security as A4-landscape pages: every visit of the date range in
    order of arrival, the header repeated on each page, 未登记离开 in bold for a visitor never
    signed out, and the count of visits and people at the end."""
    rows = list(rows)
    period = f"{start_on.isoformat()} 至 {end_on.isoformat()}"
    heading = f"{site.name}　来访登记簿"

    def footer(canvas, number, total):
        canvas.setFillColor(black)
        draw_text(canvas, f"{heading}　{period}", REGISTER_MARGINS.left, 7 * mm, font=doc.font, size=8,
                  max_width=400)
        draw_text(canvas, f"第 {number} 页 共 {total} 页", A4_LANDSCAPE[0] - REGISTER_MARGINS.right, 7 * mm,
                  font=doc.font, size=8, align="right")

    doc = Document(A4_LANDSCAPE, title=f"来访登记簿 {period}", author=site.name, subject="来访登记簿",
                   margins=REGISTER_MARGINS, page_footer=footer)
    c, font = doc.canvas, doc.font
    columns = _register_columns(doc.content_width)
    # every page has the heading and the header; the last page also the totals
    room = doc.top - doc.bottom - REGISTER_TITLE_H - REGISTER_HEADER_H - REGISTER_TOTAL_H
    pages = paginate(rows, max(int(room // REGISTER_ROW_H), 1))
    number = 0
    for page_index, chunk in enumerate(pages):
        if page_index:
            doc.new_page()
        _spaced(c, heading, doc.left + doc.content_width / 2, doc.top - 18, font=font, size=16, align="center",
                bold=True, char_space=1, max_width=doc.content_width - 200)
        draw_text(c, f"登记期间：{period}", doc.left + doc.content_width / 2, doc.top - 36, font=font, size=10,
                  align="center")
        table_top = doc.top - REGISTER_TITLE_H
        y = draw_header(c, doc.left, table_top, columns, font=font, size=9, height=REGISTER_HEADER_H, fill=LIGHT_FILL)
        if not chunk:
            bottom = y - REGISTER_ROW_H
            draw_text_box(c, NO_VISITS, doc.left, bottom, doc.content_width, REGISTER_ROW_H, font=font, size=10,
                          align="center")
            rule_grid(c, doc.left, table_top, bottom, columns, row_lines=[y], column_rules_to=y)
        else:
            cells = []
            for visit in chunk:
                number += 1
                cells.append(_register_row(number, visit))
            bottom = draw_rows(c, doc.left, y, columns, cells, font=font, size=8.5, row_height=REGISTER_ROW_H)
            # the leaving time of a visitor never signed out is blank in the row: it is written in bold
            for i, visit in enumerate(chunk):
                if visit.signed_out_at is None:
                    x = doc.left + table_width(columns[:_LEFT_COLUMN])
                    draw_text_box(c, NOT_SIGNED_OUT, x, y - REGISTER_ROW_H * (i + 1), columns[_LEFT_COLUMN].width,
                                  REGISTER_ROW_H, font=font, size=9, align="center", bold=True)
            rule_grid(c, doc.left, table_top, bottom, columns,
                      row_lines=[y - REGISTER_ROW_H * i for i in range(len(chunk))])
        if page_index == len(pages) - 1:
            people = sum(v.party_size or 0 for v in rows)
            still = sum(1 for v in rows if v.signed_out_at is None)
            total = f"本期来访共 {len(rows)} 次，合计 {people} 人"
            if still:
                total += f"；其中 {still} 次未登记离开"
            draw_text(c, total, doc.left, bottom - 17, font=font, size=10.5, bold=True, max_width=doc.content_width)
    return doc.finish()

