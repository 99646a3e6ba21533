"""The one place that answers "which providers does this user speak for?"."""

from django.contrib.auth.models import AnonymousUser, User

from providers.accounts.models import ProviderMembership


def represented_provider_ids(user: User | AnonymousUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(ProviderMembership.objects.filter(user=user).values_list("provider_id", flat=True))


def represents(user: User | AnonymousUser, provider_id: int) -> bool:
    return (
        user.is_authenticated
        and ProviderMembership.objects.filter(user=user, provider_id=provider_id).exists()
    )
