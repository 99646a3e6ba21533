"""Evidence on claims, and the verification state of a record.

An evidence item is a source a buyer can follow (a URL, its kind, its title, the day it
was seen, an optional short quote) attached to exactly one claim: the provider's profile,
one of its services, one of its sites, one certification a site holds, one regulator
identity of a site (an FEI or DUNS number, an authorisation, a GMP certificate) or one
inspection of a site.

The claim is named by one nullable foreign key per kind of claim, with a database check
that exactly one of them is set. Real foreign keys (rather than a generic relation) let
the database keep the pairing honest: a claim that is deleted takes its evidence with it
(``CASCADE``), an item cannot point at a row that does not exist, and the loaders join on
indexed columns. ``owner`` repeats the provider whose claim it is (set on save from the
claim) so that everything backing one record is one indexed lookup: the workbench edits
it inline, the provider page and the derived counts read it. Each kind of claim is one
nullable foreign key and its name in ``EVIDENCE_TARGETS``; the check is built from that
tuple.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models.functions import Now
from simple_history.models import HistoricalRecords

from providers.changes import ChangeIdentified

# The claims an item can back: one nullable foreign key each, exactly one set.
EVIDENCE_TARGETS = (
    "provider",
    "service",
    "site",
    "site_certification",
    "site_identity",
    "inspection",
)
MAX_QUOTE = 500
MAX_EVIDENCE_URL = 500


class EvidenceKind(models.TextChoices):
    PROVIDER_PAGE = "provider-page", "Provider's own page"
    REGULATOR = "regulator", "Regulator register or inspection record"
    NEWS = "news", "News or press release"
    ANNUAL_REPORT = "annual-report", "Annual report"
    CURATOR = "curator", "Curator's audit or call"
    DECLARATION = "declaration", "Provider's own declaration"


class VerificationState(models.TextChoices):
    """How much a person stands behind a record (never "verified" for compiled data)."""

    COMPILED = "compiled", "Compiled from public sources"
    CHECKED = "checked", "Checked by a curator"
    CONFIRMED = "confirmed", "Confirmed by the provider"


def exactly_one_target(targets: tuple[str, ...] = EVIDENCE_TARGETS) -> models.Q:
    """True when exactly one of the target foreign keys is set."""
    condition = models.Q()
    for chosen in targets:
        term = models.Q(**{f"{chosen}__isnull": False})
        for other in targets:
            if other != chosen:
                term &= models.Q(**{f"{other}__isnull": True})
        condition |= term
    return condition


class EvidenceQuerySet(models.QuerySet):
    def of_provider(self, provider_id: int):
        """Every item backing any claim of one provider."""
        return self.filter(owner_id=provider_id)


class Evidence(models.Model):
    """A source backing one claim (see the module docstring for the choice of foreign keys)."""

    Kind = EvidenceKind

    owner = models.ForeignKey(
        "providers.Provider",
        on_delete=models.CASCADE,
        related_name="all_evidence",
        editable=False,
        help_text="The provider whose claim this backs (set from the claim on save).",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        help_text="Backs the provider's profile (name, types, summary).",
    )
    service = models.ForeignKey(
        "providers.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    site = models.ForeignKey(
        "providers.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    site_certification = models.ForeignKey(
        "providers.SiteCertificationLink",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    site_identity = models.ForeignKey(
        "providers.SiteIdentity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="regulator identity",
    )
    inspection = models.ForeignKey(
        "providers.Inspection",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    url = models.URLField(
        "source URL",
        max_length=MAX_EVIDENCE_URL,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    seen_on = models.DateField("source seen on")
    quote = models.CharField(
        max_length=MAX_QUOTE, blank=True, help_text="A short passage of the source, word for word."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True, db_default=Now())

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords(bases=[ChangeIdentified])

    class Meta:
        ordering = ["-seen_on", "id"]
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["owner", "seen_on"], name="evidence_owner")]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_target(), name="evidence_exactly_one_claim"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(url__regex=r"^https?://[^\s]+$"), name="evidence_url_http"
            ),
            models.CheckConstraint(
                condition=models.Q(title__regex=r"\S"), name="evidence_title_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()}, seen {self.seen_on})"

    def save(self, *args, **kwargs):
        owner = self.owner_provider_id()
        if owner is not None:
            self.owner_id = owner
        super().save(*args, **kwargs)

    @property
    def target_name(self) -> str:
        for name in EVIDENCE_TARGETS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return ""

    def owner_provider_id(self) -> int | None:
        """The provider whose claim this item backs."""
        if self.provider_id:
            return self.provider_id
        if self.service_id:
            return self.service.provider_id
        if self.site_id:
            return self.site.provider_id
        if self.site_certification_id:
            return self.site_certification.site.provider_id
        if self.site_identity_id:
            return self.site_identity.site.provider_id
        if self.inspection_id:
            return self.inspection.site.provider_id
        return None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        chosen = [name for name in EVIDENCE_TARGETS if getattr(self, f"{name}_id") is not None]
        if not chosen and self.owner_id is None:
            return  # the profile of a record saved in the same form: set on save
        if len(chosen) != 1:
            raise ValidationError(
                "An evidence item backs exactly one claim: the profile, a service, a site, "
                "a site's certification, a regulator identity or an inspection."
            )


# --------------------------------------------------------------------------- state and age

WARN_AFTER_MONTHS = 12
WARN_STRONGLY_AFTER_MONTHS = 24


def months_between(earlier, later) -> int:
    """Whole months from ``earlier`` to ``later`` (dates)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def age_text(since, today) -> str:
    """How long ago, as a buyer reads it: "today", "3 days ago", "14 months ago"."""
    if since is None:
        return "date not recorded"
    days = (today - since).days
    if days <= 0:
        return "today"
    months = months_between(since, today)
    if months < 1:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if months < WARN_STRONGLY_AFTER_MONTHS:
        return f"{months} month{'s' if months != 1 else ''} ago"
    years = months // 12
    return f"{years} years ago"


STATE_WORDS = {
    VerificationState.COMPILED: "Compiled",
    VerificationState.CHECKED: "Checked",
    VerificationState.CONFIRMED: "Confirmed by the provider",
}


def state_summary(state: str, since, today) -> tuple[str, str]:
    """("Checked 14 months ago", warning) for a record; the warning is visible text, empty
    while the record is under a year old. Compiled data is never called verified."""
    word = STATE_WORDS.get(state, "Compiled")
    text = f"{word} {age_text(since, today)}" if since else f"{word}, {age_text(since, today)}"
    warning = ""
    if since is not None:
        months = months_between(since, today)
        if months >= WARN_STRONGLY_AFTER_MONTHS:
            warning = "Over two years old: check before relying on it"
        elif months >= WARN_AFTER_MONTHS:
            warning = "Over a year old"
    return text, warning


def state_line(state: str, since, today) -> str:
    """The state, age and any warning as one line of plain text (exports, compare)."""
    text, warning = state_summary(state, since, today)
    return f"{text} ({warning})" if warning else text
