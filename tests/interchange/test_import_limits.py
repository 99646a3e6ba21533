"""Hostile and broken spreadsheets: refused with a clear message, in bounded memory and time.

Every file here is built by the code below (small generators writing the zip parts of an
XLSX workbook), never stored as a binary.
"""

import functools
import html
import io
import os
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from providers.interchange.format import COLUMNS as ALL_COLUMNS
from providers.interchange.format import InterchangeError
from providers.interchange.limits import Limits, column_letters
from providers.interchange.parsing import OPTIONAL_COLUMNS
from providers.interchange.reading import read_table
from providers.models import Provider

# Files here leave out the optional columns (state, evidence), as files made before them do.
COLUMNS = tuple(column for column in ALL_COLUMNS if column not in OPTIONAL_COLUMNS)

IMPORT_URL = reverse("admin:providers_provider_import")
ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
GOOD_ROW = ["acme", "Acme", "cro", "CH", "", "", "", "", "", "", "draft", "", "", "no"]

# --------------------------------------------------------------------------- building files


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, cells: list[str]) -> str:
    parts = [
        inline(f"{column_letters(i)}{number}", text) for i, text in enumerate(cells, 1) if text
    ]
    return f'<row r="{number}">{"".join(parts)}</row>'


def header_row() -> str:
    return row(1, list(COLUMNS))


def sheet(rows: str, dimension: str = "A1:N2", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def shared_strings(strings: list[str], prolog: str = "") -> str:
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    return f'<?xml version="1.0"?>{prolog}<sst xmlns="{MAIN}">{items}</sst>'


DATE_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="yyyy-mm-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/>'
    '<xf numFmtId="164"/></cellXfs></styleSheet>'
)


def workbook(
    sheet_xml,
    *,
    strings: str | None = None,
    styles: str | None = None,
    level: int = 6,
) -> bytes:
    """An XLSX package; ``sheet_xml`` is the sheet's XML, or an iterable of its byte chunks."""
    relationships = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if strings is not None:
        relationships.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        relationships.append(("rId3", "styles", "styles.xml"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(
                f'<Override PartName="/xl/{name}" ContentType="{CONTENT_TYPE}.{kind}+xml"/>'
                for name, kind, present in (
                    ("workbook.xml", "sheet.main", True),
                    ("worksheets/sheet1.xml", "worksheet", True),
                    ("sharedStrings.xml", "sharedStrings", strings is not None),
                    ("styles.xml", "styles", styles is not None),
                )
                if present
            )
            + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            '<sheet name="providers" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}">'
            + "".join(
                f'<Relationship Id="{rid}" Type="{DOC_RELS}/{kind}" Target="{target}"/>'
                for rid, kind, target in relationships
            )
            + "</Relationships>",
        )
        if isinstance(sheet_xml, str):
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        else:
            with archive.open("xl/worksheets/sheet1.xml", "w") as part:
                for chunk in sheet_xml:
                    part.write(chunk)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


def declares_the_whole_sheet() -> bytes:
    """1.7 KB: a sheet declared as A1:XFD1048576, with its one cell in the very last row."""
    return workbook(sheet(row(1_048_576, [""] * 16_383 + ["x"]), dimension="A1:XFD1048576"))


@functools.cache
def zip_bomb() -> bytes:
    """1.3 MB that unpacks to 303 MB of sheet XML: a million rows of 255 characters."""
    one_row = b'<row><c t="inlineStr"><is><t>' + b"x" * 255 + b"</t></is></c></row>"

    def chunks():
        yield f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
        block = one_row * 10_000
        for _ in range(100):
            yield block
        yield b"</sheetData></worksheet>"

    return workbook(chunks(), level=9)


def patch_directory(data: bytes, part: str, offset: int, value: int, size: str = "<I") -> bytes:
    """The same zip with one field of ``part``'s central directory entry changed."""
    data = bytearray(data)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        name = bytes(data[position + 46 : position + 46 + name_length]).decode()
        if name == part:
            struct.pack_into(size, data, position + offset, value)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 46)
    raise AssertionError(f"{part} not in the zip")


