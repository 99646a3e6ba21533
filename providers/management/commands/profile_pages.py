import cProfile
import io
import pstats
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from providers.devdata import benchmark
from providers.models import Provider

PAGES = ("fragment", "page", "provider", "explorer", "api-list", "api-record")


class Command(BaseCommand):
    help = (
        "CPU time per request, per page type, in this process (no server, no load driver): "
        "the benchmark's URL mix through Django's test client, each page type a few rounds, "
        "the best kept. Repeatable on a busy machine where requests per second are not; run "
        "it on the benchmark's database (DATABASE_URL) with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="*", help=f"Some of: {', '.join(PAGES)} (all).")
        parser.add_argument("--requests", type=int, default=200, help="URLs per page type.")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument("--profile", choices=PAGES, help="cProfile this page type.")

    def handle(self, *args, pages, requests, rounds, seed, profile, **options):
        unknown = set(pages) - set(PAGES)
        if unknown:
            raise CommandError(f"Unknown page type {', '.join(sorted(unknown))}: {PAGES}.")
        from providers.api.models import ApiKey

        client = Client()
        slugs = list(
            Provider.objects.published().order_by("id").values_list("slug", flat=True)[:3000]
        )
        if not slugs:
            raise CommandError("No published provider: load the demo or generate providers.")
        random.Random(seed).shuffle(slugs)
        slugs = (slugs * (requests // len(slugs) + 1))[:requests]
        key = ApiKey(name="profile_pages", owner="manage.py profile_pages", rate_per_minute=10**9)
        secret = key.issue()
        key.save()
        api = {"X-API-Key": secret}
        scenarios = {
            "fragment": (benchmark.directory_mix(requests, seed + 1), {"HX-Request": "true"}),
            "page": (benchmark.directory_mix(requests, seed), {}),
            "provider": ([f"/providers/{slug}/" for slug in slugs], {}),
            "explorer": (["/lifecycle/"] * requests, {}),
            "api-list": (benchmark.api_mix(requests, seed + 2), api),
            "api-record": ([f"/api/v1/providers/{slug}" for slug in slugs], api),
        }
        try:
            client.get("/providers/")  # the index, built once
            for name in pages or PAGES:
                urls, headers = scenarios[name]
                for url in urls:  # warm: text matches cached, markup built, as a server's
                    client.get(url, headers=headers)
                best = min(self.run(client, urls, headers) for _ in range(max(1, rounds)))
                self.stdout.write(f"{name:11s} {best / len(urls) * 1000:6.2f} ms CPU per request")
                if name == profile:
                    profiler = cProfile.Profile()
                    profiler.enable()
                    self.run(client, urls, headers)
                    profiler.disable()
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
                    self.stdout.write(out.getvalue())
        finally:
            key.delete()

    def run(self, client, urls, headers) -> float:
        started = time.process_time()
        for url in urls:
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}.")
        return time.process_time() - started
