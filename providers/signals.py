"""Keep derived provider columns fresh whenever a curator changes what they summarise.

The directory's version token is not bumped here: the database does it, with a trigger on
every buyer-visible table (providers/versioning.py).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from providers.derived import refresh_derived
from providers.models import (
    Capability,
    CapabilityCategory,
    Evidence,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
)
from providers.regulatory import Inspection, SiteIdentity


@receiver(post_save, sender=Provider)
def provider_saved(sender, instance: Provider, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_derived([instance.pk])


@receiver(pre_save, sender=Service)
@receiver(pre_save, sender=Site)
@receiver(pre_save, sender=Evidence)
def remember_previous_provider(sender, instance, raw: bool = False, **kwargs) -> None:
    """A service or site moved to another provider changes both providers."""
    if instance.pk and not raw:
        column = "owner_id" if sender is Evidence else "provider_id"
        instance._previous_provider_id = (
            sender.objects.filter(pk=instance.pk).values_list(column, flat=True).first()
        )


@receiver(post_save, sender=Service)
@receiver(post_delete, sender=Service)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def part_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    # After a cascade delete the provider is already gone; refreshing it is a no-op.
    refresh_derived([instance.provider_id, getattr(instance, "_previous_provider_id", None)])


@receiver(pre_save, sender=SiteIdentity)
@receiver(pre_save, sender=Inspection)
def remember_previous_site(sender, instance, raw: bool = False, **kwargs) -> None:
    """An identity or inspection moved to another site changes both sites' providers."""
    if instance.pk and not raw:
        instance._previous_provider_id = (
            sender.objects.filter(pk=instance.pk)
            .values_list("site__provider_id", flat=True)
            .first()
        )


@receiver(post_save, sender=SiteIdentity)
@receiver(post_delete, sender=SiteIdentity)
@receiver(post_save, sender=Inspection)
@receiver(post_delete, sender=Inspection)
def site_record_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    """Identities are searched and inspections filtered through the provider's columns."""
    if raw:
        return
    provider_id = Site.objects.filter(pk=instance.site_id).values_list("provider_id", flat=True)
    refresh_derived([*provider_id, getattr(instance, "_previous_provider_id", None)])


@receiver(post_save, sender=Evidence)
@receiver(post_delete, sender=Evidence)
def evidence_changed(sender, instance: Evidence, raw: bool = False, **kwargs) -> None:
    """Evidence counts and the "services with evidence" filter are derived columns."""
    if raw:
        return
    refresh_derived([instance.owner_id, getattr(instance, "_previous_provider_id", None)])


@receiver(m2m_changed, sender=Provider.types.through)
@receiver(m2m_changed, sender=Provider.modalities.through)
@receiver(m2m_changed, sender=Provider.industries.through)
def provider_links_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if reverse:
        # Changed from the other side (e.g. modality.providers.add(...)): refresh those providers.
        refresh_derived(pk_set if pk_set else None)
    else:
        refresh_derived([instance.pk])


@receiver(m2m_changed, sender=Service.modalities.through)
@receiver(m2m_changed, sender=Service.sites.through)
@receiver(m2m_changed, sender=Service.dosage_forms.through)
def service_links_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    """A service's modalities, sites or dosage forms changed: its provider's columns and
    the index (which holds each service's modalities and sites) must follow."""
    if not action.startswith("post_"):
        return
    if reverse:
        refresh_derived(
            Service.objects.filter(pk__in=pk_set or []).values_list("provider_id", flat=True)
            if pk_set
            else None
        )
    else:
        refresh_derived([instance.provider_id])


@receiver(m2m_changed, sender=Site.certifications.through)
def site_certifications_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:
        provider_ids = Site.objects.filter(pk__in=pk_set or []).values_list(
            "provider_id", flat=True
        )
        refresh_derived(provider_ids if pk_set else None)
    else:
        refresh_derived([instance.provider_id])


@receiver(post_save, sender=Capability)
@receiver(post_save, sender=Modality)
@receiver(post_save, sender=ProviderType)
def catalogue_name_changed(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Catalogue names are part of the search text of every provider that uses them."""
    if raw or created:
        return
    if sender is Capability:
        ids = Service.objects.filter(capability=instance).values_list("provider_id", flat=True)
    else:
        ids = instance.providers.values_list("pk", flat=True)
    refresh_derived(ids)


@receiver(post_save, sender=CapabilityCategory)
def category_changed(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Category names are part of the search text too ("drug substance" finds its services)."""
    if raw or created:
        return  # a new category holds no services yet
    refresh_derived(
        Service.objects.filter(capability__category=instance).values_list("provider_id", flat=True)
    )
