"""Sending mail through the outbox.

1. ``send()`` validates the message and writes an ``OutboundMessage`` row in the caller's
   transaction; ``transaction.on_commit`` then enqueues ``deliver`` for it. A rolled-back
   write sends nothing; a committed one always leaves its message on record.
2. ``deliver`` (a Django task, run by ``manage.py db_worker``) locks the row, sends it with
   the default mailer (``MAILERS``) and records the outcome. A failure is recorded with its
   error and tried again after an exponential backoff (``run_after``), up to
   ``MAIL_MAX_ATTEMPTS`` attempts; then the message is marked failed, for an administrator
   to retry from the admin.
3. ``requeue_due()`` (the schedule's outbox sweep, and ``manage.py send_queued_mail``)
   enqueues every queued message whose attempt is overdue: a task lost with a worker, an
   enqueue that failed after the commit, or a retry a backend could not defer. A message is
   sent at most once whatever the number of tasks for it: ``deliver`` holds its row lock
   while sending and sends only a message still queued and due.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from providers.mail.models import MessageStatus, OutboundMessage

logger = logging.getLogger(__name__)

MAX_SUBJECT = 998  # RFC 5322's line limit
MAX_RECIPIENTS = 100
# An overdue message is enqueued again by the sweep only after this grace period, which
# leaves the task enqueued for it the time to run first.
SWEEP_GRACE = datetime.timedelta(minutes=2)


def max_attempts() -> int:
    return settings.MAIL_MAX_ATTEMPTS


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: base, 2 x base, 4 x base ... capped."""
    seconds = settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.MAIL_RETRY_MAX_SECONDS))


def _clean(to: Iterable[str], subject: str, text: str, html: str | None, reason: str) -> dict:
    if isinstance(to, str):
        raise ValueError("Recipients must be a list of addresses, not one string.")
    recipients = [address.strip() for address in to if address and address.strip()]
    if not recipients:
        raise ValueError("A message needs at least one recipient.")
    if len(recipients) > MAX_RECIPIENTS:
        raise ValueError(f"A message goes to at most {MAX_RECIPIENTS} recipients.")
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            raise ValueError(f"Not an email address: {address!r}.") from None
    subject = (subject or "").strip()
    if not subject:
        raise ValueError("A message needs a subject.")
    if "\n" in subject or "\r" in subject:
        raise ValueError("A subject is one line: it must not contain line breaks.")
    if len(subject) > MAX_SUBJECT:
        raise ValueError(f"A subject has at most {MAX_SUBJECT} characters.")
    if not text or not text.strip():
        raise ValueError("A message needs a plain-text body.")
    if len(reason) > 100:
        raise ValueError("A reason has at most 100 characters.")
    for value in (subject, text, html or "", reason, *recipients):
        if "\x00" in value:
            raise ValueError("A message cannot contain a NUL character.")
    return {
        "to": list(dict.fromkeys(recipients)),
        "subject": subject,
        "text": text,
        "html": html or "",
        "reason": reason,
    }


def send(
    to: list[str], subject: str, text: str, html: str | None = None, reason: str = ""
) -> OutboundMessage:
    """Record a message and send it once the caller's transaction commits.

    Raises ``ValueError`` (and writes nothing) for a message that could never be sent:
    no recipient, an address that is not one, an empty or multi-line subject, no body.
    """
    fields = _clean(to, subject, text, html, reason)
    message = OutboundMessage.objects.create(
        **fields,
        from_email=settings.DEFAULT_FROM_EMAIL,
        status=MessageStatus.QUEUED,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue_delivery(message.pk), robust=True)
    return message


def send_email_message(message: EmailMessage, reason: str = "") -> OutboundMessage:
    """Queue an already rendered message (allauth's), keeping its HTML alternative."""
    html = None
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = str(content)
    text = str(message.body)
    if message.content_subtype == "html":  # an HTML-only message: keep it as HTML
        html, text = text, _plain(text)
    return send(list(message.to), str(message.subject), text, html=html, reason=reason)


def _plain(html: str) -> str:
    from django.utils.html import strip_tags

    return strip_tags(html).strip() or "(This message has an HTML body only.)"


def enqueue_delivery(message_id: int, run_after: datetime.datetime | None = None) -> None:
    """Enqueue ``deliver``; a failure to enqueue is logged and left to the sweep."""
    try:
        if run_after is None:
            deliver.enqueue(message_id)
        elif deliver.get_backend().supports_defer:
            deliver.using(run_after=run_after).enqueue(message_id)
        # else: a backend that cannot defer (the immediate one in tests) leaves the retry
        # to the sweep, which enqueues it once it is due.
    except Exception:
        logger.exception("Could not enqueue the delivery of message %s; the sweep will", message_id)


def _email(message: OutboundMessage) -> EmailMessage:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=message.to,
        headers={"X-Directory-Message": str(message.pk)},
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


@task
def deliver(message_id: int) -> dict:
    """Send one queued message; record success, or the error and the next attempt."""
    retry_at = None
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return {"skipped": message_id, "why": "missing, or being sent by another task"}
        now = timezone.now()
        if message.status != MessageStatus.QUEUED:
            return {"skipped": message_id, "why": f"already {message.status}"}
        if message.next_attempt_at and message.next_attempt_at > now:
            return {"skipped": message_id, "why": "not due yet"}
        message.attempts += 1
        try:
            _email(message).send(fail_silently=False)
        except Exception as error:
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= max_attempts():
                message.status = MessageStatus.FAILED
                message.next_attempt_at = None
                logger.error("Message %s failed after %s attempts", message.pk, message.attempts)
            else:
                retry_at = now + backoff(message.attempts)
                message.next_attempt_at = retry_at
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.next_attempt_at = None
        message.save(
            update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"]
        )
        if retry_at is not None:
            transaction.on_commit(lambda: enqueue_delivery(message.pk, retry_at), robust=True)
    return {"message": message.pk, "status": message.status, "attempts": message.attempts}


def requeue_due(now: datetime.datetime | None = None, grace: datetime.timedelta = SWEEP_GRACE):
    """Enqueue every queued message overdue by more than ``grace``; return how many."""
    now = now or timezone.now()
    due = list(
        OutboundMessage.objects.filter(
            status=MessageStatus.QUEUED, next_attempt_at__lte=now - grace
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
    for message_id in due:
        enqueue_delivery(message_id)
    return len(due)


def retry(messages: Iterable[OutboundMessage]) -> int:
    """Give failed (or stuck queued) messages a fresh round of attempts; return how many."""
    ids = [m.pk for m in messages if m.status != MessageStatus.SENT]
    with transaction.atomic():
        count = (
            OutboundMessage.objects.filter(pk__in=ids)
            .exclude(status=MessageStatus.SENT)
            .update(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=timezone.now())
        )
        for message_id in ids:
            transaction.on_commit(lambda pk=message_id: enqueue_delivery(pk), robust=True)
    return count
