"""Contract service providers and what they do at which phase of the lifecycle.

Every ``derived`` column on Provider is written only by
``providers.derived.refresh_derived`` (called from ``providers.signals`` when a
curator changes a record, and once at the end of bulk loads). Nothing else
writes them, so the directory's filters and counts cannot disagree with the
services, sites and links they summarise.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import Regex
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from lifecycle.coverage import range_label
from lifecycle.models import Phase, Stage, Track
from providers.changes import ChangeIdentified
from providers.evidence import Evidence, VerificationState

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
NOT_BLANK = r"\S"
SYNONYMS_HELP = "Other words buyers use for it, separated by commas; search finds them."
# Provider's derived array columns (see providers.derived); never edited, never in history.
DERIVED_ARRAY_FIELDS = (
    "phase_positions",
    "type_ids",
    "capability_ids",
    "modality_ids",
    "industry_ids",
    "certification_ids",
    "countries",
    "backed_capability_ids",
)
# Provider's derived inspection columns (see providers.derived), also never in history.
DERIVED_INSPECTION_FIELDS = ("inspection_flags", "fda_acceptable_on", "adverse_on")
# Provider's derived counts of claims (see providers.derived).
DERIVED_COUNT_FIELDS = ("claim_count", "backed_claim_count")


class ReferenceQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class ProviderType(models.Model):
    """CRO, CDMO, CMO: a provider may be of several."""

    slug = models.SlugField(max_length=20, unique=True)
    code = models.CharField(max_length=10, unique=True, help_text="Abbreviation, e.g. CDMO.")
    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField()
    synonyms = models.TextField(blank=True, default="", db_default="", help_text=SYNONYMS_HELP)
    typical_stages = models.ManyToManyField(
        Stage, related_name="typical_types", help_text="Stages this type usually serves."
    )

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code


class DosageForm(models.Model):
    """A finished-product form (tablet, sterile injectable, ...): where a capability has
    them, each service of it says which it makes."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CapabilityCategory(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "capability categories"

    def __str__(self) -> str:
        return self.name


class Capability(models.Model):
    """One entry of the curated service catalogue, applicable over a range of phases of
    one industry's track (the database checks that both phases lie on that track)."""

    category = models.ForeignKey(
        CapabilityCategory, on_delete=models.PROTECT, related_name="capabilities"
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    synonyms = models.TextField(blank=True, default="", db_default="", help_text=SYNONYMS_HELP)
    track = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The industry track whose phases this capability is placed on.",
    )
    first_phase = models.ForeignKey(
        Phase,
        to_field="position",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Earliest phase where this capability applies.",
    )
    last_phase = models.ForeignKey(
        Phase,
        to_field="position",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Latest phase where this capability applies.",
    )
    dosage_forms = models.ManyToManyField(
        DosageForm,
        related_name="capabilities",
        blank=True,
        help_text="Dosage forms a service of this capability can name (none: not applicable).",
    )

    class Meta:
        ordering = ["category__position", "name"]
        verbose_name_plural = "capabilities"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="capability_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(first_phase__lte=models.F("last_phase")),
                name="capability_phase_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.track_id is None and self.first_phase_id is not None:
            # Unless said otherwise, a capability lies on the track of its first phase.
            self.track_id = (
                Phase.objects.filter(position=self.first_phase_id)
                .values_list("track_id", flat=True)
                .first()
            )
        super().save(*args, **kwargs)

    def allows(self, first_position: int, last_position: int) -> bool:
        return self.first_phase_id <= first_position <= last_position <= self.last_phase_id

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not (self.track_id and self.first_phase_id and self.last_phase_id):
            return
        errors = {}
        for name in ("first_phase", "last_phase"):
            phase = getattr(self, name)
            if phase.track_id != self.track_id:
                errors[name] = f"{phase.name} is on the {phase.track.name} track, not {self.track}."
        if errors:
            raise ValidationError(errors)
        if self.first_phase_id > self.last_phase_id:
            raise ValidationError({"last_phase": "The last phase cannot come before the first."})


