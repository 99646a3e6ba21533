"""Confirmed imports, run by the task worker with their progress recorded.

The admin's confirm step stores a ``ProviderImport`` and enqueues ``run_import``; the
worker checks the file again (the directory may have changed since the preview) and
writes it with ``apply_plan``, all or nothing in one transaction. Progress (rows
checked, rows written) is written from a thread of its own, on its own database
connection, so the curator's status page sees it while the import's transaction is
still open. A file with problems is refused and deleted; any other failure keeps the
file so the import can be tried again, and fails the task so administrators see it.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.files.storage import default_storage
from django.db import DatabaseError, connections
from django.tasks import task
from django.utils import timezone

from providers.interchange.importing import apply_plan, plan_import
from providers.models import ImportStatus, ProviderImport

logger = logging.getLogger(__name__)

# Cell problems kept on the import for its status page (the rest are counted).
KEPT_ERRORS = 1000


class ImportFailed(Exception):
    """The import could not run for a reason other than the file's content."""


class ProgressWriter:
    """Writes an import's progress every ``interval`` seconds from a thread of its own.

    The thread's database connection commits each update at once, even while the
    import's own transaction is open. Without news it still touches ``updated_at`` every
    ``heartbeat`` seconds, so a status page can tell a long step from a dead worker.
    """

    def __init__(self, import_id: int, interval: float = 0.5, heartbeat: float = 30.0):
        self.import_id = import_id
        self.interval = interval
        self.heartbeat = heartbeat
        self._fields: dict = {}
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-progress", daemon=True)

    def __enter__(self) -> ProgressWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._finished.set()
        self._thread.join()

    def set(self, **fields) -> None:
        with self._lock:
            self._fields.update(fields)

    def _run(self) -> None:
        last_write = time.monotonic()
        try:
            while True:
                finished = self._finished.wait(self.interval)
                with self._lock:
                    fields, self._fields = self._fields, {}
                if fields or time.monotonic() - last_write >= self.heartbeat:
                    self._write(fields)
                    last_write = time.monotonic()
                if finished:
                    return
        finally:
            connections.close_all()  # this thread's own connections

    def _write(self, fields: dict) -> None:
        try:
            ProviderImport.objects.filter(pk=self.import_id).update(
                **fields, updated_at=timezone.now()
            )
        except DatabaseError:
            logger.warning("Could not record the progress of import %s", self.import_id)


@task
def run_import(import_id: int) -> dict:
    """Check and write one confirmed import; return its counts (or a note when skipped)."""
    started = timezone.now()
    claimed = ProviderImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.PLANNING, started_at=started, updated_at=started
    )
    if not claimed:
        # Already run (a second enqueue of the same import), or discarded meanwhile.
        return {"skipped": import_id}
    job = ProviderImport.objects.get(pk=import_id)
    try:
        return _run(job)
    except Exception as error:
        _record_failure(job, error)
        raise


def _run(job: ProviderImport) -> dict:
    try:
        with default_storage.open(job.stored_path, "rb") as stored:
            data = stored.read()
    except (OSError, ValueError) as error:
        raise ImportFailed(
            "The uploaded file is not in the file storage, so nothing was written. "
            "The task worker must use the same file storage (MEDIA_ROOT) as the app servers."
        ) from error

    with ProgressWriter(job.pk) as progress:
        checked = 0

        def row_checked(count: int) -> None:
            nonlocal checked
            checked += count
            progress.set(rows_planned=checked)

        plan = plan_import(data, job.filename, progress=row_checked)
        if plan.ok:
            counts = plan.counts
            to_write = counts["create"] + counts["update"]
            progress.set(
                status=ImportStatus.WRITING,
                rows_planned=checked,
                rows_to_write=to_write,
                rows_written=0,
                counts=counts,
            )
            written = 0

            def rows_written(count: int) -> None:
                nonlocal written
                written += count
                progress.set(rows_written=written)

            try:
                apply_plan(
                    plan,
                    user=job.requested_by,
                    reason=f"Imported from {job.filename}",
                    progress=rows_written,
                )
            except DatabaseError as error:
                raise ImportFailed(
                    f"The database refused the import, so nothing was written: {error}"
                ) from error

    now = timezone.now()
    job.rows_planned = checked
    job.finished_at = now
    if not plan.ok:
        job.status = ImportStatus.REFUSED
        job.file_errors = list(plan.file_errors)
        job.errors = [
            {"row": e.row, "column": e.column, "message": e.message, "value": e.value}
            for e in plan.errors[:KEPT_ERRORS]
        ]
        job.error_count = len(plan.file_errors) + len(plan.errors)
        job.counts = {}
    else:
        job.status = ImportStatus.DONE
        job.counts = plan.counts
        job.rows_to_write = job.rows_written = counts["create"] + counts["update"]
    _forget_file(job)
    job.save()
    return job.counts if plan.ok else {"refused": job.error_count}


def _record_failure(job: ProviderImport, error: Exception) -> None:
    """Say on the import why it failed; the stored file stays for another try."""
    if isinstance(error, ImportFailed):
        message = str(error)
    else:
        message = (
            f"The import stopped with an unexpected error ({type(error).__name__}), so "
            "nothing was written. Administrators find the details among the task results."
        )
    try:
        ProviderImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            file_errors=[message],
            error_count=1,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    except DatabaseError:
        logger.exception("Could not record the failure of import %s", job.pk)


def _forget_file(job: ProviderImport) -> None:
    if job.stored_path:
        default_storage.delete(job.stored_path)
        job.stored_path = ""
