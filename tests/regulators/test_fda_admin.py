"""The FDA import from the admin (upload, preview, confirm) and the review of FEI numbers
waiting for a site, where a curator confirms a candidate."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from providers.models import Site
from providers.regulatory import Inspection, SiteIdentity, UnmatchedInspection
from tests.factories import make_provider
from tests.regulators.helpers import add_identity

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CSV = EXAMPLES / "fda-inspections-example.csv"


@pytest.fixture
def sites(db):
    biologics = make_provider(
        "Example Biologics",
        slug="example-biologics",
        sites=[{"name": "Cork", "city": "Cork", "country": "IE"}],
    )
    add_identity(Site.objects.get(provider=biologics), "fei", "3009990001")
    chemicals = make_provider(
        "Example Chemicals",
        slug="example-chemicals",
        sites=[
            {"name": "Hyderabad API plant", "city": "Hyderabad", "country": "IN"},
            {"name": "Vizag plant", "city": "Visakhapatnam", "country": "IN"},
        ],
    )
    make_provider("Example Chemicals GmbH", sites=[{"name": "Basel", "country": "CH"}])
    return {
        "cork": Site.objects.get(name="Cork"),
        "hyderabad": Site.objects.get(name="Hyderabad API plant"),
        "chemicals": chemicals,
    }


def upload(client, content: bytes, name: str):
    return client.post(
        "/admin/providers/inspection/import-fda/", {"file": SimpleUploadedFile(name, content)}
    )


def test_upload_previews_then_confirm_writes(client, curator, sites):
    response = upload(client, CSV.read_bytes(), "fda.csv")
    html = response.content.decode()
    assert "Preview of fda.csv" in html
    assert "<strong>2</strong> inspection(s) to add" in html
    assert "of 1 FEI number(s) on no site" in html
    assert not Inspection.objects.exists()
    token = response.context["token"]
    confirmed = client.post(
        "/admin/providers/inspection/import-fda/", {"confirm": "1", "token": token}
    )
    assert confirmed.status_code == 302
    assert sites["cork"].inspections.count() == 2
    assert UnmatchedInspection.objects.filter(fei="3009990002").count() == 2


def test_a_bad_upload_lists_problems_by_row_and_column_and_offers_no_confirm(
    client, curator, sites
):
    content = CSV.read_bytes().replace(b"03/14/2024", b"yesterday", 1)
    html = upload(client, content, "fda.csv").content.decode()
    assert "Nothing was imported from fda.csv" in html
    assert "<td>2</td><td>Inspection End Date</td>" in html
    assert 'name="confirm"' not in html
    assert not Inspection.objects.exists()


def test_candidates_are_offered_by_name_city_and_country_and_a_confirmed_match_attaches(
    client, curator, sites
):
    upload_response = upload(client, CSV.read_bytes(), "fda.csv")
    client.post(
        "/admin/providers/inspection/import-fda/",
        {"confirm": "1", "token": upload_response.context["token"]},
    )
    page = client.get("/admin/providers/inspection/unmatched/").content.decode()
    assert "FEI 3009990002: Example Chemicals Private Limited" in page
    hyderabad, vizag = sites["hyderabad"], Site.objects.get(name="Vizag plant")
    # Both Indian sites of Example Chemicals are candidates, the same city first; the
    # Swiss namesake is not (another country).
    assert page.index(f'value="{hyderabad.pk}"') < page.index(f'value="{vizag.pk}"')
    assert "Basel" not in page
    # Nothing is attached until the curator confirms.
    assert not hyderabad.inspections.exists()
    response = client.post(
        "/admin/providers/inspection/unmatched/",
        {"fei": "3009990002", "site": [str(hyderabad.pk), ""]},
    )
    assert response.status_code == 302
    assert SiteIdentity.objects.get(scheme="fei", value="3009990002").site == hyderabad
    assert sorted(hyderabad.inspections.values_list("outcome", flat=True)) == ["nai", "oai"]
    assert not UnmatchedInspection.objects.exists()
    # Each attached inspection carries the dashboard as its evidence, recorded by the curator.
    from providers.models import Evidence
    from providers.regulators.fda import DASHBOARD_URL

    items = Evidence.objects.filter(inspection__site=hyderabad)
    assert items.count() == 2
    assert {(item.url, item.kind, item.owner_id, item.recorded_by) for item in items} == {
        (DASHBOARD_URL, "regulator", hyderabad.provider_id, curator)
    }
    assert all(item.history.get().history_type == "+" for item in items)
    sites["chemicals"].refresh_from_db()
    assert sites["chemicals"].adverse_on is not None
    # A later import of the same file now finds them by FEI and changes nothing.
    again = upload(client, CSV.read_bytes(), "fda.csv").content.decode()
    assert "<strong>0</strong> inspection(s) to add" in again
    assert "<strong>4</strong> unchanged" in again


def test_an_inspection_already_on_the_site_for_that_day_is_refused_with_a_message(
    client, curator, sites
):
    from providers.regulatory import Inspection

    hyderabad = sites["hyderabad"]
    Inspection.objects.create(site=hyderabad, authority="fda", end_date="2024-01-01", outcome="vai")
    UnmatchedInspection.objects.create(fei="3009990002", end_date="2024-01-01", outcome="nai")
    response = client.post(
        "/admin/providers/inspection/unmatched/",
        {"fei": "3009990002", "site": [str(hyderabad.pk)]},
        follow=True,
    )
    assert "already has an FDA inspection ending 2024-01-01" in response.content.decode()
    assert UnmatchedInspection.objects.count() == 1
    assert not SiteIdentity.objects.filter(value="3009990002").exists()


def test_confirming_without_a_site_or_with_two_is_refused(client, curator, sites):
    UnmatchedInspection.objects.create(fei="3009990002", end_date="2024-01-01", outcome="nai")
    for site in ([], [str(sites["hyderabad"].pk), str(sites["cork"].pk)], ["abc"]):
        response = client.post(
            "/admin/providers/inspection/unmatched/",
            {"fei": "3009990002", "site": site},
            follow=True,
        )
        assert "Choose one site" in response.content.decode()
    assert UnmatchedInspection.objects.count() == 1


def test_only_curators_reach_the_import_and_matching(client, sites, django_user_model):
    user = django_user_model.objects.create_user("visitor", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/providers/inspection/import-fda/").status_code == 403
    assert client.get("/admin/providers/inspection/unmatched/").status_code == 403
