from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from providers import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_directory into a database: by default the "
        "configured one, or the one --database-url names (created when missing). Refuses a "
        "database that holds anything unless --replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup made by backup_directory")
        parser.add_argument(
            "--database-url",
            help="postgresql://... of the database to restore into (default: the app's own)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="drop everything in the target database first (take a backup of it before)",
        )

    def handle(self, *args, file: str, database_url: str | None, replace: bool, **options):
        try:
            if database_url:
                target = backup.settings_from_url(database_url)
            else:
                target = connections["default"].settings_dict
            backup.restore(Path(file), target, replace=replace)
            counts = backup.table_counts(target)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {file} into {target['NAME']}: "
            f"{counts.get('providers_provider', 0)} providers, "
            f"{len(counts)} tables, {sum(counts.values())} rows."
        )
