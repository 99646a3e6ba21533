"""The background schedule: one task, ``tick``, that runs the periodic jobs and enqueues
itself again with ``run_after``.

Each run claims the schedule row with one conditional UPDATE (its next run must be due):
of two ticks due at once only one claims it, and the other ends without enqueueing
another, so duplicate chains collapse into one. The next tick is enqueued before the jobs
run, so a job that fails (or a worker killed mid-job) does not stop the schedule. If the
chain is lost altogether (its task row deleted, a database restored),
``manage.py start_schedule`` starts it again; ``make run`` calls it, and production runs it
after each deploy (it does nothing while a chain is alive).

Jobs: the outbox sweep (``outbox.requeue_due``) and those named in
``settings.SCHEDULED_JOBS`` (dotted paths of functions without arguments: alerts).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from providers.mail import outbox
from providers.mail.models import Schedule

logger = logging.getLogger(__name__)

NAME = "tick"
# A tick a little early (a worker's clock, the backend's polling) still claims its run.
EARLY = datetime.timedelta(seconds=5)


def interval() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SCHEDULE_INTERVAL_SECONDS)


def _enqueue(run_after: datetime.datetime | None) -> None:
    try:
        if run_after is not None and tick.get_backend().supports_defer:
            tick.using(run_after=run_after).enqueue()
        elif run_after is None:
            tick.enqueue()
    except Exception:
        logger.exception("Could not enqueue the next tick; start_schedule starts it again")


def claim(now: datetime.datetime) -> datetime.datetime | None:
    """Claim the due run; return the next run's time, or None when it was not due."""
    Schedule.objects.get_or_create(name=NAME, defaults={"next_run_at": now})
    next_run = now + interval()
    claimed = Schedule.objects.filter(name=NAME, next_run_at__lte=now + EARLY).update(
        next_run_at=next_run, last_run_at=now
    )
    return next_run if claimed else None


def run_jobs() -> dict:
    results = {"outbox_requeued": 0}
    try:
        results["outbox_requeued"] = outbox.requeue_due()
    except Exception:
        logger.exception("The outbox sweep failed")
    for path in settings.SCHEDULED_JOBS:
        try:
            results[path] = import_string(path)()
        except Exception:
            logger.exception("Scheduled job %s failed", path)
            results[path] = "failed"
    return results


@task
def tick() -> dict:
    next_run = claim(timezone.now())
    if next_run is None:
        return {"skipped": "another tick has this run"}
    _enqueue(next_run)
    return run_jobs()


def start(now: datetime.datetime | None = None) -> bool:
    """Start the chain unless one is alive (its next run not overdue); True if started."""
    now = now or timezone.now()
    row = Schedule.objects.filter(name=NAME).first()
    if row is not None and row.next_run_at > now - interval():
        return False
    Schedule.objects.update_or_create(name=NAME, defaults={"next_run_at": now})
    _enqueue(None)
    return True