def zip_bomb_that_lies() -> bytes:
    """The bomb, its directory claiming the sheet unpacks to 8 MB."""
    return patch_directory(zip_bomb(), "xl/worksheets/sheet1.xml", 24, 8_000_000)


def one_huge_shared_string() -> bytes:
    """About 250 KB packed: one 700,000-character shared string used in the header row."""
    text = "".join("ACGT"[(n * 7919 + n // 13) % 4] for n in range(700_000))
    return workbook(
        sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), strings=shared_strings([text])
    )


def one_huge_inline_string() -> bytes:
    return workbook(sheet(header_row() + row(2, ["x" * 40_000])))


def too_many_rows() -> bytes:
    rows = "".join(f'<row r="{n}">{inline(f"A{n}", f"p{n}")}</row>' for n in range(2, 170_002))
    return workbook(sheet(header_row() + rows))


def ten_thousand_columns_xlsx() -> bytes:
    return workbook(sheet(row(1, [f"c{n}" for n in range(10_000)])))


def bad_xml() -> bytes:
    return workbook(sheet(header_row() + '<row r="2"><c r="A2"><v>1</v></row>'))


def bad_cell_reference() -> bytes:
    return workbook(sheet(header_row() + f'<row r="2">{inline("ZZZZZ2", "x")}</row>'))


def not_a_number() -> bytes:
    return workbook(sheet(header_row() + '<row r="2"><c r="A2"><v>abc</v></c></row>'))


def bad_shared_string_index() -> bytes:
    return workbook(
        sheet(header_row() + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'),
        strings=shared_strings(["only one"]),
    )


def invalid_date() -> bytes:
    return workbook(
        sheet(header_row() + '<row r="2"><c r="L2" s="1"><v>99999999999</v></c></row>'),
        styles=DATE_STYLES,
    )


def invalid_iso_date() -> bytes:
    return workbook(sheet(header_row() + '<row r="2"><c r="L2" t="d"><v>2026-13-45</v></c></row>'))


def bad_row_number() -> bytes:
    return workbook(sheet(header_row() + f'<row r="two">{inline("A2", "x")}</row>'))


def row_number_out_of_range() -> bytes:
    return workbook(sheet(header_row() + f'<row r="2000000">{inline("A2000000", "x")}</row>'))


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(2, 10))
    + '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


def entity_expansion_in_sheet() -> bytes:
    return workbook(sheet(header_row() + row(2, ["&lol9;"]), prolog=LAUGHS))


def entity_expansion_in_shared_strings() -> bytes:
    return workbook(
        sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
        strings=shared_strings(["&lol9;"], prolog=LAUGHS),
    )


def external_entity() -> bytes:
    prolog = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    return workbook(sheet(header_row() + row(2, ["&secret;"]), prolog=prolog))


def damaged_zip() -> bytes:
    return b"PK\x03\x04" + b"\x00" * 200


def no_worksheet() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    return data.getvalue()


def csv_with_ten_thousand_columns() -> bytes:
    return (",".join(f"c{n}" for n in range(10_000)) + "\n").encode()


def csv_with_a_huge_cell() -> bytes:
    return (",".join(COLUMNS) + "\n" + "x" * 40_000 + ",A\n").encode()


def csv_with_a_cell_past_the_csv_field_limit() -> bytes:
    return (",".join(COLUMNS) + "\n" + "x" * 200_000 + ",A\n").encode()


def csv_with_too_many_rows() -> bytes:
    return (",".join(COLUMNS) + "\n" + "p,P,cro,CH,,,,,,,draft,,,no\n" * 170_000).encode()


# name -> (builder, file name, what the curator is told)
HOSTILE = {
    "declared dimension A1:XFD1048576": (
        declares_the_whole_sheet,
        "p.xlsx",
        "Row 1,048,576 has a value in column 16,384 (XFD)",
    ),
    "zip bomb": (zip_bomb, "p.xlsx", "times its packed size"),
    "zip bomb whose directory lies": (zip_bomb_that_lies, "p.xlsx", "the zip archive is damaged"),
    "700,000-character shared string": (
        one_huge_shared_string,
        "p.xlsx",
        "holds 700,000 characters; a cell may hold at most 32,767",
    ),
    "40,000-character inline string": (
        one_huge_inline_string,
        "p.xlsx",
        "holds more than 32,767 characters",
    ),
    "170,000 rows": (too_many_rows, "p.xlsx", "more than 163,840 providers"),
    "10,000 columns (xlsx)": (
        ten_thousand_columns_xlsx,
        "p.xlsx",
        "Row 1 has a value in column 51 (AY)",
    ),
    "bad XML": (bad_xml, "p.xlsx", "is not well-formed XML (mismatched tag"),
    "cell reference ZZZZZ2": (bad_cell_reference, "p.xlsx", "'ZZZZZ2' is not valid"),
    "non-numeric number": (not_a_number, "p.xlsx", "should hold a number but holds 'abc'"),
    "bad shared-string index": (
        bad_shared_string_index,
        "p.xlsx",
        "refers to shared string '99', which the workbook does not have",
    ),
    "invalid date": (invalid_date, "p.xlsx", "L2 is formatted as a date but holds 99999999999"),
    "invalid ISO date": (invalid_iso_date, "p.xlsx", "should hold a date but holds '2026-13-45'"),
    "bad row number": (bad_row_number, "p.xlsx", "a row is numbered 'two'"),
    "row number out of range": (row_number_out_of_range, "p.xlsx", "a row is numbered 2000000"),
    "entity expansion in the sheet": (
        entity_expansion_in_sheet,
        "p.xlsx",
        "xl/worksheets/sheet1.xml declares a document type (DTD)",
    ),
    "entity expansion in shared strings": (
        entity_expansion_in_shared_strings,
        "p.xlsx",
        "xl/sharedStrings.xml declares a document type (DTD)",
    ),
    "external entity": (external_entity, "p.xlsx", "declares a document type (DTD)"),
    "damaged zip": (damaged_zip, "p.xlsx", "the zip archive is damaged"),
    "zip without a worksheet": (no_worksheet, "p.xlsx", "it holds no workbook"),
    "10,000 columns (csv)": (
        csv_with_ten_thousand_columns,
        "p.csv",
        "Row 1 has a value in column 51 (AY)",
    ),
    "40,000-character CSV cell": (
        csv_with_a_huge_cell,
        "p.csv",
        "row 2, column 1 (A) holds 40,000 characters",
    ),
    "200,000-character CSV cell": (
        csv_with_a_cell_past_the_csv_field_limit,
        "p.csv",
        "Line 2 holds a cell longer than 32,767 characters",
    ),
    "170,000 CSV rows": (csv_with_too_many_rows, "p.csv", "more than 163,840 providers"),
}


@functools.cache
def hostile_file(kind: str) -> bytes:
    return HOSTILE[kind][0]()


# --------------------------------------------------------------------------- the reader


def test_the_hostile_files_are_what_they_claim():
    assert len(hostile_file("declared dimension A1:XFD1048576")) < 2_000
    bomb = zipfile.ZipFile(io.BytesIO(zip_bomb())).getinfo("xl/worksheets/sheet1.xml")
    assert len(zip_bomb()) < 1_400_000 and bomb.file_size > 300_000_000
    assert len(hostile_file("700,000-character shared string")) < 300_000


CHILD = textwrap.dedent(
    """
    import resource, sys
    limit = 500 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import django
    django.setup()
    from providers.interchange.format import InterchangeError
    from providers.interchange.reading import read_table
    with open(sys.argv[1], "rb") as stream:
        data = stream.read()
    try:
        read_table(data, sys.argv[2])
    except InterchangeError as error:
        print("REFUSED:", error)
    else:
        print("READ")
    """
)


@pytest.mark.parametrize("kind", HOSTILE)
def test_each_hostile_file_is_refused_within_500_mb(kind, tmp_path):
    _, name, message = HOSTILE[kind]
    path = tmp_path / name
    path.write_bytes(hostile_file(kind))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,  # a hang guard only; the time taken is asserted below
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("REFUSED:"), result.stdout
    assert message in result.stdout
    assert time.monotonic() - started < 30  # the app server's request timeout


def test_a_lying_dimension_is_ignored_for_an_honest_table():
    data = workbook(
        sheet(header_row() + row(2, GOOD_ROW), dimension="A1:XFD1048576"),
    )
    table = read_table(data, "p.xlsx")
    assert table.header == list(COLUMNS)
    assert table.rows == [(2, GOOD_ROW)]


def test_values_read_as_before_shared_rich_and_phonetic_text_numbers_dates_booleans():
    strings = (
        f'<sst xmlns="{MAIN}"><si><t>plain</t></si>'
        '<si><r><t>rich</t></r><r><rPr><b/></rPr><t xml:space="preserve"> text</t></r>'
        "<rPh><t>phonetic, left out</t></rPh></si></sst>"
    )
    cells = (
        '<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c>'
        '<c r="C2"><v>42</v></c><c r="D2"><v>2.50</v></c><c r="E2"><v>3.0</v></c>'
        '<c r="F2" t="b"><v>1</v></c><c r="G2" t="b"><v>0</v></c>'
        '<c r="H2" s="1"><v>46146</v></c><c r="I2" s="1"><v>46146.5</v></c>'
        '<c r="J2" t="d"><v>2026-05-04</v></c><c r="K2" t="str"><f>A1</f><v>formula text</v></c>'
        '<c r="L2" t="e"><v>#N/A</v></c><c r="M2" t="inlineStr"><is><t> spaced </t></is></c>'
        '<c r="N2"><f>1+1</f></c>'
    )
    data = workbook(
        sheet(header_row() + f'<row r="2">{cells}</row>'), strings=strings, styles=DATE_STYLES
    )
    table = read_table(data, "p.xlsx")
    assert table.rows == [
        (
            2,
            [
                *("plain", "rich text", "42", "2.5", "3", "yes", "no"),
                *("2026-05-04", "2026-05-04T12:00:00", "2026-05-04", "formula text", "#N/A"),
                *(" spaced ", ""),
            ],
        )
    ]


def test_a_table_that_starts_lower_and_to_the_right_keeps_its_row_numbers():
    rows = row(3, ["", "", *COLUMNS]) + row(5, ["", "", *GOOD_ROW])
    table = read_table(workbook(sheet(rows)), "p.xlsx")
    assert table.header == list(COLUMNS)
    assert table.rows == [(5, GOOD_ROW)]


def test_a_workbook_without_a_sheet_named_providers_reads_its_first_worksheet():
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(list(COLUMNS))
    book.active.append(GOOD_ROW)
    book.create_sheet("notes").append(["not this one"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_table(buffer.getvalue(), "p.xlsx").rows == [(2, GOOD_ROW)]


def test_filled_cells_are_capped(settings):
    settings.IMPORT_MAX_ROWS = 2  # so at most (1 + 2) x 16 = 48 filled cells
    rows = "".join(row(n, ["x"] * 20) for n in range(1, 4))
    with pytest.raises(InterchangeError, match="more than 48 filled cells"):
        read_table(workbook(sheet(rows)), "p.xlsx")
    with pytest.raises(InterchangeError, match="more than 48 filled cells"):
        read_table(("x," * 19 + "x\n").encode() * 3, "p.csv")


def test_the_limits_are_settings(settings):
    settings.IMPORT_MAX_ROWS = 1
    two_rows = workbook(sheet(header_row() + row(2, GOOD_ROW) + row(3, GOOD_ROW)))
    with pytest.raises(InterchangeError, match=r"more than 1 providers \(row 3 still holds"):
        read_table(two_rows, "p.xlsx")
    settings.IMPORT_MAX_ROWS = 10
    settings.IMPORT_MAX_CELL_CHARS = 5
    with pytest.raises(InterchangeError, match="holds 6 characters; a cell may hold at most 5"):
        read_table(b"slug\nabcdef\n", "p.csv")
    settings.IMPORT_MAX_XLSX_UNPACKED_BYTES = 500
    with pytest.raises(InterchangeError, match=r"at most 0\.5 KB is read"):
        read_table(two_rows, "p.xlsx")


def test_a_password_protected_part_is_named_as_such():
    data = workbook(sheet(header_row()))
    encrypted = patch_directory(data, "xl/workbook.xml", 8, 1, "<H")  # flag: encrypted
    with pytest.raises(InterchangeError, match="protected with a password"):
        read_table(encrypted, "p.xlsx")


def test_the_limits_in_force_come_from_settings(settings):
    settings.IMPORT_MAX_COLUMNS = 20
    assert Limits.from_settings().max_columns == 20


# --------------------------------------------------------------------------- admin and command


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE)
def test_admin_upload_of_a_hostile_file_shows_the_message_and_writes_nothing(client, curator, kind):
    _, name, message = HOSTILE[kind]
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, hostile_file(kind))})
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Nothing was imported" in text and message in text
    assert "Confirm import" not in text
    assert not Provider.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE)
