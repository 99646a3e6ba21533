"""The curator's workbench: providers with their services and sites on one screen,
the publishing workflow, full history with restore, spreadsheet import and export,
and the reference catalogues.

Roles: curators (the "Curators" group, see migration 0003) add, edit, publish,
withdraw, import and export; only superusers delete providers or edit the
lifecycle's stages and phases.
"""

import datetime
import io
import secrets

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from lifecycle.models import Stage
from providers import history, search
from providers.admin_filters import HeadquartersFilter, StageFilter, StalenessFilter, TypeFilter
from providers.derived import deferred_refresh
from providers.importing import apply_plan, plan_import, sync_provider
from providers.interchange import (
    COLUMNS,
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Catalogue,
    csv_lines,
    iter_records,
    load_records,
    record_to_cells,
    write_xlsx,
)
from providers.models import (
    Capability,
    CapabilityCategory,
    Certification,
    Industry,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
)

PENDING_IMPORT = "provider_import"
PENDING_FOLDER = "provider-imports"
# A checked file nobody confirmed within this time is deleted.
ABANDONED_AFTER = datetime.timedelta(days=1)


def forget_abandoned_imports() -> int:
    """Delete checked import files whose preview was left unconfirmed; return how many."""
    if not default_storage.exists(PENDING_FOLDER):
        return 0
    cutoff = timezone.now() - ABANDONED_AFTER
    removed = 0
    for name in default_storage.listdir(PENDING_FOLDER)[1]:
        path = f"{PENDING_FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed


PREVIEW_ROWS = 500
# Problems listed on the import page (the rest are counted).
PREVIEW_ERRORS = 1000


def _checkboxes(queryset, label: str, required: bool = False) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset, widget=forms.CheckboxSelectMultiple, label=label, required=required
    )


class LinkFieldsMixin:
    """Edits many-to-many links that go through explicit link tables.

    The admin cannot put such a field on a form by its own name (admin.E013), so
    the form carries a plain field for each and saves it with ``set()``, which
    sends the signals that keep history and derived columns current.
    """

    link_fields: dict[str, str] = {}

    def init_links(self) -> None:
        if self.instance.pk:
            for form_field, relation in self.link_fields.items():
                self.fields[form_field].initial = list(getattr(self.instance, relation).all())

    def _save_m2m(self) -> None:
        super()._save_m2m()
        for form_field, relation in self.link_fields.items():
            if form_field in self.cleaned_data:
                getattr(self.instance, relation).set(self.cleaned_data[form_field])


