from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.devdata.fda_sample import write_sample


class Command(BaseCommand):
    help = (
        "Write a synthetic FDA inspection classification export (CSV) for timing "
        "import_fda_inspections; its FEI numbers come from the synthetic sites."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, file: Path, rows: int, seed: int, **options):
        if rows < 1:
            raise CommandError("--rows must be 1 or more.")
        used = write_sample(file, rows, seed)
        self.stdout.write(f"Wrote {rows:,} rows to {file} ({used:,} FEI numbers of sites).")
