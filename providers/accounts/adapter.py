"""allauth's hooks: its mail (address confirmation, password reset, notices) goes through
the outbox like every other message, so it is recorded, retried and never sent from inside
a request."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from providers import mail


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        message = self.render_mail(template_prefix, email, full_context)
        mail.send_email_message(message, reason=template_prefix.rsplit("/", 1)[-1])
