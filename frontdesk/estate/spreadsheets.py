"""Reading an uploaded CSV or XLSX file into rows keyed by column, and writing the template
workbooks. File handling only: what a row means is decided in services.py."""
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..core.errors import ImportRejected
from .rules import halfwidth


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    english: str
    required: bool = False
    aliases: tuple = ()

    @property
    def header(self) -> str:
        return f"{self.chinese}/{self.english}"

    def names(self) -> set[str]:
        return {_header_key(n) for n in (self.chinese, self.english, self.key, *self.aliases)}


def _header_key(text) -> str:
    return "".join(halfwidth(text).lower().split()).strip("*")


def _reject(problem):
    raise ImportRejected(_l("The file was not imported. Correct it and upload it again."), [str(problem)])


def read_rows(content: bytes, filename: str, columns: list[Column]):
    """The data rows of the file's first sheet as (row number as Excel shows it, {key: cell}).

    The header is row 1; entirely empty rows are skipped. Raises ImportRejected for a file
    that is empty, of another kind, unreadable, or whose headers do not match `columns`."""
    name = (filename or "").lower()
    if not content:
        _reject(_l("The file is empty."))
    if name.endswith(".xlsx"):
        table = _xlsx_table(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_table(content)
    elif name.endswith(".xls"):
        _reject(_l("Old Excel files (.xls) cannot be read. In Excel, save the file as .xlsx or .csv and upload that."))
    else:
        _reject(_l("Only CSV and XLSX files can be imported."))
    header = next(table, None)
    if header is None or not any(_text(c) for c in header):
        _reject(_l("The file is empty."))
    keys = _match_header(header, columns)
    rows = []
    for number, cells in enumerate(table, start=2):
        values = {}
        for index, key in keys.items():
            cell = cells[index] if index < len(cells) else None
            values[key] = cell
        if any(_text(v) for v in values.values()):
            rows.append((number, values))
    if not rows:
        _reject(_l("The file has a header but no rows to import."))
    return rows


def _match_header(header, columns):
    """Column index → column key. Each header cell may be the Chinese or the English name, or
    both as in the template ("房号/unit")."""
    problems, keys, seen = [], {}, {}
    for index, cell in enumerate(header):
        text = _text(cell)
        if not text:
            continue
        parts = {_header_key(text)} | {_header_key(p) for p in text.replace("（", "/").replace("(", "/")
                                                           .replace(")", "").replace("）", "").split("/")}
        column = next((c for c in columns if c.names() & parts), None)
        if column is None:
            problems.append(str(_l("row 1: the column '%(name)s' is not one this import knows.", name=text)))
        elif column.key in seen:
            problems.append(str(_l("row 1: the column '%(name)s' appears twice.", name=text)))
        else:
            seen[column.key] = index
            keys[index] = column.key
    for column in columns:
        if column.required and column.key not in seen:
            problems.append(str(_l("row 1: the column '%(name)s' is missing.", name=column.header)))
    if problems:
        expected = ", ".join(c.header for c in columns)
        problems.append(str(_l("The columns are: %(names)s. Download the template to see them.", names=expected)))
        raise ImportRejected(_l("The file was not imported: its header row does not match the template."), problems)
    return keys


def _text(cell) -> str:
    """A cell as text. Numbers from Excel arrive as int or float: 1203.0 reads "1203", and a
    float is read through its shortest decimal form (89.5, never 89.4999...)."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return str(Decimal(repr(cell)))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


cell_text = _text


def _csv_table(content: bytes):
    # Excel in mainland China saves CSV as GBK; GB 18030 reads GBK and more
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        _reject(_l("The file could not be read as text in UTF-8 or GBK. Save it again as CSV (UTF-8) and upload that."))
    if "\x00" in text:
        _reject(_l("The file is not a CSV file. Save it again as CSV (UTF-8) or XLSX and upload that."))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return iter(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))


def _xlsx_table(content: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError):
        _reject(_l("The file is not a readable XLSX workbook. Open it in Excel, save it as .xlsx and upload it again."))
    return iter(rows)


def template_workbook(columns: list[Column], example_rows: list[list], notes: list[str]) -> bytes:
    """An XLSX with the header row on the first sheet (left empty for the data) and a second
    sheet with an example and notes, so an example row is never imported by mistake."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 2)
        # columns formatted as text keep phone and ID numbers from turning into 1.38E+10
        sheet.column_dimensions[letter].number_format = "@"
    example = workbook.create_sheet("example")
    example.append([c.header for c in columns])
    for row in example_rows:
        example.append(row)
    example.append([])
    for note in notes:
        example.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
