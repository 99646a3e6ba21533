"""Keep derived provider columns fresh whenever a curator changes what they summarise."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from lifecycle.models import Phase, Stage
from providers.derived import bump_version, refresh_derived
from providers.models import (
    Capability,
    CapabilityCategory,
    Certification,
    DosageForm,
    Industry,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
)


@receiver(post_save, sender=Provider)
def provider_saved(sender, instance: Provider, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_derived([instance.pk])


@receiver(pre_save, sender=Service)
@receiver(pre_save, sender=Site)
def remember_previous_provider(sender, instance, raw: bool = False, **kwargs) -> None:
    """A service or site moved to another provider changes both providers."""
    if instance.pk and not raw:
        instance._previous_provider_id = (
            sender.objects.filter(pk=instance.pk).values_list("provider_id", flat=True).first()
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
    if raw:
        return
    if created:
        bump_version()
        return
    if sender is Capability:
        ids = Service.objects.filter(capability=instance).values_list("provider_id", flat=True)
    else:
        ids = instance.providers.values_list("pk", flat=True)
    refresh_derived(ids)


@receiver(post_delete, sender=Provider)
@receiver(post_save, sender=CapabilityCategory)
@receiver(post_delete, sender=CapabilityCategory)
@receiver(post_delete, sender=Capability)
@receiver(post_save, sender=Certification)
@receiver(post_delete, sender=Certification)
@receiver(post_save, sender=Industry)
@receiver(post_delete, sender=Industry)
@receiver(post_delete, sender=Modality)
@receiver(post_save, sender=DosageForm)
@receiver(post_delete, sender=DosageForm)
@receiver(post_delete, sender=ProviderType)
@receiver(post_save, sender=Stage)
@receiver(post_delete, sender=Stage)
@receiver(post_save, sender=Phase)
@receiver(post_delete, sender=Phase)
@receiver(m2m_changed, sender=ProviderType.typical_stages.through)
def catalogue_changed(sender, raw: bool = False, action: str = "post_", **kwargs) -> None:
    """Filter options and their labels come from the catalogue: cached views must rebuild."""
    if not raw and action.startswith("post_"):
        bump_version()
