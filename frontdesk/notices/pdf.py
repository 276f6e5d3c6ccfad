"""The approved notice as an A4 page to post, drawn from the snapshot frozen at its approval, so a
reprint says exactly what the original said (and is marked 补打): the company, the title, the
number, the text laid out from its markup, the dates, and the service centre's name under its seal.
A preview of a draft is the same page without seal, marked 样稿 across every page (numbered only
when it is a new revision of a numbered notice).
The posting log (张贴记录) of a range of days is printed here too, in number order, for filing.

Like the receipts, this is a Chinese document: its words belong to the form and are constants here."""
from datetime import date

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from ..core import clock
from ..pdf import (
    A4_PORTRAIT, Column, Document, Flow, Margins, draw_boxed_mark, draw_diagonal_stamp, draw_header, draw_round_seal,
    draw_rows, draw_text, draw_text_box, paginate, register_font, rule_grid, table_width, wrap,
)
from . import rules

MARGINS = Margins(top=22 * mm, right=22 * mm, bottom=20 * mm, left=22 * mm)
SIZE = 12
LEADING = SIZE * 1.75
INDENT = SIZE * 2  # two characters, as a Chinese paragraph starts
PREVIEW_NUMBER = "（审批后编号）"
PREVIEW_MARK = "样稿"


def day(value) -> str:
    """2026-04-02 → 2026年4月2日."""
    if not value:
        return ""
    d = date.fromisoformat(value)
    return f"{d.year}年{d.month}月{d.day}日"


def _preview_mark(canvas, _page, _pages):
    draw_diagonal_stamp(canvas, PREVIEW_MARK, *A4_PORTRAIT, font=register_font(), alpha=0.25)


def render_notice(snapshot, *, reprint=False, preview=False) -> bytes:
    """One approved notice; `reprint` marks it 补打. A `preview` (of content not approved yet) has
    no seal and 样稿 across every page, and no number unless it is a new revision of a numbered one."""
    s = snapshot or {}
    doc = Document(A4_PORTRAIT, title=s.get("title", ""), author=s.get("company", ""), subject=s.get("number") or "",
                   margins=MARGINS, page_footer=_preview_mark if preview else None)
    c, font = doc.canvas, doc.font
    flow = Flow(doc)
    draw_text(c, s.get("company", ""), doc.width / 2, flow.reserve(20) - 14, font=font, size=13, align="center")
    for line in wrap(s.get("title", ""), font, 20, doc.content_width):
        draw_text(c, line, doc.width / 2, flow.reserve(34) - 26, font=font, size=20, align="center", bold=True)
    number = s.get("number") or (PREVIEW_NUMBER if preview else "")
    if s.get("number") and (s.get("revision") or 1) > 1:
        number += f"（第{s['revision']}版）"
    draw_text(c, f"编号：{number}", doc.right, flow.reserve(24) - 14, font=font, size=10.5, align="right")
    if reprint:
        draw_boxed_mark(c, "补打", doc.left + 30, doc.top - 40, font=font, size=14, angle=8)
    audience = "、".join(s.get("buildings") or []) or s.get("site", "")
    draw_text(c, f"尊敬的{audience}各位业主、租户：", doc.left, flow.reserve(LEADING) - SIZE, font=font, size=SIZE)
    flow.skip(4)
    for block in rules.parse_body(s.get("body", "")):
        _block(doc, flow, block)
    flow.skip(8)
    period = f"本通知有效期：{day(s.get('valid_from'))}至{day(s.get('valid_to'))}"
    draw_text(c, period, doc.left + INDENT, flow.reserve(LEADING) - SIZE, font=font, size=SIZE)
    # the signature block, with the seal over the centre's name
    top = flow.reserve(110)
    centre = f"{s.get('site', '')}客服中心"
    x = doc.right - 90
    draw_text(c, centre, x, top - 40, font=font, size=SIZE, align="center")
    draw_text(c, day(s.get("issued_on")), x, top - 40 - LEADING, font=font, size=SIZE, align="center")
    if not preview:
        draw_round_seal(c, s.get("company", ""), x, top - 44, font=font, radius=40, below="客服中心")
    return doc.finish()


def _block(doc, flow, block):
    c, font, width = doc.canvas, doc.font, doc.content_width
    if block.kind == "heading":
        for line in wrap(_plain(block.lines[0]), font, SIZE + 1, width):
            draw_text(c, line, doc.left, flow.reserve(LEADING) - SIZE, font=font, size=SIZE + 1, bold=True)
        return
    for number, runs in enumerate(block.lines, start=1):
        if block.kind == "paragraph":
            first, rest = INDENT, 0
            text = _plain(runs)
        else:
            mark = "•" if block.kind == "list" else f"{number}."
            first = rest = INDENT
            text = f"{mark} {_plain(runs)}"
        bold = len(runs) == 1 and runs[0][1]
        lines = wrap(text, font, SIZE, width - first)
        for index, line in enumerate(lines):
            offset = first if index == 0 else rest
            draw_text(c, line, doc.left + offset, flow.reserve(LEADING) - SIZE, font=font, size=SIZE, bold=bold)
    flow.skip(4)


