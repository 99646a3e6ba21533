"""Outbound messages: what was sent, to whom, why, and how delivery went."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundMessage(models.Model):
    to = ArrayField(models.EmailField(), verbose_name="recipients")
    from_email = models.CharField(max_length=320)
    subject = models.CharField(max_length=998)
    text = models.TextField(help_text="The plain-text body.")
    html = models.TextField(blank=True, help_text="The HTML body, when there is one.")
    reason = models.CharField(
        max_length=100, blank=True, help_text="Why it was sent, e.g. email_confirmation."
    )
    status = models.CharField(
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.QUEUED,
        db_default=MessageStatus.QUEUED,
    )
    attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        default=None, null=True, blank=True, help_text="When the next attempt is due."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbound message"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="mail_queued_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MessageStatus.values), name="mail_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(to__len__gt=0), name="mail_has_recipient"),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="mail_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class Schedule(models.Model):
    """The next run of a periodic job (providers/mail/schedule.py): claimed by one task."""

    name = models.CharField(max_length=50, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
