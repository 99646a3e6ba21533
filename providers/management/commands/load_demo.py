import datetime

from django.core.management.base import BaseCommand, CommandError

from providers.devdata import demo as demo_data
from providers.interchange.format import ProviderRecord, ServiceEntry, SiteEntry
from providers.interchange.importing import apply_plan, plan_records
from providers.interchange.records import ReferenceLookup

# The day the demo records were compiled; shown as their last-verified date.
COMPILED_ON = datetime.date(2026, 11, 25)


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
            services=frozenset(
                ServiceEntry(first, last, capability)
                for capability, first, last in row.get("services", ())
            ),
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
            state_on=COMPILED_ON,
            source=demo_data.SOURCE_NOTE,
        )
        for row in demo_data.PROVIDERS
    ]


class Command(BaseCommand):
    help = (
        "Load the demo directory of real, well-known providers. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        plan = plan_records(demo_records(ReferenceLookup.load()), "the demo directory")
        if not plan.ok:
            problems = [*plan.file_errors, *(f"{e.row}: {e.message}" for e in plan.errors)]
            raise CommandError("The demo data does not check out: " + "; ".join(problems[:5]))
        counts = plan.counts
        if counts["create"] or counts["update"]:
            apply_plan(plan, reason="Demo data")
        self.stdout.write(
            f"Demo providers: {counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged."
        )
