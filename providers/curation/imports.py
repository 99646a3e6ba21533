"""The import wizard: upload a CSV/XLSX file, preview what it would create, update or
leave unchanged (every error with row and column), then confirm. The checked file waits
in the default file storage between preview and confirmation (its key is kept in the
curator's session); confirming hands it to the task worker, which checks it again and
writes it in one transaction, all or nothing, while a status page shows its progress."""

import datetime
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from providers.curation.forms import ImportForm
from providers.interchange.background import run_import
from providers.interchange.format import COLUMNS
from providers.interchange.importing import plan_import
from providers.models import ImportStatus, ProviderImport

PENDING_IMPORT = "provider_import"
PENDING_FOLDER = "provider-imports"
# A checked file nobody confirmed within this time is deleted.
ABANDONED_AFTER = datetime.timedelta(days=1)
# A running import whose progress has not moved for this long lost its worker (a running
# import records a heartbeat every 30 seconds); it may be tried again.
STALLED_AFTER = datetime.timedelta(minutes=10)
# Imports listed on the upload page.
RECENT_IMPORTS = 10


def forget_abandoned_imports() -> int:
    """Delete checked import files whose preview was left unconfirmed; return how many.

    Files of confirmed imports (waiting for the worker, or kept after a failure to be
    tried again) are not abandoned."""
    if not default_storage.exists(PENDING_FOLDER):
        return 0
    cutoff = timezone.now() - ABANDONED_AFTER
    confirmed = set(
        ProviderImport.objects.exclude(stored_path="").values_list("stored_path", flat=True)
    )
    removed = 0
    for name in default_storage.listdir(PENDING_FOLDER)[1]:
        path = f"{PENDING_FOLDER}/{name}"
        if path in confirmed:
            continue
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
        context["recent_imports"] = ProviderImport.objects.select_related("requested_by")[
            :RECENT_IMPORTS
        ]
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
        request.session[PENDING_IMPORT] = {
            "token": token,
            "path": stored,
            "filename": filename,
            "rows": len(plan.rows),
        }
        return token

    def _drop_pending(self, request) -> None:
        pending = request.session.pop(PENDING_IMPORT, None)
        if pending:
            default_storage.delete(pending["path"])

    def _confirm_import(self, request, context):
        """Hand the checked file to the task worker and show the import's status page."""
        pending = request.session.get(PENDING_IMPORT)
        if not pending or pending["token"] != request.POST.get("token"):
            self.message_user(
                request, "That import is no longer waiting; upload the file again.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:providers_provider_import"))
        # From here the file belongs to the import, which deletes it when it finishes.
        del request.session[PENDING_IMPORT]
        job = ProviderImport.objects.create(
            filename=pending["filename"],
            stored_path=pending["path"],
            requested_by=request.user,
            rows_total=pending.get("rows", 0),
        )
        self._enqueue(request, job)
        return HttpResponseRedirect(status_url(job))

    def _enqueue(self, request, job: ProviderImport) -> None:
        try:
            result = run_import.enqueue(job.pk)
        except DatabaseError as error:
            ProviderImport.objects.filter(pk=job.pk).update(
                status=ImportStatus.FAILED,
                file_errors=[f"The import could not be queued for the task worker: {error}"],
                error_count=1,
                updated_at=timezone.now(),
            )
            return
        ProviderImport.objects.filter(pk=job.pk).update(task_id=str(result.id))

    def import_status_view(self, request, import_id: int):
        """One confirmed import: its progress while it runs, then its counts or its errors."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        job = ProviderImport.objects.select_related("requested_by").filter(pk=import_id).first()
        if job is None:
            raise Http404("No such import.")
        stalled = job.status in (ImportStatus.PLANNING, ImportStatus.WRITING) and (
            timezone.now() - job.updated_at > STALLED_AFTER
        )
        can_retry = bool(job.stored_path) and (job.status == ImportStatus.FAILED or stalled)
        can_cancel = bool(job.stored_path) and job.status == ImportStatus.QUEUED
        if request.method == "POST":
            if "retry" in request.POST and can_retry:
                ProviderImport.objects.filter(pk=job.pk).update(
                    status=ImportStatus.QUEUED,
                    file_errors=[],
                    errors=[],
                    error_count=0,
                    rows_planned=0,
                    rows_written=0,
                    started_at=None,
                    finished_at=None,
                    updated_at=timezone.now(),
                )
                self._enqueue(request, job)
            elif ("discard" in request.POST and can_retry) or (
                "cancel" in request.POST and can_cancel
            ):
                self._discard(request, job)
            return HttpResponseRedirect(status_url(job))
        waiting_for = timezone.now() - job.created_at
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import of {job.filename}",
            "job": job,
            "stalled": stalled,
            "can_retry": can_retry,
            "can_cancel": can_cancel,
            "worker_late": job.status == ImportStatus.QUEUED
            and waiting_for > datetime.timedelta(minutes=1),
            "task_result_url": self._task_result_url(request, job),
        }
        return TemplateResponse(request, "admin/providers/provider/import_status.html", context)

    def _discard(self, request, job: ProviderImport) -> None:
        """Stop an import that has not started, or give up one that failed; write nothing."""
        who = request.user.get_username()
        changed = ProviderImport.objects.filter(pk=job.pk, status=job.status).update(
            status=ImportStatus.FAILED,
            stored_path="",
            file_errors=[f"Given up by {who}; nothing was written."],
            error_count=1,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if changed:
            default_storage.delete(job.stored_path)

    def _task_result_url(self, request, job: ProviderImport) -> str:
        """The task's own record in the admin, for administrators who may see it."""
        if not job.task_id or not request.user.has_perm("django_tasks_database.view_dbtaskresult"):
            return ""
        if not isinstance(run_import.get_backend(), DatabaseBackend):
            return ""
        return reverse("admin:django_tasks_database_dbtaskresult_change", args=[job.task_id])


def status_url(job: ProviderImport) -> str:
    return reverse("admin:providers_provider_import_status", args=[job.pk])
