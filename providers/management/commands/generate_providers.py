import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from providers.devdata.synthetic import generate


class Command(BaseCommand):
    help = (
        "Replace all synthetic providers with N new ones (deterministic for a seed). "
        "Curated and demo records are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many synthetic providers to create.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count: int, seed: int, **options):
        if count < 0 or count > 2_000_000:
            raise CommandError("N must be between 0 and 2,000,000.")
        started = time.monotonic()
        with tqdm(total=count, unit="providers", disable=options["verbosity"] < 1) as bar:
            written = generate(count, seed=seed, progress=bar.update)
        self.stdout.write(
            f"{written} synthetic providers (seed {seed}) in {time.monotonic() - started:.1f} s."
        )
