"""The one CSV / XLSX writer: the interchange export, the admin export and the buyer's
shortlist export all write through here.

Cells are protected against formula injection (a text cell starting with ``=``, ``+``,
``-``, ``@`` or a control character gets a leading apostrophe and, in XLSX, is typed as
text), dates stay dates, CSV is UTF-8 with a byte-order mark so Excel reads it as UTF-8.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | datetime.date | None


def protect_formula(cell: str) -> str:
    """A leading apostrophe keeps spreadsheets from reading a cell as a formula."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def unprotect_formula(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def safe_cell(value: object) -> Cell:
    """Text a spreadsheet will never run as a formula; dates stay dates."""
    if isinstance(value, datetime.date):
        return value
    return protect_formula("" if value is None else str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """CSV text line by line (a BOM first, CRLF line ends); cells must already be safe."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            [value.isoformat() if isinstance(value, datetime.date) else value for value in row]
        )


def write_xlsx(
    stream,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    widths: Sequence[int] = (),
) -> None:
    """One sheet, header in bold and frozen, streamed row by row (memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for values in rows:
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif value is not None:
                cell.data_type = "s"  # always text, never a formula
            row.append(cell)
        sheet.append(row)
    workbook.save(stream)