class Modality(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)
    synonyms = models.TextField(blank=True, default="", db_default="", help_text=SYNONYMS_HELP)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "modalities"

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    track = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The lifecycle track this industry works in (blank: no single track).",
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class Certification(models.Model):
    """A certification, accreditation or inspection a site can hold."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", "Regulatory GMP inspection"
        COMPLIANCE = "compliance", "Good practice compliance"
        STANDARD = "standard", "Management-system standard"
        ACCREDITATION = "accreditation", "Accreditation"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["inspection", "compliance", "standard", "accreditation"]
                ),
                name="certification_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Explicit link tables: the catalogue side is PROTECTed, so a type, modality, industry
# or certification that is in use cannot be deleted (the database refuses too).


class ProviderTypeLink(models.Model):
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE)
    providertype = models.ForeignKey(ProviderType, on_delete=models.PROTECT)

    class Meta:
        db_table = "providers_provider_types"
        constraints = [
            models.UniqueConstraint(fields=["provider", "providertype"], name="provider_type_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} / {self.providertype_id}"


class ProviderModalityLink(models.Model):
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE)
    modality = models.ForeignKey(Modality, on_delete=models.PROTECT)

    class Meta:
        db_table = "providers_provider_modalities"
        constraints = [
            models.UniqueConstraint(fields=["provider", "modality"], name="provider_modality_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} / {self.modality_id}"


class ProviderIndustryLink(models.Model):
    provider = models.ForeignKey("providers.Provider", on_delete=models.CASCADE)
    industry = models.ForeignKey(Industry, on_delete=models.PROTECT)

    class Meta:
        db_table = "providers_provider_industries"
        constraints = [
            models.UniqueConstraint(fields=["provider", "industry"], name="provider_industry_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} / {self.industry_id}"


class SiteCertificationLink(models.Model):
    site = models.ForeignKey("providers.Site", on_delete=models.CASCADE)
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT)

    class Meta:
        db_table = "providers_site_certifications"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "certification"], name="site_certification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id} / {self.certification_id}"


class ServiceModalityLink(models.Model):
    """A modality a service applies to (a service with none of its own: see Service)."""

    service = models.ForeignKey("providers.Service", on_delete=models.CASCADE)
    modality = models.ForeignKey(Modality, on_delete=models.PROTECT)

    class Meta:
        db_table = "providers_service_modalities"
        constraints = [
            models.UniqueConstraint(fields=["service", "modality"], name="service_modality_once")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} / {self.modality_id}"


class ServiceDosageFormLink(models.Model):
    service = models.ForeignKey("providers.Service", on_delete=models.CASCADE)
    dosageform = models.ForeignKey(DosageForm, on_delete=models.PROTECT)

    class Meta:
        db_table = "providers_service_dosage_forms"
        constraints = [
            models.UniqueConstraint(
                fields=["service", "dosageform"], name="service_dosage_form_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} / {self.dosageform_id}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.service_id and self.dosageform_id:
            allowed = self.service.capability.dosage_forms.filter(pk=self.dosageform_id)
            if not allowed.exists():
                raise ValidationError(
                    f"{self.service.capability} does not list the dosage form {self.dosageform}."
                )


class ServiceSiteLink(models.Model):
    """A site where a service is done: always a site of the service's own provider."""

    service = models.ForeignKey("providers.Service", on_delete=models.CASCADE)
    site = models.ForeignKey("providers.Site", on_delete=models.CASCADE)

    class Meta:
        db_table = "providers_service_sites"
        constraints = [
            models.UniqueConstraint(fields=["service", "site"], name="service_site_once")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} / {self.site_id}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.service_id and self.site_id and self.site.provider_id != self.service.provider_id:
            raise ValidationError("A service can only be done at a site of its own provider.")


class ProviderStatus(models.TextChoices):
    """A record's place in the publishing workflow; only published records reach buyers.

    SQL written by hand passes these values as parameters (``PUBLISHED``), never as literals.
    """

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


PUBLISHED = ProviderStatus.PUBLISHED.value


class ProviderQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ProviderStatus.PUBLISHED)

    def with_parts(self):
        """Providers with their types, modalities, industries, services (with capability)
        and sites (with certifications) loaded: the one way pages and exports that show
        whole records through the ORM load them."""
        return self.prefetch_related(
            "types",
            "modalities",
            "industries",
            "services__capability",
            "services__first_phase",
            "services__last_phase",
            "sites__certifications",
        )


