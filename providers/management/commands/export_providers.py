from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from providers.interchange.records import ReferenceLookup, iter_records
from providers.interchange.writing import write_csv, write_xlsx
from providers.models import Provider


class Command(BaseCommand):
    help = "Export providers to a CSV or XLSX file in the interchange format."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Where to write; .csv or .xlsx.")
        parser.add_argument(
            "--status",
            choices=[value for value, _ in Provider.Status.choices],
            help="Only providers with this status.",
        )

    def handle(self, *args, file: Path, status: str | None, **options):
        if file.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("The file name must end in .csv or .xlsx.")
        providers = Provider.objects.order_by("name", "pk")
        if status:
            providers = providers.filter(status=status)
        ids = list(providers.values_list("pk", flat=True))
        bar = tqdm(total=len(ids), unit="providers", disable=options["verbosity"] < 1)
        lookup = ReferenceLookup.load()
        records = (bar.update(1) or record for record in iter_records(ids, lookup))
        with bar:
            if file.suffix.lower() == ".csv":
                with file.open("w", encoding="utf-8", newline="") as stream:
                    write_csv(records, lookup, stream)
            else:
                with file.open("wb") as stream:
                    write_xlsx(records, lookup, stream)
        self.stdout.write(f"Exported {len(ids)} providers to {file}.")
