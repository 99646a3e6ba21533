"""Corrections a representative proposes, a curator's review of them, and a provider's
confirmation of its record.

A correction stores, per field, the value when it was proposed and the value proposed, so
the review shows both. Nothing reaches the record until a curator accepts it; a field
that changed in the record since the proposal is a conflict, and the correction is then
refused as a whole (the curator reads both and edits by hand, or rejects it).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from providers import mail
from providers.accounts.models import Correction, Decision, ProviderConfirmation
from providers.derived import deferred_refresh
from providers.evidence import VerificationState
from providers.models import Provider

# The profile fields a representative may propose: field name -> label.
FIELDS = {
    "summary": "Summary",
    "website": "Website",
    "hq_country": "Headquarters country",
}


class CorrectionError(ValueError):
    """A correction that cannot be proposed or decided, with the reason in words."""


def current_values(provider: Provider) -> dict[str, str]:
    return {name: str(getattr(provider, name) or "") for name in FIELDS}


def propose(
    provider: Provider, user, proposed: dict[str, str], services_note: str, sites_note: str
) -> Correction:
    """Record the differences between ``proposed`` and the record as stored (nothing else)."""
    provider = Provider.objects.get(pk=provider.pk)  # a form may have changed the instance
    before = current_values(provider)
    changes = {
        name: [before[name], str(proposed[name] or "")]
        for name in FIELDS
        if name in proposed and str(proposed[name] or "") != before[name]
    }
    if not changes and not services_note.strip() and not sites_note.strip():
        raise CorrectionError(
            "Nothing to send: change at least one field, or describe a correction to "
            "the services or sites."
        )
    return Correction.objects.create(
        provider=provider,
        proposed_by=user,
        changes=changes,
        services_note=services_note.strip(),
        sites_note=sites_note.strip(),
    )


def rows(correction: Correction) -> list[tuple[str, str, str, str]]:
    """(label, value when proposed, proposed value, value now) per changed field."""
    now = current_values(correction.provider)
    return [
        (FIELDS.get(name, name), old, new, now.get(name, ""))
        for name, (old, new) in correction.changes.items()
    ]


def conflicts(correction: Correction) -> list[str]:
    now = current_values(correction.provider)
    return [
        FIELDS.get(name, name)
        for name, (old, _new) in correction.changes.items()
        if now.get(name, "") != old
    ]


def decide(correction: Correction, curator, accept: bool, note: str = "") -> Correction:
    """Accept (apply the changes, recorded in the history as the curator's) or reject."""
    with transaction.atomic(), deferred_refresh():
        correction = (
            Correction.objects.select_for_update()
            .select_related("provider", "proposed_by")
            .get(pk=correction.pk)
        )
        if correction.status != Decision.PENDING:
            raise CorrectionError(f"This correction was already {correction.status}.")
        provider = Provider.objects.select_for_update().get(pk=correction.provider_id)
        correction.provider = provider
        if accept:
            clashing = conflicts(correction)
            if clashing:
                raise CorrectionError(
                    "The record changed since this correction was proposed "
                    f"({', '.join(clashing)}): nothing was applied. Edit the record by hand "
                    "and reject the correction, or ask the representative to propose again."
                )
            if correction.changes:
                for name, (_old, new) in correction.changes.items():
                    setattr(provider, name, new)
                others = [f.name for f in Provider._meta.fields if f.name not in correction.changes]
                try:
                    provider.full_clean(exclude=others)
                except ValidationError as error:
                    problems = "; ".join(
                        f"{FIELDS.get(name, name)}: {' '.join(texts)}"
                        for name, texts in error.message_dict.items()
                    )
                    raise CorrectionError(
                        f"The proposed values are not valid now, so nothing was applied: {problems}"
                    ) from None
                provider._change_reason = (
                    f"Correction proposed by {correction.proposed_by}, accepted"
                )
                provider.save(update_fields=[*correction.changes, "updated_at"])
        correction.status = Decision.APPROVED if accept else Decision.REJECTED
        correction.decided_by = curator
        correction.decided_at = timezone.now()
        correction.decision_note = note
        correction.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if correction.proposed_by.email:
            verdict = "accepted and published" if accept else "not accepted"
            text = f"Your correction to {provider.name} was {verdict}.\n"
            if note:
                text += f"\nThe curator's note: {note}\n"
            mail.send(
                [correction.proposed_by.email],
                f"Your correction to {provider.name}",
                text,
                reason="correction_decided",
            )
    return correction


def confirm(provider: Provider, user) -> ProviderConfirmation:
    """The representative confirms the record as accurate: "confirmed by the provider"."""
    with transaction.atomic(), deferred_refresh():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        if Correction.objects.filter(provider=provider, status=Decision.PENDING).exists():
            raise CorrectionError(
                "A correction to this record is waiting for a curator: confirm the record "
                "once it is decided."
            )
        provider.state = VerificationState.CONFIRMED
        provider.state_on = timezone.localdate()
        provider.checked_by = None
        provider._change_reason = f"Confirmed as accurate by {user}, for the provider"
        provider.save(update_fields=["state", "state_on", "checked_by", "updated_at"])
        return ProviderConfirmation.objects.create(provider=provider, user=user)
