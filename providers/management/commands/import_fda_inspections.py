import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from providers.regulators.fda import apply_fda_plan, plan_fda_import


class Command(BaseCommand):
    help = (
        "Import the FDA Data Dashboard's inspection classifications (its spreadsheet export "
        "as CSV or XLSX, or its API's JSON; docs/regulator-data.md). Rows attach to sites by "
        "FEI number; rows whose FEI is on no site wait for a curator to confirm the site. "
        "The whole file is checked first; a file with any error writes nothing."
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
        with tqdm(desc="Checking", unit="rows", disable=quiet) as bar:
            plan = plan_fda_import(file.read_bytes(), file.name, progress=bar.update)
        problems = [*plan.file_errors, *plan.errors]
        for problem in problems[:max_errors]:
            if isinstance(problem, str):
                self.stderr.write(problem)
            else:
                value = f" ({problem.value!r})" if problem.value else ""
                self.stderr.write(
                    f"Row {problem.row}, column {problem.column}: {problem.message}{value}"
                )
        if len(problems) > max_errors:
            self.stderr.write(
                f"... and {len(problems) - max_errors:,} more problem(s), not listed "
                f"(--max-errors {max_errors})."
            )
        if not plan.ok:
            raise CommandError(
                f"Nothing was imported: {len(problems)} problem(s) in "
                f"{plan.rows_with_errors or 'the'} row(s) of {file.name}."
            )
        counts = plan.counts
        summary = (
            f"{counts['rows']} rows, {counts['inspections']} inspections: "
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged, {counts['unmatched']} waiting for a curator to "
            f"match {plan.unmatched_feis} FEI number(s) to a site"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}.")
            return
        try:
            writes = counts["create"] + counts["update"]
            with tqdm(total=writes, desc="Writing", unit="rows", disable=quiet) as bar:
                apply_fda_plan(
                    plan,
                    user=actor,
                    reason=f"Imported FDA inspections from {file.name}",
                    progress=bar.update,
                )
        except DatabaseError as error:
            raise CommandError(f"Nothing was imported; the database refused: {error}") from None
        self.stdout.write(f"Imported {file.name}: {summary} in {time.monotonic() - started:.1f} s.")
