import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from providers.devdata import demo as demo_data
from providers.evidence import EvidenceKind, VerificationState
from providers.interchange.format import (
    PROFILE_CLAIM,
    EvidenceEntry,
    ProviderRecord,
    ServiceEntry,
    SiteEntry,
    service_claim,
    site_names_order,
)
from providers.interchange.importing import apply_plan, plan_records
from providers.interchange.records import ReferenceLookup
from providers.models import Evidence, Provider, Service, Site

# The day the demo records were compiled from public sources (their state: compiled).
COMPILED_ON = datetime.date(2026, 11, 25)
# Every history row the loader writes carries this reason; a row with any other reason
# means a curator (or an import, or a restore) changed the record since.
REASON = "Demo data"


def demo_evidence(row: dict) -> frozenset[EvidenceEntry]:
    """The provider's own website, seen the day the demo was compiled, behind its profile
    and each of its services."""
    website, name = row["website"], row["name"]
    page = EvidenceEntry(
        PROFILE_CLAIM, EvidenceKind.PROVIDER_PAGE, COMPILED_ON, website, f"{name} website"
    )
    return frozenset(
        [page]
        + [
            EvidenceEntry(
                service_claim(capability),
                EvidenceKind.PROVIDER_PAGE,
                COMPILED_ON,
                website,
                f"{name} website: what it offers",
            )
            for capability, *_ in row.get("services", ())
        ]
    )


def demo_service(service: tuple, catalogue: ReferenceLookup) -> ServiceEntry:
    """A demo service, ``(capability, first, last)`` or with a fourth item saying what it
    applies to and where: ``{"modalities": [...], "dosage_forms": [...], "sites": [...]}``."""
    capability, first, last, *rest = service
    parts = rest[0] if rest else {}
    return ServiceEntry(
        first,
        last,
        capability,
        modalities=tuple(catalogue.ordered("modalities", parts.get("modalities", ()))),
        dosage_forms=tuple(catalogue.ordered("dosage_forms", parts.get("dosage_forms", ()))),
        sites=site_names_order(parts.get("sites", ())),
    )


def demo_records(catalogue: ReferenceLookup) -> list[ProviderRecord]:
    """The demo directory in the interchange format, so it loads like any import."""
    return [
        ProviderRecord(
            slug=row["slug"],
            name=row["name"],
            types=frozenset(row["types"]),
            hq_country=row["hq_country"],
            website=row["website"],
            summary=row["summary"],
            industries=frozenset(row.get("industries", ())),
            modalities=frozenset(row.get("modalities", ())),
            services=frozenset(demo_service(service, catalogue) for service in row["services"]),
            sites=frozenset(
                SiteEntry(
                    site["country"],
                    site.get("city", ""),
                    site["name"],
                    tuple(catalogue.ordered("certifications", site.get("certifications", ()))),
                )
                for site in row.get("sites", ())
            ),
            status="published",
            state=VerificationState.COMPILED,
            state_on=COMPILED_ON,
            source=demo_data.SOURCE_NOTE,
            evidence=demo_evidence(row),
        )
        for row in demo_data.PROVIDERS
    ]


def edited_by_others(slugs: list[str]) -> set[str]:
    """Demo providers that someone other than this loader has changed: any history row of
    the provider, its services, sites or evidence with another reason."""
    other = ~Q(history_change_reason=REASON) | Q(history_change_reason__isnull=True)
    ids = dict(Provider.objects.filter(slug__in=slugs).values_list("pk", "slug"))
    touched = set(Provider.history.filter(other, id__in=ids).values_list("id", flat=True))
    for model, column in ((Service, "provider_id"), (Site, "provider_id"), (Evidence, "owner_id")):
        touched |= set(
            model.history.filter(other, **{f"{column}__in": ids}).values_list(column, flat=True)
        )
    return {ids[pk] for pk in touched if pk in ids}


class Command(BaseCommand):
    help = (
        "Load the demo directory of real, well-known providers: creates the missing ones and "
        "brings untouched ones up to date. A record a curator has edited is never changed."
    )

    def handle(self, *args, **options):
        records = demo_records(ReferenceLookup.load())
        kept = edited_by_others([record.slug for record in records])
        records = [record for record in records if record.slug not in kept]
        plan = plan_records(records, "the demo directory")
        if not plan.ok:
            problems = [*plan.file_errors, *(f"{e.row}: {e.message}" for e in plan.errors)]
            raise CommandError("The demo data does not check out: " + "; ".join(problems[:5]))
        counts = plan.counts
        if counts["create"] or counts["update"]:
            apply_plan(plan, reason=REASON)
        self.stdout.write(
            f"Demo providers: {counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged, {len(kept)} left as curators edited them."
        )
