"""The request's email, queued in the outbox (``providers.mail``) in the caller's
transaction: a new request to the provider's users, an answer or a refusal to the buyer,
a reminder before the deadline. One message per person: nobody sees who else was told."""

from django.template.loader import render_to_string
from django.urls import reverse


def _provider_addresses(provider_id: int) -> list[str]:
    from providers.accounts.models import ProviderMembership

    return sorted(
        {
            email
            for email in ProviderMembership.objects.filter(
                provider_id=provider_id, user__is_active=True
            ).values_list("user__email", flat=True)
            if email
        }
    )


def _send_each(addresses: list[str], template: str, context: dict, reason: str) -> int:
    from providers.mail import send

    text = render_to_string(f"rfis/email/{template}.txt", context)
    subject, _, body = text.partition("\n")
    subject = " ".join(subject.split())
    for address in addresses:
        send([address], subject.strip(), body.lstrip("\n"), reason=reason)
    return len(addresses)


def new_request(recipient, base_url: str) -> int:
    rfi = recipient.request
    return _send_each(
        _provider_addresses(recipient.provider_id),
        "new_request",
        {
            "rfi": rfi,
            "provider": recipient.provider,
            "url": base_url + reverse("rfis:inbox-item", args=[recipient.pk]),
        },
        reason="rfi_new_request",
    )


def reminder(recipient, base_url: str) -> int:
    rfi = recipient.request
    return _send_each(
        _provider_addresses(recipient.provider_id),
        "reminder",
        {
            "rfi": rfi,
            "provider": recipient.provider,
            "url": base_url + reverse("rfis:inbox-item", args=[recipient.pk]),
        },
        reason="rfi_reminder",
    )


def answer_received(recipient, base_url: str) -> int:
    rfi = recipient.request
    if not rfi.buyer.email:
        return 0
    return _send_each(
        [rfi.buyer.email],
        "answered",
        {
            "rfi": rfi,
            "provider": recipient.provider,
            "url": base_url + reverse("rfis:compare", args=[rfi.pk]),
        },
        reason="rfi_answered",
    )


def declined(recipient, base_url: str) -> int:
    rfi = recipient.request
    if not rfi.buyer.email:
        return 0
    return _send_each(
        [rfi.buyer.email],
        "declined",
        {
            "rfi": rfi,
            "recipient": recipient,
            "provider": recipient.provider,
            "url": base_url + rfi.get_absolute_url(),
        },
        reason="rfi_declined",
    )
