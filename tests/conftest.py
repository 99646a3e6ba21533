import datetime

import pytest
from django.contrib.auth.models import Group, User

from tests.factories import make_provider


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts without the facet index, the text-search cache or built markup of
    an earlier one: a rolled-back test can leave a version token that a later test's data
    reuses, and an index or search result cached under it would then be stale."""
    from providers.directory import index, kept_pages, markup

    def reset():
        index.reset()  # also empties the text-search cache (registered with on_rebuild)
        kept_pages.reset()
        markup.option_parts.cache_clear()
        markup.count_html.cache_clear()

    reset()
    yield
    reset()


@pytest.fixture(autouse=True)
def _index_built_here(settings):
    """Tests build the index in their own process, where their uncommitted data is
    (tests/directory/test_child_build.py builds it in a child, from committed data)."""
    settings.DIRECTORY_BUILD_IN_CHILD = False


@pytest.fixture
def directory(request):
    """A small directory covering every kind of provider and filter."""
    request.getfixturevalue("db")
    return {
        "alpha": make_provider(
            "Alpha Discovery",
            slug="alpha-discovery",
            types=("cro",),
            hq_country="US",
            services=[("target-validation", 1, 1), ("glp-toxicology", 2, 3)],
            modalities=("small-molecule",),
            sites=[
                {"name": "Boston lab", "city": "Boston", "country": "US", "certifications": ["glp"]}
            ],
            state_on=datetime.date(2026, 10, 1),
            source="https://alpha.example/about",
        ),
        "beta": make_provider(
            "Beta Biologics",
            slug="beta-biologics",
            types=("cdmo",),
            hq_country="DE",
            services=[("mammalian-biologics", 2, 7), ("sterile-fill-finish", 3, 7)],
            modalities=("monoclonal-antibody",),
            industries=("pharmaceutical", "biotech"),
            sites=[
                {
                    "name": "Cork plant",
                    "city": "Cork",
                    "country": "IE",
                    "certifications": ["eu-gmp", "fda-inspected"],
                }
            ],
            state_on=datetime.date(2026, 11, 20),
            source="Curator call with the provider",
        ),
        "gamma": make_provider(
            "Gamma Manufacturing",
            slug="gamma-manufacturing",
            types=("cmo",),
            hq_country="IN",
            services=[("oral-solid-dose", 6, 7), ("commercial-packaging", 6, 7)],
            modalities=("small-molecule",),
            sites=[
                {
                    "name": "Hyderabad",
                    "city": "Hyderabad",
                    "country": "IN",
                    "certifications": ["fda-inspected"],
                }
            ],
        ),
        "delta": make_provider(
            "Delta Oligo",
            slug="delta-oligo",
            types=("cro", "cdmo"),
            hq_country="US",
            services=[("oligonucleotide-manufacture", 2, 7), ("method-development", 2, 7)],
            modalities=("oligonucleotide",),
            summary="Oligonucleotide specialists from discovery chemistry to launch.",
            state_on=datetime.date(2025, 1, 5),
            source="https://delta.example",
        ),
        "epsilon": make_provider(
            "Epsilon Agro",
            slug="epsilon-agro",
            types=("cmo",),
            hq_country="CH",
            services=[("agro-custom-manufacture", 16, 18)],
            modalities=("agrochemical-active",),
            industries=("agrochemical",),
        ),
        "draft": make_provider(
            "Draft Hidden",
            slug="draft-hidden",
            types=("cdmo",),
            status="draft",
            services=[("glp-toxicology", 2, 2)],
        ),
        "withdrawn": make_provider(
            "Withdrawn Gone",
            slug="withdrawn-gone",
            types=("cro",),
            status="withdrawn",
            services=[("glp-toxicology", 2, 2)],
        ),
    }


@pytest.fixture
def curator_account(db):
    """A staff user in the Curators group (the group comes from a migration)."""
    user = User.objects.create_user("cora", password="pw-cora-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def curator(client, curator_account):
    """The curator, signed in on the test client."""
    client.force_login(curator_account)
    return curator_account
