"""Who speaks for a provider.

A user becomes a provider's representative when a curator approves their claim; the
membership is what every rule about a provider's requests and corrections checks.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class ProviderMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="memberships"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The curator who approved the claim.",
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"], name="membership_once_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.provider}"


class ShortlistEntry(models.Model):
    """A provider on a signed-in buyer's shortlist (kept across devices)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlist_entries"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="shortlist_entries"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    # What the last alert (or the adding) saw of the record: {"published", "sites", "inspections"}.
    seen = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "shortlist entries"
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="shortlist_once_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.provider} on {self.user}'s shortlist"


class SavedSearch(models.Model):
    """A directory query a buyer named, with an optional digest of new matches."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(
        max_length=2000, blank=True, help_text="The directory's query string, as validated."
    )
    alerts = models.BooleanField(
        default=True, db_default=True, help_text="Send a digest when new providers match."
    )
    # Providers already matched (or already announced): a digest names only the others.
    known_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_alert_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_search_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        url = reverse("providers:directory")
        return f"{url}?{self.query}" if self.query else url


class AlertSettings(models.Model):
    """A user's alert choices, and the token of their one-click unsubscribe link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_settings"
    )
    shortlist_changes = models.BooleanField(
        default=True,
        db_default=True,
        help_text="Mail me when a shortlisted provider's record changes.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alerts of {self.user}"


class Decision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ProfileClaim(models.Model):
    """A user's request to speak for a provider, decided by a curator on evidence."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_claims"
    )
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="claims"
    )
    role = models.CharField("role at the provider", max_length=200)
    message = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=10,
        choices=Decision.choices,
        default=Decision.PENDING,
        db_default=Decision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"],
                condition=models.Q(status="pending"),
                name="claim_one_pending_per_provider",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Decision.values), name="claim_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="claim_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} claims {self.provider}"


class Correction(models.Model):
    """Changes a representative proposes to their provider's record, applied only when a
    curator accepts them. ``changes`` maps a field to [value when proposed, proposed value]."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="corrections"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="corrections"
    )
    changes = models.JSONField(default=dict, blank=True)
    services_note = models.TextField("notes on services", blank=True, max_length=5000)
    sites_note = models.TextField("notes on sites", blank=True, max_length=5000)
    status = models.CharField(
        max_length=10,
        choices=Decision.choices,
        default=Decision.PENDING,
        db_default=Decision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Decision.values), name="correction_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="correction_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Correction to {self.provider} by {self.proposed_by}"


class ProviderConfirmation(models.Model):
    """A representative confirmed their provider's record as accurate (who and when)."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.CASCADE, related_name="confirmations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} confirmed by {self.user}"