class Provider(models.Model):
    Status = ProviderStatus

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    types = models.ManyToManyField(ProviderType, related_name="providers", through=ProviderTypeLink)
    summary = models.TextField(blank=True, max_length=2000)
    website = models.URLField(max_length=300, blank=True)
    hq_country = CountryField("headquarters country")
    industries = models.ManyToManyField(
        Industry, related_name="providers", blank=True, through=ProviderIndustryLink
    )
    modalities = models.ManyToManyField(
        Modality, related_name="providers", blank=True, through=ProviderModalityLink
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_default=Status.DRAFT
    )
    state = models.CharField(
        "verification state",
        max_length=10,
        choices=VerificationState.choices,
        default=VerificationState.COMPILED,
        db_default=VerificationState.COMPILED,
    )
    state_on = models.DateField(
        "state since",
        null=True,
        blank=True,
        help_text="When the record was compiled, checked or confirmed.",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The curator who checked the record (kept while the record says so).",
    )
    checked_against = models.ManyToManyField(
        Evidence,
        blank=True,
        related_name="checks",
        help_text="The evidence items the curator checked the record against.",
    )
    source = models.CharField(
        max_length=500, blank=True, help_text="Where the record was compiled from: a URL or a note."
    )
    is_synthetic = models.BooleanField(
        default=False, db_default=False, help_text="Generated for testing or benchmarks."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Derived columns (see the module docstring): written only by refresh_derived().
    phase_positions = ArrayField(
        models.PositiveSmallIntegerField(),
        default=list,
        blank=True,
        editable=False,
        help_text="Phases served by at least one service (coverage).",
    )
    type_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    capability_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    modality_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    industry_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    certification_ids = ArrayField(
        models.BigIntegerField(), default=list, blank=True, editable=False
    )
    countries = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        editable=False,
        help_text="Headquarters and site countries.",
    )
    backed_capability_ids = ArrayField(
        models.BigIntegerField(),
        default=list,
        blank=True,
        editable=False,
        help_text="Capabilities whose service carries evidence.",
    )
    claim_count = models.PositiveIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="Profile, services, sites, site certifications.",
    )
    backed_claim_count = models.PositiveIntegerField(
        default=0, db_default=0, editable=False, help_text="Claims with at least one evidence item."
    )
    search_document = SearchVectorField(null=True, editable=False)
    # Derived from the sites' regulator identities and inspections (providers.regulatory).
    inspection_flags = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        editable=False,
        help_text="Lasting inspection facts, e.g. eu-gmp-certificate.",
    )
    fda_acceptable_on = models.DateField(
        null=True, blank=True, editable=False, help_text="Latest FDA NAI or VAI inspection."
    )
    adverse_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Latest OAI, warning letter or statement of non-compliance.",
    )

    objects = ProviderQuerySet.as_manager()
    history = HistoricalRecords(
        bases=[ChangeIdentified],
        m2m_fields=[types, industries, modalities],
        excluded_fields=[
            *DERIVED_ARRAY_FIELDS,
            *DERIVED_INSPECTION_FIELDS,
            *DERIVED_COUNT_FIELDS,
            "search_document",
            "updated_at",
        ],
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProviderStatus.values),
                name="provider_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(slug__regex=SLUG_PATTERN), name="provider_slug_format"
            ),
            models.CheckConstraint(
                condition=models.Q(name__regex=NOT_BLANK), name="provider_name_not_blank"
            ),
            models.CheckConstraint(
                condition=Regex(Cast("hq_country", models.TextField()), COUNTRY_PATTERN),
                name="provider_hq_country_iso",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=VerificationState.values),
                name="provider_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state=VerificationState.COMPILED)
                | models.Q(state_on__isnull=False),
                name="provider_checked_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=VerificationState.CHECKED)
                | models.Q(checked_by__isnull=False),
                name="provider_checked_has_curator",
            ),
            models.UniqueConstraint(
                Lower("website"), condition=~models.Q(website=""), name="provider_website_unique_ci"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="provider_status_name"),
            models.Index(fields=["status", "-state_on"], name="provider_status_verified"),
            GinIndex(fields=["backed_capability_ids"], name="provider_backed_caps_gin"),
            GinIndex(fields=["phase_positions"], name="provider_phases_gin"),
            GinIndex(fields=["type_ids"], name="provider_types_gin"),
            GinIndex(fields=["capability_ids"], name="provider_capabilities_gin"),
            GinIndex(fields=["modality_ids"], name="provider_modalities_gin"),
            GinIndex(fields=["industry_ids"], name="provider_industries_gin"),
            GinIndex(fields=["certification_ids"], name="provider_certifications_gin"),
            GinIndex(fields=["countries"], name="provider_countries_gin"),
            GinIndex(fields=["search_document"], name="provider_search_gin"),
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="provider_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("providers:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_checked(self) -> bool:
        """Checked by a curator or confirmed by the provider: a person stands behind it."""
        return self.state != VerificationState.COMPILED


