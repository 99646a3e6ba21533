from django.core.management.base import BaseCommand

from providers.mail import schedule


class Command(BaseCommand):
    help = (
        "Start the background schedule (outbox sweep, alerts) in the task worker, unless it "
        "is already running. Safe to run any number of times, e.g. after every deploy."
    )

    def handle(self, *args, **options):
        if schedule.start():
            self.stdout.write("Schedule started: the task worker runs it.")
        else:
            self.stdout.write("The schedule is already running.")
