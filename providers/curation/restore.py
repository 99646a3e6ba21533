"""The provider's history page (one timeline over the provider, its services and sites)
and restore of an earlier state as a new, recorded change."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from providers.curation import history
from providers.derived import deferred_refresh
from providers.interchange.format import COLUMNS
from providers.interchange.importing import sync_provider
from providers.interchange.records import ReferenceLookup, load_records
from providers.interchange.writing import record_to_cells


class HistoryViews:
    """The provider admin's history and restore views (mixed into ProviderAdmin)."""

    def history_view(self, request, object_id, extra_context=None):
        # Permission first: a refusal must not tell whether the provider exists.
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied
        provider = self.get_object(request, unquote(object_id))
        if provider is None:  # unknown or malformed id: say so, as the change view does
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        extra = {
            **(extra_context or {}),
            "timeline": history.timeline(provider),
            "can_restore": self.has_change_permission(request, provider),
        }
        return super().history_view(request, object_id, extra)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def restore_view(self, request, object_id, kind: str, history_id: int):
        """Restore the whole provider (fields, links, services, sites) to a point in its history."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        provider = self.get_object(request, unquote(object_id))
        if provider is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, provider):
            raise PermissionDenied
        point = history.restore_point(kind, history_id, provider.pk)
        if point is None:
            return HttpResponse("No such version of this provider.", status=404)
        lookup = ReferenceLookup.load()
        missing: list[str] = []  # what the version names that the catalogue no longer holds
        record, checked_by_id = history.record_as_of(
            provider.pk, point.history_date, lookup, missing=missing
        )
        change_url = reverse("admin:providers_provider_change", args=[provider.pk])
        if record is None:
            self.message_user(request, "The provider did not exist at that point.", messages.ERROR)
            return HttpResponseRedirect(change_url)
        current = load_records([provider.pk], lookup)[provider.pk]
        # Evidence is not part of a restore: the record keeps the items whose claims it keeps.
        record = replace(
            record,
            evidence=frozenset(
                entry for entry in current.evidence if record.keeps_claim(entry.claim)
            ),
        )
        when = timezone.localtime(point.history_date)
        if request.method == "POST":
            from django.contrib.auth import get_user_model

            verifier = get_user_model().objects.filter(pk=checked_by_id).first()
            try:
                with transaction.atomic(), deferred_refresh():
                    changed = sync_provider(
                        provider,
                        record,
                        lookup,
                        current,
                        user=request.user,
                        reason=f"Restored to the version of {when:%Y-%m-%d %H:%M:%S}",
                        checked_by=verifier,
                    )
            except DatabaseError as error:
                self.message_user(request, f"Nothing was restored: {error}", messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                f"Restored {provider} to the version of {when:%Y-%m-%d %H:%M:%S}"
                + (f" ({', '.join(changed)} changed)." if changed else " (nothing had changed).")
                + (f" Left out: {'; '.join(missing)}." if missing else ""),
                messages.WARNING if missing else messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        before = dict(zip(COLUMNS, record_to_cells(current, lookup), strict=True))
        after = dict(zip(COLUMNS, record_to_cells(record, lookup), strict=True))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": provider,
            "title": f"Restore {provider} to {when:%Y-%m-%d %H:%M:%S}",
            "when": when,
            "missing": missing,
            "rows": [
                (column, before[column], after[column])
                for column in record.changed_columns(current)
            ],
        }
        return TemplateResponse(request, "admin/providers/provider/restore.html", context)