def _plain(runs) -> str:
    """The words of a line; a line wholly in bold is drawn bold, bold inside a line as the text."""
    return "".join(text for text, _bold in runs)


# --- the posting log -----------------------------------------------------------------------------

LOG_MARGINS = Margins(top=12 * mm, right=12 * mm, bottom=14 * mm, left=12 * mm)
LOG_ROW_H = 24
LOG_HEADER_H = 22
LOG_TITLE_H = 48
LOG_TOTAL_H = 26
LOG_FILL = Color(0.93, 0.93, 0.93)
NO_POSTINGS = "本期无张贴记录"
PHOTO_MARK = "有"


def _log_columns(width):
    columns = [Column("张贴编号", 66, align="center", min_size=6.5), Column("通知编号", 60, align="center", min_size=6.5),
               Column("通知标题", 0, min_size=7), Column("信息栏", 80, min_size=6.5),
               Column("张贴时间", 58, align="center", min_size=6.5), Column("张贴人", 40, align="center", min_size=6.5),
               Column("照片", 26, align="center"), Column("撤下时间", 58, align="center", min_size=6.5),
               Column("撤下人", 40, align="center", min_size=6.5)]
    columns[2] = Column("通知标题", width - table_width(columns), min_size=7)
    return columns


def _log_time(at) -> str:
    return clock.local(at).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _log_row(row) -> list[str]:
    title = row.title if (row.revision_no or 1) == 1 else f"{row.title}（第{row.revision_no}版）"
    return [row.number, row.notice_number or "", title, row.board, _log_time(row.posted_at), row.posted_by or "",
            PHOTO_MARK if row.photo else "", _log_time(row.taken_down_at), row.taken_down_by or ""]


def render_posting_log(site, rows, start_on, end_on, *, board=None) -> bytes:
    """The posting log (张贴记录) of a range of days as A4 pages for filing: the site and the range
    (and the board, when the log is of one) in the heading, the postings in number order under a
    header repeated on every page, the count at the end and the page numbers in the footer. `rows`
    are those of queries.posting_log_rows."""
    rows = list(rows)
    period = f"{start_on.isoformat()} 至 {end_on.isoformat()}"
    heading = f"{site.name}　信息栏张贴记录"
    scope = f"张贴期间：{period}" + (f"　信息栏：{board}" if board else "")

    def footer(canvas, number, total):
        draw_text(canvas, f"{heading}　{period}", LOG_MARGINS.left, 7 * mm, font=doc.font, size=8, max_width=380)
        draw_text(canvas, f"第 {number} 页 共 {total} 页", A4_PORTRAIT[0] - LOG_MARGINS.right, 7 * mm, font=doc.font,
                  size=8, align="right")

    doc = Document(A4_PORTRAIT, title=f"信息栏张贴记录 {period}", author=site.name, subject="信息栏张贴记录",
                   margins=LOG_MARGINS, page_footer=footer)
    c, font = doc.canvas, doc.font
    columns = _log_columns(doc.content_width)
    room = doc.top - doc.bottom - LOG_TITLE_H - LOG_HEADER_H - LOG_TOTAL_H
    pages = paginate(rows, max(int(room // LOG_ROW_H), 1))
    for index, chunk in enumerate(pages):
        if index:
            doc.new_page()
        draw_text(c, heading, doc.width / 2, doc.top - 18, font=font, size=16, align="center", bold=True,
                  max_width=doc.content_width)
        draw_text(c, scope, doc.width / 2, doc.top - 37, font=font, size=10, align="center",
                  max_width=doc.content_width)
        table_top = doc.top - LOG_TITLE_H
        y = draw_header(c, doc.left, table_top, columns, font=font, size=9, height=LOG_HEADER_H, fill=LOG_FILL)
        if not chunk:
            bottom = y - LOG_ROW_H
            draw_text_box(c, NO_POSTINGS, doc.left, bottom, doc.content_width, LOG_ROW_H, font=font, size=10,
                          align="center")
            rule_grid(c, doc.left, table_top, bottom, columns, row_lines=[y], column_rules_to=y)
        else:
            bottom = draw_rows(c, doc.left, y, columns, [_log_row(row) for row in chunk], font=font, size=8.5,
                               row_height=LOG_ROW_H)
            rule_grid(c, doc.left, table_top, bottom, columns, row_lines=[y - LOG_ROW_H * i for i in range(len(chunk))])
        if index == len(pages) - 1:
            down = sum(1 for row in rows if row.taken_down_at is not None)
            total = f"本期张贴共 {len(rows)} 张，已撤下 {down} 张，仍张贴 {len(rows) - down} 张"
            draw_text(c, total, doc.left, bottom - 17, font=font, size=10.5, bold=True, max_width=doc.content_width)
    return doc.finish()
