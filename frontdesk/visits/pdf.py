"""The visit record (拜访客户登记记录表) as A4-portrait pages, laid out like the paper form: the
property company and the title, the visit number, a ruled table of who was visited, when, how and
why and by whom; then the customer's opinions, requests, suggestions and complaints as numbered
rows with what was answered on the spot or the work order they became, our commitments, the next
follow-up and the signature lines. A planned visit prints as the blank form the manager takes
along: the plan filled in, empty rows to write on.

Rows grow with their text (nothing is cut); a table that runs over the page carries on on the next
one under the repeated heading and its column titles, and every page is numbered.
Like the receipts, this is a Chinese form: its words belong to the form and are constants here.
It is drawn from a VisitSheet (queries.visit_sheet) alone."""
from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm

from ..core import clock
from ..pdf import (
    A4_PORTRAIT, Column, Document, Flow, Margins, draw_diagonal_stamp, draw_text, register_font, table_width,
    wrap,
)
from .models import CANCELLED, PLANNED

TITLE = "拜访客户登记记录表"
MODE_WORDS = {"on_site": "上门拜访", "phone": "电话拜访"}
PURPOSE_WORDS = {"routine_care": "日常关怀", "late_payment": "催缴欠费", "complaint": "投诉处理",
                 "survey": "满意度调查", "renewal": "续租洽谈"}
ITEM_WORDS = {"opinion": "意见", "request": "要求", "suggestion": "建议", "complaint": "投诉"}
STATUS_WORDS = {"planned": "计划拜访（现场填写）", "recorded": "已记录", "cancelled": "已取消"}
ITEMS_HEADING = "一、客户意见、要求、建议及投诉"
COMMITMENTS_HEADING = "二、承诺事项"
FOLLOW_UP_HEADING = "三、下次跟进"
NONE = "无"
NOT_SCHEDULED = "未安排"
BLANK_DAY = "20　　年　　月　　日"
CANCELLED_MARK = "已取消"

MARGINS = Margins(top=14 * mm, right=15 * mm, bottom=16 * mm, left=15 * mm)
LIGHT_FILL = Color(0.93, 0.93, 0.93)
SIZE = 9.5  # the text in the cells
LEADING = 1.35
PAD = 5  # above and below a cell's text
ROW_H = 22  # a row of one line
BLANK_ROW_H = 24  # a row to write in
BLANK_ROWS_ITEMS = 8  # on the blank form of a planned visit
BLANK_ROWS_COMMITMENTS = 4
LABEL_W = 68
BOX = 8  # a tick box on the form