class ProviderForm(LinkFieldsMixin, forms.ModelForm):
    link_fields = {
        "provider_types": "types",
        "provider_industries": "industries",
        "provider_modalities": "modalities",
    }
    provider_types = _checkboxes(ProviderType.objects.all(), "Types", required=True)
    provider_industries = _checkboxes(Industry.objects.all(), "Industries served")
    provider_modalities = _checkboxes(Modality.objects.all(), "Modalities")

    class Meta:
        model = Provider
        fields = [
            "name",
            "slug",
            "status",
            "hq_country",
            "website",
            "summary",
            "last_verified_on",
            "source",
            "is_synthetic",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_links()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("last_verified_on") and not (cleaned.get("source") or "").strip():
            self.add_error("source", "Say where the record was verified: a URL or a note.")
        return cleaned


class SiteForm(LinkFieldsMixin, forms.ModelForm):
    link_fields = {"site_certifications": "certifications"}
    site_certifications = _checkboxes(Certification.objects.all(), "Certifications")

    class Meta:
        model = Site
        fields = ["provider", "name", "city", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_links()


class ServiceInline(admin.TabularInline):
    model = Service
    fields = ["capability", "first_phase", "last_phase", "note"]
    extra = 1
    verbose_name_plural = "Services (capability at phases)"

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
        return super().get_queryset(request).select_related("capability")


class SiteInline(admin.TabularInline):
    model = Site
    form = SiteForm
    fields = ["name", "city", "country", "site_certifications"]
    extra = 1
    verbose_name_plural = "Sites and their certifications"


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV (UTF-8) or Excel (.xlsx) file in the import format; see the guide."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; files up to "
                f"{limit / 1_048_576:.1f} MB can be uploaded. Split it, or ask an "
                "administrator to run the import_providers command."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


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
class ProviderAdmin(SimpleHistoryAdmin):
    form = ProviderForm
    inlines = [ServiceInline, SiteInline]
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
    list_select_related = ["verified_by"]
    list_per_page = 50
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["verified_by", "coverage", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "status", "provider_types", "hq_country", "website"]}),
        (None, {"fields": ["summary", "provider_industries", "provider_modalities"]}),
        (
            "Verification",
            {"fields": ["last_verified_on", "source", "verified_by"]},
        ),
        (
            "Record",
            {
                "fields": ["is_synthetic", "coverage", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["publish", "withdraw", "mark_verified_today"]
    object_history_template = "admin/providers/provider/object_history.html"

    # ------------------------------------------------------------------ changelist

    def get_list_display(self, request):
        """Columns; types and stages are named from the derived arrays, one query each."""
        type_codes = dict(ProviderType.objects.values_list("pk", "code"))
        stages = [
            (stage.name, {phase.position for phase in stage.phases.all()})
            for stage in Stage.objects.prefetch_related("phases")
        ]

        @admin.display(description="types")
        def types(provider):
            return ", ".join(type_codes.get(pk, "?") for pk in provider.type_ids)

        @admin.display(description="stages served")
        def stages_served(provider):
            served = set(provider.phase_positions)
            return ", ".join(name for name, positions in stages if positions & served) or "-"

        return [
            "name",
            types,
            stages_served,
            "status",
            "hq_country",
            "last_verified_on",
            "verified_by",
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
        terms = search.words(term)
        if terms:
            prefix = " & ".join(f"{word}:*" for word in terms)
            condition |= Q(search_document=SearchQuery(prefix, search_type="raw", config="english"))
            condition |= Q(search_document=SearchQuery(prefix, search_type="raw", config="simple"))
        return queryset.alias(lower_name=Lower("name")).filter(condition), False

    @admin.display(description="phases served")
    def coverage(self, provider):
        if not provider.pk:
            return "-"
        served = set(provider.phase_positions)
        return ", ".join(
            stage.name
            + ": "
            + (
                ", ".join(p.short_name for p in stage.phases.all() if p.position in served)
                or "none"
            )
            for stage in Stage.objects.prefetch_related("phases")
        )

    # ------------------------------------------------------------------ permissions

    def has_delete_permission(self, request, obj=None):
        """Curators withdraw; only superusers delete."""
        return request.user.is_active and request.user.is_superuser

    def revert_disabled(self, request, obj=None):
        # simple-history's own revert restores the fields but not the types, industries,
        # modalities, services or sites; the history page offers a full restore instead.
        return True

    # ------------------------------------------------------------------ saving

    def save_model(self, request, obj, form, change):
        if "last_verified_on" in form.changed_data:
            obj.verified_by = request.user if obj.last_verified_on else None
        super().save_model(request, obj, form, change)

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

    @admin.action(description="Mark selected providers verified today", permissions=["change"])
    def mark_verified_today(self, request, queryset):
        lacking = [
            name for name, source in queryset.values_list("name", "source") if not source.strip()
        ]
        if lacking:
            shown = ", ".join(lacking[:10]) + (
                f" and {len(lacking) - 10} more" if len(lacking) > 10 else ""
            )
            self.message_user(
                request,
                f"Nothing was marked verified: {len(lacking)} selected provider(s) have no source "
                f"({shown}). Add where each record was verified (a URL or a note) first.",
                messages.ERROR,
            )
            return
        today = timezone.localdate()
        with transaction.atomic(), deferred_refresh():
            count = 0
            for provider in Provider.objects.filter(
                pk__in=queryset.values("pk")
            ).select_for_update():
                provider.last_verified_on = today
                provider.verified_by = request.user
                provider._change_reason = "Bulk action: marked verified"
                provider.save(update_fields=["last_verified_on", "verified_by", "updated_at"])
                count += 1
        self.message_user(
            request, f"Marked {count} provider(s) verified on {today:%Y-%m-%d} by you."
        )

    # ------------------------------------------------------------------ extra views

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="providers_provider_import",
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

    def history_view(self, request, object_id, extra_context=None):
        provider = self.get_object(request, unquote(object_id))
        if provider is None:  # unknown or malformed id: say so, as the change view does
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        extra = {
            **(extra_context or {}),
            "timeline": history.timeline(provider),
            "can_restore": self.has_change_permission(request, provider),
        }
        return super().history_view(request, object_id, extra)

    def export_view(self, request, kind: str):
        """Export the changelist as filtered (and searched) now, or the whole directory."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if kind not in ("csv", "xlsx"):
            return HttpResponse("Export as csv or xlsx.", status=404)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, "Those filters are not valid.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:providers_provider_changelist"))
        ids = list(changelist.get_queryset(request).values_list("pk", flat=True))
        catalogue = Catalogue.load()
        name = f"providers-{timezone.localdate():%Y-%m-%d}.{kind}"
        if kind == "csv":
            response = StreamingHttpResponse(
                csv_lines(iter_records(ids, catalogue), catalogue), content_type=CSV_CONTENT_TYPE
            )
        else:
            buffer = io.BytesIO()
            write_xlsx(iter_records(ids, catalogue), catalogue, buffer)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_view(self, request):
        """Upload -> preview (create / update / unchanged, every error) -> confirm -> write."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import providers",
            "columns": COLUMNS,
            "max_mb": settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576,
        }
        form = ImportForm()
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm_import(request, context)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                plan = plan_import(upload.read(), upload.name)
                context["plan"] = plan
                if plan.ok:
                    context["token"] = self._keep_pending(request, upload.name, plan, upload)
        context["form"] = form
        self._add_preview(context)
        return TemplateResponse(request, "admin/providers/provider/import.html", context)

    def _add_preview(self, context) -> None:
        plan = context.get("plan")
        if plan is not None:
            context["counts"] = plan.counts
            context["preview_rows"] = [row for row in plan.rows if row.action != "unchanged"][
                :PREVIEW_ROWS
            ]
            # A bounded list, whole-file problems first (a header can have thousands).
            context["file_errors"] = plan.file_errors[:PREVIEW_ERRORS]
            context["errors"] = plan.errors[: PREVIEW_ERRORS - len(context["file_errors"])]
            shown = len(context["file_errors"]) + len(context["errors"])
            context["more_errors"] = len(plan.file_errors) + len(plan.errors) - shown

    def _keep_pending(self, request, filename: str, plan, upload) -> str:
        """Keep the checked file until the curator confirms (or uploads another)."""
        self._drop_pending(request)
        forget_abandoned_imports()
        token = secrets.token_urlsafe(16)
        upload.seek(0)
        stored = default_storage.save(f"{PENDING_FOLDER}/{token}", ContentFile(upload.read()))
        request.session[PENDING_IMPORT] = {"token": token, "path": stored, "filename": filename}
        return token

    def _drop_pending(self, request) -> None:
        pending = request.session.pop(PENDING_IMPORT, None)
        if pending:
            default_storage.delete(pending["path"])

    def _confirm_import(self, request, context):
        pending = request.session.get(PENDING_IMPORT)
        if not pending or pending["token"] != request.POST.get("token"):
            self.message_user(
                request, "That import is no longer waiting; upload the file again.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:providers_provider_import"))
        with default_storage.open(pending["path"], "rb") as stored:
            data = stored.read()
        # Check again: the directory may have changed since the preview.
        plan = plan_import(data, pending["filename"])
        if plan.ok:
            try:
                counts = apply_plan(plan, user=request.user)
            except DatabaseError as error:
                plan.file_errors.append(
                    f"The database refused the import, nothing was written: {error}"
                )
            else:
                self._drop_pending(request)
                self.message_user(
                    request,
                    f"Imported {pending['filename']}: {counts['create']} created, "
                    f"{counts['update']} updated, {counts['unchanged']} unchanged.",
                )
                return HttpResponseRedirect(reverse("admin:providers_provider_changelist"))
        self._drop_pending(request)
        context.update({"form": ImportForm(), "plan": plan})
        self._add_preview(context)
        return TemplateResponse(request, "admin/providers/provider/import.html", context)

    def restore_view(self, request, object_id, kind: str, history_id: int):
        """Restore the whole provider (fields, links, services, sites) to a point in its history."""
        provider = self.get_object(request, unquote(object_id))
        if provider is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, provider):
            raise PermissionDenied
        point = history.restore_point(kind, history_id, provider.pk)
        if point is None:
            return HttpResponse("No such version of this provider.", status=404)
        catalogue = Catalogue.load()
        record, verified_by_id = history.record_as_of(provider.pk, point.history_date, catalogue)
        change_url = reverse("admin:providers_provider_change", args=[provider.pk])
        if record is None:
            self.message_user(request, "The provider did not exist at that point.", messages.ERROR)
            return HttpResponseRedirect(change_url)
        current = load_records([provider.pk], catalogue)[provider.pk]
        when = timezone.localtime(point.history_date)
        if request.method == "POST":
            from django.contrib.auth import get_user_model

            verifier = get_user_model().objects.filter(pk=verified_by_id).first()
            try:
                with transaction.atomic(), deferred_refresh():
                    changed = sync_provider(
                        provider,
                        record,
                        catalogue,
                        current,
                        user=request.user,
                        reason=f"Restored to the version of {when:%Y-%m-%d %H:%M:%S}",
                        verified_by=verifier,
                    )
            except DatabaseError as error:
                self.message_user(request, f"Nothing was restored: {error}", messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                f"Restored {provider} to the version of {when:%Y-%m-%d %H:%M:%S}"
                + (f" ({', '.join(changed)} changed)." if changed else " (nothing had changed)."),
            )
            return HttpResponseRedirect(change_url)
        before = dict(zip(COLUMNS, record_to_cells(current, catalogue), strict=True))
        after = dict(zip(COLUMNS, record_to_cells(record, catalogue), strict=True))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": provider,
            "title": f"Restore {provider} to {when:%Y-%m-%d %H:%M:%S}",
            "when": when,
            "rows": [
                (column, before[column], after[column])
                for column in record.changed_columns(current)
            ],
        }
        return TemplateResponse(request, "admin/providers/provider/restore.html", context)


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["capability", "provider", "first_phase", "last_phase"]
    list_select_related = ["capability", "provider", "first_phase", "last_phase"]
    list_filter = ["capability__category", "first_phase", "last_phase"]
    search_fields = ["provider__name", "capability__name"]
    autocomplete_fields = ["provider", "capability"]


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    form = SiteForm
    fields = ["provider", "name", "city", "country", "site_certifications"]
    list_display = ["name", "provider", "city", "country", "certification_list"]
    list_select_related = ["provider"]
    list_filter = ["certifications"]
    search_fields = ["name", "city", "provider__name"]
    autocomplete_fields = ["provider"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("certifications")

    @admin.display(description="certifications")
    def certification_list(self, site):
        return ", ".join(cert.name for cert in site.certifications.all())

    def revert_disabled(self, request, obj=None):
        # The built-in revert would not bring back certifications; restore through the provider.
        return True


# ---------------------------------------------------------------------- reference data


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
    list_display = ["name", "category", "first_phase", "last_phase", "usage"]
    list_select_related = ["category", "first_phase", "last_phase"]
    list_filter = ["category"]
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
