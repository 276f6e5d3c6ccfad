"""The chase notice (催办通知单) as an A4 page, drawn from the snapshot frozen when it was issued, so
a reprint says exactly what the original said (and is marked 补打).

Like the receipts, this is a Chinese form: its labels belong to the form and are constants here,
not UI strings. The notice carries no customer's phone number: it goes to a department."""
from datetime import datetime

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ..core import clock
from ..pdf import A4_PORTRAIT, Document, Margins, draw_boxed_mark, draw_text, draw_text_box, wrap

KIND_WORDS = {"repair": "报修", "complaint": "投诉", "enquiry": "咨询", "suggestion": "建议", "praise": "表扬"}
CATEGORY_WORDS = {"plumbing": "给排水", "electrical": "电气", "hvac": "暖通空调", "lift": "电梯",
                  "doors_locks": "门窗锁具", "cleaning": "保洁", "security": "安全秩序", "noise": "噪音",
                  "billing": "收费", "other": "其他"}
TITLE = "催办通知单"
MARGINS = Margins(top=18 * mm, right=20 * mm, bottom=16 * mm, left=20 * mm)
NUMBER_RED = Color(0.75, 0.08, 0.08)
LABEL_FILL = Color(0.94, 0.94, 0.94)
LABEL_WIDTH = 92
ROW_HEIGHT = 24


def when(value) -> str:
    """An ISO instant of the snapshot as Shanghai wall time: 2026年03月31日 10:00."""
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return clock.local(at).strftime("%Y年%m月%d日 %H:%M")


def render_chase_notice(snapshot, *, reprint=False) -> bytes:
    """One chase notice; `reprint` marks it 补打."""
    s = snapshot or {}
    doc = Document(A4_PORTRAIT, title=s.get("number", ""), author=s.get("company", ""), subject=TITLE,
                   margins=MARGINS)
    _draw(doc, s, reprint=reprint)
    return doc.finish()


def _draw(doc, s, *, reprint):
    c, font, left, width = doc.canvas, doc.font, doc.left, doc.content_width
    top = doc.top
    draw_text_box(c, s.get("company", ""), left, top - 20, width, 20, font=font, size=14, min_size=9,
                  align="center", padding=0)
    draw_text(c, TITLE, left + width / 2, top - 50, font=font, size=22, align="center", bold=True, char_space=4)
    c.setFillColor(NUMBER_RED)
    draw_text(c, f"No. {s.get('number', '')}", doc.right, top - 72, font=font, size=11, align="right")
    c.setFillColor(black)
    if reprint:
        draw_boxed_mark(c, "补打", left + 34, top - 44, font=font, size=14, angle=8)
    y = top - 100

    draw_text_box(c, f"致：{s.get('department', '')}", left, y, width * 0.7, 20, font=font, size=13, min_size=9,
                  padding=0, max_lines=1, bold=True)
    chases = s.get("chases") or 1
    draw_text(c, f"第 {chases} 次催办", doc.right, y + 5, font=font, size=10.5, align="right")
    y = _paragraph(doc, "下列工单已超过规定的办结时限，至今尚未完成。请贵部门接单后立即安排处理，"
                        "并将处理结果反馈客服中心。", y - 6)
    y -= 12

    kind = KIND_WORDS.get(s.get("kind"), s.get("kind", ""))
    category = CATEGORY_WORDS.get(s.get("category"), s.get("category", ""))
    rows = [("工单编号", s.get("order", "")), ("工单类别", f"{kind}　{category}".strip()),
            ("地点", s.get("place", "")), ("问题描述", s.get("description", "")),
            ("受理时间", when(s.get("logged_at"))), ("应办结时间", when(s.get("due_at")))]
    if s.get("hard_due_at") and s.get("hard_due_at") != s.get("due_at"):
        rows.append(("最迟办结时限", when(s.get("hard_due_at"))))
    if s.get("assignee"):
        rows.append(("维修人员", s["assignee"]))
    y = _facts(doc, rows, y)

    y -= 14
    y = _paragraph(doc, f"请于 {when(s.get('reply_by'))} 前办结并反馈。逾期仍未办结的，将上报客服主管。", y, size=12,
                   bold=True)
    y -= 18
    issued_by = s.get("issued_by") or "系统自动催办"
    draw_text(c, f"签发人：{issued_by}", left, y, font=font, size=11)
    draw_text(c, f"签发时间：{when(s.get('issued_at'))}", doc.right, y, font=font, size=11, align="right")
    y -= 22
    draw_text_box(c, f"{s.get('company', '')}　{s.get('site', '')}客服中心", left + width * 0.4, y - 4, width * 0.6, 18,
                  font=font, size=11, min_size=8, align="right", padding=0)
    _receipt_slip(doc, s, min(y - 40, doc.bottom + 150))


