"""One provider, the reference data and the changes feed."""

import datetime
import json

import pytest
from django.utils import timezone
from django.utils.http import http_date

from lifecycle.models import Phase
from providers.models import Capability, Provider, Service, Site

pytestmark = pytest.mark.django_db


def get_json(client, url: str, status: int = 200, **headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content
    return json.loads(response.content)


def test_a_provider_record_has_every_part(client, directory):
    data = get_json(client, "/api/v1/providers/beta-biologics")
    assert data["id"] == directory["beta"].pk
    assert data["page_url"] == "http://testserver/providers/beta-biologics/"
    assert data["profile"]["types"] == [
        {
            "slug": "cdmo",
            "code": "CDMO",
            "name": "Contract development and manufacturing organisation",
        }
    ]
    assert data["profile"]["hq_country"] == "DE"
    assert [m["slug"] for m in data["profile"]["modalities"]] == ["monoclonal-antibody"]
    assert {i["slug"] for i in data["profile"]["industries"]} == {"pharmaceutical", "biotech"}
    assert data["coverage"]["stages"] == ["discovery", "development", "delivery"]
    fill = next(s for s in data["services"] if s["capability"]["slug"] == "sterile-fill-finish")
    assert fill["first_phase"] == "phase-1" and fill["last_phase"] == "lifecycle-management"
    assert fill["phases"] == [
        "phase-1",
        "phase-2",
        "phase-3",
        "commercial-supply",
        "lifecycle-management",
    ]
    assert fill["range_label"] == "Clinical Phase I to Lifecycle management"
    (site,) = data["sites"]
    assert site["name"] == "Cork plant" and site["country"] == "IE"
    assert {c["slug"] for c in site["certifications"]} == {"eu-gmp", "fda-inspected"}
    assert data["verification"] == {
        "state": "compiled",
        "state_on": "2026-11-20",
        "source": "Curator call with the provider",
        "claims": 6,
        "claims_with_evidence": 0,
    }


@pytest.mark.parametrize("slug", ["draft-hidden", "withdrawn-gone", "no-such-provider", "X%20Y"])
def test_what_a_buyer_cannot_see_is_not_found(client, directory, slug):
    response = client.get(f"/api/v1/providers/{slug}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_etag_and_last_modified_answer_304_until_the_record_changes(client, directory):
    url = "/api/v1/providers/alpha-discovery"
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    # A service change (it does not touch the provider row) is a change of the record.
    later = timezone.now() + datetime.timedelta(seconds=5)
    service = directory["alpha"].services.get(capability__slug="glp-toxicology")
    service.note = "Rodent and non-rodent"
    service.save()
    service.history.filter(history_date__gte=timezone.now() - datetime.timedelta(minutes=1)).update(
        history_date=later
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed["Last-Modified"] == http_date(later.timestamp())
    notes = {s["capability"]["slug"]: s["note"] for s in json.loads(changed.content)["services"]}
    assert notes["glp-toxicology"] == "Rodent and non-rodent"
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 200


def test_the_list_and_reference_have_etags_too(client, directory):
    for url in ("/api/v1/providers?type=cro", "/api/v1/reference"):
        etag = client.get(url)["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    etag = client.get("/api/v1/providers?type=cro")["ETag"]
    assert (
        client.get("/api/v1/providers?type=cmo", headers={"If-None-Match": etag}).status_code == 200
    )
    Provider.objects.filter(slug="alpha-discovery").update(name="Alpha Discovery Labs")
    assert (
        client.get("/api/v1/providers?type=cro", headers={"If-None-Match": etag}).status_code == 200
    )


def test_reference_data_lists_every_filter_vocabulary(client, db):
    data = get_json(client, "/api/v1/reference")
    assert [stage["slug"] for stage in data["stages"]] == ["discovery", "development", "delivery"]
    assert [phase["position"] for phase in data["phases"]] == sorted(
        Phase.objects.values_list("position", flat=True)
    )
    assert {row["slug"] for row in data["provider_types"]} >= {"cro", "cdmo", "cmo", "crdmo"}
    assert len(data["capabilities"]) == Capability.objects.count()
    categories = {row["slug"] for row in data["capability_categories"]}
    assert all(row["category"] in categories for row in data["capabilities"])
    assert data["modalities"] and data["industries"] and data["certifications"]
    assert "europe" in {row["slug"] for row in data["regions"]}


def changes_since(client, since: datetime.datetime, limit: int = 100) -> list[dict]:
    data = get_json(
        client, f"/api/v1/changes?since={since.isoformat()}&limit={limit}".replace("+", "%2B")
    )
    rows = data["results"]
    while data["next_cursor"]:
        data = get_json(client, f"/api/v1/changes?cursor={data['next_cursor']}&limit={limit}")
        rows += data["results"]
    return rows


def test_changes_list_updates_withdrawals_and_deletions_once_each(client, directory):
    start = timezone.now()
    beta = directory["beta"]
    beta.summary = "Biologics from cell line to fill-finish."
    beta.save()
    Site.objects.create(provider=directory["gamma"], name="Second plant", country="IN")
    Service.objects.create(
        provider=directory["delta"],
        capability=Capability.objects.get(slug="glp-toxicology"),
        first_phase=Phase.objects.get(position=2),
        last_phase=Phase.objects.get(position=2),
    )
    alpha = directory["alpha"]
    alpha.status = "withdrawn"
    alpha.save()
    epsilon = directory["epsilon"]
    epsilon.delete()
    draft = directory["draft"]
    draft.summary = "Still a draft."
    draft.save()

    rows = changes_since(client, start, limit=2)
    by_slug = {row["slug"]: row for row in rows}
    assert len(rows) == len(by_slug) == 5
    assert by_slug["beta-biologics"]["change"] == "published"
    assert by_slug["beta-biologics"]["url"] == "http://testserver/api/v1/providers/beta-biologics"
    assert by_slug["gamma-manufacturing"]["change"] == "published"
    assert by_slug["delta-oligo"]["change"] == "published"
    assert by_slug["alpha-discovery"] | {"changed_at": None} == {
        "id": alpha.pk,
        "slug": "alpha-discovery",
        "change": "withdrawn",
        "deleted": False,
        "changed_at": None,
        "url": None,
    }
    assert by_slug["epsilon-agro"]["change"] == "withdrawn"
    assert by_slug["epsilon-agro"]["deleted"] is True
    assert "draft-hidden" not in by_slug  # never published: never listed
    times = [row["changed_at"] for row in rows]
    assert times == sorted(times)
    assert changes_since(client, timezone.now()) == []


def test_changes_need_a_time_and_say_so(client, db):
    for query in (
        "",
        "since=yesterday",
        "since=2026-13-45T00:00:00",
        "since=%00",
        "cursor=nonsense",
    ):
        response = client.get(f"/api/v1/changes?{query}")
        assert response.status_code == 400, query
        assert response["Content-Type"] == "application/problem+json"
        body = json.loads(response.content)
        assert body["errors"][0]["parameter"] in ("since", "cursor")


def trust_parts(directory):
    """Beta with evidence on every kind of claim, an identity and an inspection."""
    from providers.models import Modality, SiteCertificationLink
    from providers.regulatory import Inspection, SiteIdentity
    from tests.factories import add_evidence

    beta = directory["beta"]
    site = beta.sites.get()
    fill = beta.services.get(capability__slug="sterile-fill-finish")
    fill.modalities.set(Modality.objects.filter(slug="monoclonal-antibody"))
    fill.sites.set([site])
    fei = SiteIdentity.objects.create(site=site, scheme="fei", value="3001234567")
    inspection = Inspection.objects.create(
        site=site,
        authority="fda",
        end_date=datetime.date(2025, 3, 14),
        outcome="vai",
        fda_inspection_id=1234567,
        product_type="Biologics",
        project_area="Therapeutic Biologics",
        citations_posted=True,
        source_url="https://fda.example/483",
    )
    add_evidence(beta, url="https://beta.example/about", title="About")
    add_evidence(fill, url="https://beta.example/fill", title="Fill", quote="vials and syringes")
    add_evidence(site, url="https://beta.example/cork", title="Cork")
    link = SiteCertificationLink.objects.get(site=site, certification__slug="eu-gmp")
    add_evidence(link, url="https://eudragmdp.example/1", kind="regulator", title="GMP")
    add_evidence(fei, url="https://fda.example/fei", kind="regulator", title="FEI")
    add_evidence(inspection, url="https://fda.example/dash", kind="regulator", title="Dash")
    return beta


def test_a_provider_record_carries_evidence_identities_inspections_and_tracks(client, directory):
    trust_parts(directory)
    data = get_json(client, "/api/v1/providers/beta-biologics")
    item = {
        "url": "https://beta.example/about",
        "kind": "provider-page",
        "kind_name": "Provider's own page",
        "title": "About",
        "seen_on": "2026-11-01",
        "quote": "",
    }
    assert data["profile"]["evidence"] == [item]
    fill = next(s for s in data["services"] if s["capability"]["slug"] == "sterile-fill-finish")
    assert fill["track"] == {"slug": "pharma", "name": "Pharmaceuticals and biotech"}
    assert [m["slug"] for m in fill["modalities"]] == ["monoclonal-antibody"]
    assert fill["modalities_stated"] == "service"
    assert fill["sites"] == ["Cork plant"]
    assert [e["quote"] for e in fill["evidence"]] == ["vials and syringes"]
    other = next(s for s in data["services"] if s is not fill)
    assert other["evidence"] == [] and other["sites"] == []
    # A service without modalities of its own serves the provider's.
    assert other["modalities_stated"] == "provider"
    (site,) = data["sites"]
    assert [e["title"] for e in site["evidence"]] == ["Cork"]
    gmp = next(c for c in site["certifications"] if c["slug"] == "eu-gmp")
    assert [e["title"] for e in gmp["evidence"]] == ["GMP"]
    assert site["identities"] == [
        {
            "scheme": "fei",
            "scheme_name": "FDA FEI number",
            "value": "3001234567",
            "evidence": [
                item
                | {
                    "url": "https://fda.example/fei",
                    "kind": "regulator",
                    "kind_name": "Regulator register or inspection record",
                    "title": "FEI",
                }
            ],
        }
    ]
    (inspection,) = site["inspections"]
    assert inspection | {"evidence": None} == {
        "authority": "fda",
        "authority_name": "US FDA",
        "end_date": "2025-03-14",
        "fiscal_year": None,
        "outcome": "vai",
        "outcome_name": "Voluntary action indicated (VAI)",
        "product_type": "Biologics",
        "project_area": "Therapeutic Biologics",
        "citations_posted": True,
        "warning_letter": False,
        "record_url": "https://fda.example/483",
        "fda_inspection_id": 1234567,
        "evidence": None,
    }
    assert [e["title"] for e in inspection["evidence"]] == ["Dash"]
    # profile, 2 services, site, 2 certifications, identity, inspection: 6 of 8 backed.
    assert data["verification"]["claims"] == 8
    assert data["verification"]["claims_with_evidence"] == 6


def test_a_record_loads_in_a_fixed_number_of_queries(client, directory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from providers.regulatory import Inspection
    from tests.factories import add_evidence

    beta = trust_parts(directory)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/providers/beta-biologics").status_code == 200
        return len(captured)

    client.get("/providers/")  # the process's first index is built in a request
    before = queries()
    # More sites, identities, inspections and evidence: the record reads them in the same
    # queries, and it does not wait for the index to take the changes in (a patch's
    # queries depend on what changed), only for the token and the catalogue's check.
    for number in range(3):
        site = Site.objects.create(provider=beta, name=f"Extra {number}", country="IE")
        identity = site.identities.create(scheme="duns", value=f"12345678{number}")
        add_evidence(identity)
        inspection = Inspection.objects.create(
            site=site, authority="eu", end_date=datetime.date(2024, 1, 1), outcome="gmp-certificate"
        )
        add_evidence(inspection)
    assert queries() == before


def test_a_record_follows_a_catalogue_change_at_once(client, directory):
    from providers.models import CapabilityCategory

    url = "/api/v1/providers/beta-biologics"
    first = client.get(url).json()["services"][0]["capability"]["category"]
    CapabilityCategory.objects.filter(slug=first).update(slug="renamed-category")
    response = client.get(url)
    assert response.json()["services"][0]["capability"]["category"] == "renamed-category"
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_reference_data_names_the_tracks(client, db):
    from lifecycle.models import Track

    data = get_json(client, "/api/v1/reference")
    tracks = {row["slug"]: row for row in data["tracks"]}
    assert set(tracks) == set(Track.objects.values_list("slug", flat=True))
    assert {row["track"] for row in data["phases"]} == set(tracks)
    crop = next(row for row in data["phases"] if row["slug"] == "crop-field-trials")
    assert crop["track"] == "crop-protection" and crop["stage"] == "development"
    agro = next(row for row in data["capabilities"] if row["slug"] == "agro-five-batch")
    assert agro["track"] == "crop-protection"
    assert all("synonyms" in row for row in data["capabilities"])
    agrochemical = next(row for row in data["industries"] if row["slug"] == "agrochemical")
    assert agrochemical["track"] == "crop-protection"


def test_changes_list_evidence_identity_and_inspection_changes(client, directory):
    from providers.regulatory import Inspection, SiteIdentity
    from tests.factories import add_evidence

    start = timezone.now()
    beta_site = directory["beta"].sites.get()
    SiteIdentity.objects.create(site=beta_site, scheme="duns", value="123456789")
    gamma_site = directory["gamma"].sites.first()
    Inspection.objects.create(
        site=gamma_site,
        authority="eu",
        end_date=datetime.date(2025, 1, 2),
        outcome="gmp-certificate",
    )
    add_evidence(directory["delta"], url="https://delta.example/about")
    slugs = {row["slug"] for row in changes_since(client, start)}
    assert slugs == {"beta-biologics", "gamma-manufacturing", "delta-oligo"}
