"""Alerts, run by the task worker on the schedule (``providers/mail/schedule.py``).

- **Saved searches**: a search with alerts on keeps the providers it already matched
  (``known_ids``, taken when it is saved or switched on); a digest names the published
  providers that match it now and were not known, then knows them too.
- **Shortlisted providers**: each entry keeps what the last run saw of its record
  (published or not, its sites, its inspections); a digest lists what changed since: a
  new inspection outcome, a site added or removed, the record withdrawn (or back).

One message per user per run, through the outbox, with a link to manage alerts and a
one-click unsubscribe. Each user's part runs in its own transaction with its rows locked,
so two workers running the job at once never send one change twice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from providers import mail
from providers.accounts.models import AlertSettings, SavedSearch, ShortlistEntry
from providers.models import PUBLISHED, Provider, Site
from providers.regulatory import Inspection

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "accounts.alerts.unsubscribe"
MAX_LISTED = 20  # providers named per saved search in one digest


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)


def set_shortlist_alerts(user, on: bool) -> None:
    """Switch alerts on shortlisted providers; switched on again, they start from the
    records as they are then (changes made while they were off are not sent late)."""
    with transaction.atomic():
        row, _ = AlertSettings.objects.select_for_update().get_or_create(user=user)
        if on and not row.shortlist_changes:
            ShortlistEntry.objects.filter(user=user).update(seen={})
        row.shortlist_changes = on
        row.save(update_fields=["shortlist_changes", "updated_at"])


def unsubscribe_all(user_id: int) -> None:
    with transaction.atomic():
        AlertSettings.objects.update_or_create(
            user_id=user_id, defaults={"shortlist_changes": False}
        )
        SavedSearch.objects.filter(user_id=user_id).update(alerts=False)


def _matching_ids(query_string: str) -> list[int]:
    from providers.directory.bitsets import positions_from_bits
    from providers.directory.facets import matching
    from providers.directory.index import get_index
    from providers.directory.query import DirectoryForm

    index = get_index()
    query = DirectoryForm(QueryDict(query_string), index=index).query()
    _text, _active, result = matching(index, query)
    return [index.ids[position] for position in positions_from_bits(result)]


def baseline(search: SavedSearch) -> None:
    """What the search matches now is known: only later matches are announced."""
    search.known_ids = _matching_ids(search.query)
    search.save(update_fields=["known_ids"])


def snapshots(provider_ids) -> dict[int, dict]:
    """What a buyer's alert compares, per provider: published, sites, inspections."""
    seen: dict[int, dict] = {
        pk: {
            "published": status == PUBLISHED,
            "name": name,
            "slug": slug,
            "sites": {},
            "inspections": {},
        }
        for pk, status, name, slug in Provider.objects.filter(pk__in=provider_ids).values_list(
            "pk", "status", "name", "slug"
        )
    }
    for provider_id, pk, name, city, country in Site.objects.filter(
        provider_id__in=provider_ids
    ).values_list("provider_id", "pk", "name", "city", "country"):
        seen[provider_id]["sites"][str(pk)] = ", ".join(
            part for part in (name, city, country) if part
        )
    inspections = Inspection.objects.filter(site__provider_id__in=provider_ids).select_related(
        "site"
    )
    for inspection in inspections:
        seen[inspection.site.provider_id]["inspections"][str(inspection.pk)] = (
            f"{inspection.get_authority_display()} inspection of {inspection.site.name} "
            f"ending {inspection.end_date:%Y-%m-%d}: {inspection.get_outcome_display()}"
        )
    return seen


def changes(before: dict, now: dict | None) -> list[str]:
    """What a buyer cares about that changed between two snapshots, in words."""
    if now is None:
        return ["The record was removed from the directory."]
    found = []
    if before.get("published") and not now["published"]:
        found.append("The record was withdrawn from the directory.")
    elif before.get("published") is False and now["published"]:
        found.append("The record is published again.")
    old_sites, new_sites = before.get("sites", {}), now["sites"]
    found += [f"Site added: {new_sites[k]}" for k in new_sites if k not in old_sites]
    found += [f"Site removed: {old_sites[k]}" for k in old_sites if k not in new_sites]
    old_inspections = before.get("inspections", {})
    found += [
        f"New inspection outcome: {text}"
        for k, text in now["inspections"].items()
        if k not in old_inspections
    ]
    return found


