"""Export -> import reproduces the directory exactly; re-importing changes nothing; exports are
safe to open in a spreadsheet."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from openpyxl import load_workbook

from providers.interchange.format import COLUMNS
from providers.interchange.importing import apply_plan, plan_import
from providers.interchange.records import ReferenceLookup, load_records
from providers.models import (
    Evidence,
    Modality,
    Provider,
    Service,
    Site,
    SiteCertificationLink,
)
from providers.regulatory import SiteIdentity
from tests.factories import add_evidence, make_provider

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rich_directory() -> None:
    """Providers that use every column and every character the format must carry."""
    tricky = make_provider(
        '=HYPERLINK("http://evil.example","click")',
        slug="tricky",
        types=("cro", "cdmo"),
        modalities=("small-molecule", "peptide"),
        industries=("pharmaceutical", "agrochemical"),
        services=(
            (
                "process-development",
                2,
                7,
                {
                    "modalities": ("peptide", "small-molecule"),
                    "sites": ("Plant | A; B \\ C", "Hall 3, North: \\east"),
                },
            ),
            ("phase-1-unit", 3, 3),
            (
                "formulation-development",
                3,
                5,
                {"dosage_forms": ("tablet", "sterile-injectable"), "sites": ("@Second site",)},
            ),
        ),
        sites=(
            {
                "name": "Plant | A; B \\ C",
                "city": "Zürich",
                "country": "CH",
                "certifications": ("eu-gmp", "glp"),
            },
            {"name": "@Second site", "city": "", "country": "CN"},
            {"name": "Hall 3, North: \\east", "city": "Basel", "country": "CH"},
        ),
        summary="-20 °C storage;\nsecond line, with 'quotes' and \"double\" ones. 中文",
        website="https://tricky.example/path?a=1",
        state_on="2026-06-30",
        source="+41 call; notes: see file | folder",
        status=Provider.Status.WITHDRAWN,
        is_synthetic=True,
        hq_country="CH",
    )
    service = tricky.services.get(capability__slug="process-development")
    service.note = "runs: phase-1 to phase-3; | piped \\ slashed"
    service.save()
    plant = tricky.sites.get(name="Plant | A; B \\ C")
    for scheme, value, scheme_name in (
        ("fei", "3004795989", ""),
        ("duns", "123456789", ""),
        ("other", "X:1, Y;2 | Z\\3 (b)", "Registry: A, B | C; D \\ E (x)"),
    ):
        SiteIdentity.objects.create(site=plant, scheme=scheme, value=value, scheme_name=scheme_name)
    SiteIdentity.objects.create(
        site=tricky.sites.get(name="@Second site"),
        scheme="eu-gmp-certificate",
        value="UK GMP 1234 Insp GMP 1234/5-0001",
    )
    # Evidence on every kind of claim, with the characters the list form must escape.
    add_evidence(
        tricky,
        url="https://tricky.example/about?a=1;b=2|c",
        kind="annual-report",
        title="=Annual report; 2025 | part \\ one",
        quote="-We make; | things",
        seen_on=datetime.date(2026, 3, 4),
    )
    add_evidence(service, url="https://tricky.example/pd", title="Process development")
    add_evidence(service, url="https://news.example/pd", kind="news", title="Press release")
    plant = tricky.sites.get(name="Plant | A; B \\ C")
    add_evidence(plant, url="https://tricky.example/plant", title="Plant page")
    add_evidence(
        SiteCertificationLink.objects.get(site=plant, certification__slug="eu-gmp"),
        url="https://eudragmdp.example/cert?id=9",
        kind="regulator",
        title="GMP certificate",
    )
    add_evidence(
        plant.identities.get(scheme="fei"),
        url="https://fda.example/fei?id=3004795989",
        kind="regulator",
        title="FEI search",
    )
    add_evidence(
        plant.identities.get(scheme="other"),
        url="https://registry.example/x1",
        kind="regulator",
        title="Registry | entry; X:1",
    )
    make_provider("'Quoted name", slug="quoted", types=("cmo",), status=Provider.Status.DRAFT)
    make_provider("Plain Ltd", slug="plain", types=("cmo",), industries=(), website="")


def snapshot() -> dict:
    catalogue = ReferenceLookup.load()
    records = load_records(list(Provider.objects.values_list("pk", flat=True)), catalogue)
    return {record.slug: record for record in records.values()}


def history_rows() -> int:
    return (
        sum(model.history.count() for model in (Provider, Service, Site, SiteIdentity, Evidence))
        + Provider.history.model.types.model.objects.count()
        + Site.history.model.certifications.model.objects.count()
        + sum(
            getattr(Service.history.model, name).model.objects.count()
            for name in ("modalities", "dosage_forms", "sites")
        )
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_directory_reproduces_it(admin_client, admin_user, kind):
    rich_directory()
    before = snapshot()
    response = admin_client.get(reverse("admin:providers_provider_export", args=[kind]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content

    Provider.objects.all().delete()
    plan = plan_import(data, f"directory.{kind}")
    assert plan.ok, (plan.file_errors, plan.errors)
    assert plan.counts == {"create": 3, "update": 0, "unchanged": 0}
    apply_plan(plan, user=admin_user)
    assert snapshot() == before
    # Each service keeps its own modalities, dosage forms and sites.
    services = {entry.capability: entry for entry in before["tricky"].services}
    assert services["process-development"].modalities == ("small-molecule", "peptide")
    assert services["process-development"].sites == ("Hall 3, North: \\east", "Plant | A; B \\ C")
    assert services["formulation-development"].dosage_forms == ("tablet", "sterile-injectable")
    assert services["formulation-development"].sites == ("@Second site",)
    assert services["phase-1-unit"].modalities == services["phase-1-unit"].sites == ()
    # ... and its history says so, as an edit in the admin would.
    created = Service.history.get(
        capability__slug="formulation-development", history_type="+", history_user=admin_user
    )
    assert {link.dosageform.slug for link in created.dosage_forms.all()} == {
        "tablet",
        "sterile-injectable",
    }
    # Derived columns are rebuilt for the imported providers too.
    tricky = Provider.objects.get(slug="tricky")
    assert tricky.phase_positions == [2, 3, 4, 5, 6, 7]
    assert tricky.countries == ["CH", "CN"]
    # Evidence comes back on the same claims, counted again, recorded by the importer.
    assert len(before["tricky"].evidence) == 7
    assert tricky.backed_claim_count == 6
    assert set(Evidence.objects.values_list("recorded_by", flat=True)) == {admin_user.pk}


def export_csv() -> bytes:
    from providers.interchange.records import iter_records
    from providers.interchange.writing import write_csv

    catalogue = ReferenceLookup.load()
    out = io.StringIO()
    write_csv(
        iter_records(Provider.objects.values_list("pk", flat=True), catalogue), catalogue, out
    )
    return out.getvalue().encode()


def test_a_checked_record_round_trips_but_a_file_cannot_make_one_checked(admin_user):
    rich_directory()
    Provider.objects.filter(slug="plain").update(
        state="checked", state_on=datetime.date(2026, 5, 6), checked_by=admin_user
    )
    data = export_csv()
    assert b"checked,2026-05-06" in data
    before = snapshot()
    plan = plan_import(data, "again.csv")
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3}
    # Claiming a check the directory has no record of is refused, with row and column.
    forged = data.replace(b"withdrawn,compiled,", b"withdrawn,checked,")
    plan = plan_import(forged, "forged.csv")
    assert not plan.ok
    assert [(error.column, error.message[:33]) for error in plan.errors] == [
        ("state", "A file cannot make a record check")
    ]
    assert snapshot() == before


def test_evidence_naming_a_claim_not_in_the_row_is_refused(admin_user):
    rich_directory()
    data = export_csv().replace(b"service: process-development |", b"service: glp-toxicology |")
    plan = plan_import(data, "bad.csv")
    assert {error.column for error in plan.errors} == {"evidence"}
    assert "is not in this row" in plan.errors[0].message


def test_an_import_replacing_evidence_keeps_history(admin_user):
    rich_directory()
    data = export_csv().replace(b"Press release", b"Press release corrected")
    plan = plan_import(data, "fix.csv")
    assert plan.ok, plan.errors
    assert plan.counts["update"] == 1, plan.counts
    apply_plan(plan, user=admin_user)
    titles = set(Evidence.objects.values_list("title", flat=True))
    assert "Press release corrected" in titles and "Press release" not in titles
    assert Evidence.history.filter(title="Press release", history_type="-").exists()


def test_reimporting_the_same_file_changes_nothing_not_even_history(admin_user):
    rich_directory()
    response_data = io.StringIO()
    from providers.interchange.records import iter_records
    from providers.interchange.writing import write_csv

    catalogue = ReferenceLookup.load()
    write_csv(
        iter_records(Provider.objects.values_list("pk", flat=True), catalogue),
        catalogue,
        response_data,
    )
    data = response_data.getvalue().encode()
    before, history_before = snapshot(), history_rows()
    plan = plan_import(data, "again.csv")
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3}
    apply_plan(plan, user=admin_user)
    assert snapshot() == before
    assert history_rows() == history_before


def test_importing_a_new_file_twice_writes_once(admin_user):
    data = (
        b"slug,name,types,hq_country,website,summary,industries,modalities,services,sites,status,"
        b"state_on,source,is_synthetic\n"
        b"omega,Omega,cro,FR,https://omega.example,Hi,biotech,mrna,"
        b'"mrna-lnp: preclinical to phase-3","Lyon site | Lyon | FR | gcp",published,2026-02-02,'
        b"Web,no\n"
    )
    apply_plan(plan_import(data, "a.csv"), user=admin_user)
    first, history_first = snapshot(), history_rows()
    second = plan_import(data, "a.csv")
    assert second.counts == {"create": 0, "update": 0, "unchanged": 1}
    apply_plan(second, user=admin_user)
    assert snapshot() == first
    assert history_rows() == history_first


def test_export_follows_the_changelist_filters_and_search(admin_client):
    make_provider("Draft One", status=Provider.Status.DRAFT)
    make_provider("Published One")
    make_provider("Published Two")
    url = reverse("admin:providers_provider_export", args=["csv"])
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(admin_client.get(url + "?status__exact=draft").streaming_content).decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert [row[1] for row in rows[1:]] == ["Draft One"]
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(admin_client.get(url + "?q=two").streaming_content).decode("utf-8-sig")
            )
        )
    )
    assert [row[1] for row in rows[1:]] == ["Published Two"]
    everything = list(
        csv.reader(
            io.StringIO(b"".join(admin_client.get(url).streaming_content).decode("utf-8-sig"))
        )
    )
    assert len(everything) == 4


def test_csv_export_cannot_inject_formulas(admin_client):
    rich_directory()
    response = admin_client.get(reverse("admin:providers_provider_export", args=["csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    tricky = next(row for row in rows if row[0] == "tricky")
    assert tricky[1].startswith("'=HYPERLINK")
    assert tricky[5].startswith("'-20")


def test_xlsx_export_holds_text_never_formulas(admin_client):
    rich_directory()
    response = admin_client.get(reverse("admin:providers_provider_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type == "s" for cell in cells)
    assert not [cell for cell in cells if str(cell.value).startswith(FORMULA_STARTS)]


def test_curators_can_export_and_non_staff_cannot(client, curator):
    make_provider("Exported")
    url = reverse("admin:providers_provider_export", args=["csv"])
    assert client.get(url).status_code == 200
    client.logout()
    client.force_login(User.objects.create_user("buyer", password="pw-buyer-123"))
    assert client.get(url).status_code == 302  # to the admin login


@pytest.mark.parametrize("name", ["providers-example.csv", "providers-example.xlsx"])
def test_the_documented_example_files_import_cleanly(name, admin_user):
    from django.conf import settings

    data = (settings.BASE_DIR / "docs" / "examples" / name).read_bytes()
    plan = plan_import(data, name)
    assert plan.ok, (plan.file_errors, plan.errors)
    assert plan.counts["create"] == 3
    apply_plan(plan, user=admin_user)
    alpine = Provider.objects.get(slug="alpine-process-chemistry")
    assert alpine.services.get(capability__slug="process-development").note == (
        "from gram to tonne scale"
    )
    osd = alpine.services.get(capability__slug="oral-solid-dose")
    assert [form.slug for form in osd.dosage_forms.all()] == ["tablet", "capsule"]
    assert [site.name for site in osd.sites.all()] == ["Visp site"]
    clinical = alpine.services.get(capability__slug="clinical-api-manufacture")
    assert {m.slug for m in clinical.modalities.all()} == {"small-molecule", "peptide"}
    assert Provider.objects.filter(slug="plains-agro-formulation").exists()
    # Evidence on the profile, a service, a site's certificate and a DUNS number; the record
    # stays compiled.
    assert (alpine.backed_claim_count, alpine.state) == (4, "compiled")
    duns = Evidence.objects.get(owner=alpine, site_identity__isnull=False)
    assert duns.site_identity.value == "481234567" and duns.kind == "regulator"


def test_imported_providers_have_history_that_restores(admin_client, admin_user):
    from providers.curation import history

    data = (
        b"slug,name,types,hq_country,website,summary,industries,modalities,services,sites,status,"
        b"state_on,source,is_synthetic\n"
        b'sigma,Sigma,cro; cdmo,FR,,,biotech,mrna,"mrna-lnp: preclinical to phase-3",'
        b'"Lyon site | Lyon | FR | gcp",published,,,no\n'
    )
    apply_plan(plan_import(data, "a.csv"), user=admin_user)
    sigma = Provider.objects.get(slug="sigma")
    imported = sigma.history.get()
    assert imported.history_user == admin_user and imported.history_change_reason == (
        "Imported from a.csv"
    )
    before = snapshot()["sigma"]
    record, _ = history.record_as_of(sigma.pk, imported.history_date, ReferenceLookup.load())
    assert record == before

    sigma.services.all().delete()
    sigma.types.set([])
    sigma.sites.get().certifications.set([])
    url = reverse(
        "admin:providers_provider_restore", args=[sigma.pk, "provider", imported.history_id]
    )
    assert admin_client.post(url).status_code == 302
    assert snapshot()["sigma"] == before


def test_an_update_row_replaces_links_services_and_sites_and_is_recorded(admin_user):
    from providers.curation import history

    provider = make_provider(
        "Kappa",
        slug="kappa",
        types=("cro",),
        modalities=("peptide",),
        services=(("process-development", 2, 5), ("glp-toxicology", 2, 3)),
        sites=(
            {"name": "Old site", "city": "Leeds", "country": "GB", "certifications": ("glp",)},
            {"name": "kept site", "city": "York", "country": "GB", "certifications": ("gcp",)},
            {"name": "Same site", "city": "Hull", "country": "GB", "certifications": ("glp",)},
        ),
    )
    from django.utils import timezone

    before_import = timezone.now()
    unchanged_site = provider.sites.get(name="Same site")
    unchanged_site_history = unchanged_site.history.count()
    data = (
        b"slug,name,types,hq_country,website,summary,industries,modalities,services,sites,status,"
        b"state_on,source,is_synthetic\n"
        b"kappa,Kappa Two,cro; cmo,GB,,New summary,pharmaceutical,,"
        b'"process-development: phase-1 to phase-3 | new note; oral-solid-dose: phase-1",'
        b'"Kept Site | York | GB | gcp, glp; Same site | Hull | GB | glp; New site | Cork | IE",'
        b"published,2026-01-02,Web,no\n"
    )
    plan = plan_import(data, "update.csv")
    assert plan.counts["update"] == 1
    assert set(plan.rows[0].changes) == {
        "name",
        "types",
        "summary",
        "modalities",
        "services",
        "sites",
        "state_on",
        "source",
    }
    apply_plan(plan, user=admin_user)
    after = snapshot()["kappa"]
    assert after == plan.rows[0].record
    provider.refresh_from_db()
    assert (provider.state, provider.checked_by) == ("compiled", None)
    assert provider.phase_positions == [3, 4, 5]
    assert sorted(provider.countries) == ["GB", "IE"]
    # Untouched rows keep their identity and history; changed ones get exactly one new row each.
    assert unchanged_site.history.count() == unchanged_site_history
    assert provider.sites.get(name="Kept Site").history.first().history_type == "~"
    assert Service.history.filter(provider_id=provider.pk, history_type="-").count() == 1
    latest = provider.history.first()
    assert (
        latest.history_user == admin_user
        and latest.history_change_reason == "Imported from update.csv"
    )
    catalogue = ReferenceLookup.load()
    assert history.record_as_of(provider.pk, latest.history_date, catalogue)[0] == after
    # The version before the import can still be rebuilt exactly.
    old, _ = history.record_as_of(provider.pk, before_import, catalogue)
    assert old.name == "Kappa" and {s.name for s in old.sites} == {
        "Old site",
        "kept site",
        "Same site",
    }


def test_site_identities_round_trip_in_the_site_cell(admin_client):
    rich_directory()
    response = admin_client.get(reverse("admin:providers_provider_export", args=["csv"]))
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = data.decode("utf-8-sig")
    assert "fei: 3004795989, duns: 123456789" in text or "duns: 123456789" in text
    assert "other (Registry\\: A\\, B \\| C\\; D \\\\ E (x)): X\\:1\\, Y\\;2" in text
    tricky = snapshot()["tricky"]
    plant = next(site for site in tricky.sites if site.name.startswith("Plant"))
    assert plant.identities == (
        ("duns", "", "123456789"),
        ("fei", "", "3004795989"),
        ("other", "Registry: A, B | C; D \\ E (x)", "X:1, Y;2 | Z\\3 (b)"),
    )


def plain_file(sites: str) -> bytes:
    """A one-row file for the provider 'plain' with the given site cell."""
    cells = {"slug": "plain", "name": "Plain Ltd", "types": "CMO", "hq_country": "GB"}
    cells.update({"status": "draft", "is_synthetic": "no", "sites": sites})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([cells.get(column, "") for column in COLUMNS])
    return out.getvalue().encode()


def test_identities_in_a_file_are_checked_added_and_removed_with_history(admin_user):
    rich_directory()
    plan = plan_import(plain_file("Main | Leeds | GB | | duns: 98-765-4321"), "f.csv")
    assert plan.ok, plan.errors
    apply_plan(plan, user=admin_user)
    site = Site.objects.get(provider__slug="plain")
    assert list(site.identities.values_list("scheme", "value")) == [("duns", "987654321")]
    assert site.identities.get().history.get().history_type == "+"
    plan = plan_import(plain_file("Main | Leeds | GB"), "f.csv")
    apply_plan(plan, user=admin_user)
    assert not SiteIdentity.objects.filter(site=site).exists()
    assert SiteIdentity.history.filter(site_id=site.pk, history_type="-").count() == 1


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Main | Leeds | GB | | fei: 12", "7 to 10 digits"),
        ("Main | Leeds | GB | | duns 123456789", "'scheme: value'"),
        ("Main | Leeds | GB | | nhs: 1", "unknown identity scheme 'nhs'"),
        ("Main | Leeds | GB | | fei: 3004795989, fei: 300-479-5989", "listed twice"),
        ("Main | Leeds | GB | | fei: 3004795989", "recorded for a site of"),
    ],
)
def test_a_bad_identity_is_reported_by_row_and_column(admin_user, cell, message):
    rich_directory()
    plan = plan_import(plain_file(cell), "f.csv")
    assert not plan.ok
    assert [(error.row, error.column) for error in plan.errors] == [(2, "sites")]
    assert message in plan.errors[0].message


def test_a_site_left_out_of_a_file_goes_with_its_identities_and_inspections(admin_user):
    from providers.regulatory import Inspection

    make_provider(
        "Plain Ltd", slug="plain", types=("cmo",), sites=[{"name": "Old", "country": "GB"}]
    )
    old = Site.objects.get(name="Old")
    SiteIdentity.objects.create(site=old, scheme="fei", value="3004795989")
    Inspection.objects.create(site=old, authority="fda", end_date="2024-01-01", outcome="nai")
    plan = plan_import(plain_file("Main | Leeds | GB"), "f.csv")
    assert plan.ok, plan.errors
    apply_plan(plan, user=admin_user)
    assert not Site.objects.filter(name="Old").exists()
    assert not Inspection.objects.exists() and not SiteIdentity.objects.exists()
    assert Inspection.history.filter(history_type="-").count() == 1


def inspected_directory():
    from providers.regulatory import Inspection

    rich_directory()
    plant = Site.objects.get(name="Plant | A; B \\ C")
    fda = Inspection.objects.create(
        site=plant,
        authority="fda",
        end_date=datetime.date(2025, 3, 14),
        outcome="vai",
        fda_inspection_id=1234567,
    )
    eu = Inspection.objects.create(
        site=plant, authority="eu", end_date=datetime.date(2024, 6, 1), outcome="gmp-certificate"
    )
    add_evidence(fda, url="https://fda.example/dashboard", kind="regulator", title="Dashboard")
    add_evidence(eu, url="https://eudragmdp.example/r/1", kind="regulator", title="EudraGMDP")
    return fda, eu


def test_evidence_on_inspections_round_trips_through_a_file(admin_user):
    fda, eu = inspected_directory()
    data = export_csv()
    text = data.decode()
    assert "inspection: fda 1234567 @ Plant \\| A\\; B \\\\ C | regulator" in text
    assert "inspection: eu 2024-06-01 @ Plant" in text
    assert "identity: fei 3004795989 | regulator" in text
    before, history_before = snapshot(), history_rows()
    plan = plan_import(data, "again.csv")
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 3}, plan.errors
    # A changed item is written anew on the same inspection.
    plan = plan_import(data.replace(b"| EudraGMDP", b"| EudraGMDP entry"), "fix.csv")
    assert plan.ok, plan.errors
    apply_plan(plan, user=admin_user)
    item = Evidence.objects.get(title="EudraGMDP entry")
    assert item.inspection_id == eu.pk
    assert Evidence.objects.get(title="Dashboard").inspection_id == fda.pk
    assert snapshot()["tricky"] != before["tricky"]
    assert history_rows() > history_before
    tricky = Provider.objects.get(slug="tricky")
    # profile, 3 services, 3 sites, 2 certifications, 4 identities, 2 inspections
    assert tricky.backed_claim_count == 8 and tricky.claim_count == 15


def test_evidence_naming_an_inspection_the_directory_does_not_hold_is_refused(admin_user):
    inspected_directory()
    data = export_csv()
    bad = data.replace(b"inspection: eu 2024-06-01", b"inspection: eu 2024-06-02")
    plan = plan_import(bad, "bad.csv")
    assert [error.column for error in plan.errors] == ["evidence"]
    assert "holds no such inspection" in plan.errors[0].message
    # An inspection of a site not in the row is not a claim of the row.
    worse = data.replace(
        b"inspection: eu 2024-06-01 @ Plant", b"inspection: eu 2024-06-01 @ Nowhere"
    )
    plan = plan_import(worse, "worse.csv")
    assert [error.column for error in plan.errors] == ["evidence"]
    assert "is not in this row" in plan.errors[0].message
    # Into an empty directory, the inspections are not there to be backed.
    Provider.objects.all().delete()
    plan = plan_import(data, "elsewhere.csv")
    assert not plan.ok
    assert {error.column for error in plan.errors} == {"evidence"}
    assert not Provider.objects.exists()


def test_a_file_without_evidence_keeps_the_evidence_of_the_claims_it_keeps(admin_user):
    inspected_directory()
    tricky = Provider.objects.get(slug="tricky")
    # The plant is left out of the file below: no service of the row may still name it.
    plant = tricky.sites.get(name="Plant | A; B \\ C")
    for service in tricky.services.all():
        service.sites.remove(plant)
    data = export_csv()
    rows = list(csv.reader(io.StringIO(data.decode())))
    header = rows[0]
    where = header.index("evidence")
    sites = header.index("sites")
    for row in rows[1:]:
        if row[0] == "tricky":
            # Leave the plant out: its evidence, identities and inspections go with it.
            row[sites] = "; ".join(
                part for part in row[sites].split("; ") if part.startswith(("@Second", "Hall 3"))
            )
    out = io.StringIO()
    csv.writer(out).writerows([[c for i, c in enumerate(r) if i != where] for r in rows])
    plan = plan_import(out.getvalue().encode(), "no-evidence.csv")
    assert plan.ok, plan.errors
    apply_plan(plan, user=admin_user)
    left = set(Evidence.objects.filter(owner=tricky).values_list("title", flat=True))
    assert left == {"=Annual report; 2025 | part \\ one", "Process development", "Press release"}


def service_file(services: str, sites: str = "Main | Leeds | GB; Annex | York | GB") -> bytes:
    """A one-row file for the provider 'plain' with the given services and sites cells."""
    cells = {"slug": "plain", "name": "Plain Ltd", "types": "CMO", "hq_country": "GB"}
    cells.update({"status": "draft", "is_synthetic": "no", "sites": sites, "services": services})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([cells.get(column, "") for column in COLUMNS])
    return out.getvalue().encode()


def plain_services() -> dict:
    return {entry.capability: entry for entry in snapshot()["plain"].services}


def test_a_services_modalities_dosage_forms_and_sites_are_imported_changed_and_restored(
    admin_client, admin_user
):
    from providers.curation import history

    rich_directory()
    first = service_file(
        "oral-solid-dose: phase-1 to commercial-supply | tablets | small-molecule, Peptide "
        "| tablet, capsule | main, Annex; process-development: phase-1 | | monoclonal-antibody"
    )
    plan = plan_import(first, "first.csv")
    assert plan.ok, plan.errors
    assert {"services", "sites"} <= set(plan.rows[0].changes)
    apply_plan(plan, user=admin_user)
    services = plain_services()
    osd = services["oral-solid-dose"]
    assert (osd.note, osd.modalities, osd.dosage_forms, osd.sites) == (
        "tablets",
        ("small-molecule", "peptide"),
        ("tablet", "capsule"),
        ("Annex", "Main"),
    )
    assert services["process-development"].modalities == ("monoclonal-antibody",)
    service = Service.objects.get(provider__slug="plain", capability__slug="oral-solid-dose")
    assert {site.name for site in service.sites.all()} == {"Main", "Annex"}
    # The provider's modality column is the union over its services.
    plain = Provider.objects.get(slug="plain")
    assert sorted(plain.modality_ids) == sorted(
        Modality.objects.filter(
            slug__in=("small-molecule", "peptide", "monoclonal-antibody")
        ).values_list("pk", flat=True)
    )
    point = plain.history.first()

    # Only the links change: the service gets one history row with the new snapshot, and a
    # site left out of the row takes the service's link to it along.
    second = service_file(
        "oral-solid-dose: phase-1 to commercial-supply | tablets | small-molecule | capsule | Main;"
        " process-development: phase-1 | | monoclonal-antibody",
        sites="Main | Leeds | GB",
    )
    plan = plan_import(second, "second.csv")
    assert plan.ok, plan.errors
    count = Service.history.filter(id=service.pk).count()
    apply_plan(plan, user=admin_user)
    osd = plain_services()["oral-solid-dose"]
    assert (osd.modalities, osd.dosage_forms, osd.sites) == (
        ("small-molecule",),
        ("capsule",),
        ("Main",),
    )
    assert Service.history.filter(id=service.pk).count() == count + 1
    latest = Service.history.filter(id=service.pk).first()
    assert {link.modality.slug for link in latest.modalities.all()} == {"small-molecule"}
    # Importing the same file again writes nothing.
    assert plan_import(second, "second.csv").counts["unchanged"] == 1

    # The version after the first import comes back whole from history.
    record, _ = history.record_as_of(plain.pk, point.history_date, ReferenceLookup.load())
    restored = {entry.capability: entry for entry in record.services}["oral-solid-dose"]
    assert restored.sites == ("Annex", "Main") and restored.dosage_forms == ("tablet", "capsule")
    url = reverse("admin:providers_provider_restore", args=[plain.pk, "provider", point.history_id])
    assert admin_client.post(url).status_code == 302
    osd = plain_services()["oral-solid-dose"]
    assert (osd.modalities, osd.dosage_forms, osd.sites) == (
        ("small-molecule", "peptide"),
        ("tablet", "capsule"),
        ("Annex", "Main"),
    )


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ("oral-solid-dose: phase-1 | | plasma", "unknown modality plasma"),
        ("oral-solid-dose: phase-1 | | | ampoule", "unknown dosage form ampoule"),
        (
            "oral-solid-dose: phase-1 | | | sterile-injectable",
            "Oral solid dose manufacture does not list the dosage form sterile-injectable",
        ),
        ("glp-toxicology: preclinical | | | tablet", "has no dosage forms; leave out tablet"),
        ("oral-solid-dose: phase-1 | | | | Elsewhere", "the site Elsewhere is not in this row"),
        ("oral-solid-dose: phase-1 | a | b | c | d | e", "write a service as"),
    ],
)
def test_bad_service_parts_are_reported_by_row_and_column_and_nothing_is_written(
    admin_user, services, message
):
    rich_directory()
    before = snapshot()
    plan = plan_import(service_file(services), "bad.csv")
    assert not plan.ok
    [error] = plan.errors
    assert (error.row, error.column) == (2, "services")
    assert message in error.message, error.message
    with pytest.raises(ValueError):
        apply_plan(plan, user=admin_user)
    assert snapshot() == before


def test_a_file_in_the_earlier_service_form_still_imports(admin_user):
    """Services written as 'capability: phases | note' (files made before services carried
    their own modalities, dosage forms and sites) import; such services have none of their
    own and serve the provider's modalities."""
    data = (
        b"slug,name,types,hq_country,website,summary,industries,modalities,services,sites,status,"
        b"state_on,source,is_synthetic\n"
        b'omega,Omega,cdmo,FR,,,pharmaceutical,peptide,"process-development: phase-1 to '
        b'phase-3 | note \\| with a pipe; qp-release: phase-1",'
        b'"Lyon site | Lyon | FR | gcp",published,,,no\n'
    )
    plan = plan_import(data, "old.csv")
    assert plan.ok, plan.errors
    apply_plan(plan, user=admin_user)
    services = {entry.capability: entry for entry in snapshot()["omega"].services}
    assert services["process-development"].note == "note | with a pipe"
    assert all(not (e.modalities or e.dosage_forms or e.sites) for e in services.values())
    omega = Provider.objects.get(slug="omega")
    assert list(omega.modality_ids) == [omega.modalities.get().pk]
