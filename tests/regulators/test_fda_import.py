"""The FDA Data Dashboard import: the example files, idempotence, merging, waiting rows,
bad files, and the command line."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from providers.models import Provider, Site
from providers.regulators.fda import apply_fda_plan, plan_fda_import
from providers.regulatory import Inspection, UnmatchedInspection
from tests.factories import make_provider
from tests.regulators.helpers import add_identity

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CSV = EXAMPLES / "fda-inspections-example.csv"
JSON = EXAMPLES / "fda-inspections-example.json"


@pytest.fixture
def cork(db):
    provider = make_provider(
        "Example Biologics",
        slug="example-biologics",
        sites=[{"name": "Cork", "city": "Cork", "country": "IE"}],
    )
    site = Site.objects.get(provider=provider)
    add_identity(site, "fei", "3009990001")
    return site


def run(path: Path, **options) -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "import_fda_inspections", str(path), stdout=out, stderr=StringIO(), verbosity=0, **options
    )
    return out.getvalue()


def test_the_spreadsheet_example_attaches_by_fei_and_merges_project_areas(cork):
    output = run(CSV)
    assert "5 rows, 4 inspections: 2 to create" in output
    newest, older = cork.inspections.all()
    assert newest.fda_inspection_id == 1190001
    assert newest.outcome == "vai"  # the most serious of the two rows
    assert newest.project_area == "Therapeutic Biologics; Drug Quality Assurance"
    assert newest.product_type == "Biologics; Drugs"
    assert newest.citations_posted is True
    assert newest.end_date == datetime.date(2024, 3, 14) and newest.fiscal_year == 2024
    assert older.outcome == "nai" and older.end_date == datetime.date(2021, 6, 30)
    assert newest.history.get().history_change_reason.startswith("Imported FDA inspections")
    cork.provider.refresh_from_db()
    assert cork.provider.fda_acceptable_on == datetime.date(2024, 3, 14)
    # The FEI on no site waits, with what a curator needs to find the site.
    waiting = UnmatchedInspection.objects.filter(fei="3009990002").order_by("end_date")
    assert [row.outcome for row in waiting] == ["oai", "nai"]
    assert waiting[0].legal_name == "Example Chemicals Private Limited"
    assert waiting[0].country == "IN" and waiting[0].city == "Hyderabad"


def test_reimporting_changes_nothing(cork):
    run(CSV)
    run(JSON)
    before = (
        Inspection.objects.count(),
        Inspection.history.count(),
        UnmatchedInspection.objects.count(),
    )
    second = run(CSV)
    assert "0 to create, 0 to update, 4 unchanged, 0 waiting" in second
    assert "0 to create, 0 to update, 3 unchanged, 0 waiting" in run(JSON)
    after = (
        Inspection.objects.count(),
        Inspection.history.count(),
        UnmatchedInspection.objects.count(),
    )
    assert before == after


def test_a_changed_classification_updates_the_inspection_and_keeps_the_curators_link(
    cork, tmp_path
):
    run(CSV)
    inspection = Inspection.objects.get(fda_inspection_id=1190005)
    inspection.source_url = "https://example.org/form-483"
    inspection.save()
    changed = tmp_path / "changed.csv"
    changed.write_text(
        CSV.read_text().replace(
            "1190005,No,06/30/2021,No Action Indicated (NAI)",
            "1190005,Yes,06/30/2021,Voluntary Action Indicated (VAI)",
        )
    )
    assert "0 to create, 1 to update" in run(changed)
    inspection.refresh_from_db()
    assert (inspection.outcome, inspection.citations_posted) == ("vai", True)
    assert inspection.source_url == "https://example.org/form-483"


def test_the_api_json_example_reads_the_published_field_names(cork):
    output = run(JSON)
    assert "3 rows, 3 inspections: 1 to create" in output
    assert cork.inspections.get().fda_inspection_id == 1190010
    waiting = UnmatchedInspection.objects.filter(fei="3009990003").order_by("end_date")
    assert [(row.fda_inspection_id, row.country, row.outcome) for row in waiting] == [
        (None, "US", "nai"),
        (1190011, "US", "vai"),
    ]


def test_dry_run_writes_nothing(cork):
    assert "Dry run, nothing written" in run(CSV, dry_run=True)
    assert not Inspection.objects.exists() and not UnmatchedInspection.objects.exists()


def test_a_bad_file_names_row_and_column_and_writes_nothing(cork, tmp_path):
    bad = tmp_path / "bad.csv"
    lines = CSV.read_text().splitlines()
    lines[1] = lines[1].replace("3009990001", "30099-X")
    lines[3] = lines[3].replace("06/30/2021", "31/31/2021")
    lines[4] = lines[4].replace("Official Action Indicated (OAI)", "Maybe")
    bad.write_text("\n".join(lines) + "\n")
    plan = plan_fda_import(bad.read_bytes(), "bad.csv")
    assert [(p.row, p.column) for p in plan.errors] == [
        (2, "FEI Number"),
        (4, "Inspection End Date"),
        (5, "Classification"),
    ]
    with pytest.raises(CommandError, match="Nothing was imported: 3 problem"):
        run(bad)
    assert not Inspection.objects.exists() and not UnmatchedInspection.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.json", b"{not json", "not valid JSON"),
        ("x.json", b'{"result": 3}', "no list of records"),
        ("x.json", b"[1, 2]", "Record 1 is not an object"),
        ("x.csv", b"Name,City\nA,B\n", "no FEI Number, Inspection End Date, Classification column"),
        ("x.pdf", b"%PDF-1.4", "Only CSV"),
        ("x.csv", b"", "empty"),
    ],
)
def test_unreadable_files_get_one_clear_message(db, name, content, message):
    plan = plan_fda_import(content, name)
    assert not plan.ok and message in plan.file_errors[0]


def test_json_field_names_are_reported_as_written(db):
    record = {"FEINumber": "123", "InspectionEndDate": "2024-01-01", "ClassificationCode": "NAI"}
    plan = plan_fda_import(json.dumps([record]).encode(), "api.json")
    assert [(p.row, p.column) for p in plan.errors] == [(1, "FEINumber")]


def test_one_inspection_id_for_two_feis_is_refused(db):
    records = [
        {
            "FEINumber": "3000000001",
            "InspectionID": "7",
            "InspectionEndDate": "2024-01-01",
            "ClassificationCode": "NAI",
        },
        {
            "FEINumber": "3000000002",
            "InspectionID": "7",
            "InspectionEndDate": "2024-01-01",
            "ClassificationCode": "NAI",
        },
    ]
    plan = plan_fda_import(json.dumps(records).encode(), "api.json")
    assert "Inspection 7 is given for FEI 3000000001 in row 1" in plan.errors[0].message


def test_apply_is_all_or_nothing(cork, monkeypatch):
    from django.db import DatabaseError

    from providers.regulators import fda

    plan = plan_fda_import(CSV.read_bytes(), CSV.name)

    def broken(*args, **kwargs):
        raise DatabaseError("refused")

    monkeypatch.setattr(fda.UnmatchedInspection.objects, "bulk_create", broken)
    with pytest.raises(DatabaseError):
        apply_fda_plan(plan)
    assert not Inspection.objects.exists()
    assert Provider.objects.get(pk=cork.provider_id).fda_acceptable_on is None


def test_created_inspections_carry_the_dashboard_as_evidence(cork):
    from django.contrib.auth.models import User

    from providers.models import Evidence
    from providers.regulators.fda import DASHBOARD_URL

    curator = User.objects.create_user("curator")
    plan = plan_fda_import(CSV.read_bytes(), CSV.name)
    apply_fda_plan(plan, user=curator)
    items = Evidence.objects.filter(inspection__site=cork).order_by("inspection__end_date")
    assert [item.inspection.fda_inspection_id for item in items] == [1190005, 1190001]
    item = items.last()
    assert (item.url, item.kind, item.owner_id, item.recorded_by) == (
        DASHBOARD_URL,
        "regulator",
        cork.provider_id,
        curator,
    )
    assert item.title == "FDA Data Dashboard: inspection 1190001 of FEI 3009990001"
    assert item.seen_on == datetime.date.today()
    assert item.history.get().history_type == "+"
    # Counted among the record's claims and backed ones (profile, site, FEI, 2 inspections).
    provider = Provider.objects.get(pk=cork.provider_id)
    assert (provider.backed_claim_count, provider.claim_count) == (2, 5)
    # A second import of the same rows adds nothing.
    before = (Evidence.objects.count(), Evidence.history.count())
    apply_fda_plan(plan_fda_import(CSV.read_bytes(), CSV.name))
    assert (Evidence.objects.count(), Evidence.history.count()) == before


def test_rows_without_an_inspection_id_on_one_day_are_one_inspection(cork):
    """The dashboard lists an inspection once per project area; without its ID, the rows
    of one FEI ending on one day are that one inspection."""
    records = [
        {
            "FEINumber": "3009990001",
            "InspectionEndDate": "2024-01-09",
            "ClassificationCode": code,
            "ProjectArea": area,
        }
        for code, area in (("NAI", "Drug Quality Assurance"), ("VAI", "Therapeutic Biologics"))
    ]
    data = json.dumps(records).encode()
    plan = plan_fda_import(data, "api.json")
    assert plan.ok and plan.counts["create"] == 1, plan.counts
    apply_fda_plan(plan)
    inspection = cork.inspections.get()
    assert inspection.outcome == "vai"
    assert inspection.project_area == "Drug Quality Assurance; Therapeutic Biologics"
    assert plan_fda_import(data, "api.json").counts["unchanged"] == 1
