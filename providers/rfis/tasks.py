"""Background work of requests: the reminder before the deadline.

``flow.send`` enqueues ``remind`` to run (``run_after``) a set time before the deadline
closes. The task reminds only providers still awaiting an answer and not yet reminded,
records the reminder in the audit trail with its mail in one transaction, so a worker
that runs it twice (a retry) reminds nobody twice.
"""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from providers.rfis import notifications
from providers.rfis.models import Event, InformationRequest, Recipient


@task
def remind(rfi_id: int, base_url: str) -> int:
    """Remind the providers still awaiting an answer; returns how many were reminded."""
    rfi = InformationRequest.objects.filter(pk=rfi_id, status="sent").first()
    if rfi is None or not rfi.is_open():
        return 0
    reminded = 0
    for recipient_id in rfi.recipients.filter(
        response=Recipient.Response.AWAITING, reminded_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            recipient = (
                Recipient.objects.select_for_update(of=("self",))
                .select_related("request", "provider")
                .get(pk=recipient_id)
            )
            if recipient.response != Recipient.Response.AWAITING or recipient.reminded_at:
                continue
            now = timezone.now()
            recipient.reminded_at = now
            recipient.save(update_fields=["reminded_at"])
            sent = notifications.reminder(recipient, base_url)
            Event.objects.create(
                request=rfi,
                recipient=recipient,
                kind=Event.Kind.REMINDED,
                at=now,
                note=f"{sent} {'person' if sent == 1 else 'people'} emailed",
            )
            reminded += 1
    return reminded