def _paragraph(doc, text, y, *, size=11, bold=False) -> float:
    """Wrapped text below y; returns the y below it."""
    leading = size * 1.6
    for line in wrap(text, doc.font, size, doc.content_width):
        y -= leading
        draw_text(doc.canvas, line, doc.left, y, font=doc.font, size=size, bold=bold)
    return y


def _facts(doc, rows, y) -> float:
    """The order's particulars as a two-column ruled table; the description may take several lines."""
    c, font, left, width = doc.canvas, doc.font, doc.left, doc.content_width
    value_width = width - LABEL_WIDTH
    c.setLineWidth(0.6)
    for label, value in rows:
        lines = wrap(value, font, 11, value_width - 12, max_lines=8) if label == "问题描述" else [value]
        height = max(ROW_HEIGHT, 11 * 1.5 * len(lines) + 10)
        c.setFillColor(LABEL_FILL)
        c.rect(left, y - height, LABEL_WIDTH, height, stroke=0, fill=1)
        c.setFillColor(black)
        c.rect(left, y - height, width, height, stroke=1, fill=0)
        c.line(left + LABEL_WIDTH, y - height, left + LABEL_WIDTH, y)
        draw_text_box(c, label, left, y - height, LABEL_WIDTH, height, font=font, size=10.5, align="center",
                      padding=4)
        if len(lines) > 1:
            baseline = y - 6 - 11 * 0.9
            for line in lines:
                draw_text(c, line, left + LABEL_WIDTH + 6, baseline, font=font, size=11)
                baseline -= 11 * 1.5
        else:
            draw_text_box(c, value, left + LABEL_WIDTH, y - height, value_width, height, font=font, size=11,
                          min_size=8, padding=6, max_lines=1)
        y -= height
    return y


def _receipt_slip(doc, s, y):
    """The department's acknowledgement at the foot of the page: who received the notice, when, and
    what was done."""
    c, font, left = doc.canvas, doc.font, doc.left
    c.saveState()
    c.setDash(3, 3)
    c.setLineWidth(0.5)
    c.line(left, y, doc.right, y)
    c.restoreState()
    y -= 20
    draw_text(c, f"签收回执　催办通知单 {s.get('number', '')}　工单 {s.get('order', '')}", left, y, font=font,
              size=10.5, max_width=doc.content_width)
    y -= 26
    draw_text(c, f"签收部门：{s.get('department', '')}", left, y, font=font, size=10.5, max_width=doc.content_width)
    y -= 28
    draw_text(c, "签收人：", left, y, font=font, size=10.5)
    c.line(left + 44, y - 2, left + 200, y - 2)
    draw_text(c, "日期：", left + 230, y, font=font, size=10.5)
    c.line(left + 264, y - 2, doc.right, y - 2)
    y -= 28
    draw_text(c, "处理结果：", left, y, font=font, size=10.5)
    c.line(left + 56, y - 2, doc.right, y - 2)
    y -= 24
    c.line(left, y - 2, doc.right, y - 2)
