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
