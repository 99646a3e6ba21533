from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from providers import backup


class Command(BaseCommand):
    help = (
        "Back up the directory database (providers, catalogue, history, accounts) to one "
        "pg_dump custom-format file. Safe while the app is serving."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup, e.g. directory.dump")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace the file if it exists"
        )
        parser.add_argument("--database", default="default", help="database alias to back up")

    def handle(self, *args, file: str, overwrite: bool, database: str, **options):
        if database not in connections:
            raise CommandError(f"There is no database called {database!r} in the settings.")
        settings_dict = connections[database].settings_dict
        target = Path(file)
        try:
            backup.backup(settings_dict, target, overwrite=overwrite)
            counts = backup.table_counts(settings_dict)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        size = target.stat().st_size
        self.stdout.write(
            f"Backed up {settings_dict['NAME']} to {target} ({size / 1024:.0f} KB): "
            f"{counts.get('providers_provider', 0)} providers, "
            f"{len(counts)} tables, {sum(counts.values())} rows."
        )
