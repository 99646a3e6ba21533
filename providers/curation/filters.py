"""List filters for the provider changelist.

They filter on the derived array columns (GIN-indexed), so each is one indexed
condition, and Django's facet counts (one aggregate per filter) stay cheap.
"""

import datetime

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django_countries import countries

from lifecycle.coverage import stage_positions
from lifecycle.models import Phase, Stage
from providers.evidence import VerificationState
from providers.models import Provider, ProviderType


class TypeFilter(admin.SimpleListFilter):
    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(str(row.pk), row.code) for row in ProviderType.objects.all()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(type_ids__contains=[int(self.value())])
        return queryset


class StageFilter(admin.SimpleListFilter):
    """Serves a stage: at least one service in one of the stage's phases."""

    title = "stage served"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return list(Stage.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        stage = Stage.objects.filter(slug=self.value() or "").first()
        if stage is None:
            return queryset
        positions = stage_positions(Phase.objects.all()).get(stage.pk, [])
        return queryset.filter(phase_positions__overlap=positions)


class StalenessFilter(admin.SimpleListFilter):
    """How long ago a person last checked (or the provider confirmed) the record; compiled
    records were never checked, whatever their date."""

    title = "last checked"
    parameter_name = "checked"

    def lookups(self, request, model_admin):
        return [
            ("6m", "Within 6 months"),
            ("1y", "6 to 12 months ago"),
            ("older", "Over a year ago"),
            ("never", "Never (compiled)"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        half_year = today - datetime.timedelta(days=182)
        year = today - datetime.timedelta(days=365)
        checked = ~Q(state=VerificationState.COMPILED)
        conditions = {
            "6m": Q(state_on__gte=half_year),
            "1y": Q(state_on__lt=half_year, state_on__gte=year),
            "older": Q(state_on__lt=year),
        }
        if self.value() == "never":
            return queryset.filter(state=VerificationState.COMPILED)
        if self.value() in conditions:
            return queryset.filter(checked, conditions[self.value()])
        return queryset


class HeadquartersFilter(admin.SimpleListFilter):
    """Only the countries where some provider has its headquarters."""

    title = "headquarters country"
    parameter_name = "hq"

    def lookups(self, request, model_admin):
        codes = Provider.objects.order_by().values_list("hq_country", flat=True).distinct()
        return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(hq_country=self.value().upper())
        return queryset
