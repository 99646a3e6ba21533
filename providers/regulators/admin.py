"""The curator's screens for regulator data: the list of inspections, the FDA import
(upload, preview, confirm) and the review of inspections whose FEI is on no site yet,
where a curator confirms which site an FEI belongs to.

A candidate site is suggested by name (trigram word similarity of the provider's or the
site's name to the FDA's legal name), city and country; it is only a suggestion: the FEI
is recorded and the inspections attached only when a curator confirms the match.
"""

import secrets

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import DatabaseError, transaction
from django.db.models import Case, Count, F, FloatField, Func, Max, Q, Value, When
from django.db.models.functions import Greatest
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import bulk_create_with_history

from providers.changes import change
from providers.derived import refresh_derived
from providers.models import Evidence, Site
from providers.regulators.fda import apply_fda_plan, dashboard_evidence, plan_fda_import
from providers.regulatory import (
    Authority,
    IdentityScheme,
    Inspection,
    SiteIdentity,
    UnmatchedInspection,
)

PENDING = "fda_import"
PENDING_FOLDER = "fda-imports"
PREVIEW_ERRORS = 1000
REVIEW_PAGE = 20
CANDIDATES = 5
# Below this word similarity a site is not offered as a candidate.
MIN_SIMILARITY = 0.3


