"""Reading an uploaded CSV or XLSX file into rows of text cells, or one plain error."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from providers.interchange.format import SHEET_TITLE, InterchangeError
from providers.interchange.limits import Limits, UnreadableFile, limited_rows


@dataclass
class Table:
    """A file's rows as text cells; ``rows`` holds (spreadsheet row number, cells)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    kind: str


# Files people pick by mistake, recognised by their first bytes.
NOT_SPREADSHEETS = (
    (b"\x89PNG", "This file is a PNG image, not a spreadsheet."),
    (b"\xff\xd8\xff", "This file is a JPEG image, not a spreadsheet."),
    (b"GIF8", "This file is a GIF image, not a spreadsheet."),
    (b"%PDF", "This file is a PDF document, not a spreadsheet."),
    (b"\xd0\xcf\x11\xe0", "This file is in the old Excel (.xls) or Word format."),
    (b"\x1f\x8b", "This file is a compressed (gzip) archive, not a spreadsheet."),
)


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded CSV or XLSX file, or raise InterchangeError saying why not."""
    name = filename.lower()
    if not data.strip() or data.strip() in (b"\xef\xbb\xbf",):
        raise InterchangeError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        if name.endswith((".xlsx", ".xlsm")):
            return _read_xlsx(data)
        raise InterchangeError(
            "This file is a zip archive, not a CSV file; if it is a spreadsheet, "
            "save it as .xlsx or as CSV UTF-8."
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise InterchangeError("This file is named .xlsx but is not an Excel (XLSX) workbook.")
    for signature, what in NOT_SPREADSHEETS:
        if data.startswith(signature):
            raise InterchangeError(
                f"{what} Only CSV (.csv) and Excel (.xlsx) files can be imported; save the "
                "spreadsheet in one of those formats."
            )
    if not name.endswith(".csv"):
        raise InterchangeError(
            "Only CSV (.csv) and Excel (.xlsx) files can be imported; save the spreadsheet "
            "in one of those formats."
        )
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InterchangeError(
            "The file is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)' and try again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InterchangeError(
            f"The file is not UTF-8 text: line {line} holds a character that is not UTF-8 "
            f"(byte 0x{data[error.start]:02x}). Save it as 'CSV UTF-8' and try again."
        ) from None
    if "\x00" in text:
        raise InterchangeError("The file holds binary data; it is not a CSV file.")
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(limited_rows(reader, Limits.from_settings()))
    except UnreadableFile as error:
        raise InterchangeError(str(error)) from None
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise InterchangeError(
                f"Line {reader.line_num:,} holds a cell longer than "
                f"{Limits.from_settings().max_cell_chars:,} characters, the most a cell may "
                "hold (as in Excel itself). Shorten it and upload the file again."
            ) from None
        raise InterchangeError(f"The CSV file cannot be read: {error}.") from None
    if not records:
        raise InterchangeError("The file is empty.")
    return Table(header=records[0][1], rows=records[1:], kind="csv")


def _read_xlsx(data: bytes) -> Table:
    try:
        # Imported here: the XLSX reader brings openpyxl (about 5 MB of a process's memory),
        # which only a process reading a workbook needs.
        from providers.interchange.xlsx import read_sheet

        rows = read_sheet(data, Limits.from_settings(), SHEET_TITLE)
    except UnreadableFile as error:
        raise InterchangeError(str(error)) from None
    if not rows:
        raise InterchangeError("The file is empty.")
    # Columns left empty before the table (a sheet that starts in column B) are not part of it.
    offset = min(next(i for i, cell in enumerate(cells) if cell) for _, cells in rows)
    header = rows[0][1][offset:]
    width = len(header)
    table_rows = []
    for number, cells in rows[1:]:
        cells = cells[offset:]
        while len(cells) > width and not cells[-1]:
            cells.pop()
        table_rows.append((number, cells + [""] * (width - len(cells))))
    return Table(header=header, rows=table_rows, kind="xlsx")
