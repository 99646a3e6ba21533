"""Reading one sheet of an uploaded XLSX workbook as rows of text, safely.

An XLSX file is a zip archive of XML parts. A hostile or broken one can make a reader
use unbounded memory or time in several ways: a sheet that declares it spans
``A1:XFD1048576``, a zip whose parts unpack to hundreds of megabytes, a single huge
string, XML entity declarations that expand exponentially or name files on the server,
or simply malformed XML and values.

Why not openpyxl. Its read-only mode trusts the sheet's declared dimension and pads
every row up to it (one cell at XFD1048576 becomes a billion empty cells), loads the
whole shared-string table without limits, and raises a dozen different exceptions on
bad input. Guarding it from outside would mean checking the same XML it then parses
again. So this module streams the few parts it needs itself, with the C expat parser
from the standard library:

1. Before any XML is parsed, the zip's directory is checked: the parts to be read must
   exist, unpack to no more than ``max_unpacked_bytes`` together, and not unpack to more
   than ``max_ratio`` times their packed size (zip bombs do, spreadsheets do not).
   While unpacking, the bytes are counted again, so a directory that lies is caught.
2. Every parser refuses a document type declaration as soon as it starts, so no entity
   (internal or external) can be declared, expanded or fetched.
3. The sheet is read element by element; nothing but the cells holding values is kept,
   and the row, column, cell-size and filled-cell limits are checked as each cell is
   read, so reading stops at the first one reached. The declared dimension is ignored.
4. Every failure becomes an ``UnreadableFile`` with a message for the curator; nothing
   else escapes.

Values come out as the import has always read them: shared and inline strings as
written (phonetic runs left out), numbers as in the sheet (whole numbers without
``.0``), true/false as ``yes``/``no``, and numbers styled with a date format as ISO
dates, using openpyxl's own tables of number formats and its date arithmetic (pure
functions, no parsing) so that the text is the same as before for honest files.
Formulas are read as their last computed value.
"""

from __future__ import annotations

import datetime
import io
import logging
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

from providers.interchange.limits import Limits, UnreadableFile, column_letters

logger = logging.getLogger(__name__)

MAX_SHEET_ROWS = 1_048_576  # what Excel itself allows
MAX_SHEET_COLUMNS = 16_384
CHUNK = 64 * 1024
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
RELATIONSHIPS = "_rels/.rels"
CANNOT_READ = "This XLSX file cannot be read: {}. Open it in Excel or LibreOffice, save it "
CANNOT_READ += "again as .xlsx (or as CSV UTF-8) and upload that file."


class Corrupt(UnreadableFile):
    """The workbook breaks the XLSX format; the message says where."""

    def __init__(self, problem: str):
        super().__init__(CANNOT_READ.format(problem))