def test_command_refuses_a_hostile_file_with_a_clear_error_and_writes_nothing(kind, tmp_path):
    _, name, message = HOSTILE[kind]
    path = tmp_path / name
    path.write_bytes(hostile_file(kind))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_providers", str(path), stderr=err, verbosity=0)
    assert message in err.getvalue()
    assert not Provider.objects.exists()


def test_command_line_exits_non_zero_without_a_traceback(tmp_path):
    path = tmp_path / "providers.xlsx"
    path.write_bytes(hostile_file("entity expansion in the sheet"))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_providers", str(path), "--verbosity", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        timeout=120,
    )
    assert result.returncode != 0
    assert "declares a document type (DTD)" in result.stderr
    assert "CommandError: Nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- --max-errors


@pytest.mark.django_db
def test_command_lists_at_most_max_errors_and_counts_the_rest(tmp_path, settings):
    settings.IMPORT_MAX_COLUMNS = 20_000  # let all 10,000 columns through to the header check
    path = tmp_path / "wide.csv"
    path.write_bytes(csv_with_ten_thousand_columns())
    err = io.StringIO()
    with pytest.raises(CommandError, match="10001 problem"):
        call_command("import_providers", str(path), "--max-errors", "5", stderr=err, verbosity=0)
    lines = err.getvalue().splitlines()
    assert len(lines) == 6
    assert lines[-1] == "... and 9,996 more problem(s), not listed (--max-errors 5)."


