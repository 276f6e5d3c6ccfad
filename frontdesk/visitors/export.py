"""The visitor register as a workbook: the columns of the printed register, with arrival and
leaving times as real Excel date-times (Shanghai wall time) so security can sort and filter."""
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..core import clock
from .pdf import (
    NO_PASS, NO_VISITS, NOT_SIGNED_OUT, REGISTER_HEADERS, clerk_name, host_text, masked, purpose_text,
)

DATETIME = "yyyy-mm-dd hh:mm"
WIDTHS = (6, 16, 17, 10, 26, 14, 6, 22, 34, 8, 17, 10)
HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")


def register_workbook(site, rows, start_on, end_on) -> bytes:
    """One sheet: a title row, the header (frozen, repeated on printed pages), one row per visit
    in order of arrival and the count of visits and people. Phone numbers are masked, as on
    paper: the register leaves the building."""
    rows = list(rows)
    book = Workbook(write_only=True)
    ws = book.create_sheet("来访登记簿")
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    # settings a write-only sheet takes only before its first row
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    last_column = get_column_letter(len(REGISTER_HEADERS))
    if rows:
        ws.auto_filter.ref = f"A2:{last_column}{len(rows) + 2}"

    bold = Font(bold=True)
    title = f"{site.name} 来访登记簿（{start_on.isoformat()} 至 {end_on.isoformat()}）"
    ws.append([_cell(ws, title, font=Font(bold=True, size=14))])
    ws.append([_cell(ws, h, font=bold, fill=HEADER_FILL, align="center") for h in REGISTER_HEADERS])
    for number, visit in enumerate(rows, start=1):
        left = (_cell(ws, _local(visit.signed_out_at), DATETIME) if visit.signed_out_at is not None
                else _cell(ws, NOT_SIGNED_OUT, font=bold))
        ws.append([
            number, _cell(ws, visit.number), _cell(ws, _local(visit.arrived_at), DATETIME), _cell(ws, visit.name),
            _cell(ws, visit.company), _cell(ws, masked(visit.phone)), visit.party_size, _cell(ws, purpose_text(visit)),
            _cell(ws, host_text(visit)), _cell(ws, visit.pass_number or NO_PASS), left, _cell(ws, clerk_name(visit)),
        ])
    if not rows:
        ws.append([_cell(ws, NO_VISITS)])
    ws.append([])
    people = sum(v.party_size or 0 for v in rows)
    still = sum(1 for v in rows if v.signed_out_at is None)
    total = f"本期来访共 {len(rows)} 次，合计 {people} 人"
    if still:
        total += f"；其中 {still} 次未登记离开"
    ws.append([_cell(ws, total, font=bold)])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _local(at):
    """Excel has no time zones: the Shanghai wall time, without its offset."""
    return clock.local(at).replace(tzinfo=None)


def _cell(ws, value, number_format=None, *, font=None, fill=None, align=None):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # what a visitor typed is text: "=HYPERLINK(…)" as a company name must not become a formula
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if align:
        cell.alignment = Alignment(horizontal=align)
    return cell
