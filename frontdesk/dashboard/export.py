"""The arrears report as an XLSX workbook: the same figures as the page, from the same queries."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from . import rules

AMOUNT = "#,##0.00"
PERCENT = "0.00"


def arrears_workbook(site, arrears, collection) -> bytes:
    """Four sheets: arrears by building, arrears by customer, the collection rate by billing period
    and building, and the definitions. Amounts are numbers in yuan with two places; rates are
    percentages with two places, as on the page."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title, heading, header, widths):
        ws = book.create_sheet(title[:31])
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        ws.append([_cell(ws, heading, font=bold)])
        ws.append([_cell(ws, h, font=bold) for h in header])
        return ws

    as_of = arrears.as_of.isoformat()
    ageing_header = [*(_("%(days)s days", days=label) for label in rules.BUCKET_LABELS), _("Arrears")]
    if arrears.with_late_fees:
        ageing_header += [_("Late fees"), _("Arrears with late fees")]

    ws = sheet(_("By building"), _("%(site)s: arrears by building as of %(day)s", site=site.name, day=as_of),
               [_("Building"), *ageing_header], [18] + [14] * 7)
    for line in arrears.by_building:
        ws.append([line.name, *_ageing_cells(ws, line.ageing, arrears.with_late_fees)])
    ws.append([_cell(ws, _("Total"), font=bold), *_ageing_cells(ws, arrears.total, arrears.with_late_fees, bold)])

    ws = sheet(_("By customer"), _("%(site)s: arrears by customer as of %(day)s", site=site.name, day=as_of),
               [_("Customer"), _("Units"), *ageing_header], [24, 18] + [14] * 7)
    for line in arrears.by_customer:
        ws.append([line.name, ", ".join(line.units), *_ageing_cells(ws, line.ageing, arrears.with_late_fees)])
    ws.append([_cell(ws, _("Total"), font=bold), "",
               *_ageing_cells(ws, arrears.total, arrears.with_late_fees, bold)])

    ws = sheet(_("Collection rate"),
               _("%(site)s: collection rate, payments up to %(day)s", site=site.name, day=collection.as_of.isoformat()),
               [_("Billing period"), _("Due"), _("Collected"), _("Collection rate in percent")], [16, 16, 16, 18])
    for period, cell in collection.by_period:
        ws.append([period, *_collection_cells(ws, cell)])
    ws.append([_cell(ws, _("Total"), font=bold), *_collection_cells(ws, collection.total, bold)])
    ws.append([])
    ws.append([_cell(ws, _("Building"), font=bold), _cell(ws, _("Due"), font=bold),
               _cell(ws, _("Collected"), font=bold), _cell(ws, _("Collection rate in percent"), font=bold)])
    for building, cell in collection.by_building:
        ws.append([building.name, *_collection_cells(ws, cell)])
    ws.append([])
    ws.append([_cell(ws, _("Collection rate in percent by building and billing period"), font=bold)])
    ws.append([_cell(ws, _("Building"), font=bold), *(_cell(ws, p, font=bold) for p in collection.periods)])
    for building, _total in collection.by_building:
        row = [building.name]
        for period in collection.periods:
            cell = collection.cells.get((building.id, period))
            row.append(_cell(ws, cell.rate, PERCENT) if cell is not None and cell.rate is not None else "")
        ws.append(row)

    ws = book.create_sheet(_("Definitions")[:31])
    ws.column_dimensions["A"].width = 120
    for text in definitions():
        ws.append([text])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def definitions() -> list[str]:
    """How each figure is worked out, in the words of the page's help text."""
    return [
        _("Arrears as of a day: the charges due before that day, with what they still owed on it. "
          "Payments made after that day do not lower it; a voided receipt counts as never paid."),
        _("Ageing: whole days from the due date to the as-of day. The 0–30 bucket holds charges "
          "1 to 30 days past their due date; a charge due on the as-of day is not overdue yet."),
        _("Late fees: each charge's late fee as of the same day, by the site's late-fee rules, "
          "less what was settled or waived."),
        _("Collection rate of a billing period: what payments made up to the as-of day paid on the "
          "period's charges, divided by the amounts of all the period's charges. Payments made "
          "after the period count toward it; prepayments and late fees count in neither."),
        _("Totals divide the summed amounts; rates are never averaged, and each is rounded once to two "
          "decimal places."),
    ]


def _cell(ws, value, number_format=None, font=None):
    cell = WriteOnlyCell(ws, value=value)
    if number_format:
        cell.number_format = number_format
    if font:
        cell.font = font
    return cell


def _ageing_cells(ws, ageing, with_late_fees, font=None):
    values = [*ageing.buckets, ageing.total]
    if with_late_fees:
        values += [ageing.late_fee, ageing.total_with_late_fee]
    return [_cell(ws, v, AMOUNT, font) for v in values]


def _collection_cells(ws, cell, font=None):
    rate = cell.rate
    return [_cell(ws, cell.due, AMOUNT, font), _cell(ws, cell.collected, AMOUNT, font),
            _cell(ws, rate, PERCENT, font) if rate is not None else ""]
