"""API keys: issued by administrators, stored hashed, revocable, with their last use."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "pdk_"
# The first characters of a key (its prefix and 8 random ones) are kept in clear to find it
# and to tell keys apart in the admin; the whole key is kept only as its SHA-256.
LOOKUP_LENGTH = len(KEY_PREFIX) + 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def matching(self, key: str) -> "ApiKey | None":
        """The key ``key`` stands for (revoked or not), or None; hashes compared in constant
        time."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        wanted = hash_key(key)
        for candidate in self.filter(lookup=key[:LOOKUP_LENGTH]):
            if hmac.compare_digest(candidate.key_hash, wanted):
                return candidate
        return None


class ApiKey(models.Model):
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. “QMS sync”.")
    owner = models.CharField(
        max_length=200, help_text="Who holds the key: organisation and a contact address."
    )
    lookup = models.CharField(max_length=LOOKUP_LENGTH, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        default=0,
        blank=True,
        help_text="Requests per minute; 0 means the default (API_KEY_RATE_PER_MINUTE).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="api_key_hash_hex"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.lookup}…)"

    def issue(self) -> str:
        """Give this (unsaved) key a new secret; returns it: the only time it is seen."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        self.lookup = key[:LOOKUP_LENGTH]
        self.key_hash = hash_key(key)
        return key

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def rate(self) -> int:
        return self.rate_per_minute or settings.API_KEY_RATE_PER_MINUTE

    def record_use(self) -> None:
        """Note that the key was used, at most once a minute (not a write per request)."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() >= 60:
            ApiKey.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            ApiKey.objects.filter(pk=self.pk).update(revoked_at=self.revoked_at)
