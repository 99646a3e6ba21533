"""Admins of the reference catalogue (provider types, capability categories and
capabilities, modalities, industries, certifications): an entry in use cannot be
deleted, and the page says which records use it."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse

from providers.models import (
    Capability,
    CapabilityCategory,
    Certification,
    Industry,
    Modality,
    Provider,
    ProviderType,
)


class CatalogueAdmin(admin.ModelAdmin):
    """Reference data curators manage; an entry in use cannot be deleted, and we say why."""

    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    usage_relation = "providers"  # what the "usage" column counts

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(usage_count=Count(self.usage_relation))

    def in_use_by(self, obj) -> tuple[int, list[str], str]:
        """(how many, a few names, what they are) of the records using ``obj``."""
        providers = self.users(obj)
        return providers.count(), list(providers.values_list("name", flat=True)[:5]), "provider"

    def users(self, obj):
        raise NotImplementedError

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # Who uses an entry (unpublished providers too) is only for those who may delete it.
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        if obj is not None:
            count, names, noun = self.in_use_by(obj)
            if count:
                self.message_user(
                    request,
                    f"“{obj}” cannot be deleted: {count} {noun}(s) use it "
                    f"({', '.join(names)}{', ...' if count > len(names) else ''}). "
                    f"Remove it from them first; the database refuses to delete a catalogue "
                    f"entry in use.",
                    messages.ERROR,
                )
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
        return super().delete_view(request, object_id, extra_context)


def usage_column(label: str):
    """A list column with how many records use each entry (annotated by CatalogueAdmin)."""

    @admin.display(description=label, ordering="usage_count")
    def usage(self, obj):
        return obj.usage_count

    return usage


@admin.register(ProviderType)
class ProviderTypeAdmin(CatalogueAdmin):
    list_display = ["code", "name", "position", "usage"]
    filter_horizontal = ["typical_stages"]
    usage = usage_column("providers")

    def users(self, obj):
        return Provider.objects.filter(types=obj)


@admin.register(CapabilityCategory)
class CapabilityCategoryAdmin(CatalogueAdmin):
    list_display = ["name", "position", "usage"]
    usage_relation = "capabilities"
    usage = usage_column("capabilities")

    def in_use_by(self, obj):
        capabilities = obj.capabilities.all()
        return (
            capabilities.count(),
            list(capabilities.values_list("name", flat=True)[:5]),
            "capability",
        )


@admin.register(Capability)
class CapabilityAdmin(CatalogueAdmin):
    list_display = ["name", "category", "track", "first_phase", "last_phase", "usage"]
    list_select_related = ["category", "track", "first_phase", "last_phase"]
    list_filter = ["track", "category"]
    search_fields = ["name", "slug", "synonyms"]
    usage_relation = "services"
    usage = usage_column("providers offering it")

    def users(self, obj):
        return Provider.objects.filter(services__capability=obj).distinct()


@admin.register(Modality)
class ModalityAdmin(CatalogueAdmin):
    list_display = ["name", "position", "usage"]
    usage = usage_column("providers")

    def users(self, obj):
        return Provider.objects.filter(modalities=obj)


@admin.register(Industry)
class IndustryAdmin(ModalityAdmin):
    def users(self, obj):
        return Provider.objects.filter(industries=obj)


@admin.register(Certification)
class CertificationAdmin(CatalogueAdmin):
    list_display = ["name", "kind", "position", "usage"]
    list_filter = ["kind"]
    usage_relation = "sites"
    usage = usage_column("sites")

    def users(self, obj):
        return Provider.objects.filter(sites__certifications=obj).distinct()
