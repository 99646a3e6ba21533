"""Regulator identities and inspections of sites: part of the domain, imported by
``providers.models`` so Django registers them with the app.

An identity is a typed identifier a regulator (or a registry) gives a site: the FDA's FEI
number, a DUNS number, an EU/EEA manufacturing or import authorisation, a EudraGMDP GMP
certificate, or another scheme named by the curator. Values are stored normalised
(``normalise_identifier``) so the same identifier typed two ways is one value, and the
database refuses a malformed or duplicate one whatever wrote it.

An inspection is one regulator's inspection of a site with its outcome. FDA inspections
come mostly from the FDA Data Dashboard import (``providers.regulators``); others are
entered by curators.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper
from simple_history.models import HistoricalRecords

from providers.changes import ChangeIdentified

NOT_BLANK = r"\S"
FEI_PATTERN = r"^[0-9]{7,10}$"
DUNS_PATTERN = r"^[0-9]{9}$"
# Free-text references: trimmed, single spaces, no control characters.
REFERENCE_PATTERN = r"^[^[:space:][:cntrl:]]( ?[^[:space:][:cntrl:]])*$"
REFERENCE_MAX = 100
DIGIT_SEPARATORS = re.compile(r"[\s\-.]")


class IdentityScheme(models.TextChoices):
    FEI = "fei", "FDA FEI number"
    DUNS = "duns", "DUNS number"
    EU_AUTHORISATION = "eu-authorisation", "EU/EEA manufacturing or import authorisation"
    EU_GMP_CERTIFICATE = "eu-gmp-certificate", "EudraGMDP GMP certificate"
    OTHER = "other", "Other scheme"


DIGIT_SCHEMES = {IdentityScheme.FEI: (7, 10), IdentityScheme.DUNS: (9, 9)}
SCHEMES = frozenset(IdentityScheme.values)  # looked up per row by the FDA import


def normalise_identifier(scheme: str, value: str) -> str:
    """The stored form of ``value``: digits only for FEI and DUNS (dashes, dots and spaces
    dropped), otherwise trimmed with single spaces."""
    text = " ".join(str(value or "").split())
    if scheme in DIGIT_SCHEMES:
        return DIGIT_SEPARATORS.sub("", text)
    return text


def identifier_problem(scheme: str, value: str) -> str | None:
    """Why the normalised ``value`` is not a valid identifier of ``scheme`` (None if it is)."""
    if scheme not in SCHEMES:
        return f"Unknown scheme '{scheme}'."
    if not value:
        return "The identifier is empty."
    if scheme in DIGIT_SCHEMES:
        low, high = DIGIT_SCHEMES[scheme]
        if not value.isascii() or not value.isdigit() or not low <= len(value) <= high:
            label = IdentityScheme(scheme).label
            size = f"{low}" if low == high else f"{low} to {high}"
            return f"{label}: write {size} digits (dashes and spaces are allowed), not '{value}'."
        return None
    if len(value) > REFERENCE_MAX:
        return f"The reference is at most {REFERENCE_MAX} characters."
    if any(not char.isprintable() for char in value):
        return "The reference holds a control character."
    return None


class SiteIdentity(models.Model):
    """One identifier of a site in one scheme; unique per scheme across the directory."""

    Scheme = IdentityScheme

    site = models.ForeignKey("providers.Site", on_delete=models.CASCADE, related_name="identities")
    scheme = models.CharField(max_length=20, choices=IdentityScheme.choices)
    scheme_name = models.CharField(
        max_length=80, blank=True, help_text="For another scheme: its name (e.g. PMDA FMA)."
    )
    value = models.CharField(
        "identifier",
        max_length=REFERENCE_MAX,
        help_text="FEI: 7 to 10 digits; DUNS: 9 digits (dashes allowed); others as issued.",
    )
    history = HistoricalRecords(bases=[ChangeIdentified])

    class Meta:
        ordering = ["scheme", "value"]
        verbose_name = "regulator identity"
        verbose_name_plural = "regulator identities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheme__in=IdentityScheme.values),
                name="site_identity_scheme_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(scheme=IdentityScheme.FEI) | models.Q(value__regex=FEI_PATTERN),
                name="site_identity_fei_digits",
            ),
            models.CheckConstraint(
                condition=~models.Q(scheme=IdentityScheme.DUNS)
                | models.Q(value__regex=DUNS_PATTERN),
                name="site_identity_duns_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(value__regex=REFERENCE_PATTERN),
                name="site_identity_value_trimmed",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scheme=IdentityScheme.OTHER, scheme_name__regex=NOT_BLANK)
                    | (~models.Q(scheme=IdentityScheme.OTHER) & models.Q(scheme_name=""))
                ),
                name="site_identity_other_named",
            ),
            models.UniqueConstraint(
                "scheme",
                Lower("scheme_name"),
                Upper("value"),
                name="site_identity_unique",
                violation_error_message="This identifier is already recorded for a site.",
            ),
        ]
        indexes = [models.Index(fields=["value"], name="site_identity_value")]

    def __str__(self) -> str:
        label = self.scheme_name if self.scheme == IdentityScheme.OTHER else self.scheme.upper()
        return f"{label} {self.value}"

    def clean(self) -> None:
        self.value = normalise_identifier(self.scheme, self.value)
        self.scheme_name = " ".join((self.scheme_name or "").split())
        if self.scheme == IdentityScheme.OTHER and not self.scheme_name:
            raise ValidationError({"scheme_name": "Name the scheme of this identifier."})
        if self.scheme and self.scheme != IdentityScheme.OTHER and self.scheme_name:
            raise ValidationError({"scheme_name": "Only another scheme takes a name."})
        problem = identifier_problem(self.scheme, self.value) if self.scheme else None
        if problem:
            raise ValidationError({"value": problem})


class Authority(models.TextChoices):
    FDA = "fda", "US FDA"
    EU = "eu", "EMA / EU or EEA national authority"
    MHRA = "mhra", "UK MHRA"
    PMDA = "pmda", "Japan PMDA"
    OTHER = "other", "Other authority"


class Outcome(models.TextChoices):
    NAI = "nai", "No action indicated (NAI)"
    VAI = "vai", "Voluntary action indicated (VAI)"
    OAI = "oai", "Official action indicated (OAI)"
    CERTIFICATE = "gmp-certificate", "GMP certificate issued"
    NON_COMPLIANCE = "non-compliance", "Statement of non-compliance"
    OTHER = "other", "Other outcome"


FDA_OUTCOMES = (Outcome.NAI, Outcome.VAI, Outcome.OAI)
# Buyers' filters: an acceptable FDA inspection (NAI or VAI) this recent, and no adverse
# outcome (OAI, a warning letter, a statement of non-compliance) this recent.
ACCEPTABLE_WITHIN_YEARS = 3
ADVERSE_WITHIN_YEARS = 5


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (28 February for a 29th with no match)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class Inspection(models.Model):
    """One inspection of a site by a regulator, with its outcome."""

    Authority = Authority
    Outcome = Outcome

    site = models.ForeignKey("providers.Site", on_delete=models.CASCADE, related_name="inspections")
    authority = models.CharField(max_length=10, choices=Authority.choices)
    authority_name = models.CharField(
        max_length=100, blank=True, help_text="Which authority, e.g. ANSM, or the other's name."
    )
    end_date = models.DateField("inspection end date")
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    outcome_text = models.CharField(
        max_length=200, blank=True, help_text="The outcome in words, for another outcome."
    )
    product_type = models.CharField(
        max_length=300, blank=True, help_text="E.g. Drugs, Biologics, Veterinary."
    )
    project_area = models.CharField(
        "program or project area",
        max_length=300,
        blank=True,
        help_text="E.g. Drug Quality Assurance, or the scope of an EU inspection.",
    )
    citations_posted = models.BooleanField(default=False, db_default=False)
    warning_letter = models.BooleanField(
        default=False, db_default=False, help_text="A warning letter followed this inspection."
    )
    source_url = models.URLField(
        "record", max_length=500, blank=True, help_text="Form 483, warning letter or register."
    )
    fda_inspection_id = models.PositiveIntegerField(
        "FDA inspection ID", null=True, blank=True, unique=True
    )
    history = HistoricalRecords(bases=[ChangeIdentified])

    class Meta:
        ordering = ["-end_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(authority__in=Authority.values),
                name="inspection_authority_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=Outcome.values), name="inspection_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome__in=[o.value for o in FDA_OUTCOMES])
                | models.Q(authority=Authority.FDA),
                name="inspection_fda_outcome_by_fda",
            ),
            models.CheckConstraint(
                condition=models.Q(fda_inspection_id__isnull=True)
                | models.Q(authority=Authority.FDA),
                name="inspection_fda_id_by_fda",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome=Outcome.OTHER)
                | models.Q(outcome_text__regex=NOT_BLANK),
                name="inspection_other_outcome_described",
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year__isnull=True)
                | models.Q(fiscal_year__gte=1900, fiscal_year__lte=2200),
                name="inspection_fiscal_year_plausible",
            ),
            # Without an FDA inspection ID, an inspection is named by its site, authority
            # and end date (evidence in the interchange format names it so): one each.
            models.UniqueConstraint(
                fields=["site", "authority", "end_date"],
                condition=models.Q(fda_inspection_id__isnull=True),
                name="inspection_unique_without_fda_id",
                violation_error_message=(
                    "This site already has an inspection by this authority ending that day."
                ),
            ),
        ]
        indexes = [models.Index(fields=["site", "-end_date"], name="inspection_site_date")]

    def __str__(self) -> str:
        return f"{self.get_authority_display()} {self.end_date:%Y-%m-%d}: {self.outcome_label}"

    @property
    def outcome_label(self) -> str:
        return self.outcome_text if self.outcome == Outcome.OTHER else self.get_outcome_display()

    def clean(self) -> None:
        errors = {}
        if self.outcome in FDA_OUTCOMES and self.authority != Authority.FDA:
            errors["outcome"] = "NAI, VAI and OAI are FDA classifications; choose FDA."
        if self.fda_inspection_id is not None and self.authority != Authority.FDA:
            errors["fda_inspection_id"] = "Only an FDA inspection has an FDA inspection ID."
        if self.outcome == Outcome.OTHER and not (self.outcome_text or "").strip():
            errors["outcome_text"] = "Describe the outcome."
        if self.fiscal_year is not None and not 1900 <= self.fiscal_year <= 2200:
            errors["fiscal_year"] = "Give a fiscal year such as 2024."
        if errors:
            raise ValidationError(errors)


# ------------------------------------------------------------------ shown to buyers


def site_identities(rows: list) -> list[dict]:
    """Identities as loaded for the provider page ([scheme, scheme name, value, evidence]
    each; the evidence as loaded, for the caller to show)."""
    labels = dict(IdentityScheme.choices)
    return [
        {"label": scheme_name or labels.get(scheme, scheme), "value": value, "evidence": evidence}
        for scheme, scheme_name, value, evidence in rows
    ]


def site_inspections(rows: list) -> list[dict]:
    """Inspections as loaded for the provider page, newest first (see
    ``providers.directory.loading.ProviderPage.sites`` for the order of the values)."""
    authorities, outcomes = dict(Authority.choices), dict(Outcome.choices)
    shown = []
    for row in rows:
        authority, authority_name, end_date, outcome, outcome_text = row[:5]
        product_type, project_area, citations, warning_letter, source_url, fda_id = row[5:11]
        evidence = row[11]
        shown.append(
            {
                "authority": authorities.get(authority, authority),
                "authority_name": authority_name,
                "end_date": datetime.date.fromisoformat(end_date),
                "outcome": outcome_text if outcome == Outcome.OTHER else outcomes.get(outcome),
                "adverse": outcome in (Outcome.OAI, Outcome.NON_COMPLIANCE) or warning_letter,
                "scope": " · ".join(part for part in (product_type, project_area) if part),
                "citations_posted": citations,
                "warning_letter": warning_letter,
                "source_url": source_url,
                "fda_inspection_id": fda_id,
                "evidence": evidence,
            }
        )
    return shown


# ------------------------------------------------------------------ waiting for a site


class UnmatchedInspection(models.Model):
    """An FDA inspection from an import whose FEI number is on no site yet.

    It waits here, as the FDA published it, until a curator confirms which site the FEI
    belongs to (``providers.regulators``); then it becomes an ``Inspection`` of that site.
    Never attached by a name match alone.
    """

    fei = models.CharField("FEI number", max_length=10, db_index=True)
    legal_name = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    country_name = models.CharField("country or area", max_length=100, blank=True)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO code, when the country name is known."
    )
    fda_inspection_id = models.PositiveIntegerField(
        "FDA inspection ID", null=True, blank=True, unique=True
    )
    end_date = models.DateField("inspection end date")
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    product_type = models.CharField(max_length=300, blank=True)
    project_area = models.CharField(max_length=300, blank=True)
    citations_posted = models.BooleanField(default=False)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name", "fei", "-end_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fei__regex=FEI_PATTERN), name="unmatched_inspection_fei"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=[o.value for o in FDA_OUTCOMES]),
                name="unmatched_inspection_fda_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"FEI {self.fei} {self.legal_name} {self.end_date:%Y-%m-%d}"