@pytest.mark.django_db
def test_command_max_errors_counts_whole_file_and_row_problems_together(tmp_path):
    header = ",".join(COLUMNS)
    rows = "\n".join(f"p{n},,cro,CH,,,,,,,draft,,,no" for n in range(10))
    path = tmp_path / "rows.csv"
    path.write_text(f"{header}\n{rows}\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_providers", str(path), "--max-errors", "3", stderr=err, verbosity=0)
    lines = err.getvalue().splitlines()
    assert lines[:3] == [
        f"Row {n}, column name: This cell is required and is empty." for n in (2, 3, 4)
    ]
    assert lines[3] == "... and 7 more problem(s), not listed (--max-errors 3)."


def test_command_refuses_a_negative_max_errors(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("slug\n")
    with pytest.raises(CommandError, match="--max-errors must be 0 or more"):
        call_command("import_providers", str(path), "--max-errors", "-1", verbosity=0)


@pytest.mark.django_db
def test_admin_lists_a_bounded_number_of_problems_with_the_rest_counted(client, curator, settings):
    settings.IMPORT_MAX_COLUMNS = 20_000
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("wide.csv", csv_with_ten_thousand_columns())}
    )
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert text.count("<li>Unknown column") == 1000
    assert "... and 9001 more problem(s), not listed." in text
    assert not Provider.objects.exists()
