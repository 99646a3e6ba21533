"""GET /api/v1/providers: the directory's filters, answers and counts, paged by cursor."""

import json

import pytest

from providers.models import Provider

pytestmark = pytest.mark.django_db

# Filter combinations asked of the page and of the API alike.
QUERIES = [
    "",
    "type=cro",
    "type=cro&type=cmo&stage=delivery",
    "capability=glp-toxicology&capability=method-development",
    "modality=small-molecule&country=US&country=DE",
    "region=europe&certification=eu-gmp",
    "cover_from=phase-1&cover_to=commercial-supply&type=cdmo",
    "q=peptide",
    "q=provider&sort=verified",
    "stage=discovery&sort=verified&industry=pharmaceutical",
    "type=cro&type=nonsense&phase=phase-2&country=zz",
    "q=zzzzqqq",
]


def api_list(client, query: str, **headers) -> dict:
    response = client.get(f"/api/v1/providers?{query}", headers=headers)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def every_id(client, query: str, limit: int) -> list[int]:
    """All results of a query, following next_cursor."""
    data = api_list(client, f"{query}&limit={limit}")
    ids = [item["id"] for item in data["results"]]
    while data["next_cursor"]:
        data = api_list(client, f"{query}&limit={limit}&cursor={data['next_cursor']}")
        ids += [item["id"] for item in data["results"]]
    return ids


def page_answer(client, query: str):
    """Total, ids in order (every page) and counts as the directory page shows them."""
    first = client.get(f"/providers/?{query}")
    found = first.context["found"]
    ids = list(found.ids)
    for page in range(2, found.pages + 1):
        ids += client.get(f"/providers/?{query}&page={page}").context["found"].ids
    counts = {
        facet: {entry.option.key: entry.count for entry in entries}
        for facet, entries in found.counts.items()
    }
    return found.total, ids, counts, first.context["query"].notices


def test_the_api_answers_as_the_directory_page_does(client, larger_directory):
    # One test over every combination: building the directory is the slow part.
    for query in QUERIES:
        total, ids, counts, notices = page_answer(client, query)
        data = api_list(client, f"{query}&counts=true&limit=7")
        assert data["total"] == total, query
        assert every_id(client, query, 7) == ids, query
        # The page shows the phases of the tracks in play (an industry's track when one is
        # chosen); the API counts every phase: compare the options the page shows.
        assert {
            facet: {
                entry["key"]: entry["count"]
                for entry in entries
                if facet != "phase" or entry["key"] in counts.get("phase", {})
            }
            for facet, entries in data["counts"].items()
        } == counts, query
        assert data["notices"] == notices, query


def test_results_are_in_name_then_id_order_and_only_published(client, larger_directory):
    published = Provider.objects.published()
    expected = sorted(published, key=lambda p: (p.name.lower(), p.pk))
    assert every_id(client, "", 5) == [p.pk for p in expected]
    data = api_list(client, "limit=100")
    slugs = {item["slug"] for item in data["results"]}
    assert "draft-hidden" not in slugs and "withdrawn-gone" not in slugs
    assert data["total"] == published.count()
    assert data["counts"] is None  # only on request


def test_a_summary_names_what_the_provider_does(client, directory):
    data = api_list(client, "q=beta")
    (beta,) = data["results"]
    assert beta == {
        "id": directory["beta"].pk,
        "slug": "beta-biologics",
        "name": "Beta Biologics",
        "url": "http://testserver/api/v1/providers/beta-biologics",
        "page_url": "http://testserver/providers/beta-biologics/",
        "hq_country": "DE",
        "types": ["cdmo"],
        "stages": ["discovery", "development", "delivery"],
        "phases": [
            "preclinical",
            "phase-1",
            "phase-2",
            "phase-3",
            "commercial-supply",
            "lifecycle-management",
        ],
        "capabilities": beta["capabilities"],
        "state": "compiled",
        "state_on": "2026-11-20",
    }
    assert set(beta["capabilities"]) == {"mammalian-biologics", "sterile-fill-finish"}


def test_unknown_values_and_parameters_are_reported_not_fatal(client, directory):
    data = api_list(client, "type=cro&type=nonsense&colour=blue&page=2")
    assert data["total"] == 2
    assert data["query"]["type"] == ["cro"]
    assert any("nonsense" in notice for notice in data["notices"])
    assert any("colour" in notice and "page" in notice for notice in data["notices"])


def test_the_next_link_carries_the_query_and_the_cursor(client, directory):
    data = api_list(client, "type=cro&type=cmo&limit=2")
    assert data["total"] == 4
    following = client.get(data["next"].removeprefix("http://testserver"))
    assert following.status_code == 200
    second = json.loads(following.content)
    assert [item["slug"] for item in second["results"]] == ["epsilon-agro", "gamma-manufacturing"]
    assert second["next_cursor"] is None and second["next"] is None


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_a_cursor_from_another_query_or_forged_is_refused(client, directory):
    cursor = api_list(client, "type=cro&limit=1")["next_cursor"]
    body = problem_of(client.get(f"/api/v1/providers?type=cmo&cursor={cursor}"), 400)
    assert body["type"].endswith("#invalid-cursor")
    assert body["errors"][0]["parameter"] == "cursor"
    forged = cursor[:-3] + ("abc" if not cursor.endswith("abc") else "xyz")
    problem_of(client.get(f"/api/v1/providers?type=cro&cursor={forged}"), 400)


def test_a_cursor_outlives_a_change_while_its_provider_is_still_listed(client, directory):
    first = api_list(client, "limit=2")  # Alpha, Beta
    Provider.objects.filter(slug="delta-oligo").update(status="withdrawn")
    data = api_list(client, f"limit=2&cursor={first['next_cursor']}")
    assert [item["slug"] for item in data["results"]] == ["epsilon-agro", "gamma-manufacturing"]
    assert any("changed while you were paging" in notice for notice in data["notices"])
    # The provider a cursor stood after is gone: the cursor has expired.
    Provider.objects.filter(slug="gamma-manufacturing").update(status="draft")
    cursor = api_list(client, "limit=1&q=beta")["next_cursor"] or first["next_cursor"]
    Provider.objects.filter(slug="beta-biologics").update(status="draft")
    body = problem_of(client.get(f"/api/v1/providers?limit=2&cursor={cursor}"), 410)
    assert body["type"].endswith("#cursor-expired")


@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("limit=0", ["limit"]),
        ("limit=101", ["limit"]),
        ("limit=99999999999999999999999999999", ["limit"]),
        ("limit=ten&counts=perhaps", ["counts", "limit"]),
        ("cursor=" + "x" * 5000, ["cursor"]),
    ],
)
def test_bad_parameters_are_problems_naming_each_one(client, directory, query, parameters):
    body = problem_of(client.get(f"/api/v1/providers?{query}"), 400)
    assert body["type"].endswith("#invalid-parameters")
    assert sorted(error["parameter"] for error in body["errors"]) == parameters
    assert all(error["detail"] for error in body["errors"])


@pytest.mark.parametrize(
    "query",
    ["q=%00", "type=%00cro", "limit=1%00", "cursor=%00", "%00=1", "q=" + "peptide " * 2000],
)
def test_odd_input_never_fails_the_server(client, directory, query):
    response = client.get(f"/api/v1/providers?{query}")
    assert response.status_code in (200, 400)
    json.loads(response.content)
