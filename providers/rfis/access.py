"""Who may see what, in one place. Every view looks objects up through these querysets, so
another party's object is simply not found (404): its existence is never revealed.

- A buyer sees their own requests (drafts and sent), their recipients, the submitted
  answers and every file on them.
- A provider's users (memberships, ``providers.accounts.access``) see sent requests
  addressed to their provider, their own answer (draft or submitted) and files: the
  request's, and their own answer's.
- Curators see request metadata in the admin (``providers/rfis/admin.py``), never
  answers or files.
"""

from django.db.models import Q, QuerySet

from providers.accounts.access import represented_provider_ids
from providers.rfis.models import Attachment, InformationRequest, Recipient


def buyer_requests(user) -> QuerySet[InformationRequest]:
    if not user.is_authenticated:
        return InformationRequest.objects.none()
    return InformationRequest.objects.filter(buyer=user)


def inbox(user) -> QuerySet[Recipient]:
    """Recipients of sent requests addressed to a provider the user speaks for."""
    providers = represented_provider_ids(user)
    if not providers:
        return Recipient.objects.none()
    return Recipient.objects.filter(
        provider_id__in=providers, request__status=InformationRequest.Status.SENT
    ).select_related("request", "provider")


def attachments(user) -> QuerySet[Attachment]:
    """Files the user may download."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    providers = represented_provider_ids(user)
    buyer_side = Q(request__buyer=user) & (
        Q(recipient__isnull=True) | Q(recipient__answer__submitted_at__isnull=False)
    )
    provider_side = Q(
        request__status=InformationRequest.Status.SENT,
        request__recipients__provider_id__in=providers,
        recipient__isnull=True,
    ) | Q(recipient__provider_id__in=providers)
    return Attachment.objects.filter(buyer_side | provider_side).distinct()