class Service(models.Model):
    """A provider offering one catalogue capability over a range of phases."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="services")
    capability = models.ForeignKey(Capability, on_delete=models.PROTECT, related_name="services")
    first_phase = models.ForeignKey(
        Phase, to_field="position", on_delete=models.PROTECT, related_name="+"
    )
    last_phase = models.ForeignKey(
        Phase, to_field="position", on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    # What a service applies to. A service with no modalities of its own serves the
    # modalities stated for its provider as a whole; with neither, its modality is "not
    # stated" and it matches no modality filter (see providers.derived).
    modalities = models.ManyToManyField(
        Modality, related_name="services", blank=True, through=ServiceModalityLink
    )
    dosage_forms = models.ManyToManyField(
        DosageForm, related_name="services", blank=True, through=ServiceDosageFormLink
    )
    # Where it is done, when known (sites of the same provider only); none: not stated.
    sites = models.ManyToManyField(
        "providers.Site", related_name="services", blank=True, through=ServiceSiteLink
    )
    history = HistoricalRecords(
        bases=[ChangeIdentified], m2m_fields=[modalities, dosage_forms, sites]
    )

    class Meta:
        ordering = ["first_phase", "capability__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "capability"], name="service_one_per_capability"
            ),
            models.CheckConstraint(
                condition=models.Q(first_phase__lte=models.F("last_phase")),
                name="service_phase_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["capability", "provider"], name="service_capability")]

    def __str__(self) -> str:
        return f"{self.capability} ({self.phase_range_label})"

    @property
    def phase_range_label(self) -> str:
        phases = {self.first_phase_id: self.first_phase, self.last_phase_id: self.last_phase}
        return range_label(self.first_phase_id, self.last_phase_id, phases)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not (self.capability_id and self.first_phase_id and self.last_phase_id):
            return
        if self.first_phase_id > self.last_phase_id:
            raise ValidationError({"last_phase": "The last phase cannot come before the first."})
        capability = self.capability
        for name in ("first_phase", "last_phase"):
            phase = getattr(self, name)
            if phase.track_id != capability.track_id:
                raise ValidationError(
                    {
                        name: (
                            f"{capability.name} is on the {capability.track.name} track; "
                            f"{phase.name} is on the {phase.track.name} track."
                        )
                    }
                )
        if not self.capability.allows(self.first_phase_id, self.last_phase_id):
            raise ValidationError(
                {
                    "first_phase": (
                        f"{self.capability.name} applies from {self.capability.first_phase} "
                        f"to {self.capability.last_phase}."
                    )
                }
            )


class Site(models.Model):
    """A facility of a provider, with the certifications and inspections it holds."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    country = CountryField()
    certifications = models.ManyToManyField(
        Certification, related_name="sites", blank=True, through=SiteCertificationLink
    )
    history = HistoricalRecords(bases=[ChangeIdentified], m2m_fields=[certifications])

    class Meta:
        ordering = ["country", "city", "name"]
        constraints = [
            models.UniqueConstraint(
                "provider", Lower("name"), name="site_name_unique_per_provider"
            ),
            models.CheckConstraint(
                condition=Regex(Cast("country", models.TextField()), COUNTRY_PATTERN),
                name="site_country_iso",
            ),
            models.CheckConstraint(
                condition=models.Q(name__regex=NOT_BLANK), name="site_name_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.country.code})" if self.city else self.name


class DirectoryVersion(models.Model):
    """One row whose token changes (in the same transaction) whenever buyer-visible data does.

    Processes that cache a view of the directory (the facet index) compare tokens to know
    when to rebuild. A random token, not a counter, so a rolled-back change can never be
    mistaken for a later one.
    """

    token = models.CharField(max_length=40, default="initial")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="directory_version_single_row")
        ]

    def __str__(self) -> str:
        return self.token


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the task worker"
    PLANNING = "planning", "Checking the file"
    WRITING = "writing", "Writing"
    DONE = "done", "Imported"
    REFUSED = "refused", "Refused: the file has problems"
    FAILED = "failed", "Failed: nothing was written"


class ProviderImport(models.Model):
    """One confirmed import of a spreadsheet, run by the task worker, with its progress.

    The checked file stays in the default file storage (``stored_path``) until the run
    finishes; a run that failed for another reason than the file's content keeps it, so
    it can be tried again. Everything is written in one transaction or nothing is.
    """

    buyer_visible = False  # progress writes must not touch the directory version

    RUNNING = (ImportStatus.QUEUED, ImportStatus.PLANNING, ImportStatus.WRITING)

    filename = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    task_id = models.CharField(max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_planned = models.PositiveIntegerField(default=0)
    rows_to_write = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    # Whole-file problems, then the first cell problems (row, column, message, value).
    file_errors = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values),
                name="provider_import_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING


# Regulator identities and inspections of sites live in their own domain module.
from providers.regulatory import (  # noqa: E402, F401
    Inspection,
    SiteIdentity,
    UnmatchedInspection,
)


class ReviewItem(Provider):
    """The curator's review queue: providers in order of risk (``providers.curation.review``)."""

    class Meta:
        proxy = True
        verbose_name = "record to review"
        verbose_name_plural = "review queue"
