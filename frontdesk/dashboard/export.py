"""The reports as XLSX workbooks: the same figures as their pages, from the same queries."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
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
        ws.append([_text_cell(ws, line.name), *_ageing_cells(ws, line.ageing, arrears.with_late_fees)])
    ws.append([_cell(ws, _("Total"), font=bold), *_ageing_cells(ws, arrears.total, arrears.with_late_fees, bold)])

    ws = sheet(_("By customer"), _("%(site)s: arrears by customer as of %(day)s", site=site.name, day=as_of),
               [_("Customer"), _("Units"), *ageing_header], [24, 18] + [14] * 7)
    for line in arrears.by_customer:
        ws.append([_text_cell(ws, line.name), _text_cell(ws, ", ".join(line.units)),
                   *_ageing_cells(ws, line.ageing, arrears.with_late_fees)])
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
        ws.append([_text_cell(ws, building.name), *_collection_cells(ws, cell)])
    ws.append([])
    ws.append([_cell(ws, _("Collection rate in percent by building and billing period"), font=bold)])
    ws.append([_cell(ws, _("Building"), font=bold), *(_cell(ws, p, font=bold) for p in collection.periods)])
    for building, _total in collection.by_building:
        row = [_text_cell(ws, building.name)]
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


# --- the work-order report -------------------------------------------------------------------------

RATE = "0.0"


def workorder_period(report) -> str:
    first, last = report.months[0], report.months[-1]
    return first if first == last else f"{first} – {last}"


def workorder_workbook(site, report) -> bytes:
    """Five sheets: orders by category and kind, the on-time rate against each time limit, the
    average times to first response and to resolution, callback satisfaction, and the definitions:
    the same figures as the page. Every text is written as text, so that nothing typed into a name
    ever becomes a formula."""
    from ..core import clock
    from ..workorders.rules import CATEGORY_LABELS, KIND_LABELS

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    period = workorder_period(report)
    drawn = clock.local(report.drawn_at).strftime("%Y-%m-%d %H:%M")
    lines = [(str(KIND_LABELS[k.kind]), k) for k in report.by_kind] + [(_("Total"), report.total)]

    def sheet(title, heading, header, widths):
        ws = book.create_sheet(title[:31])
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        ws.append([_text_cell(ws, heading, bold)])
        ws.append([_text_cell(ws, h, bold) for h in header])
        return ws

    ws = sheet(_("By category"), _("%(site)s: work orders logged in %(period)s", site=site.name, period=period),
               [_("Category"), *(str(KIND_LABELS[k]) for k in report.kinds), _("Total")],
               [26] + [12] * (len(report.kinds) + 1))
    for line in report.by_category:
        ws.append([_text_cell(ws, str(CATEGORY_LABELS[line.category])), *line.by_kind, line.total])
    ws.append([_text_cell(ws, _("Total"), bold), *(k.orders for k in report.by_kind), report.total.orders])

    ws = sheet(_("Time limits"),
               _("%(site)s: on-time rate of the work orders logged in %(period)s, as of %(when)s",
                 site=site.name, period=period, when=drawn),
               [_("Kind"), _("Time limit"), _("Measured"), _("On time"), _("Late"), _("Late and not yet done"),
                _("On-time rate in percent")], [14, 26, 12, 12, 12, 20, 20])
    for label, k in lines:
        for limit_label, limit in _limit_lines(k):
            ws.append([_text_cell(ws, label), _text_cell(ws, limit_label), limit.judged, limit.on_time, limit.late,
                       limit.open_late, _cell(ws, limit.rate, RATE) if limit.rate is not None else ""])

    ws = sheet(_("Response and resolution"),
               _("%(site)s: time to first response and to resolution, work orders logged in %(period)s",
                 site=site.name, period=period),
               [_("Kind"), _("Orders"), _("Responded to"), _("Average minutes to first response"), _("Completed"),
                _("Average hours to resolution"), _("Reopened")], [14, 10, 14, 20, 12, 20, 12])
    for label, k in lines:
        ws.append([_text_cell(ws, label), k.orders, k.responses, _number_cell(ws, k.average_response_minutes),
                   k.completed, _number_cell(ws, k.average_resolution_hours), k.reopened])

    ws = sheet(_("Satisfaction"),
               _("%(site)s: callback satisfaction, work orders logged in %(period)s", site=site.name, period=period),
               [_("Kind"), _("Callbacks"), _("Average satisfaction"), *(str(s) for s in rules.SCORES)],
               [14, 12, 20] + [8] * len(rules.SCORES))
    for label, k in lines:
        ws.append([_text_cell(ws, label), k.callbacks, _number_cell(ws, k.average_satisfaction), *k.scores])

    ws = book.create_sheet(_("Definitions")[:31])
    ws.column_dimensions["A"].width = 120
    for text in workorder_definitions():
        ws.append([_text_cell(ws, text)])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _limit_lines(figures):
    return ((_("First response"), figures.response), (_("Resolution, as promised"), figures.promise),
            (_("Resolution, limit never to pass"), figures.hard))


def _text_cell(ws, value, font=None):
    cell = _cell(ws, ILLEGAL_CHARACTERS_RE.sub(" ", str(value)), font=font)
    cell.data_type = "s"  # "=SUM(…)" in a site's name stays text
    return cell


def _number_cell(ws, value):
    return _cell(ws, value, RATE) if value is not None else ""


def workorder_definitions() -> list[str]:
    """How each figure of the work-order report is worked out, as the page and the export say it."""
    return [
        _("An order counts in the month it was logged (Shanghai time); cancelled orders are left out. "
          "A range of months adds its months up."),
        _("Each order keeps the time limits that applied when it was logged: the first response, the "
          "resolution as promised, and the limit never to pass. Time on hold moves its deadlines on: while "
          "an order is on hold, the deadlines it has not yet passed stand still and it is not measured "
          "against them."),
        _("On-time rate against a limit: the orders done by the deadline, divided by the orders measured "
          "against it. Measured are the orders done (responded to, or completed) and the orders not done "
          "whose deadline had passed when the report was drawn up, which are late. Orders not done and "
          "still within their deadline are not measured yet."),
        _("First response: the first reply recorded to the customer, or the completion when no reply came "
          "before it. Resolution: the completion. An order reopened after its callback counts with its last "
          "completion, against the deadlines it was logged with; until it is completed again it is not done."),
        _("Average time to first response (in minutes) and to resolution (in hours): clock time from "
          "logging, time on hold included, over the orders responded to or completed."),
        _("Callback satisfaction: the score from 1 to 5 given at the callback (the last callback of a "
          "reopened order), averaged over the callbacks of orders logged in the period."),
        _("Rates and averages are rounded once to one decimal place, half up; totals divide the summed "
          "counts and times, never average the rates."),
    ]
