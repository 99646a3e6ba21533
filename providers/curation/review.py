"""The curator's review queue and the "checked now" action.

Records are listed by risk, most at risk first. Each term of ``RISK_TERMS`` is a name, an
expression annotated on the queryset (or a function of today's date giving one) and the
direction it sorts in; the order is the terms' order. First come records with a recent
adverse regulator outcome (an OAI classification, a warning letter or a statement of
non-compliance at one of their sites within ``ADVERSE_WITHIN_YEARS``, from the derived
``adverse_on``), then records nobody checked, the oldest check, the most claims without
evidence.

A record is marked checked only against evidence: the action refuses, and names the
records, when any selected record has no evidence item on any claim; otherwise it records
who, when and every evidence item of the record as what the check was made against.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Value, When
from django.utils import timezone

from providers.derived import deferred_refresh
from providers.evidence import Evidence, VerificationState
from providers.models import Provider, ReviewItem
from providers.regulatory import ADVERSE_WITHIN_YEARS, years_before


@dataclass(frozen=True)
class RiskTerm:
    name: str
    expression: object
    descending: bool = False


def _recent_adverse(today):
    return Case(
        When(adverse_on__gte=years_before(today, ADVERSE_WITHIN_YEARS), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


RISK_TERMS: list[RiskTerm] = [
    # A recent OAI, warning letter or statement of non-compliance first ...
    RiskTerm("recent_adverse", _recent_adverse, descending=True),
    # ... then never checked by a person (compiled) before checked ones ...
    RiskTerm(
        "never_checked",
        Case(
            When(state=VerificationState.COMPILED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        descending=True,
    ),
    # ... then the oldest check first ...
    RiskTerm("checked_since", F("state_on")),
    # ... then the most claims without evidence.
    RiskTerm("unbacked_claims", F("claim_count") - F("backed_claim_count"), descending=True),
]


def add_risk_term(term: RiskTerm, *, first: bool = False) -> None:
    RISK_TERMS.insert(0, term) if first else RISK_TERMS.append(term)


def with_risk(queryset):
    today = timezone.localdate()
    return queryset.annotate(
        **{
            term.name: term.expression(today) if callable(term.expression) else term.expression
            for term in RISK_TERMS
        }
    )


def risk_order() -> list:
    """The order of a queryset annotated by ``with_risk``: most at risk first."""
    order = [
        F(term.name).desc(nulls_last=True)
        if term.descending
        else F(term.name).asc(nulls_first=True)
        for term in RISK_TERMS
    ]
    return [*order, "name"]


def risk_ordered(queryset):
    return with_risk(queryset).order_by(*risk_order(), "pk")


def check_now(model_admin: admin.ModelAdmin, request, queryset) -> None:
    """Mark the selected records checked today by this curator, against their evidence."""
    selected = Provider.objects.filter(pk__in=queryset.values("pk"))
    lacking = list(
        selected.filter(~Exists(Evidence.objects.filter(owner=OuterRef("pk"))))
        .order_by("name")
        .values_list("name", flat=True)
    )
    if lacking:
        shown = ", ".join(lacking[:10]) + (
            f" and {len(lacking) - 10} more" if len(lacking) > 10 else ""
        )
        model_admin.message_user(
            request,
            f"Nothing was marked checked: {len(lacking)} selected record(s) have no evidence "
            f"({shown}). Add at least one evidence item (a source with its date) to each "
            "record, on its profile or on one of its claims, then check it.",
            messages.ERROR,
        )
        return
    today = timezone.localdate()
    count = 0
    with transaction.atomic(), deferred_refresh():
        for provider in selected.select_for_update():
            provider.state = VerificationState.CHECKED
            provider.state_on = today
            provider.checked_by = request.user
            provider._change_reason = "Checked against its evidence"
            provider.save(update_fields=["state", "state_on", "checked_by", "updated_at"])
            provider.checked_against.set(Evidence.objects.of_provider(provider.pk))
            count += 1
    model_admin.message_user(
        request, f"Checked {count} record(s) on {today:%Y-%m-%d} by you, against their evidence."
    )


@admin.register(ReviewItem)
class ReviewQueueAdmin(admin.ModelAdmin):
    """Records by risk; open one to edit it in the workbench, or check several at once."""

    list_display = [
        "record",
        "state",
        "state_on",
        "checked_by",
        "evidence_backing",
        "adverse",
        "status",
    ]
    list_display_links = None
    list_select_related = ["checked_by"]
    list_per_page = 50
    search_fields = ["name", "slug"]
    actions = ["checked_now"]

    def get_queryset(self, request):
        return with_risk(super().get_queryset(request).defer("search_document"))

    def get_ordering(self, request):
        return risk_order()

    @admin.display(description="record")
    def record(self, item):
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse("admin:providers_provider_change", args=[item.pk])
        return format_html('<a href="{}">{}</a>', url, item.name)

    @admin.display(description="claims with evidence")
    def evidence_backing(self, item):
        return f"{item.backed_claim_count} of {item.claim_count}"

    @admin.display(description="regulator")
    def adverse(self, item):
        if item.recent_adverse:
            return f"Recent OAI, warning letter or non-compliance ({item.adverse_on:%Y-%m-%d})"
        return "-"

    @admin.action(
        description="Checked now (against each record's evidence)", permissions=["change"]
    )
    def checked_now(self, request, queryset):
        check_now(self, request, queryset)

    # The queue shows providers: the providers' permissions apply.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("providers.view_provider") or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("providers.change_provider")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
