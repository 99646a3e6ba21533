"""What happens to a request, each step in one transaction with its audit event and its
mail (queued in the outbox in the same transaction, so a step and its notification are
written together or not at all)."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from providers.rfis import notifications
from providers.rfis.models import MAX_RECIPIENTS, Answer, Event, InformationRequest, Recipient

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A step that cannot be taken now; the message says why, for the person who tried."""


def record(request, kind, *, recipient=None, actor=None, note="", at=None) -> Event:
    return Event.objects.create(
        request=request,
        recipient=recipient,
        kind=kind,
        actor=actor,
        note=note[:300],
        at=at or timezone.now(),
    )


def set_recipients(rfi: InformationRequest, providers) -> None:
    """A draft's addressees, replaced by ``providers``."""
    wanted = {provider.pk for provider in providers}
    rfi.recipients.exclude(provider_id__in=wanted).delete()
    present = set(rfi.recipients.values_list("provider_id", flat=True))
    Recipient.objects.bulk_create(
        Recipient(request=rfi, provider_id=pk) for pk in sorted(wanted - present)
    )


def sends_left(user, now: datetime.datetime | None = None) -> tuple[int, datetime.datetime | None]:
    """Requests the user may still send in the current window, and when the next frees up."""
    now = now or timezone.now()
    window = datetime.timedelta(hours=settings.RFI_SEND_WINDOW_HOURS)
    recent = list(
        InformationRequest.objects.filter(buyer=user, sent_at__gt=now - window)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )
    left = settings.RFI_SENDS_PER_WINDOW - len(recent)
    return left, (recent[0] + window if left <= 0 and recent else None)


def send(rfi_id: int, user, base_url: str) -> InformationRequest:
    """Send a draft: check it, limit the rate, record it, notify, schedule the reminder."""
    with transaction.atomic():
        # The user's row serialises their sends, so two at once cannot pass the limit.
        get_user_model().objects.select_for_update().get(pk=user.pk)
        rfi = InformationRequest.objects.select_for_update().get(pk=rfi_id, buyer=user)
        if not rfi.is_draft:
            raise Refused("This request has already been sent.")
        now = timezone.now()
        count = rfi.recipients.count()
        if not 1 <= count <= MAX_RECIPIENTS:
            raise Refused(
                f"A request goes to 1 to {MAX_RECIPIENTS} providers; "
                f"this one is addressed to {count}. Edit it first."
            )
        unpublished = rfi.recipients.exclude(provider__status="published")
        if unpublished.exists():
            names = ", ".join(r.provider.name for r in unpublished.select_related("provider"))
            raise Refused(f"No longer listed in the directory: {names}. Edit the request first.")
        if rfi.deadline <= now.date():
            raise Refused("The deadline has passed or is today. Edit the request first.")
        left, free_at = sends_left(user, now)
        if left <= 0:
            raise Refused(
                f"You can send {settings.RFI_SENDS_PER_WINDOW} requests in "
                f"{settings.RFI_SEND_WINDOW_HOURS} hours, and you have. The next can be sent "
                f"after {free_at:%d %b %Y %H:%M} UTC; it stays here as a draft until then."
            )
        rfi.status = InformationRequest.Status.SENT
        rfi.sent_at = now
        rfi.save(update_fields=["status", "sent_at"])
        record(rfi, Event.Kind.SENT, actor=user, at=now, note=f"to {count} providers")
        for recipient in rfi.recipients.select_related("provider"):
            notifications.new_request(recipient, base_url)
        # Robust: the request is sent whatever happens to the scheduling (which logs).
        transaction.on_commit(lambda: schedule_reminder(rfi, base_url), robust=True)
    return rfi


def schedule_reminder(rfi: InformationRequest, base_url: str) -> None:
    """The reminder task, to run ``RFI_REMIND_HOURS_BEFORE`` hours before the deadline
    closes; none when the request was sent closer to the deadline than twice that."""
    from providers.rfis.tasks import remind

    hours = datetime.timedelta(hours=settings.RFI_REMIND_HOURS_BEFORE)
    when = rfi.closes_at - hours
    if when - rfi.sent_at < hours:
        return
    if not remind.get_backend().supports_defer:
        logger.warning("The task backend cannot run tasks later: no reminder for RFI %s", rfi.pk)
        return
    remind.using(run_after=when).enqueue(rfi.pk, base_url)


def open_item(recipient: Recipient, user) -> None:
    """The first time a provider's user opens a request, the buyer sees it was opened."""
    if recipient.opened_at is not None:
        return
    with transaction.atomic():
        updated = Recipient.objects.filter(pk=recipient.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
        if updated:
            record(recipient.request, Event.Kind.OPENED, recipient=recipient, actor=user)
    recipient.refresh_from_db(fields=["opened_at"])


def _locked(recipient_id: int) -> Recipient:
    recipient = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("request", "provider")
        .get(pk=recipient_id)
    )
    if recipient.response != Recipient.Response.AWAITING:
        raise Refused(
            "This request has been answered already."
            if recipient.response == Recipient.Response.ANSWERED
            else "This request has been declined."
        )
    if not recipient.request.is_open():
        raise Refused(
            f"The deadline ({recipient.request.deadline:%d %b %Y}) has passed; "
            "the buyer no longer takes answers."
        )
    return recipient


def save_answer(recipient_id: int, form, user, *, submit: bool, base_url: str) -> Answer:
    """Keep the draft, or submit it (then the buyer can read it and is told)."""
    with transaction.atomic():
        recipient = _locked(recipient_id)
        answer = form.save(commit=False)
        answer.recipient = recipient
        if answer.pk is None:
            # A colleague's first draft may have been saved since this form was shown.
            existing = Answer.objects.filter(recipient=recipient).values_list("pk", flat=True)
            if existing:
                answer.pk, answer._state.adding = existing[0], False
        answer.updated_by = user
        now = timezone.now()
        if submit:
            answer.submitted_at = now
        answer.save()
        if submit:
            recipient.response = Recipient.Response.ANSWERED
            recipient.responded_at = now
            recipient.save(update_fields=["response", "responded_at"])
            record(recipient.request, Event.Kind.ANSWERED, recipient=recipient, actor=user, at=now)
            notifications.answer_received(recipient, base_url)
    return answer


def decline(recipient_id: int, reason: str, text: str, user, *, base_url: str) -> Recipient:
    with transaction.atomic():
        recipient = _locked(recipient_id)
        now = timezone.now()
        recipient.response = Recipient.Response.DECLINED
        recipient.responded_at = now
        recipient.decline_reason = reason
        recipient.decline_text = text.strip()
        recipient.save(update_fields=["response", "responded_at", "decline_reason", "decline_text"])
        record(
            recipient.request,
            Event.Kind.DECLINED,
            recipient=recipient,
            actor=user,
            at=now,
            note=recipient.get_decline_reason_display(),
        )
        notifications.declined(recipient, base_url)
    return recipient


DECISION_EVENTS = {
    Recipient.Decision.ADVANCING: Event.Kind.ADVANCING,
    Recipient.Decision.DECLINED: Event.Kind.REJECTED,
    Recipient.Decision.UNDECIDED: Event.Kind.DECISION_CLEARED,
}


def decide(recipient: Recipient, decision: str, user) -> None:
    if recipient.request.is_draft:
        raise Refused("Send the request before deciding on providers.")
    if recipient.decision == decision:
        return
    with transaction.atomic():
        recipient.decision = decision
        recipient.decided_at = timezone.now() if decision else None
        recipient.save(update_fields=["decision", "decided_at"])
        record(recipient.request, DECISION_EVENTS[decision], recipient=recipient, actor=user)