def day_words(day) -> str:
    """2026-04-02 → 2026年4月2日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def visit_record(sheet) -> bytes:
    """The visit record of `sheet` (a queries.VisitSheet): filled in once recorded, the blank form
    with the plan filled in while planned, marked 已取消 across every page when cancelled."""
    def footer(canvas, number, total):
        canvas.setFillColor(black)
        draw_text(canvas, f"{sheet.company_name}　{TITLE}　{sheet.number}", MARGINS.left, 8 * mm, font=doc.font,
                  size=8, max_width=380)
        draw_text(canvas, f"第 {number} 页 共 {total} 页", A4_PORTRAIT[0] - MARGINS.right, 8 * mm, font=doc.font,
                  size=8, align="right")
        if sheet.status == CANCELLED:
            draw_diagonal_stamp(canvas, CANCELLED_MARK, *A4_PORTRAIT, font=register_font(), alpha=0.25)

    doc = Document(A4_PORTRAIT, title=f"{TITLE} {sheet.number}", author=sheet.company_name, subject=TITLE,
                   margins=MARGINS, page_footer=footer)
    form = _Form(doc, sheet)
    form.heading()
    form.facts()
    form.items()
    form.commitments()
    form.follow_up()
    form.signatures()
    return doc.finish()


class _Form:
    """The form being drawn down the pages. `repeat` draws the column titles of the table in
    progress again at the top of a continuation page."""

    def __init__(self, doc, sheet):
        self.doc, self.sheet, self.c, self.font = doc, sheet, doc.canvas, doc.font
        self.planned = sheet.status == PLANNED
        self.repeat = None
        self.flow = Flow(doc, on_new_page=self._continued)

    # --- headings ---

    def heading(self):
        doc, c, font, top = self.doc, self.c, self.font, self.doc.top
        centre = doc.left + doc.content_width / 2
        draw_text(c, self.sheet.company_name, centre, top - 13, font=font, size=12, align="center",
                  max_width=doc.content_width)
        title_w = draw_text(c, TITLE, centre, top - 40, font=font, size=18, align="center", bold=True, char_space=3)
        c.setLineWidth(0.8)
        for y in (top - 46, top - 48.5):
            c.line(centre - title_w / 2 - 10, y, centre + title_w / 2 + 10, y)
        draw_text(c, f"编号：{self.sheet.number}", doc.left, top - 64, font=font, size=10)
        draw_text(c, f"状态：{STATUS_WORDS.get(self.sheet.status, self.sheet.status)}", doc.right, top - 64,
                  font=font, size=10, align="right")
        self.flow.skip(72)

    def _continued(self, flow):
        doc, c, font, top = self.doc, self.c, self.font, self.doc.top
        draw_text(c, f"{self.sheet.company_name}　{TITLE}（续）", doc.left, top - 12, font=font, size=10.5, bold=True,
                  max_width=doc.content_width - 150)
        draw_text(c, f"编号：{self.sheet.number}", doc.right, top - 12, font=font, size=10, align="right")
        c.setLineWidth(0.6)
        c.line(doc.left, top - 18, doc.right, top - 18)
        flow.skip(26)
        if self.repeat is not None:
            self.repeat()

    def section(self, title, following):
        """A section's title, kept on one page with the `following` points drawn under it."""
        if 24 + following > self.flow.space_left():
            self.flow.new_page()
        top = self.flow.reserve(24)
        draw_text(self.c, title, self.doc.left, top - 16, font=self.font, size=11, bold=True)

    # --- cells and rows ---

    def _lines(self, text, width, size=SIZE) -> list[str]:
        lines = []
        for paragraph in str(text or "").splitlines():
            lines += wrap(paragraph, self.font, size, width - 2 * PAD) or ([""] if lines else [])
        return lines

    def _height(self, cells, widths, min_h=ROW_H) -> float:
        most = max((len(self._lines(text, w)) for text, w in zip(cells, widths) if isinstance(text, str)), default=1)
        return max(min_h, most * SIZE * LEADING + 2 * PAD - (SIZE * (LEADING - 1)))

    def row(self, cells, widths, *, aligns=None, shaded=(), min_h=ROW_H, bold=False):
        """One ruled row as tall as its longest cell; a cell is text or a list of (word, ticked)."""
        height = self._height(cells, widths, min_h)
        top = self.flow.reserve(height)
        c, x = self.c, self.doc.left
        for index, (cell, width) in enumerate(zip(cells, widths)):
            if index in shaded:
                c.saveState()
                c.setFillColor(LIGHT_FILL)
                c.rect(x, top - height, width, height, stroke=0, fill=1)
                c.restoreState()
            c.setLineWidth(0.5)
            c.rect(x, top - height, width, height, stroke=1, fill=0)
            align = aligns[index] if aligns else "left"
            if isinstance(cell, list):
                self._ticks(cell, x + PAD, top - height / 2 - SIZE * 0.35)
            else:
                self._text(cell, x, top, width, height, align, bold)
            x += width
        return height

    def _text(self, text, x, top, width, height, align, bold):
        lines = self._lines(text, width)
        line_h = SIZE * LEADING
        block = (len(lines) - 1) * line_h + SIZE
        baseline = top - (height - block) / 2 - SIZE * 0.85
        anchor = {"center": x + width / 2, "right": x + width - PAD}.get(align, x + PAD)
        for line in lines:
            draw_text(self.c, line, anchor, baseline, font=self.font, size=SIZE, align=align, bold=bold)
            baseline -= line_h

    def _ticks(self, choices, x, baseline):
        """Tick boxes, as the paper form has them: ☑上门拜访 ☐电话拜访."""
        c = self.c
        for word, ticked in choices:
            c.setLineWidth(0.6)
            c.rect(x, baseline - 0.5, BOX, BOX, stroke=1, fill=0)
            if ticked:
                c.setLineWidth(1.2)
                path = c.beginPath()
                path.moveTo(x + 1.5, baseline + BOX * 0.45)
                path.lineTo(x + BOX * 0.42, baseline + 1)
                path.lineTo(x + BOX + 1.5, baseline + BOX + 1.5)
                c.drawPath(path, stroke=1, fill=0)
            x += BOX + 3
            x += draw_text(c, word, x, baseline, font=self.font, size=SIZE, bold=ticked) + 12

    def table(self, columns, rows, *, blank_rows=0, empty=NONE):
        """A ruled table: the column titles (repeated on a continuation page), then the rows, or
        `blank_rows` empty numbered rows to write on, or one row saying there is none."""
        widths = [col.width for col in columns]
        aligns = [col.align for col in columns]

        def titles():
            self.row([col.title for col in columns], widths, aligns=["center"] * len(columns),
                     shaded=range(len(columns)), min_h=20)

        titles()
        self.repeat = titles
        if rows:
            for cells in rows:
                self.row(cells, widths, aligns=aligns)
        elif blank_rows:
            for n in range(1, blank_rows + 1):
                self.row([str(n)] + [""] * (len(columns) - 1), widths, aligns=aligns, min_h=BLANK_ROW_H)
        else:
            self.row([empty], [table_width(columns)], aligns=["center"])
        self.repeat = None

    def _first_row_height(self, columns, rows):
        return 20 + (self._height(rows[0], [col.width for col in columns]) if rows else BLANK_ROW_H)

    # --- the parts of the form ---

    def facts(self):
        """Who was visited, where, who we met, when, how, why, by whom."""
        s, width = self.sheet, self.doc.content_width
        value_w = (width - 2 * LABEL_W) / 2
        half, whole = [LABEL_W, value_w, LABEL_W, value_w], [LABEL_W, width - LABEL_W]
        units = "、".join(s.units)
        address = "　".join(part for part in (s.address, units) if part)
        if self.planned:
            met = f"拟见：{s.meet}" if s.meet else ""
            when = f"{day_words(s.visit_on)}　　　时　　　分"
        else:
            met = s.attendees
            when = (f"{day_words(clock.local(s.visited_at))} {clock.local(s.visited_at):%H:%M}" if s.visited_at
                    else day_words(s.visit_on))
        modes = [(word, s.mode == code) for code, word in MODE_WORDS.items()]
        purposes = [(word, s.purpose == code) for code, word in PURPOSE_WORDS.items()]
        shaded = (0, 2)
        self.row(["客户名称", s.company, "客户经理", s.manager], half, shaded=shaded)
        self.row(["地址/房号", address], whole, shaded=(0,))
        self.row(["接待人员", met], whole, shaded=(0,), min_h=34 if self.planned else ROW_H)
        self.row(["拜访时间", when, "拜访方式", modes], half, shaded=shaded)
        self.row(["拜访目的", purposes], whole, shaded=(0,))
        if self.planned:
            self.row(["拜访准备", s.preparation], whole, shaded=(0,))
            self.row(["拜访小结", ""], whole, shaded=(0,), min_h=48)
        elif s.summary:
            self.row(["拜访小结", s.summary], whole, shaded=(0,))
        if s.status == CANCELLED:
            self.row(["取消原因", s.cancel_reason], whole, shaded=(0,))
        self.flow.skip(8)

    def items(self):
        width = self.doc.content_width
        columns = [Column("序号", 30, "center"), Column("类别", 42, "center"), Column("内容", 0),
                   Column("现场答复 / 工单号", 168)]
        columns[2] = Column("客户意见、要求、建议及投诉内容", width - table_width(columns))
        rows = []
        for n, item in enumerate(self.sheet.items, 1):
            answer = "\n".join(part for part in (item.answer, f"已转工单：{item.work_order}" if item.work_order else "")
                               if part)
            rows.append([str(n), ITEM_WORDS.get(item.kind, item.kind), item.text, answer])
        self.section(ITEMS_HEADING, self._first_row_height(columns, rows))
        self.table(columns, rows, blank_rows=BLANK_ROWS_ITEMS if self.planned else 0)
        self.flow.skip(8)

    def commitments(self):
        width = self.doc.content_width
        columns = [Column("序号", 30, "center"), Column("内容", 0), Column("责任人", 64, "center"),
                   Column("完成期限", 72, "center"), Column("完成情况", 72, "center")]
        columns[1] = Column("承诺内容", width - table_width(columns))
        rows = [[str(n), c.text, c.owner, c.due_on.isoformat(), f"已完成\n{c.done_on.isoformat()}" if c.done_on else ""]
                for n, c in enumerate(self.sheet.commitments, 1)]
        self.section(COMMITMENTS_HEADING, self._first_row_height(columns, rows))
        self.table(columns, rows, blank_rows=BLANK_ROWS_COMMITMENTS if self.planned else 0)
        self.flow.skip(8)

    def follow_up(self):
        s = self.sheet
        if self.planned:
            when = BLANK_DAY
        else:
            when = day_words(s.follow_up_on) if s.follow_up_on else NOT_SCHEDULED
        self.section(FOLLOW_UP_HEADING, ROW_H)
        self.row(["下次跟进日期", when], [LABEL_W + 14, self.doc.content_width - LABEL_W - 14], shaded=(0,))

    def signatures(self):
        """客户经理签字 / 客户签字 / 日期, with lines to sign on."""
        doc, c, font = self.doc, self.c, self.font
        top = self.flow.reserve(44)
        y = top - 32
        third = doc.content_width / 3
        c.setLineWidth(0.5)
        for i, label in enumerate(("客户经理签字：", "客户签字：", "日期：")):
            x = doc.left + third * i
            label_w = draw_text(c, label, x, y, font=font, size=10.5)
            c.line(x + label_w + 2, y - 3, x + third - 12, y - 3)
