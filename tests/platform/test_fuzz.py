"""Property-based fuzzing: no input to a public page or an admin list makes the server fail.

Hypothesis draws query strings, form fields and headers from known names and values mixed
with arbitrary text (NUL, control and astral characters, very long values, odd numbers).
The runs are derandomised (the same examples every time) and bounded, so the suite stays
quick and a failure is reproducible; Hypothesis prints the smallest request that fails.
"""

from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    derandomize=True,  # a fixed seed: the same examples on every run
    database=None,  # nothing written to .hypothesis/
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SLUGS = [
    "alpha-discovery",
    "beta-biologics",
    "gamma-manufacturing",
    "delta-oligo",
    "draft-hidden",
    "withdrawn-gone",
]
KNOWN_VALUES = [
    *SLUGS,
    "cro",
    "cdmo",
    "cmo",
    "discovery",
    "development",
    "delivery",
    "phase-1",
    "glp-toxicology",
    "small-molecule",
    "pharmaceutical",
    "europe",
    "US",
    "us",
    "eu-gmp",
    "name",
    "verified",
    "relevance",
    "0",
    "1",
    "2",
    "-1",
    "99999999999999999999",
    "1e3",
    "٣",
    "",
]
junk = st.text(max_size=40) | st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
value = st.sampled_from(KNOWN_VALUES) | junk | st.just("x" * 5000) | st.just("\x00")

DIRECTORY_KEYS = [
    "q",
    "type",
    "stage",
    "phase",
    "capability",
    "modality",
    "industry",
    "region",
    "country",
    "certification",
    "cover_from",
    "cover_to",
    "sort",
    "page",
]
params = st.lists(
    st.tuples(st.sampled_from(DIRECTORY_KEYS) | st.text(max_size=10), value), max_size=8
)


def query(pairs) -> str:
    return urlencode(pairs, doseq=False)


def assert_answered(response) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code < 500, body[:500]


# ----------------------------------------------------------------------- public pages

public_request = st.one_of(
    st.tuples(st.just("get"), st.just("/providers/"), params),
    st.tuples(st.just("get"), st.just("/"), params),
    st.tuples(st.just("get"), st.just("/lifecycle/"), params),
    st.tuples(
        st.just("get"),
        st.builds(
            lambda slug: f"/providers/{quote(slug, safe='')}/", st.sampled_from(SLUGS) | junk
        ),
        params,
    ),
    st.tuples(
        st.just("get"),
        st.just("/compare/"),
        st.lists(st.tuples(st.just("p"), st.sampled_from(SLUGS) | junk), max_size=6),
    ),
    st.tuples(st.just("get"), st.just("/shortlist/"), params),
    st.tuples(
        st.just("get"),
        st.builds(
            lambda fmt: f"/shortlist/export.{quote(fmt, safe='')}",
            st.sampled_from(["csv", "xlsx"]) | junk,
        ),
        params,
    ),
    st.tuples(st.just("get"), st.just("/healthz"), params),
    st.tuples(
        st.just("post"),
        st.builds(
            lambda slug: f"/providers/{quote(slug, safe='')}/shortlist/",
            st.sampled_from(SLUGS) | junk,
        ),
        st.lists(
            st.tuples(st.sampled_from(["action", "next"]), st.sampled_from(["add", "remove"]))
            | st.tuples(st.sampled_from(["action", "next"]), value),
            max_size=4,
        ),
    ),
    st.tuples(st.just("post"), st.just("/shortlist/clear/"), params),
)


@settings(FUZZ, max_examples=300)
@given(call=public_request, htmx=st.booleans(), referer=st.none() | value)
def test_public_pages_never_fail(client, directory, call, htmx, referer):
    method, path, pairs = call
    headers = {"HX-Request": "true"} if htmx else {}
    if referer is not None:
        headers["Referer"] = referer
    if method == "get":
        separator = "&" if "?" in path else "?"
        response = client.get(path + separator + query(pairs), headers=headers)
    else:
        response = client.post(path, dict(pairs), headers=headers)
    assert_answered(response)


# ----------------------------------------------------------------------- admin lists

CHANGELISTS = [
    "providers_provider",
    "providers_service",
    "providers_site",
    "providers_providertype",
    "providers_capability",
    "providers_certification",
    "providers_modality",
]
ADMIN_KEYS = [
    "q",
    "o",
    "p",
    "e",
    "all",
    "_facets",
    "type",
    "stage",
    "verified",
    "hq",
    "status__exact",
    "is_synthetic__exact",
    "category__id__exact",
    "capability__category__id__exact",
    "first_phase__position__exact",
    "certifications__id__exact",
    "kind__exact",
    "status__in",
    "name__startswith",
    "id__gt",
]
admin_params = st.lists(
    st.tuples(st.sampled_from(ADMIN_KEYS) | st.text(max_size=12), value), max_size=5
)


@FUZZ
@given(changelist=st.sampled_from(CHANGELISTS), pairs=admin_params)
def test_admin_list_filters_never_fail(client, curator, directory, changelist, pairs):
    url = reverse(f"admin:{changelist}_changelist")
    response = client.get(url + "?" + query(pairs))
    assert_answered(response)


@settings(FUZZ, max_examples=50)
@given(pairs=admin_params, kind=st.sampled_from(["csv", "xlsx"]))
def test_admin_export_with_any_filters_never_fails(client, curator, directory, pairs, kind):
    url = reverse("admin:providers_provider_export", args=[kind])
    response = client.get(url + "?" + query(pairs))
    assert_answered(response)
