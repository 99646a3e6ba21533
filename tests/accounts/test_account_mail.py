"""allauth's mail goes through the outbox: recorded, then sent by the task."""

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from providers.mail.models import MessageStatus, OutboundMessage


@pytest.mark.django_db
def test_the_confirmation_mail_of_a_sign_up_goes_through_the_outbox(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "buyer@pharma.example",
                "password1": "a long Passphrase 42",
                "password2": "a long Passphrase 42",
            },
        )
    message = OutboundMessage.objects.get()
    assert message.reason == "email_confirmation_signup"
    assert message.to == ["buyer@pharma.example"]
    assert message.status == MessageStatus.SENT
    [sent] = django_mail.outbox
    assert sent.subject == message.subject and sent.subject.startswith("[Provider directory]")
    assert "/accounts/confirm-email/" in sent.body
