"""Turn provider rows into what the pages show, using the index's cached catalogue so a
result list needs no query beyond the one that loads its providers."""

from dataclasses import dataclass

from django.urls import reverse

from lifecycle.models import Phase
from providers.facet_html import strip_html
from providers.facets import Catalogue
from providers.models import Provider, ProviderType

TOP_CAPABILITIES = 3


@dataclass
class PhaseCell:
    phase: Phase
    covered: bool


@dataclass
class ProviderCard:
    provider: Provider
    types: list[ProviderType]
    strip: list[PhaseCell]
    coverage_label: str
    capabilities: list[str]
    more_capabilities: int
    url: str
    strip_html: str
    hq_name: str
    verified_label: str

    @property
    def toggle_url(self) -> str:
        return f"{self.url}shortlist/"

    def __getattr__(self, name):  # templates may read provider fields straight off the card
        return getattr(self.provider, name)


def coverage_label(positions: list[int], catalogue: Catalogue) -> str:
    """'Pre-clinical (IND-enabling) to Clinical Phase III; Lifecycle management'."""
    if not positions:
        return "No services recorded"
    runs: list[list[int]] = []
    for position in sorted(positions):
        if runs and position == runs[-1][-1] + 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    names = catalogue.phase_by_position
    parts = []
    for run in runs:
        first, last = names[run[0]].name, names[run[-1]].name
        parts.append(first if len(run) == 1 else f"{first} to {last}")
    return "Serves " + "; ".join(parts)


def strip(positions: list[int], catalogue: Catalogue) -> list[PhaseCell]:
    covered = set(positions)
    return [PhaseCell(phase, phase.position in covered) for phase in catalogue.phases]


def card(
    provider: Provider, catalogue: Catalogue, preferred: set[str] = frozenset()
) -> ProviderCard:
    types = [catalogue.types[pk] for pk in provider.type_ids if pk in catalogue.types]
    capabilities = [
        catalogue.capabilities[pk] for pk in provider.capability_ids if pk in catalogue.capabilities
    ]
    # Capabilities the buyer filtered on first, then catalogue order.
    order = {pk: number for number, pk in enumerate(catalogue.capabilities)}
    capabilities.sort(key=lambda row: (row.slug not in preferred, order[row.pk]))
    label = coverage_label(provider.phase_positions, catalogue)
    return ProviderCard(
        provider=provider,
        types=types,
        strip=strip(provider.phase_positions, catalogue),
        coverage_label=label,
        capabilities=[row.name for row in capabilities[:TOP_CAPABILITIES]],
        more_capabilities=max(0, len(capabilities) - TOP_CAPABILITIES),
        url=f"{_directory_url()}{provider.slug}/",
        strip_html=strip_html(tuple(provider.phase_positions), label, catalogue),
        hq_name=country_name(provider.hq_country.code, catalogue),
        verified_label=(
            f"{provider.last_verified_on.day} {provider.last_verified_on:%b %Y}"
            if provider.last_verified_on
            else "never"
        ),
    )


def country_name(code: str, catalogue: Catalogue) -> str:
    """Country names are looked up through translations; keep each one once per index."""
    key = ("country", code)
    name = catalogue.html_cache.get(key)
    if name is None:
        from django_countries import countries

        name = catalogue.html_cache[key] = str(countries.name(code) or code)
    return name


def _directory_url() -> str:
    return reverse("providers:directory")


CARD_FIELDS = (
    "id",
    "name",
    "slug",
    "hq_country",
    "summary",
    "last_verified_on",
    "type_ids",
    "phase_positions",
    "capability_ids",
)


def cards(ids: list[int], catalogue: Catalogue, preferred=frozenset()) -> list[ProviderCard]:
    """Cards for published providers ``ids``, in that order, in one query."""
    rows = {
        row.pk: row for row in Provider.objects.published().filter(pk__in=ids).only(*CARD_FIELDS)
    }
    return [card(rows[pk], catalogue, preferred) for pk in ids if pk in rows]
