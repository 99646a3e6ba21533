"""On sign-in, the visitor's shortlist joins the account's."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from providers.directory import shortlist


@receiver(user_logged_in, dispatch_uid="accounts.merge_shortlist")
def merge_shortlist(sender, request, user, **kwargs) -> None:
    shortlist.merge_into_account(request, user)
