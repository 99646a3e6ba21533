"""Who speaks for a provider.

A user becomes a provider's representative when a curator approves their claim; the
membership is what every rule about a provider's requests and corrections checks.
"""

from django.conf import settings
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
