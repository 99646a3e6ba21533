"""A request for information (RFI), the providers it is addressed to, their answers, the
files on either side and the request's audit trail.

States of a request: ``draft`` (the buyer is writing it; nobody else sees it) then
``sent`` (addressed providers see it; it can no longer change). Each addressed provider
(a ``Recipient``) is ``awaiting`` an answer, has ``answered`` (its ``Answer`` submitted) or
has ``declined`` (with a reason); its answer may sit as a draft meanwhile. The buyer then
marks each one ``advancing`` or ``declined``.

Answers live in their own table so that nothing that shows requests to curators (the
admin) can reach them by accident.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import Phase
from providers.models import Capability, DosageForm, Modality, Provider
from providers.regions import LABELS as REGION_LABELS
from providers.regions import ORDER as REGION_ORDER
from providers.regulatory import Authority

MAX_RECIPIENTS = 10
MAX_BUYER_QUESTIONS = 10
QUESTION_MAX_CHARS = 300

REGION_CHOICES = [(slug, REGION_LABELS[slug]) for slug in REGION_ORDER]

# The grid every addressed provider answers the same way: (field, question).
GRID = [
    ("capacity", "Capacity and earliest start"),
    ("modality_experience", "Experience with this modality"),
    ("inspections", "Relevant recent inspections"),
    ("price_range", "Indicative price range"),
    ("risks", "Main risks"),
]


class InformationRequest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="information_requests"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_default=Status.DRAFT
    )
    title = models.CharField(max_length=200, help_text="A short name for the program or work.")
    summary = models.TextField(
        "What is needed", max_length=4000, help_text="The work, in a few sentences."
    )
    capabilities = models.ManyToManyField(Capability, blank=True, related_name="+")
    modality = models.ForeignKey(
        Modality, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dosage_form = models.ForeignKey(
        DosageForm, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    phase = models.ForeignKey(
        Phase,
        to_field="position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scale = models.CharField(max_length=200, blank=True, help_text="E.g. 5 kg GMP batches.")
    quantities = models.CharField(max_length=500, blank=True)
    timeline = models.CharField(max_length=500, blank=True)
    target_regions = ArrayField(
        models.CharField(max_length=30, choices=REGION_CHOICES), default=list, blank=True
    )
    regulators = ArrayField(
        models.CharField(max_length=10, choices=Authority.choices), default=list, blank=True
    )
    highly_potent = models.BooleanField(default=False)
    controlled_substance = models.BooleanField(default=False)
    sterile = models.BooleanField(default=False)
    confidentiality_needed = models.BooleanField(
        "Confidentiality agreement needed before details are shared", default=False
    )
    deadline = models.DateField(help_text="Answers are accepted until the end of this day (UTC).")
    questions = ArrayField(
        models.CharField(max_length=QUESTION_MAX_CHARS),
        default=list,
        blank=True,
        size=MAX_BUYER_QUESTIONS,
        help_text="The buyer's own questions, after the common grid.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "request for information"
        verbose_name_plural = "requests for information"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", sent_at__isnull=True)
                | models.Q(status="sent", sent_at__isnull=False),
                name="rfi_sent_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "sent"]), name="rfi_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["buyer", "sent_at"], name="rfi_buyer_sent")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("rfis:request", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def closes_at(self) -> datetime.datetime:
        """The end of the deadline day, UTC: the last moment an answer is accepted."""
        return datetime.datetime.combine(
            self.deadline + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
        )

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) < self.closes_at

    def handling(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.highly_potent, "Highly potent"),
                (self.controlled_substance, "Controlled substance"),
                (self.sterile, "Sterile"),
            )
            if flag
        ]

    def region_labels(self) -> list[str]:
        return [REGION_LABELS.get(slug, slug) for slug in self.target_regions]

    def regulator_labels(self) -> list[str]:
        labels = dict(Authority.choices)
        return [labels.get(key, key) for key in self.regulators]


class Recipient(models.Model):
    """One provider a request is addressed to, and where its answer stands."""

    class Response(models.TextChoices):
        AWAITING = "awaiting", "Awaiting an answer"
        ANSWERED = "answered", "Answered"
        DECLINED = "declined", "Declined"

    class DeclineReason(models.TextChoices):
        NO_CAPACITY = "no-capacity", "No capacity"
        NOT_A_FIT = "not-a-fit", "Not a fit"
        OTHER = "other", "Other"

    class Decision(models.TextChoices):
        UNDECIDED = "", "Not decided"
        ADVANCING = "advancing", "Advancing"
        DECLINED = "declined", "Declined by the buyer"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="recipients"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    response = models.CharField(
        max_length=10,
        choices=Response.choices,
        default=Response.AWAITING,
        db_default=Response.AWAITING,
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(
        max_length=20, choices=DeclineReason.choices, blank=True, default=""
    )
    decline_text = models.CharField(max_length=1000, blank=True, default="")
    reminded_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(
        max_length=10, choices=Decision.choices, blank=True, default="", db_default=""
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "provider"], name="rfi_recipient_once"),
            models.CheckConstraint(
                condition=models.Q(response="awaiting", responded_at__isnull=True)
                | models.Q(response__in=["answered", "declined"], responded_at__isnull=False),
                name="rfi_responded_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    response="declined", decline_reason__in=["no-capacity", "not-a-fit", "other"]
                )
                | models.Q(response__in=["awaiting", "answered"], decline_reason=""),
                name="rfi_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["", "advancing", "declined"]),
                name="rfi_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} on {self.request}"

    def get_absolute_url(self) -> str:
        return reverse("rfis:inbox-item", args=[self.pk])


class Answer(models.Model):
    """A provider's answer in the grid; a draft until ``submitted_at`` is set."""

    recipient = models.OneToOneField(Recipient, on_delete=models.CASCADE, related_name="answer")
    capacity = models.TextField(blank=True, max_length=2000)
    modality_experience = models.TextField(blank=True, max_length=2000)
    inspections = models.TextField(blank=True, max_length=2000)
    price_range = models.TextField(blank=True, max_length=2000)
    risks = models.TextField(blank=True, max_length=2000)
    # One answer per buyer question, in the order of the request's questions.
    answers = ArrayField(models.TextField(max_length=2000), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Answer of {self.recipient}"

    def grid(self) -> list[tuple[str, str]]:
        return [(question, getattr(self, field)) for field, question in GRID]


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A private key: not under the static files, not guessable, not the uploaded name."""
    import uuid

    return f"private/rfis/{instance.request_id}/{uuid.uuid4().hex}.{instance.kind}"


class Attachment(models.Model):
    """A file on a request (``recipient`` empty: the buyer's) or on one provider's answer."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document (DOCX)"
        XLSX = "xlsx", "Excel workbook (XLSX)"

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200, help_text="The file's name as uploaded.")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["pdf", "docx", "xlsx"]), name="rfi_attachment_kind"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """The audit trail: one row per thing that happened to a request."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        SENT = "sent", "Sent"
        OPENED = "opened", "Opened"
        ANSWERED = "answered", "Answered"
        DECLINED = "declined", "Declined"
        REMINDED = "reminded", "Reminded"
        ADVANCING = "advancing", "Marked advancing by the buyer"
        REJECTED = "rejected", "Marked declined by the buyer"
        DECISION_CLEARED = "undecided", "Buyer's decision withdrawn"

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="events")
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()
