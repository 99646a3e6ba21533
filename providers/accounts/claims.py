"""Claims to speak for a provider: the evidence a curator decides on, and the decision.

The evidence shown is whether one of the user's confirmed email addresses is on the
provider's website domain (``alice@lonza.com`` for ``https://www.lonza.com/``; a
subdomain of either side counts). It is evidence, not proof: a curator decides.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from providers import mail
from providers.accounts.models import Decision, ProfileClaim, ProviderMembership


class ClaimError(ValueError):
    """A claim that cannot be made or decided, with the reason in words."""


def website_domain(website: str) -> str:
    host = (urlsplit(website).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def domains_match(email_domain: str, site_domain: str) -> bool:
    if not email_domain or not site_domain:
        return False
    return (
        email_domain == site_domain
        or email_domain.endswith("." + site_domain)
        or site_domain.endswith("." + email_domain)
    )


def confirmed_emails(user) -> list[str]:
    return list(
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "email")
        .values_list("email", flat=True)
    )


def domain_evidence(claim: ProfileClaim) -> tuple[bool, str]:
    """(matches, explanation) for the curator."""
    site = website_domain(claim.provider.website)
    emails = confirmed_emails(claim.user)
    if not emails:
        return False, "The user has no confirmed email address."
    if not site:
        return False, f"The provider has no website to compare with ({', '.join(emails)})."
    matching = [e for e in emails if domains_match(e.rsplit("@", 1)[-1].lower(), site)]
    if matching:
        return True, f"Confirmed address {matching[0]} is on the website's domain {site}."
    return False, f"No confirmed address ({', '.join(emails)}) is on the website's domain {site}."


def make_claim(user, provider, role: str, message: str) -> ProfileClaim:
    if ProviderMembership.objects.filter(user=user, provider=provider).exists():
        raise ClaimError(f"You already represent {provider.name}.")
    if ProfileClaim.objects.filter(user=user, provider=provider, status=Decision.PENDING).exists():
        raise ClaimError(f"Your claim to {provider.name} is already waiting for a curator.")
    return ProfileClaim.objects.create(user=user, provider=provider, role=role, message=message)


def decide(claim: ProfileClaim, curator, approve: bool, base_url: str = "") -> ProfileClaim:
    """Approve (creating the membership) or reject a pending claim, and tell the user."""
    with transaction.atomic():
        locked = ProfileClaim.objects.select_for_update().select_related("provider", "user")
        claim = locked.get(pk=claim.pk)
        if claim.status != Decision.PENDING:
            raise ClaimError(f"The claim of {claim.user} was already {claim.status}.")
        claim.status = Decision.APPROVED if approve else Decision.REJECTED
        claim.decided_by = curator
        claim.decided_at = timezone.now()
        claim.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            ProviderMembership.objects.get_or_create(
                user=claim.user, provider=claim.provider, defaults={"approved_by": curator}
            )
        if claim.user.email:
            if approve:
                url = base_url + reverse("accounts:represent", args=[claim.provider.slug])
                text = (
                    f"Your claim to speak for {claim.provider.name} was approved.\n\n"
                    f"You can now propose corrections to its record and confirm it as "
                    f"accurate:\n{url}\n"
                )
            else:
                text = (
                    f"Your claim to speak for {claim.provider.name} was not approved. "
                    "If you think this is a mistake, reply with evidence of your role "
                    "(for example from an address on the provider's own domain).\n"
                )
            mail.send(
                [claim.user.email],
                f"Your claim to {claim.provider.name}",
                text,
                reason="claim_decided",
            )
    return claim
