"""How much of an import file is read, and what the curator is told when a file is larger.

The same limits apply to CSV and XLSX files, in the admin and on the command line, so
a file that one of them accepts the other accepts too. They are settings (see
``config/settings.py`` and docs/import-format.md); the defaults follow the upload limit
and the format's fourteen columns. Each limit, when reached, stops reading at once with
a message that names the limit, where in the file it was reached and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Columns of the interchange format; kept here so this module needs no models.
FORMAT_COLUMNS = 16


class UnreadableFile(Exception):
    """The file cannot be read; the message says why, in words for the curator."""


class LimitReached(UnreadableFile):
    """The file is larger than a reading limit allows."""


@dataclass(frozen=True)
class Limits:
    """The limits in force; ``from_settings`` reads them (their defaults live in settings)."""

    max_rows: int
    max_columns: int
    max_cell_chars: int
    # XLSX only: what the workbook's parts may unpack to, together and per packed byte.
    max_unpacked_bytes: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            max_unpacked_bytes=settings.IMPORT_MAX_XLSX_UNPACKED_BYTES,
            max_ratio=settings.IMPORT_MAX_XLSX_RATIO,
        )

    @property
    def max_cells(self) -> int:
        """Filled cells a file may hold: every column of the format on the header and rows."""
        return (self.max_rows + 1) * FORMAT_COLUMNS

    # The messages, one per limit, shared by the CSV and the XLSX reader.

    def too_many_rows(self, row: int) -> LimitReached:
        return LimitReached(
            f"The file has more than {self.max_rows:,} providers (row {row:,} still holds "
            f"data); at most {self.max_rows:,} rows are read from one file. Split it into "
            "smaller files, or ask an administrator to raise IMPORT_MAX_ROWS."
        )

    def too_many_columns(self, row: int, column: int) -> LimitReached:
        return LimitReached(
            f"Row {row:,} has a value in column {column:,} ({column_letters(column)}); the "
            f"format has {FORMAT_COLUMNS} columns and at most {self.max_columns} are read. "
            "Delete the columns after the format's and upload the file again."
        )

    def cell_too_long(self, row: int, column: int, length: int) -> LimitReached:
        length_text = f"{length:,}" if length else f"more than {self.max_cell_chars:,}"
        return LimitReached(
            f"The cell in row {row:,}, column {column:,} ({column_letters(column)}) holds "
            f"{length_text} characters; a cell may hold at most {self.max_cell_chars:,} (as "
            "in Excel itself). Shorten it and upload the file again."
        )

    def too_many_cells(self) -> LimitReached:
        return LimitReached(
            f"The file holds more than {self.max_cells:,} filled cells (the format's "
            f"{FORMAT_COLUMNS} columns on the header and {self.max_rows:,} rows). Delete what is "
            "not part of "
            "the format, or split the file."
        )

    def too_much_unpacked(self, unpacked: int) -> LimitReached:
        return LimitReached(
            f"The workbook unpacks to {_size(unpacked)} of sheet data; at most "
            f"{_size(self.max_unpacked_bytes)} is read. Save only the providers "
            "sheet, without other sheets or formatting, or split the file or save it as CSV "
            "UTF-8."
        )

    def packed_too_tightly(self, part: str, ratio: float) -> LimitReached:
        return LimitReached(
            f"The workbook's part {part} unpacks to {ratio:,.0f} times its packed size (at "
            f"most {self.max_ratio} is read), which no spreadsheet program writes; it may be "
            "built to exhaust the server. Open it in Excel or LibreOffice, save it again as "
            ".xlsx and upload that file."
        )


def _size(size: int) -> str:
    if size >= 1_048_576:
        return f"{size / 1_048_576:,.1f} MB"
    return f"{size / 1024:,.1f} KB"


def column_letters(column: int) -> str:
    """A spreadsheet's name for a column number: 1 is A, 27 is AA."""
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def limited_rows(records: Iterable[list[str]], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for the header and every row with a value, checked against limits.

    Rows are numbered from 1 as ``records`` come; rows whose cells are all empty are left
    out, and empty cells after the last column read are dropped.
    """
    rows = filled = 0
    for number, cells in enumerate(records, start=1):
        if number > 1 and not any(cells):
            continue
        if len(cells) > limits.max_columns:
            extra = cells[limits.max_columns :]
            if any(extra):
                column = limits.max_columns + next(i for i, cell in enumerate(extra) if cell) + 1
                raise limits.too_many_columns(number, column)
            del cells[limits.max_columns :]
        if cells and max(map(len, cells)) > limits.max_cell_chars:
            column, cell = next(
                (i, cell)
                for i, cell in enumerate(cells, start=1)
                if len(cell) > limits.max_cell_chars
            )
            raise limits.cell_too_long(number, column, len(cell))
        filled += len(cells) - cells.count("")
        if filled > limits.max_cells:
            raise limits.too_many_cells()
        if number > 1:
            rows += 1
            if rows > limits.max_rows:
                raise limits.too_many_rows(number)
        yield number, cells
