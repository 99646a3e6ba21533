"""The import wizard: upload a CSV/XLSX file, preview what it would create, update or
leave unchanged (every error with row and column), then confirm and write it in one
transaction, all or nothing. The checked file waits in the default file storage between
preview and confirmation; its key is kept in the curator's session."""

import datetime
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from providers.curation.forms import ImportForm
from providers.interchange.format import COLUMNS
from providers.interchange.importing import apply_plan, plan_import

PENDING_IMPORT = "provider_import"
PENDING_FOLDER = "provider-imports"
# A checked file nobody confirmed within this time is deleted.
ABANDONED_AFTER = datetime.timedelta(days=1)


def forget_abandoned_imports() -> int:
    """Delete checked import files whose preview was left unconfirmed; return how many."""
    if not default_storage.exists(PENDING_FOLDER):
        return 0
    cutoff = timezone.now() - ABANDONED_AFTER
    removed = 0
    for name in default_storage.listdir(PENDING_FOLDER)[1]:
        path = f"{PENDING_FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed


PREVIEW_ROWS = 500
# Problems listed on the import page (the rest are counted).
PREVIEW_ERRORS = 1000


class ImportViews:
    """The provider admin's import screens (mixed into ProviderAdmin)."""

    def import_view(self, request):
        """Upload -> preview (create / update / unchanged, every error) -> confirm -> write."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import providers",
            "columns": COLUMNS,
            "max_mb": settings.IMPORT_MAX_UPLOAD_BYTES / 1_048_576,
        }
        form = ImportForm()
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm_import(request, context)
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                plan = plan_import(upload.read(), upload.name)
                context["plan"] = plan
                if plan.ok:
                    context["token"] = self._keep_pending(request, upload.name, plan, upload)
        context["form"] = form
        self._add_preview(context)
        return TemplateResponse(request, "admin/providers/provider/import.html", context)

    def _add_preview(self, context) -> None:
        plan = context.get("plan")
        if plan is not None:
            context["counts"] = plan.counts
            context["preview_rows"] = [row for row in plan.rows if row.action != "unchanged"][
                :PREVIEW_ROWS
            ]
            # A bounded list, whole-file problems first (a header can have thousands).
            context["file_errors"] = plan.file_errors[:PREVIEW_ERRORS]
            context["errors"] = plan.errors[: PREVIEW_ERRORS - len(context["file_errors"])]
            shown = len(context["file_errors"]) + len(context["errors"])
            context["more_errors"] = len(plan.file_errors) + len(plan.errors) - shown

    def _keep_pending(self, request, filename: str, plan, upload) -> str:
        """Keep the checked file until the curator confirms (or uploads another)."""
        self._drop_pending(request)
        forget_abandoned_imports()
        token = secrets.token_urlsafe(16)
        upload.seek(0)
        stored = default_storage.save(f"{PENDING_FOLDER}/{token}", ContentFile(upload.read()))
        request.session[PENDING_IMPORT] = {"token": token, "path": stored, "filename": filename}
        return token

    def _drop_pending(self, request) -> None:
        pending = request.session.pop(PENDING_IMPORT, None)
        if pending:
            default_storage.delete(pending["path"])

    def _confirm_import(self, request, context):
        pending = request.session.get(PENDING_IMPORT)
        if not pending or pending["token"] != request.POST.get("token"):
            self.message_user(
                request, "That import is no longer waiting; upload the file again.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:providers_provider_import"))
        with default_storage.open(pending["path"], "rb") as stored:
            data = stored.read()
        # Check again: the directory may have changed since the preview.
        plan = plan_import(data, pending["filename"])
        if plan.ok:
            try:
                counts = apply_plan(plan, user=request.user)
            except DatabaseError as error:
                plan.file_errors.append(
                    f"The database refused the import, nothing was written: {error}"
                )
            else:
                self._drop_pending(request)
                self.message_user(
                    request,
                    f"Imported {pending['filename']}: {counts['create']} created, "
                    f"{counts['update']} updated, {counts['unchanged']} unchanged.",
                )
                return HttpResponseRedirect(reverse("admin:providers_provider_changelist"))
        self._drop_pending(request)
        context.update({"form": ImportForm(), "plan": plan})
        self._add_preview(context)
        return TemplateResponse(request, "admin/providers/provider/import.html", context)
