"""The mail outbox: every message the directory sends is a row first, then a task.

``send()`` records the message in the caller's transaction and enqueues its delivery once
that transaction commits, so a rolled-back write sends nothing and a committed one always
has its message on record, whatever happens to the task afterwards (see ``outbox.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.core.mail import EmailMessage

    from providers.mail.models import OutboundMessage


def send(
    to: list[str], subject: str, text: str, html: str | None = None, reason: str = ""
) -> OutboundMessage:
    """Queue a message (see ``providers.mail.outbox.send``)."""
    from providers.mail import outbox

    return outbox.send(to, subject, text, html=html, reason=reason)


def send_email_message(message: EmailMessage, reason: str = "") -> OutboundMessage:
    """Queue a rendered ``EmailMessage`` (see ``providers.mail.outbox.send_email_message``)."""
    from providers.mail import outbox

    return outbox.send_email_message(message, reason=reason)
