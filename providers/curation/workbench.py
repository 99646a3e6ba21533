"""The curator's workbench: providers with their services and sites on one screen, the
publishing workflow, and the screens mixed in from beside it: history and restore
(``restore.py``), import (``imports.py``) and export (``exports.py``). The catalogue
admins are in ``catalogue.py``.

Roles: curators (the "Curators" group, see migration 0003) add, edit, publish,
withdraw, import and export; only superusers delete providers or edit the
lifecycle's stages and phases.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from lifecycle import coverage as lifecycle_coverage
from lifecycle.models import Phase, Stage
from providers.curation.exports import ExportViews
from providers.curation.filters import HeadquartersFilter, StageFilter, StalenessFilter, TypeFilter
from providers.curation.forms import (
    EvidenceForm,
    ProviderForm,
    ServiceChoices,
    ServiceForm,
    SiteForm,
)
from providers.curation.imports import ImportViews
from providers.curation.restore import HistoryViews
from providers.curation.review import check_now
from providers.derived import deferred_refresh
from providers.models import Evidence, Provider, ProviderType, Service, Site
from providers.regulatory import Inspection, SiteIdentity
from providers.text import words


class ServiceInline(admin.TabularInline):
    model = Service
    form = ServiceForm
    fields = [
        "capability",
        "first_phase",
        "last_phase",
        "service_modalities",
        "service_dosage_forms",
        "service_sites",
        "note",
    ]
    extra = 1
    verbose_name_plural = (
        "Services (capability at phases, for modalities and dosage forms, at sites)"
    )

    class Media:
        css = {"all": ["css/workbench.css"]}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        choices = ServiceChoices(obj)

        class ChoicesFormSet(formset):
            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "choices": choices}

        return ChoicesFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Plain selects: the catalogue and the phases are edited on their own pages.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(field, "widget", None)
        for flag in (
            "can_add_related",
            "can_change_related",
            "can_delete_related",
            "can_view_related",
        ):
            if hasattr(widget, flag):
                setattr(widget, flag, False)
        return field

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("capability", "first_phase", "last_phase")
            .prefetch_related("modalities", "dosage_forms", "sites")
        )


class EvidenceInline(admin.StackedInline):
    model = Evidence
    fk_name = "owner"
    form = EvidenceForm
    extra = 1
    verbose_name = "evidence item"
    verbose_name_plural = (
        "Evidence (sources backing the profile, services, sites, certifications, regulator "
        "identities and inspections)"
    )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        owner = obj

        class OwnedFormSet(formset):
            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "owner": owner}

        return OwnedFormSet


class SiteInline(admin.TabularInline):
    model = Site
    form = SiteForm
    fields = ["name", "city", "country", "site_certifications"]
    extra = 1
    verbose_name_plural = "Sites and their certifications"


# Facet counts cost one pass over the providers per filter: always shown for a directory of
# ordinary size, on request ("Show counts") beyond this many providers.
FACETS_ALWAYS_UP_TO = 20_000


class ProviderChangeList(ChangeList):
    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if (self.full_result_count or 0) <= FACETS_ALWAYS_UP_TO:
            self.add_facets = True
            self.is_facets_optional = False


@admin.register(Provider)
class ProviderAdmin(ImportViews, ExportViews, HistoryViews, SimpleHistoryAdmin):
    form = ProviderForm
    inlines = [ServiceInline, SiteInline, EvidenceInline]
    list_filter = [
        TypeFilter,
        StageFilter,
        "status",
        HeadquartersFilter,
        "is_synthetic",
        StalenessFilter,
    ]
    show_facets = admin.ShowFacets.ALLOW
    search_fields = ["name", "slug", "website", "services__capability__name"]
    search_help_text = "Name, slug, website or the name of a capability it offers."
    list_select_related = ["checked_by"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "state",
        "state_on",
        "checked_by",
        "checked_against_list",
        "evidence_backing",
        "coverage",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "provider_types", "hq_country", "website"]}),
        (None, {"fields": ["summary", "provider_industries", "provider_modalities"]}),
        (
            "Record state (set by the “checked now” action, never typed in)",
            {
                "fields": [
                    "state",
                    "state_on",
                    "checked_by",
                    "checked_against_list",
                    "evidence_backing",
                    "source",
                ]
            },
        ),
        (
            "Record",
            {
                "fields": ["is_synthetic", "coverage", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["publish", "withdraw", "checked_now"]
    object_history_template = "admin/providers/provider/object_history.html"

    # ------------------------------------------------------------------ changelist

    def get_list_display(self, request):
        """Columns; types and stages are named from the derived arrays, one query each."""
        type_codes = dict(ProviderType.objects.values_list("pk", "code"))
        phases = list(Phase.objects.all())
        stage_names = dict(Stage.objects.values_list("pk", "name"))

        @admin.display(description="types")
        def types(provider):
            return ", ".join(type_codes.get(pk, "?") for pk in provider.type_ids)

        @admin.display(description="stages served")
        def stages_served(provider):
            served = lifecycle_coverage.stages_served(provider.phase_positions, phases)
            return ", ".join(stage_names[pk] for pk in served) or "-"

        return [
            "name",
            types,
            stages_served,
            "status",
            "hq_country",
            "state",
            "state_on",
            "checked_by",
            "is_synthetic",
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("search_document")

    def get_changelist(self, request, **kwargs):
        return ProviderChangeList

    def get_search_results(self, request, queryset, search_term):
        """Name, slug, website, or what the provider offers, through the indexed columns.

        The default would join every service and scan with LIKE (tens of seconds at
        100,000 providers); this uses the full-text and trigram indexes instead.
        """
        term = " ".join(search_term.split())[:200]
        if not term:
            return queryset, False
        condition = (
            Q(lower_name__contains=term.lower())
            | Q(slug__startswith=term.lower())
            | Q(website__icontains=term)
        )
        terms = words(term)
        if terms:
            prefix = " & ".join(f"{word}:*" for word in terms)
            condition |= Q(search_document=SearchQuery(prefix, search_type="raw", config="english"))
            condition |= Q(search_document=SearchQuery(prefix, search_type="raw", config="simple"))
        return queryset.alias(lower_name=Lower("name")).filter(condition), False

    @admin.display(description="phases served")
    def coverage(self, provider):
        if not provider.pk:
            return "-"
        phases = {phase.position: phase for phase in Phase.objects.all()}
        return lifecycle_coverage.coverage_label(provider.phase_positions, phases)

    # ------------------------------------------------------------------ permissions

    def has_delete_permission(self, request, obj=None):
        """Curators withdraw; only superusers delete."""
        return request.user.is_active and request.user.is_superuser

    def revert_disabled(self, request, obj=None):
        # simple-history's own revert restores the fields but not the types, industries,
        # modalities, services or sites; the history page offers a full restore instead.
        return True

    # ------------------------------------------------------------------ saving

    def save_formset(self, request, form, formset, change):
        if formset.model is Evidence:
            for evidence_form in formset.forms:
                if evidence_form.has_changed() and not evidence_form.instance.recorded_by_id:
                    evidence_form.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description="checked against")
    def checked_against_list(self, provider):
        if not provider.pk:
            return "-"
        return "; ".join(str(item) for item in provider.checked_against.all()) or "-"

    @admin.display(description="claims with evidence")
    def evidence_backing(self, provider):
        if not provider.pk:
            return "-"
        return f"{provider.backed_claim_count} of {provider.claim_count}"

    def save_related(self, request, form, formsets, change):
        with deferred_refresh():
            super().save_related(request, form, formsets, change)

    # ------------------------------------------------------------------ actions

    def _set_status(self, request, queryset, status: str, verb: str) -> None:
        changed = 0
        with transaction.atomic(), deferred_refresh():
            selected = Provider.objects.filter(pk__in=queryset.values("pk"))
            for provider in selected.exclude(status=status).select_for_update():
                provider.status = status
                provider._change_reason = f"Bulk action: {verb}"
                provider.save(update_fields=["status", "updated_at"])
                changed += 1
        self.message_user(request, f"{verb.capitalize()}: {changed} provider(s) changed.")

    @admin.action(description="Publish selected providers", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Provider.Status.PUBLISHED, "published")

    @admin.action(description="Withdraw selected providers", permissions=["change"])
    def withdraw(self, request, queryset):
        self._set_status(request, queryset, Provider.Status.WITHDRAWN, "withdrawn")

    @admin.action(
        description="Checked now (against each record's evidence)", permissions=["change"]
    )
    def checked_now(self, request, queryset):
        check_now(self, request, queryset)

    # ------------------------------------------------------------------ extra views

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="providers_provider_import",
            ),
            path(
                "import/<int:import_id>/",
                self.admin_site.admin_view(self.import_status_view),
                name="providers_provider_import_status",
            ),
            path(
                "export/<str:kind>/",
                self.admin_site.admin_view(self.export_view),
                name="providers_provider_export",
            ),
            path(
                "<path:object_id>/restore/<str:kind>/<int:history_id>/",
                self.admin_site.admin_view(self.restore_view),
                name="providers_provider_restore",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_add_permission(request) and self.has_change_permission(request),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    form = ServiceForm
    fields = [
        "provider",
        "capability",
        "first_phase",
        "last_phase",
        "service_modalities",
        "service_dosage_forms",
        "service_sites",
        "note",
    ]
    list_display = ["capability", "provider", "first_phase", "last_phase"]
    list_select_related = ["capability", "provider", "first_phase", "last_phase"]
    list_filter = ["capability__category", "first_phase", "last_phase"]
    search_fields = ["provider__name", "capability__name"]
    autocomplete_fields = ["provider"]

    def get_readonly_fields(self, request, obj=None):
        # The sites offered are the provider's: a service stays with its provider.
        return ["provider"] if obj is not None else []

    def save_related(self, request, form, formsets, change):
        with deferred_refresh():
            super().save_related(request, form, formsets, change)


class SiteIdentityInline(admin.TabularInline):
    model = SiteIdentity
    fields = ["scheme", "scheme_name", "value"]
    extra = 1
    verbose_name_plural = "Regulator identities (FEI, DUNS, EU authorisation, GMP certificate)"


class InspectionInline(admin.TabularInline):
    model = Inspection
    fields = [
        "authority",
        "authority_name",
        "end_date",
        "outcome",
        "outcome_text",
        "product_type",
        "project_area",
        "citations_posted",
        "warning_letter",
        "source_url",
        "fda_inspection_id",
        "fiscal_year",
    ]
    extra = 0
    verbose_name_plural = "Inspections"


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    form = SiteForm
    fields = ["provider", "name", "city", "country", "site_certifications"]
    inlines = [SiteIdentityInline, InspectionInline]
    list_display = ["name", "provider", "city", "country", "certification_list"]
    list_select_related = ["provider"]
    list_filter = ["certifications"]
    search_fields = ["name", "city", "provider__name", "=identities__value"]
    search_help_text = "Name, city, provider, or a regulator identifier (FEI, DUNS, ...)."
    autocomplete_fields = ["provider"]

    def get_search_results(self, request, queryset, search_term):
        """An FEI or DUNS number typed with dashes or spaces finds the stored digits."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        digits = "".join(char for char in search_term if char.isdigit())
        if digits and len(digits) >= 7 and set(search_term) <= set("0123456789 -."):
            found |= queryset.filter(identities__value=digits)
            duplicates = True
        return found, duplicates

    def save_related(self, request, form, formsets, change):
        with deferred_refresh():
            super().save_related(request, form, formsets, change)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("certifications")

    @admin.display(description="certifications")
    def certification_list(self, site):
        return ", ".join(cert.name for cert in site.certifications.all())

    def revert_disabled(self, request, obj=None):
        # The built-in revert would not bring back certifications; restore through the provider.
        return True


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner", "kind", "claim", "seen_on", "recorded_by"]
    list_select_related = ["owner", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["title", "url", "owner__name"]
    autocomplete_fields = ["provider", "service", "site"]
    raw_id_fields = ["site_certification", "site_identity", "inspection"]
    fields = [
        "provider",
        "service",
        "site",
        "site_certification",
        "site_identity",
        "inspection",
        "url",
        "kind",
        "title",
        "seen_on",
        "quote",
    ]

    @admin.display(description="backs")
    def claim(self, item):
        names = {"site_identity": "regulator identity"}
        return names.get(item.target_name, item.target_name.replace("_", " ")) or "-"

    def save_model(self, request, obj, form, change):
        if not obj.recorded_by_id:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
