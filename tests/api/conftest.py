import datetime
import itertools

import pytest
from django.core.cache import cache

from providers.derived import deferred_refresh
from tests.factories import make_provider

TYPES = ["cro", "cdmo", "cmo"]
SERVICES = [
    ("glp-toxicology", 2, 3),
    ("mammalian-biologics", 2, 7),
    ("oral-solid-dose", 6, 7),
    ("method-development", 2, 7),
    ("oligonucleotide-manufacture", 2, 7),
    ("sterile-fill-finish", 3, 7),
]
COUNTRIES = ["US", "DE", "IN", "CH", "IE", "CN", "JP", "GB"]
MODALITIES = ["small-molecule", "monoclonal-antibody", "oligonucleotide"]


@pytest.fixture(autouse=True)
def _empty_rate_counters():
    """Rate counters live in the (per-process) cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def larger_directory(directory):
    """The small directory plus 24 providers spread over every filter, some with equal
    names (so the order falls back on ids) and dates (for the verified sort)."""
    made = dict(directory)
    with deferred_refresh():
        _add_providers(made)
    return made


def _add_providers(made: dict) -> None:
    for number, (kind, service, country, modality) in enumerate(
        itertools.islice(
            zip(
                itertools.cycle(TYPES),
                itertools.cycle(SERVICES),
                itertools.cycle(COUNTRIES),
                itertools.cycle(MODALITIES),
                strict=False,
            ),
            24,
        )
    ):
        name = f"Provider {number // 2:02d}"  # two of each name
        verified = {}
        if number % 3:
            verified = {
                "state_on": datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
                "source": "https://example.org/check",
            }
        made[f"p{number}"] = make_provider(
            name,
            slug=f"provider-{number}",
            types=(kind,) if number % 4 else (kind, "cro"),
            hq_country=country,
            services=[service, SERVICES[(number + 2) % len(SERVICES)]],
            modalities=(modality,),
            sites=[
                {
                    "name": "Main site",
                    "city": "Somewhere",
                    "country": COUNTRIES[(number + 3) % len(COUNTRIES)],
                    "certifications": ["eu-gmp"] if number % 2 else ["fda-inspected", "glp"],
                }
            ],
            summary=("Peptide chemistry and " if number % 5 == 0 else "") + "contract services.",
            **verified,
        )