def read_sheet(data: bytes, limits: Limits, title: str) -> list[tuple[int, list[str]]]:
    """The filled rows of the sheet named ``title`` (else the first worksheet), as text.

    Each row is (spreadsheet row number, cells from column A to its last filled cell);
    rows without values are left out. Raises ``UnreadableFile`` with a message for the
    curator when the file is not a workbook this reader can read within ``limits``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _Workbook(archive, limits).read(title)
    except UnreadableFile:
        raise
    except zipfile.BadZipFile as error:
        raise Corrupt(f"the zip archive is damaged ({error})") from None
    except (RuntimeError, NotImplementedError) as error:
        # zipfile's words for an encrypted part or an unknown compression method.
        if "encrypted" in str(error) or "password" in str(error):
            raise UnreadableFile(
                "This XLSX file is protected with a password. Save a copy without the "
                "password and upload that file."
            ) from None
        raise Corrupt(f"a part is packed in a way this reader does not know ({error})") from None
    except (OSError, EOFError, zlib.error, ValueError, LookupError) as error:
        raise Corrupt(f"a part of it is damaged ({error})") from None
    except Exception as error:
        # Anything else is still about the file, never a reason for a server error; it is
        # logged so a gap in this reader gets noticed.
        logger.warning("Unexpected failure reading an XLSX upload", exc_info=True)
        raise Corrupt(f"it is damaged ({type(error).__name__})") from None


class _Workbook:
    def __init__(self, archive: zipfile.ZipFile, limits: Limits):
        self.archive = archive
        self.limits = limits
        self.parts = {info.filename: info for info in archive.infolist()}
        self.unpacked = 0

    def read(self, title: str) -> list[tuple[int, list[str]]]:
        workbook_path = self._office_document()
        workbook = self._parse(workbook_path, _WorkbookParts())
        targets = self._relationships(workbook_path)
        sheet_path = self._choose_sheet(workbook, targets, title)
        strings_path = targets.first_of_type("sharedStrings")
        styles_path = targets.first_of_type("styles")
        # Every part that will be parsed, checked before any of them is.
        self._check_sizes([path for path in (sheet_path, strings_path, styles_path) if path])
        styles = self._parse(styles_path, _Styles()) if styles_path else _Styles()
        strings = (
            self._parse(strings_path, _SharedStrings(self.limits))
            if strings_path
            else _SharedStrings(self.limits)
        )
        epoch = CALENDAR_MAC_1904 if workbook.date1904 else WINDOWS_EPOCH
        reader = _SheetReader(self.limits, strings, styles.date_styles(), epoch)
        return self._parse(sheet_path, reader).rows

    # ------------------------------------------------------------- finding the parts

    def _office_document(self) -> str:
        if RELATIONSHIPS not in self.parts:
            if "xl/workbook.xml" in self.parts:
                return "xl/workbook.xml"
            raise Corrupt("it holds no workbook (is it really an Excel file?)")
        targets = self._relationships("")
        path = targets.first_of_type("officeDocument")
        if not path:
            raise Corrupt("it holds no workbook (is it really an Excel file?)")
        return path

    def _relationships(self, source: str) -> _Relationships:
        folder, name = posixpath.split(source)
        rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
        if rels_path not in self.parts:
            return _Relationships(folder)
        return self._parse(rels_path, _Relationships(folder))

    def _choose_sheet(self, workbook: _WorkbookParts, targets: _Relationships, title: str):
        worksheets = [
            (name, targets.by_id[rid])
            for name, rid in workbook.sheets
            if rid in targets.by_id and targets.types[rid] == "worksheet"
        ]
        if not worksheets:
            raise Corrupt("the workbook has no worksheet")
        for name, path in worksheets:
            if name == title:
                return path
        return worksheets[0][1]

    # ------------------------------------------------------------- unpacking

    def _check_sizes(self, paths: list[str]) -> None:
        total = 0
        for path in paths:
            info = self.parts.get(path)
            if info is None:
                raise Corrupt(f"the part {path} is missing")
            total += info.file_size
            if info.file_size > 1_048_576:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > self.limits.max_ratio:
                    raise self.limits.packed_too_tightly(path, ratio)
        if total > self.limits.max_unpacked_bytes:
            raise self.limits.too_much_unpacked(total)

    def _chunks(self, path: str) -> Iterator[bytes]:
        info = self.parts.get(path)
        if info is None:
            raise Corrupt(f"the part {path} is missing")
        if info.file_size > self.limits.max_unpacked_bytes:
            raise self.limits.too_much_unpacked(info.file_size)
        with self.archive.open(info) as part:
            while chunk := part.read(CHUNK):
                self.unpacked += len(chunk)
                if self.unpacked > self.limits.max_unpacked_bytes:
                    raise self.limits.too_much_unpacked(self.unpacked)
                yield chunk

    def _parse[T: _Handler](self, path: str, handler: T) -> T:
        parser = _expat_parser(handler)
        try:
            for chunk in self._chunks(path):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise Corrupt(
                f"the part {path} is not well-formed XML "
                f"({expat.errors.messages[error.code]}, line {error.lineno})"
            ) from None
        except _Refused as refused:
            raise Corrupt(f"the part {path} {refused}") from None
        except _BadValue as bad:
            raise Corrupt(f"in {path}, {bad}") from None
        return handler


# ----------------------------------------------------------------- XML handling


class _Refused(Exception):
    """The XML uses a feature no workbook needs and this reader does not allow."""


class _BadValue(Exception):
    """A value in the XML breaks the format (the message says which and where)."""


class _Handler:
    """Receives the elements of one part.

    For speed, expat reports names as written (no namespace processing, no wrapper per
    event); ``names`` maps the names this handler cares about, with the prefix the root
    element uses (``x:c`` or ``c``), to their local names. Other elements are skipped.
    """

    ELEMENTS: tuple[str, ...] = ()
    names: dict[str, str] = {}

    def bind(self, prefix: str) -> None:
        self.names = {prefix + local: local for local in self.ELEMENTS}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


def _expat_parser(handler: _Handler):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(*_args) -> None:
        raise _Refused("declares a document type (DTD), which a workbook never needs")

    def refuse_entity(*_args) -> None:
        raise _Refused("refers to an external entity")

    def root(name: str, attributes: dict[str, str]) -> None:
        handler.bind(name.rpartition(":")[0] + ":" if ":" in name else "")
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.text
        handler.start(name, attributes)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_entity
    parser.StartElementHandler = root
    return parser


class _Relationships(_Handler):
    ELEMENTS = ("Relationship",)

    def __init__(self, folder: str):
        self.folder = folder
        self.by_id: dict[str, str] = {}
        self.types: dict[str, str] = {}
        self.order: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name not in self.names or attributes.get("TargetMode") == "External":
            return
        rid, target = attributes.get("Id", ""), attributes.get("Target", "")
        if not target:
            return
        if target.startswith("/"):
            path = posixpath.normpath(target.lstrip("/"))
        else:
            path = posixpath.normpath(posixpath.join(self.folder, target))
        self.by_id[rid] = path
        self.types[rid] = attributes.get("Type", "").rpartition("/")[2]
        self.order.append(rid)

    def first_of_type(self, kind: str) -> str | None:
        for rid in self.order:
            if self.types[rid] == kind:
                return self.by_id[rid]
        return None


class _WorkbookParts(_Handler):
    ELEMENTS = ("sheet", "workbookPr")

    def __init__(self):
        self.sheets: list[tuple[str, str]] = []
        self.date1904 = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        name = self.names.get(name)
        if name == "sheet":
            # The relationship id is a namespaced attribute (``r:id``, whatever the prefix).
            rid = next((v for k, v in attributes.items() if k.endswith(":id")), "")
            self.sheets.append((attributes.get("name", ""), rid))
        elif name == "workbookPr":
            self.date1904 = attributes.get("date1904", "").lower() in ("1", "true")


class _Styles(_Handler):
    """Which cell styles (by index) show numbers as dates or durations."""

    ELEMENTS = ("numFmt", "cellXfs", "xf")

    def __init__(self):
        self.custom: dict[int, str] = {}
        self.cell_formats: list[int] = []
        self.in_cell_xfs = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        name = self.names.get(name)
        if name == "numFmt":
            self.custom[_whole(attributes.get("numFmtId", ""), "numFmtId")] = attributes.get(
                "formatCode", ""
            )
        elif name == "cellXfs":
            self.in_cell_xfs = True
        elif name == "xf" and self.in_cell_xfs:
            self.cell_formats.append(_whole(attributes.get("numFmtId", "0"), "numFmtId"))

    def end(self, name: str) -> None:
        if self.names.get(name) == "cellXfs":
            self.in_cell_xfs = False

    def date_styles(self) -> dict[int, bool]:
        """Style index -> whether its dates are durations, for every date style."""
        styles = {}
        for index, format_id in enumerate(self.cell_formats):
            code = self.custom.get(format_id, BUILTIN_FORMATS.get(format_id))
            if is_date_format(code):
                styles[index] = is_timedelta_format(code)
        return styles


class _SharedStrings(_Handler):
    """The workbook's string table, kept as one text with offsets (compact for many strings).

    A string longer than a cell may be is not kept; using it in the sheet is an error.
    """

    ELEMENTS = ("si", "t", "rPh")

    def __init__(self, limits: Limits):
        self.limit = limits.max_cell_chars
        self.buffer = io.StringIO()
        self.offsets = array("Q", [0])
        self.too_long: dict[int, int] = {}
        self.position = 0
        self.depth = 0  # inside <si>: 1; inside a phonetic run (left out): counted up
        self.collecting = False
        self.current: list[str] = []
        self.length = 0
        self.cache: dict[int, str] = {}
        self.text_value: str | None = None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        name = self.names.get(name)
        if name == "si":
            self.current, self.length, self.depth = [], 0, 1
        elif name == "rPh" and self.depth:
            self.depth += 1
        elif name == "t" and self.depth == 1:
            self.collecting = True

    def text(self, data: str) -> None:
        if self.collecting:
            self.length += len(data)
            if self.length <= self.limit:
                self.current.append(data)

    def end(self, name: str) -> None:
        name = self.names.get(name)
        if name == "t":
            self.collecting = False
        elif name == "rPh" and self.depth > 1:
            self.depth -= 1
        elif name == "si":
            index = len(self.offsets) - 1
            if self.length > self.limit:
                self.too_long[index] = self.length
            else:
                self.position += self.buffer.write("".join(self.current))
            self.offsets.append(self.position)
            self.current, self.depth = [], 0

    def get(self, index: int) -> str | int:
        """The string at ``index``, or its length when it is too long to use."""
        if index in self.cache:
            return self.cache[index]
        if not 0 <= index < len(self.offsets) - 1:
            raise IndexError(index)
        if index in self.too_long:
            return self.too_long[index]
        if self.text_value is None:
            self.text_value = self.buffer.getvalue()
        value = self.text_value[self.offsets[index] : self.offsets[index + 1]]
        self.cache[index] = value
        return value


class _SheetReader(_Handler):
    ELEMENTS = ("sheetData", "row", "c", "v", "is", "t", "rPh")

    def __init__(self, limits: Limits, strings: _SharedStrings, dates: dict, epoch):
        self.limits = limits
        self.strings = strings
        self.dates = dates
        self.epoch = epoch
        self.rows: list[tuple[int, list[str]]] = []
        self.row_number = 0
        self.row: dict[int, str] = {}
        self.in_data = False
        self.cell: tuple[str, int, str, int] | None = None  # reference, column, type, style
        self.column = 0
        self.collecting = False
        self.inline_depth = 0  # inside <is>: 1; inside a phonetic run: counted up
        self.value: list[str] = []
        self.length = 0
        self.filled = 0
        self.row_text = "0"
        self.columns: dict[str, int] = {}  # column letters seen -> column number

    def start(self, name: str, attributes: dict[str, str]) -> None:
        name = self.names.get(name)
        if name is None:
            return
        if name == "c" and self.in_data:
            self._start_cell(attributes)
        elif name == "v" and self.cell:
            self.collecting, self.value, self.length = True, [], 0
        elif name == "is" and self.cell:
            self.inline_depth, self.value, self.length = 1, [], 0
        elif name == "rPh" and self.inline_depth:
            self.inline_depth += 1
        elif name == "t" and self.inline_depth == 1:
            self.collecting = True
        elif name == "row" and self.in_data:
            self._start_row(attributes.get("r"))
        elif name == "sheetData":
            self.in_data = True

    def text(self, data: str) -> None:
        if self.collecting:
            self.length += len(data)
            if self.length > self.limits.max_cell_chars:
                raise self.limits.cell_too_long(self.row_number, self.cell[1], 0)
            self.value.append(data)

    def end(self, name: str) -> None:
        name = self.names.get(name)
        if name is None:
            return
        if name == "v" or name == "t":
            self.collecting = False
        elif name == "rPh" and self.inline_depth > 1:
            self.inline_depth -= 1
        elif name == "is":
            self.inline_depth = 0
        elif name == "c" and self.cell:
            self._end_cell()
        elif name == "row" and self.in_data:
            self._end_row()
        elif name == "sheetData":
            self.in_data = False

    def _start_row(self, number: str | None) -> None:
        if number is None:
            row = self.row_number + 1
        else:
            try:
                row = int(number)
            except ValueError:
                raise _BadValue(f"a row is numbered '{number[:20]}', not with a number") from None
        if not 0 < row <= MAX_SHEET_ROWS:
            raise _BadValue(f"a row is numbered {row}, outside 1 to {MAX_SHEET_ROWS:,}")
        if row <= self.row_number:
            raise _BadValue(f"row {row} comes after row {self.row_number}")
        self.row_number, self.row, self.column = row, {}, 0
        self.row_text = str(row)

    def _start_cell(self, attributes: dict[str, str]) -> None:
        reference = attributes.get("r")
        if reference is None:
            column = self.column + 1
            reference = f"{column_letters(column)}{self.row_number}"
        else:
            # Fast path: the reference is the column's letters (seen before) and this row.
            letters = reference[: len(reference) - len(self.row_text)]
            column = self.columns.get(letters)
            if column is None or not reference.endswith(self.row_text):
                column = self._check_reference(reference)
        if column <= self.column:
            raise _BadValue(f"the cell {reference} comes after a cell to its right")
        self.column = column
        style = attributes.get("s")
        self.cell = (
            reference,
            column,
            attributes.get("t", "n"),
            _whole(style, "s") if style else 0,
        )
        self.value, self.length = [], 0

    def _check_reference(self, reference: str) -> int:
        match = CELL_REFERENCE.fullmatch(reference)
        if not match:
            raise _BadValue(f"the cell reference '{reference[:20]}' is not valid")
        column = _column_number(match[1])
        if column > MAX_SHEET_COLUMNS or int(match[2]) != self.row_number:
            raise _BadValue(
                f"the cell reference '{reference}' is not valid in row {self.row_number}"
            )
        if match[2] == self.row_text:
            self.columns[match[1]] = column
        return column

    def _end_cell(self) -> None:
        reference, column, kind, style = self.cell
        self.cell = None
        raw = "".join(self.value)
        self.value = []
        text = self._cell_text(reference, column, kind, style, raw)
        if not text:
            return
        if column > self.limits.max_columns:
            raise self.limits.too_many_columns(self.row_number, column)
        if len(text) > self.limits.max_cell_chars:
            raise self.limits.cell_too_long(self.row_number, column, len(text))
        self.filled += 1
        if self.filled > self.limits.max_cells:
            raise self.limits.too_many_cells()
        self.row[column] = text

    def _cell_text(self, reference: str, column: int, kind: str, style: int, raw: str) -> str:
        if kind == "inlineStr":
            return raw
        if not raw:
            return ""
        if kind == "n":
            try:
                number = float(raw) if any(c in raw for c in ".Ee") else int(raw)
            except ValueError:
                raise _BadValue(
                    f"the cell {reference} should hold a number but holds '{raw[:40]}'"
                ) from None
            if style in self.dates:
                try:
                    return cell_text(from_excel(number, self.epoch, timedelta=self.dates[style]))
                except (OverflowError, ValueError):
                    raise _BadValue(
                        f"the cell {reference} is formatted as a date but holds {raw[:40]}, "
                        "which is not a date"
                    ) from None
            return cell_text(number)
        if kind == "s":
            try:
                value = self.strings.get(int(raw))
            except (ValueError, IndexError):
                raise _BadValue(
                    f"the cell {reference} refers to shared string '{raw[:20]}', which the "
                    "workbook does not have"
                ) from None
            if isinstance(value, int):
                raise self.limits.cell_too_long(self.row_number, column, value)
            return value
        if kind == "b":
            try:
                return cell_text(bool(int(raw)))
            except ValueError:
                raise _BadValue(
                    f"the cell {reference} should hold true or false (1 or 0)"
                ) from None
        if kind == "d":
            try:
                return cell_text(from_ISO8601(raw))
            except (ValueError, TypeError, OverflowError):
                raise _BadValue(
                    f"the cell {reference} should hold a date but holds '{raw[:40]}'"
                ) from None
        # "str" (a formula's text), "e" (an error such as #N/A) and anything else: as written.
        return raw

    def _end_row(self) -> None:
        if not self.row:
            return
        if len(self.rows) > self.limits.max_rows:  # the header and max_rows rows are kept
            raise self.limits.too_many_rows(self.row_number)
        cells = [""] * max(self.row)
        for column, text in self.row.items():
            cells[column - 1] = text
        self.rows.append((self.row_number, cells))
        self.row = {}


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _whole(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _BadValue(f"'{what}' should be a whole number but is '{text[:20]}'") from None


def cell_text(value) -> str:
    """A cell's value as the import reads it (dates as ISO dates, booleans as yes/no)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
