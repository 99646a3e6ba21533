import datetime

from django.core.management.base import BaseCommand
from django.db import transaction

from providers import demo_data
from providers.derived import deferred_refresh
from providers.models import (
    Capability,
    Certification,
    Industry,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
)

# The day the demo records were compiled; shown as their last-verified date.
COMPILED_ON = datetime.date(2026, 11, 25)


class Command(BaseCommand):
    help = (
        "Load the demo directory of real, well-known providers. Running it again changes nothing."
    )

    def handle(self, *args, **options):
        by_slug = {
            model: {row.slug: row for row in model.objects.all()}
            for model in (ProviderType, Modality, Industry, Capability, Certification)
        }
        created = changed = 0
        with transaction.atomic(), deferred_refresh():
            for record in demo_data.PROVIDERS:
                outcome = self.load_one(record, by_slug)
                created += outcome == "created"
                changed += outcome == "changed"
        unchanged = len(demo_data.PROVIDERS) - created - changed
        self.stdout.write(
            f"Demo providers: {created} created, {changed} updated, {unchanged} unchanged."
        )

    def load_one(self, record: dict, by_slug: dict) -> str:
        fields = {
            "name": record["name"],
            "summary": record["summary"],
            "website": record["website"],
            "hq_country": record["hq_country"],
            "status": Provider.Status.PUBLISHED,
            "last_verified_on": COMPILED_ON,
            "source": demo_data.SOURCE_NOTE,
            "is_synthetic": False,
        }
        provider = Provider.objects.filter(slug=record["slug"]).first()
        outcome = "unchanged"
        if provider is None:
            provider = Provider.objects.create(slug=record["slug"], **fields)
            outcome = "created"
        elif any(getattr(provider, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(provider, key, value)
            provider.save()
            outcome = "changed"

        for relation, model, slugs in (
            (provider.types, ProviderType, record["types"]),
            (provider.modalities, Modality, record.get("modalities", [])),
            (provider.industries, Industry, record.get("industries", [])),
        ):
            wanted = {by_slug[model][slug].pk for slug in slugs}
            if set(relation.values_list("pk", flat=True)) != wanted:
                relation.set(wanted)
                outcome = "changed" if outcome == "unchanged" else outcome

        if self.sync_services(provider, record.get("services", []), by_slug):
            outcome = "changed" if outcome == "unchanged" else outcome
        if self.sync_sites(provider, record.get("sites", []), by_slug):
            outcome = "changed" if outcome == "unchanged" else outcome
        return outcome

    def sync_services(self, provider: Provider, services: list, by_slug: dict) -> bool:
        wanted = {by_slug[Capability][slug].pk: (first, last) for slug, first, last in services}
        existing = {service.capability_id: service for service in provider.services.all()}
        touched = False
        for capability_id, service in existing.items():
            if capability_id not in wanted:
                service.delete()
                touched = True
        for capability_id, (first, last) in wanted.items():
            service = existing.get(capability_id)
            if service is None:
                Service.objects.create(
                    provider=provider,
                    capability_id=capability_id,
                    first_phase_id=first,
                    last_phase_id=last,
                )
                touched = True
            elif (service.first_phase_id, service.last_phase_id) != (first, last):
                service.first_phase_id, service.last_phase_id = first, last
                service.save()
                touched = True
        return touched

    def sync_sites(self, provider: Provider, sites: list, by_slug: dict) -> bool:
        wanted = {site["name"].lower(): site for site in sites}
        existing = {site.name.lower(): site for site in provider.sites.all()}
        touched = False
        for key, site in existing.items():
            if key not in wanted:
                site.delete()
                touched = True
        for key, record in wanted.items():
            site = existing.get(key)
            values = {
                "name": record["name"],
                "city": record.get("city", ""),
                "country": record["country"],
            }
            if site is None:
                site = Site.objects.create(provider=provider, **values)
                touched = True
            elif any(str(getattr(site, field)) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(site, field, value)
                site.save()
                touched = True
            certifications = {
                by_slug[Certification][slug].pk for slug in record.get("certifications", [])
            }
            if set(site.certifications.values_list("pk", flat=True)) != certifications:
                site.certifications.set(certifications)
                touched = True
        return touched
