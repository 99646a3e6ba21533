"""An email backend that always fails, as an unreachable SMTP server does."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    failures = 0

    def send_messages(self, email_messages):
        FailingBackend.failures += 1
        raise smtplib.SMTPServerDisconnected("the server went away")
