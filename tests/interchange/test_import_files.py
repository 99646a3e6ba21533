"""Spreadsheet import: preview first, then all or nothing; every kind of bad file is refused."""

import html
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from providers.interchange.format import COLUMNS as ALL_COLUMNS
from providers.interchange.parsing import OPTIONAL_COLUMNS
from providers.models import Provider, Service, Site
from tests.factories import make_provider

# Files here leave out the optional columns (state, evidence), as files made before them do.
COLUMNS = tuple(column for column in ALL_COLUMNS if column not in OPTIONAL_COLUMNS)

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:providers_provider_import")
HEADER = ",".join(COLUMNS)
GOOD_ROW = (
    "acme-pharma,Acme Pharma,cro; cdmo,CH,https://acme.example,Process chemistry.,"
    "pharmaceutical,small-molecule,"
    '"process-development: phase-1 to commercial-supply | kilo lab; trial-management: phase-2",'
    '"Visp plant | Visp | CH | eu-gmp, iso-9001",published,2026-10-01,https://acme.example/about,no'
)
SECOND_ROW = "beta-labs,Beta Labs,CRO,GB,,,,,,,draft,,,no"


def csv_file(*rows: str, header: str = HEADER, line_end: str = "\n") -> bytes:
    return line_end.join([header, *rows]).encode() + line_end.encode()