def run() -> dict:
    """Send every due digest; return counts. Safe to run on several workers at once."""
    User = get_user_model()
    wanting_searches = SavedSearch.objects.filter(alerts=True).values_list("user_id", flat=True)
    no_shortlist_alerts = AlertSettings.objects.filter(shortlist_changes=False).values_list(
        "user_id", flat=True
    )
    watching = ShortlistEntry.objects.exclude(user_id__in=no_shortlist_alerts).values_list(
        "user_id", flat=True
    )
    user_ids = sorted(set(wanting_searches) | set(watching))
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        try:
            sent += _run_for(user)
        except Exception:
            logger.exception("Alerts for user %s failed; the next run tries again", user.pk)
    return {"users": len(user_ids), "digests": sent}


def _run_for(user) -> int:
    with transaction.atomic():
        search_parts = []
        for search in SavedSearch.objects.select_for_update(skip_locked=True).filter(
            user=user, alerts=True
        ):
            matched = _matching_ids(search.query)
            known = set(search.known_ids)
            new_ids = [pk for pk in matched if pk not in known]
            if new_ids:
                listed = {
                    pk: (name, slug)
                    for pk, name, slug in Provider.objects.filter(
                        pk__in=new_ids[:MAX_LISTED]
                    ).values_list("pk", "name", "slug")
                }
                search_parts.append(
                    {
                        "search": search,
                        "url": settings.SITE_URL + search.get_absolute_url(),
                        "count": len(new_ids),
                        "providers": [
                            (
                                listed[pk][0],
                                settings.SITE_URL
                                + reverse("providers:detail", args=[listed[pk][1]]),
                            )
                            for pk in new_ids[:MAX_LISTED]
                            if pk in listed
                        ],
                    }
                )
                search.known_ids = sorted(known | set(matched))
                search.last_alert_at = timezone.now()
                search.save(update_fields=["known_ids", "last_alert_at"])

        provider_parts = []
        wants_changes = not AlertSettings.objects.filter(
            user=user, shortlist_changes=False
        ).exists()
        entries = list(
            ShortlistEntry.objects.select_for_update(skip_locked=True)
            .filter(user=user)
            .order_by("added_at", "id")
        )
        now = snapshots([entry.provider_id for entry in entries])
        for entry in entries:
            current = now.get(entry.provider_id)
            if not entry.seen:  # first look: nothing to compare with yet
                entry.seen = current or {}
                entry.save(update_fields=["seen"])
                continue
            found = changes(entry.seen, current)
            if found and wants_changes:
                provider_parts.append(
                    {
                        "name": (current or entry.seen).get("name", ""),
                        "url": settings.SITE_URL
                        + reverse(
                            "providers:detail", args=[(current or entry.seen).get("slug", "")]
                        ),
                        "changes": found,
                    }
                )
            if found:
                entry.seen = current or {}
                entry.save(update_fields=["seen"])

        if not (search_parts or provider_parts) or not user.email:
            return 0
        context = {
            "searches": search_parts,
            "providers": provider_parts,
            "manage_url": settings.SITE_URL + reverse("accounts:alerts"),
            "unsubscribe_url": settings.SITE_URL
            + reverse("accounts:unsubscribe", args=[unsubscribe_token(user.pk)]),
        }
        subject = "Directory alerts: " + ", ".join(
            part
            for part in (
                f"{sum(p['count'] for p in search_parts)} new match(es)" if search_parts else "",
                f"{len(provider_parts)} shortlisted provider(s) changed" if provider_parts else "",
            )
            if part
        )
        mail.send(
            [user.email],
            subject,
            render_to_string("accounts/email/alert_digest.txt", context),
            html=render_to_string("accounts/email/alert_digest.html", context),
            reason="alert_digest",
        )
        return 1
