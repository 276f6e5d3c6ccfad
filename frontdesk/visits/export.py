"""The visit register and the survey results as XLSX workbooks: one row a visit, one row a survey,
the header in the first row so a sheet can be sorted and filtered as it is. Every text is written
as text, so that nothing typed into a name ("=HYPERLINK(…)") ever becomes a formula."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..core import clock
from . import rules
from .models import DIMENSIONS

DAY = "yyyy-mm-dd"
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(book, title, header, widths):
    ws = book.create_sheet(title[:31])
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([_text(ws, h, font=bold) for h in header])
    return ws


def _text(ws, value, *, font=None, wrap=False):
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub(" ", str(value or "")))
    cell.data_type = "s"  # "=SUM(…)" in a company's name stays text
    if font:
        cell.font = font
    if wrap:
        cell.alignment = WRAP
    return cell


def _day(ws, value):
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DAY
    return cell


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the visit register --------------------------------------------------------------------------

class _Words:
    """The labels and phrases of the register translated once, not once a row: a year's register
    has some 17,000 rows, and a translation looked up in each cell is a third of the time."""

    def __init__(self):
        self.items = {code: str(label) for code, label in rules.ITEM_LABELS.items()}
        self.modes = {code: str(label) for code, label in rules.MODE_LABELS.items()}
        self.purposes = {code: str(label) for code, label in rules.PURPOSE_LABELS.items()}
        self.work_order = _("(work order %(number)s)")
        self.open = _("%(text)s (%(owner)s, due %(due)s, not kept yet)")
        self.kept = _("%(text)s (%(owner)s, due %(due)s, kept on %(done)s)")


def item_line(item, words) -> str:
    """What the customer said, what was answered on the spot and the work order it became."""
    line = f"{words.items[item.kind]}: {item.text}"
    if item.answer:
        line += f" → {item.answer}"
    if item.work_order:
        line += " " + words.work_order % {"number": item.work_order}
    return line


def commitment_line(commitment, words) -> str:
    values = {"text": commitment.text, "owner": commitment.owner, "due": commitment.due_on.isoformat()}
    if commitment.done_at is None:
        return words.open % values
    return words.kept % dict(values, done=clock.business_day(commitment.done_at).isoformat())


def register_workbook(site, rows, start, end) -> bytes:
    """The visit register between two days (queries.register_rows): one row a recorded visit, in
    the order they took place."""
    book = Workbook(write_only=True)
    ws = _sheet(book, _("Visit register"),
                [_("Number"), _("Day"), _("Company"), _("Account manager"), _("Phone or on site"),
                 _("Purpose of the visit"), _("Attendees"), _("Summary"), _("What the customer said"), _("Commitments"),
                 _("Next follow-up")],
                [14, 12, 28, 12, 12, 14, 24, 40, 50, 50, 12])
    words = _Words()
    for v in rows:
        ws.append([_text(ws, v.number), _day(ws, v.visit_on), _text(ws, v.company), _text(ws, v.manager),
                   _text(ws, words.modes[v.mode]), _text(ws, words.purposes[v.purpose]),
                   _text(ws, v.attendees, wrap=True), _text(ws, v.summary, wrap=True),
                   _text(ws, "\n".join(item_line(i, words) for i in v.items), wrap=True),
                   _text(ws, "\n".join(commitment_line(c, words) for c in v.commitments), wrap=True),
                   _day(ws, v.follow_up_on)])
    _about(book, _("%(site)s: visit register from %(start)s to %(end)s", site=site.name, start=start.isoformat(),
                   end=end.isoformat()), len(rows))
    return _saved(book)


def _about(book, heading, count):
    ws = book.create_sheet(_("About")[:31])
    ws.column_dimensions["A"].width = 80
    ws.append([_text(ws, heading, font=Font(bold=True))])
    ws.append([_text(ws, _("Rows: %(count)s", count=count))])


# --- the survey results --------------------------------------------------------------------------

def surveys_workbook(site, rows, start, end) -> bytes:
    """The surveys taken between two days: one row a survey, a column a dimension with its score
    (blank: not applicable, or not asked in that version), then the comments."""
    book = Workbook(write_only=True)
    ws = _sheet(book, _("Survey results"),
                [_("Day"), _("Company"), _("Building"), _("Respondent"), _("Surveyed by"), _("Questionnaire version"),
                 *(str(rules.DIMENSION_LABELS[d]) for d in DIMENSIONS), _("Comments on the questions"),
                 _("Overall comment")],
                [12, 28, 14, 12, 12, 10, *(10 for _d in DIMENSIONS), 50, 40])
    for row in rows:
        comments = "\n".join(f"{rules.DIMENSION_LABELS[d]}: {row.comments[d]}" for d in DIMENSIONS
                             if d in row.comments)
        ws.append([_day(ws, row.taken_on), _text(ws, row.company), _text(ws, row.building), _text(ws, row.respondent),
                   _text(ws, row.taken_by), row.version, *(row.scores.get(d) for d in DIMENSIONS),
                   _text(ws, comments, wrap=True), _text(ws, row.comment, wrap=True)])
    _about(book, _("%(site)s: satisfaction surveys from %(start)s to %(end)s", site=site.name,
                   start=start.isoformat(), end=end.isoformat()), len(rows))
    return _saved(book)