def upload(client, data: bytes, name: str = "providers.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data)})


def test_preview_counts_rows_and_writes_nothing_until_confirmed(client, curator):
    make_provider("Beta Labs", slug="beta-labs", types=("cro",), status="published", summary="")
    response = upload(client, csv_file(GOOD_ROW, SECOND_ROW))
    assert response.status_code == 200
    assert response.context["counts"] == {"create": 1, "update": 1, "unchanged": 0}
    assert "Confirm import" in response.content.decode()
    assert not Provider.objects.filter(slug="acme-pharma").exists()

    confirmed = client.post(
        IMPORT_URL, {"confirm": "1", "token": response.context["token"]}, follow=True
    )
    page = confirmed.content.decode()
    assert confirmed.context["job"].counts == {"create": 1, "update": 1, "unchanged": 0}
    assert "<strong>1</strong> provider(s) created" in page
    assert "<strong>1</strong> provider(s) updated" in page
    acme = Provider.objects.get(slug="acme-pharma")
    assert set(acme.types.values_list("slug", flat=True)) == {"cro", "cdmo"}
    service = acme.services.get(capability__slug="process-development")
    assert (service.first_phase_id, service.last_phase_id, service.note) == (3, 6, "kilo lab")
    assert acme.services.get(capability__slug="trial-management").last_phase_id == 4
    site = acme.sites.get()
    assert set(site.certifications.values_list("slug", flat=True)) == {"eu-gmp", "iso-9001"}
    assert acme.phase_positions == [3, 4, 5, 6]  # derived columns refreshed
    # A file cannot say a person checked the record: it stays compiled, with no curator.
    assert (acme.state, acme.checked_by) == ("compiled", None)
    assert Provider.objects.get(slug="beta-labs").status == "draft"
    assert acme.history.first().history_user == curator


def test_confirm_needs_the_token_of_this_session(client, curator):
    upload(client, csv_file(GOOD_ROW))
    client.post(IMPORT_URL, {"confirm": "1", "token": "forged"})
    assert not Provider.objects.exists()


BAD_FILES = {
    "not utf-8": (
        ("acme,Acmé Ltd,cro,CH,,,,,,,draft,,,no".encode("latin-1")),
        "providers.csv",
        "not UTF-8",
    ),
    "missing column": (
        csv_file("acme,Acme,cro,CH,,,,,,,draft,,", header=HEADER.replace(",is_synthetic", "")),
        "providers.csv",
        "Missing column(s): is_synthetic",
    ),
    "extra column": (
        csv_file(SECOND_ROW + ",x", header=HEADER + ",rating"),
        "providers.csv",
        "Unknown column 'rating'",
    ),
    "unknown type": (
        csv_file("acme,Acme,CRO; XYZ,CH,,,,,,,draft,,,no"),
        "p.csv",
        "Unknown types: XYZ",
    ),
    "unknown phase": (
        csv_file('acme,Acme,cro,CH,,,,,"process-development: phase-1 to phase-9",,draft,,,no'),
        "p.csv",
        "Unknown phase 'phase-9'",
    ),
    "unknown capability": (
        csv_file('acme,Acme,cro,CH,,,,,"alchemy: phase-1",,draft,,,no'),
        "p.csv",
        "Unknown capability 'alchemy'",
    ),
    "unknown country": (csv_file("acme,Acme,cro,XX,,,,,,,draft,,,no"), "p.csv", "Unknown country"),
    "unknown site country": (
        csv_file('acme,Acme,cro,CH,,,,,,"Plant | Town | Narnia",draft,,,no'),
        "p.csv",
        "unknown country 'Narnia'",
    ),
    "unknown modality": (
        csv_file("acme,Acme,cro,CH,,,,unobtainium,,,draft,,,no"),
        "p.csv",
        "Unknown modalities: unobtainium",
    ),
    "unknown certification": (
        csv_file('acme,Acme,cro,CH,,,,,,"Plant | Town | CH | gold-star",draft,,,no'),
        "p.csv",
        "unknown certification(s) gold-star",
    ),
    "duplicate rows": (
        csv_file(SECOND_ROW, SECOND_ROW),
        "p.csv",
        "The slug 'beta-labs' is also on row 2",
    ),
    "empty required cell": (
        csv_file("acme,,cro,CH,,,,,,,draft,,,no"),
        "p.csv",
        "required and is empty",
    ),
    "over-long value": (
        csv_file(f"acme,{'A' * 201},cro,CH,,,,,,,draft,,,no"),
        "p.csv",
        "Too long: 201",
    ),
    "service outside its phases": (
        csv_file('acme,Acme,cro,CH,,,,,"phase-1-unit: phase-1 to phase-3",,draft,,,no'),
        "p.csv",
        "applies only from phase-1 to phase-1",
    ),
    "service off its capability's track": (
        csv_file('acme,Acme,cro,CH,,,,,"agro-five-batch: phase-1 to phase-3",,draft,,,no'),
        "p.csv",
        "GLP 5-batch analysis is on the Crop protection track, and phase-1 is not",
    ),
    "service across two tracks": (
        csv_file(
            'acme,Acme,cro,CH,,,,,"glp-toxicology: preclinical to crop-registration",,draft,,,no'
        ),
        "p.csv",
        "GLP toxicology is on the Pharmaceuticals and biotech track, and crop-registration is not",
    ),
    "checked without a date": (
        csv_file(
            "acme,Acme,cro,CH,,,,,,,draft,checked,,,,no",
            header=",".join(ALL_COLUMNS),
        ),
        "p.csv",
        "A checked record needs the date it was checked",
    ),
    "bad date": (csv_file("acme,Acme,cro,CH,,,,,,,draft,31/12/2026,x,no"), "p.csv", "YYYY-MM-DD"),
    "not csv or xlsx": (b"%PDF-1.7 binary", "providers.pdf", "Only CSV (.csv) and Excel (.xlsx)"),
    "image named csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "providers.csv", "a PNG image, not a"),
    "binary named csv": (b"\x00\x01\x02binary", "providers.csv", "binary data"),
    "text file": (b"slug,name\n", "providers.txt", "Only CSV (.csv) and Excel (.xlsx)"),
    "latin-1": ("slug,name\ncaf\u00e9".encode("latin-1"), "p.csv", "line 2 holds a character"),
    "xlsx that is not": (b"just text", "providers.xlsx", "not an Excel (XLSX) workbook"),
    "header only": (csv_file(), "p.csv", "no providers under it"),
    "utf-16": ("\ufeffslug,name".encode("utf-16"), "p.csv", "UTF-16"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_bad_files_get_a_clear_message_and_write_nothing(client, curator, kind):
    data, name, message = BAD_FILES[kind]
    before = Provider.objects.count()
    response = upload(client, data, name)
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Nothing was imported" in text
    assert message in text
    assert "Confirm import" not in text
    assert Provider.objects.count() == before


def test_every_error_has_its_row_and_column(client, curator):
    response = upload(
        client,
        csv_file(SECOND_ROW, "acme,,cro,XX,,,,,,,draft,,,no", "cee,Cee,cro,CH,,,,,,,maybe,,,no"),
    )
    errors = {(error.row, error.column) for error in response.context["errors"]}
    assert errors == {(3, "name"), (3, "hq_country"), (4, "status")}


def test_empty_file_and_file_over_the_limit_are_refused(client, curator, settings):
    response = upload(client, b"")
    assert (
        "The submitted file is empty" in response.content.decode()
        or "empty" in response.content.decode()
    )
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = upload(client, csv_file(GOOD_ROW))
    assert "files up to" in response.content.decode()
    assert not Provider.objects.exists()


def test_one_bad_row_among_good_ones_writes_nothing(client, curator):
    rows = [f"p-{n},Provider {n},cro,CH,,,,,,,draft,,,no" for n in range(20)]
    rows.append("bad,Bad,cro,CH,,,,,,,unknown-status,,,no")
    response = upload(client, csv_file(*rows))
    assert response.context["plan"].rows_with_errors == 1
    assert "token" not in response.context
    assert not Provider.objects.exists()


def test_a_database_failure_while_writing_rolls_everything_back(curator, monkeypatch):
    from providers.interchange import importing

    plan = importing.plan_import(csv_file(GOOD_ROW, SECOND_ROW), "p.csv")
    original = importing.create_providers

    def create_then_fail(records, *args, **kwargs):
        original(records, *args, **kwargs)
        raise importing.transaction.DatabaseError("disk full")

    monkeypatch.setattr(importing, "create_providers", create_then_fail)
    with pytest.raises(importing.transaction.DatabaseError):
        importing.apply_plan(plan, user=curator)
    assert (
        not Provider.objects.exists() and not Service.objects.exists() and not Site.objects.exists()
    )


def test_bom_and_crlf_are_accepted(client, curator):
    data = b"\xef\xbb\xbf" + csv_file(GOOD_ROW, SECOND_ROW, line_end="\r\n")
    response = upload(client, data)
    assert response.context["plan"].ok, response.context["plan"].errors
    assert response.context["counts"]["create"] == 2


def test_semicolon_separated_csv_from_a_continental_excel_is_accepted(client, curator):
    row = "beta-labs;Beta Labs;CRO;GB;;;;;;;draft;;;no"
    response = upload(client, csv_file(row, header=";".join(COLUMNS)))
    assert response.context["plan"].ok


def xlsx_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    sheet.append([None] * len(COLUMNS))  # spreadsheets often keep empty rows at the end
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_is_accepted_with_real_dates_and_booleans(client, curator):
    import datetime

    data = xlsx_file(
        [
            [
                "gamma",
                "Gamma",
                "CMO",
                "de",
                None,
                None,
                None,
                None,
                None,
                None,
                "published",
                datetime.datetime(2026, 5, 4),
                "Trade fair",
                True,
            ]
        ]
    )
    response = upload(client, data, "providers.xlsx")
    assert response.context["plan"].ok, response.context["plan"].errors
    client.post(IMPORT_URL, {"confirm": "1", "token": response.context["token"]})
    gamma = Provider.objects.get(slug="gamma")
    assert gamma.state_on == datetime.date(2026, 5, 4)
    assert gamma.is_synthetic and str(gamma.hq_country) == "DE"


def test_match_by_website_when_no_slug(client, curator):
    existing = make_provider("Delta", slug="delta", website="https://delta.example", types=("cro",))
    row = "  ,Delta Renamed,cro,GB,HTTPS://DELTA.example,,,,,,published,,,no"
    response = upload(client, csv_file(row))
    assert response.context["counts"] == {"create": 0, "update": 1, "unchanged": 0}
    client.post(IMPORT_URL, {"confirm": "1", "token": response.context["token"]})
    existing.refresh_from_db()
    assert existing.name == "Delta Renamed" and existing.slug == "delta"
    assert Provider.objects.count() == 1


def test_new_row_without_slug_gets_one_from_its_name(client, curator):
    make_provider("Epsilon", slug="epsilon-labs")
    response = upload(client, csv_file(",Epsilon Labs,cro,GB,https://eps.example,,,,,,draft,,,no"))
    client.post(IMPORT_URL, {"confirm": "1", "token": response.context["token"]})
    assert Provider.objects.filter(slug="epsilon-labs-2", name="Epsilon Labs").exists()


def test_website_of_another_provider_is_refused(client, curator):
    make_provider("Zeta", slug="zeta", website="https://zeta.example")
    response = upload(client, csv_file("eta,Eta,cro,GB,https://zeta.example,,,,,,draft,,,no"))
    assert "already belongs to the provider 'zeta'" in html.unescape(response.content.decode())


def test_import_without_permission_is_forbidden(client):
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    assert client.get(IMPORT_URL).status_code == 403


def test_command_dry_run_writes_nothing_and_real_run_writes(tmp_path):
    path = tmp_path / "providers.csv"
    path.write_bytes(csv_file(GOOD_ROW, SECOND_ROW))
    out = io.StringIO()
    call_command("import_providers", str(path), "--dry-run", stdout=out, verbosity=0)
    assert "2 to create" in out.getvalue()
    assert not Provider.objects.exists()
    call_command("import_providers", str(path), stdout=out, verbosity=0)
    assert Provider.objects.count() == 2


def test_command_refuses_a_bad_file_and_writes_nothing(tmp_path):
    path = tmp_path / "providers.csv"
    path.write_bytes(csv_file(GOOD_ROW, "bad,Bad,cro,ZZ,,,,,,,draft,,,no"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_providers", str(path), stderr=err, verbosity=0)
    assert "Row 3, column hq_country: Unknown country" in err.getvalue()
    assert not Provider.objects.exists()


def test_abandoned_previews_are_deleted_after_a_day(monkeypatch):
    import datetime

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from providers.curation import imports as provider_admin

    old = default_storage.save("provider-imports/old", ContentFile(b"x"))
    fresh = default_storage.save("provider-imports/fresh", ContentFile(b"x"))
    real = default_storage.get_modified_time
    monkeypatch.setattr(
        default_storage,
        "get_modified_time",
        lambda name: timezone.now() - datetime.timedelta(days=2) if name == old else real(name),
    )
    assert provider_admin.forget_abandoned_imports() == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)
    default_storage.delete(fresh)