class FdaUploadForm(forms.Form):
    file = forms.FileField(
        help_text="The FDA Data Dashboard's inspection classification export (CSV or XLSX) "
        "or its API's JSON."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; files up to "
                f"{limit / 1_048_576:.1f} MB can be uploaded. Split it, or ask an "
                "administrator to run the import_fda_inspections command."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


def word_similarity(text: str, field: str) -> Func:
    """How much of ``field`` appears in ``text`` (pg_trgm's word_similarity)."""
    return Func(F(field), Value(text), function="word_similarity", output_field=FloatField())


def candidate_sites(legal_name: str, city: str, country: str) -> list[Site]:
    """Sites that may be the FDA's establishment: similar name, same country when known,
    the same city first. Suggestions only."""
    if not legal_name:
        return []
    found = Site.objects.select_related("provider").annotate(
        similarity=Greatest(
            word_similarity(legal_name.lower(), "provider__name"),
            word_similarity(legal_name.lower(), "name"),
        ),
        same_city=Case(When(city__iexact=city or "\x00", then=Value(1)), default=Value(0)),
    )
    if country:
        found = found.filter(country=country)
    return list(
        found.filter(similarity__gte=MIN_SIMILARITY)
        .exclude(identities__scheme=IdentityScheme.FEI)
        .order_by("-same_city", "-similarity", "provider__name")[:CANDIDATES]
    )


@admin.register(Inspection)
class InspectionAdmin(SimpleHistoryAdmin):
    list_display = [
        "end_date",
        "site",
        "provider",
        "authority",
        "outcome",
        "warning_letter",
        "product_type",
        "project_area",
        "fda_inspection_id",
    ]
    list_select_related = ["site__provider"]
    list_filter = ["authority", "outcome", "warning_letter", "citations_posted"]
    search_fields = ["site__name", "site__provider__name"]
    search_help_text = "Site or provider name, or an FDA inspection ID."
    date_hierarchy = "end_date"
    autocomplete_fields = ["site"]
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isascii() and term.isdigit() and len(term) <= 9:
            found |= queryset.filter(fda_inspection_id=int(term))
        return found, duplicates

    @admin.display(description="provider", ordering="site__provider__name")
    def provider(self, inspection):
        return inspection.site.provider

    # ------------------------------------------------------------------ extra views

    def get_urls(self):
        own = [
            path(
                "import-fda/",
                self.admin_site.admin_view(self.import_view),
                name="providers_inspection_import",
            ),
            path(
                "unmatched/",
                self.admin_site.admin_view(self.unmatched_view),
                name="providers_inspection_unmatched",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self._can_import(request),
            "unmatched_count": UnmatchedInspection.objects.values("fei").distinct().count(),
        }
        return super().changelist_view(request, extra_context)

    def _can_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _context(self, request, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "max_mb": settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576,
        }

    # ------------------------------------------------------------------ import

    def import_view(self, request):
        """Upload -> preview (counts, every problem with row and column) -> confirm."""
        if not self._can_import(request):
            raise PermissionDenied
        context = self._context(request, "Import FDA inspection classifications")
        form = FdaUploadForm()
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request, context)
        if request.method == "POST":
            form = FdaUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                plan = plan_fda_import(data, upload.name)
                context["plan"] = plan
                if plan.ok:
                    context["token"] = self._keep(request, upload.name, data)
        context["form"] = form
        self._add_problems(context)
        return TemplateResponse(request, "admin/providers/inspection/import.html", context)

    def _add_problems(self, context) -> None:
        plan = context.get("plan")
        if plan is not None:
            context["file_errors"] = plan.file_errors
            context["errors"] = plan.errors[:PREVIEW_ERRORS]
            context["more_errors"] = max(0, len(plan.errors) - PREVIEW_ERRORS)

    def _keep(self, request, filename: str, data: bytes) -> str:
        self._drop(request)
        token = secrets.token_urlsafe(16)
        stored = default_storage.save(f"{PENDING_FOLDER}/{token}", ContentFile(data))
        request.session[PENDING] = {"token": token, "path": stored, "filename": filename}
        return token

    def _drop(self, request) -> None:
        pending = request.session.pop(PENDING, None)
        if pending:
            default_storage.delete(pending["path"])

    def _confirm(self, request, context):
        pending = request.session.get(PENDING)
        if not pending or pending["token"] != request.POST.get("token"):
            self.message_user(
                request, "That import is no longer waiting; upload the file again.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:providers_inspection_import"))
        with default_storage.open(pending["path"], "rb") as stored:
            data = stored.read()
        plan = plan_fda_import(data, pending["filename"])  # the directory may have changed
        if plan.ok:
            try:
                counts = apply_fda_plan(plan, user=request.user)
            except DatabaseError as error:
                plan.file_errors.append(
                    f"The database refused the import; nothing was written: {error}"
                )
            else:
                self._drop(request)
                self.message_user(
                    request,
                    f"Imported {pending['filename']}: {counts['create']} inspection(s) created, "
                    f"{counts['update']} updated, {counts['unchanged']} unchanged, "
                    f"{counts['unmatched']} waiting for a site.",
                )
                return HttpResponseRedirect(reverse("admin:providers_inspection_changelist"))
        self._drop(request)
        context.update({"form": FdaUploadForm(), "plan": plan})
        self._add_problems(context)
        return TemplateResponse(request, "admin/providers/inspection/import.html", context)

    # ------------------------------------------------------------------ matching

    def unmatched_view(self, request):
        """FEI numbers on no site, with candidate sites; a curator confirms a match."""
        if not self._can_import(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._confirm_match(request)
        groups = (
            UnmatchedInspection.objects.values("fei")
            .annotate(
                legal_name=Max("legal_name"),
                city=Max("city"),
                state=Max("state"),
                country=Max("country"),
                country_name=Max("country_name"),
                inspections=Count("id"),
                latest=Max("end_date"),
                oai=Count("id", filter=Q(outcome="oai")),
            )
            .order_by("legal_name", "fei")
        )
        page = Paginator(groups, REVIEW_PAGE).get_page(request.GET.get("page"))
        for group in page:
            group["candidates"] = candidate_sites(
                group["legal_name"], group["city"], group["country"]
            )
        context = self._context(request, "FDA inspections waiting for a site")
        context["page"] = page
        return TemplateResponse(request, "admin/providers/inspection/unmatched.html", context)

    def _confirm_match(self, request):
        back = reverse("admin:providers_inspection_unmatched")
        fei = (request.POST.get("fei") or "").strip()
        # A chosen candidate, or the ID typed below the candidates.
        chosen = [value.strip() for value in request.POST.getlist("site") if value.strip()]
        site_text = chosen[0] if len(chosen) == 1 else ""
        waiting = list(UnmatchedInspection.objects.filter(fei=fei))
        site = Site.objects.filter(pk=int(site_text)).first() if site_text.isdigit() else None
        if not waiting or site is None:
            self.message_user(
                request,
                "Choose one site (a candidate or a site ID) for an FEI number still waiting.",
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        clash = (
            Inspection.objects.filter(
                site=site,
                authority=Authority.FDA,
                fda_inspection_id__isnull=True,
                end_date__in=[row.end_date for row in waiting if row.fda_inspection_id is None],
            )
            .order_by("end_date")
            .first()
        )
        if clash is not None:
            self.message_user(
                request,
                f"{site} already has an FDA inspection ending {clash.end_date:%Y-%m-%d} "
                "without an inspection ID, as a waiting row of this FEI does: check whether "
                "they are the same inspection, and edit or delete the site's one first.",
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        reason = f"FDA inspections attached with FEI {fei}"
        try:
            with transaction.atomic(), change() as change_id:
                identity = SiteIdentity(site=site, scheme=IdentityScheme.FEI, value=fei)
                identity.full_clean()
                identity._change_reason = "FEI matched to the site by a curator"
                identity.save()
                attached = bulk_create_with_history(
                    [
                        Inspection(
                            site=site,
                            authority=Authority.FDA,
                            fda_inspection_id=row.fda_inspection_id,
                            end_date=row.end_date,
                            fiscal_year=row.fiscal_year,
                            outcome=row.outcome,
                            product_type=row.product_type,
                            project_area=row.project_area,
                            citations_posted=row.citations_posted,
                        )
                        for row in waiting
                    ],
                    Inspection,
                    default_user=request.user,
                    default_change_reason=reason,
                    custom_historical_attrs={"change_id": change_id},
                )
                # Each with the dashboard as its evidence, as the import gives new ones.
                now = timezone.now()
                bulk_create_with_history(
                    [
                        Evidence(
                            **dashboard_evidence(
                                {
                                    "id": inspection.pk,
                                    "fda_inspection_id": inspection.fda_inspection_id,
                                    "end_date": inspection.end_date,
                                },
                                fei,
                                site.provider_id,
                                request.user.pk,
                                now,
                            )
                        )
                        for inspection in attached
                    ],
                    Evidence,
                    default_user=request.user,
                    default_change_reason=reason,
                    custom_historical_attrs={"change_id": change_id},
                )
                UnmatchedInspection.objects.filter(pk__in=[row.pk for row in waiting]).delete()
                refresh_derived([site.provider_id])
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(
            request,
            f"FEI {fei} recorded on {site} ({site.provider}); "
            f"{len(waiting)} inspection(s) attached.",
        )
        return HttpResponseRedirect(back)
