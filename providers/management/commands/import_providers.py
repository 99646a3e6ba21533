import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from providers.interchange.importing import apply_plan, plan_import


class Command(BaseCommand):
    help = (
        "Import providers from a CSV or XLSX file in the interchange format "
        "(docs/import-format.md). The whole file is checked first; a file with any error "
        "writes nothing, and an error-free file is written in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )
        parser.add_argument(
            "--user", help="User name recorded in history as having made the changes."
        )
        parser.add_argument(
            "--max-errors", type=int, default=50, help="How many errors to list (default 50)."
        )

    def handle(self, *args, file: Path, dry_run: bool, user: str | None, **options):
        max_errors = options["max_errors"]
        if max_errors < 0:
            raise CommandError("--max-errors must be 0 or more.")
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        quiet = options["verbosity"] < 1
        started = time.monotonic()
        data = file.read_bytes()
        with tqdm(desc="Checking", unit="rows", disable=quiet) as bar:
            plan = plan_import(data, file.name, progress=bar.update)
        messages = [*plan.file_errors, *plan.errors]
        for error in messages[:max_errors]:
            if isinstance(error, str):
                self.stderr.write(error)
            else:
                column = f", column {error.column}" if error.column else ""
                self.stderr.write(f"Row {error.row}{column}: {error.message}")
        if len(messages) > max_errors:
            self.stderr.write(
                f"... and {len(messages) - max_errors:,} more problem(s), not listed "
                f"(--max-errors {max_errors})."
            )
        if not plan.ok:
            raise CommandError(
                f"Nothing was imported: {len(plan.errors) + len(plan.file_errors)} problem(s) "
                f"in {plan.rows_with_errors or 'the'} row(s) of {file.name}."
            )
        counts = plan.counts
        summary = (
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}.")
            return
        writes = counts["create"] + counts["update"]
        try:
            with tqdm(total=writes, desc="Writing", unit="rows", disable=quiet) as bar:
                apply_plan(
                    plan, user=actor, reason=f"Imported from {file.name}", progress=bar.update
                )
        except DatabaseError as error:
            raise CommandError(f"Nothing was imported; the database refused: {error}") from None
        self.stdout.write(f"Imported {file.name}: {summary} in {time.monotonic() - started:.1f} s.")
