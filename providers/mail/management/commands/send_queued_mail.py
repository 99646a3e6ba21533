from django.core.management.base import BaseCommand

from providers.mail.outbox import requeue_due


class Command(BaseCommand):
    help = (
        "Enqueue the delivery of every queued message whose attempt is overdue (a task lost "
        "with a worker, or a retry a task backend could not defer). The task worker sends them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="Include messages due now, with no grace period."
        )

    def handle(self, *args, now: bool, **options):
        import datetime

        grace = datetime.timedelta(0) if now else None
        count = requeue_due(**({"grace": grace} if grace is not None else {}))
        self.stdout.write(f"{count} overdue message(s) enqueued.")
