"""The approved notice as an A4 page to post, drawn from the snapshot frozen at its approval, so a
reprint says exactly what the original said (and is marked 补打): the company, the title, the
number, the text laid out from its markup, the dates, and the service centre's name under its seal.

Like the receipts, this is a Chinese document: its words belong to the form and are constants here."""
from datetime import date

from reportlab.lib.units import mm

from ..pdf import A4_PORTRAIT, Document, Flow, Margins, draw_boxed_mark, draw_round_seal, draw_text, wrap
from . import rules

MARGINS = Margins(top=22 * mm, right=22 * mm, bottom=20 * mm, left=22 * mm)
SIZE = 12
LEADING = SIZE * 1.75
INDENT = SIZE * 2  # two characters, as a Chinese paragraph starts


def day(value) -> str:
    """2026-04-02 → 2026年4月2日."""
    if not value:
        return ""
    d = date.fromisoformat(value)
    return f"{d.year}年{d.month}月{d.day}日"


def render_notice(snapshot, *, reprint=False) -> bytes:
    """One approved notice; `reprint` marks it 补打."""
    s = snapshot or {}
    doc = Document(A4_PORTRAIT, title=s.get("title", ""), author=s.get("company", ""), subject=s.get("number", ""),
                   margins=MARGINS)
    c, font = doc.canvas, doc.font
    flow = Flow(doc)
    draw_text(c, s.get("company", ""), doc.width / 2, flow.reserve(20) - 14, font=font, size=13, align="center")
    for line in wrap(s.get("title", ""), font, 20, doc.content_width):
        draw_text(c, line, doc.width / 2, flow.reserve(34) - 26, font=font, size=20, align="center", bold=True)
    number = s.get("number", "")
    if (s.get("revision") or 1) > 1:
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
