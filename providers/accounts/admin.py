"""Curators' side of accounts: claims to profiles (decided on the evidence shown), the
review queue of corrections (old and new value per field), memberships, confirmations."""

from django.contrib import admin, messages
from django.db.models import Case, Value, When
from django.utils.html import format_html, format_html_join

from providers.accounts import claims, corrections
from providers.accounts.models import (
    Correction,
    Decision,
    ProfileClaim,
    ProviderConfirmation,
    ProviderMembership,
)


def pending_first():
    """Pending items first: the queue a curator works through."""
    return Case(When(status=Decision.PENDING, then=Value(0)), default=Value(1)).asc()


class ReadOnlyMixin:
    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ProfileClaim)
class ProfileClaimAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["provider", "user", "role", "email_domain", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["provider", "user"]
    search_fields = ["provider__name", "user__email", "role"]
    fields = [
        "provider",
        "user",
        "role",
        "message",
        "email_domain",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["approve", "reject"]

    def get_ordering(self, request):
        return [pending_first(), "-created_at"]

    @admin.display(description="email domain matches the website")
    def email_domain(self, claim: ProfileClaim) -> str:
        matches, explanation = claims.domain_evidence(claim)
        return format_html(
            '<strong class="{}">{}</strong> {}',
            "yes" if matches else "no",
            "Yes." if matches else "No.",
            explanation,
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _decide(self, request, queryset, approve: bool) -> None:
        done = 0
        for claim in queryset.select_related("provider", "user"):
            try:
                claims.decide(claim, request.user, approve, request.build_absolute_uri("/")[:-1])
            except claims.ClaimError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        verb = "Approved" if approve else "Rejected"
        self.message_user(request, f"{verb} {done} claim(s).")

    @admin.action(description="Approve: the user represents the provider", permissions=["change"])
    def approve(self, request, queryset) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Reject the selected claims", permissions=["change"])
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, False)


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The review queue of corrections: pending first, oldest first."""

    list_display = ["provider", "proposed_by", "fields_changed", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["provider", "proposed_by"]
    search_fields = ["provider__name", "proposed_by__email"]
    fields = [
        "provider",
        "proposed_by",
        "differences",
        "services_note",
        "sites_note",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["accept", "reject"]

    def get_ordering(self, request):
        return [pending_first(), "created_at"]

    @admin.display(description="fields")
    def fields_changed(self, correction: Correction) -> str:
        labels = [corrections.FIELDS.get(name, name) for name in correction.changes]
        if correction.services_note:
            labels.append("services (note)")
        if correction.sites_note:
            labels.append("sites (note)")
        return ", ".join(labels)

    @admin.display(description="differences (old and new per field)")
    def differences(self, correction: Correction) -> str:
        rows = corrections.rows(correction)
        if not rows:
            return "No field changed; see the notes."
        clashing = set(corrections.conflicts(correction))
        body = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td class="diff-old">{}</td><td class="diff-new">{}</td>'
            "<td>{}</td></tr>",
            (
                (
                    label,
                    old or "(empty)",
                    new or "(empty)",
                    "changed since: " + (now or "(empty)")
                    if label in clashing
                    else "as when proposed",
                )
                for label, old, new, now in rows
            ),
        )
        return format_html(
            '<table class="correction-diff"><thead><tr><th scope="col">Field</th>'
            '<th scope="col">Old</th><th scope="col">New</th><th scope="col">Record now</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            body,
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _decide(self, request, queryset, accept: bool) -> None:
        done = 0
        for correction in queryset:
            try:
                corrections.decide(correction, request.user, accept)
            except corrections.CorrectionError as error:
                self.message_user(request, f"{correction.provider}: {error}", messages.ERROR)
            else:
                done += 1
        verb = "Accepted and published" if accept else "Rejected"
        self.message_user(request, f"{verb} {done} correction(s).")

    @admin.action(description="Accept: apply to the record", permissions=["change"])
    def accept(self, request, queryset) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Reject the selected corrections", permissions=["change"])
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, False)


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["provider", "user", "approved_by", "approved_at"]
    list_select_related = ["provider", "user", "approved_by"]
    search_fields = ["provider__name", "user__email"]
    readonly_fields = ["provider", "user", "approved_by", "approved_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProviderConfirmation)
class ProviderConfirmationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["provider", "user", "confirmed_at"]
    list_select_related = ["provider", "user"]
    search_fields = ["provider__name", "user__email"]
    readonly_fields = ["provider", "user", "confirmed_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
