import argparse
import json
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from providers.devdata import benchmark
from providers.models import Provider

TARGETS = {
    # scenario: (minimum requests/s, maximum p95 ms or None); issues 7, 11 and 13
    "htmx fragment (mix)": (500, 50.0),
    "directory page (mix)": (400, None),
    "provider page": (500, None),
    "API provider list (mix)": (300, 50.0),
    "htmx fragment, fresh text searches, cache off": (300, 50.0),
}


def server_memory_mb(server_pid: int) -> dict[str, float]:
    """The memory, in MB, of gunicorn's master ``server_pid`` and its workers: a worker's
    resident memory (``rss``, pages it shares with the master counted whole), its
    proportional share (``pss``: each shared page divided among the processes sharing it)
    and its own (``uss``: pages no other process holds), the means of the workers; and the
    whole server's (``total``: the master's and the workers' proportional shares added,
    what the machine gives the server)."""
    workers = [Path(f"/proc/{pid}") for pid in worker_pids(server_pid)]
    sizes = [size for folder in workers if (size := _rollup(folder))]
    master = _rollup(Path(f"/proc/{server_pid}")) or {"pss": float("nan")}
    if not sizes:
        return {key: float("nan") for key in ("rss", "pss", "uss", "total")}
    mean = {key: sum(size[key] for size in sizes) / len(sizes) for key in ("rss", "pss", "uss")}
    return {**mean, "total": master["pss"] + sum(size["pss"] for size in sizes)}


def worker_pids(master_pid: int) -> set[int]:
    """gunicorn's workers under its master ``master_pid`` (Linux): its children that have
    not ended, but for a child building the index (``child_build``)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if (
                int(parent) == master_pid
                and state != "Z"  # ended, not yet reaped
                and b"child_build" not in stat.with_name("cmdline").read_bytes()
            ):
                found.add(int(stat.parent.name))
        except (OSError, ValueError):
            continue  # a process that ended meanwhile
    return found


def _rollup(folder: Path) -> dict[str, float] | None:
    """A process's resident, proportional and own memory in MB (Linux's smaps_rollup)."""
    try:
        text = (folder / "smaps_rollup").read_text()
    except OSError:
        return None
    kb = {}
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            kb[name] = int(value.split()[0])
    return {
        "rss": kb.get("Rss", 0) / 1024,
        "pss": kb.get("Pss", 0) / 1024,
        "uss": (kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)) / 1024,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Command(BaseCommand):
    help = (
        "Benchmark the directory at scale: build (or reuse) a database of synthetic providers, "
        "serve it with gunicorn on loopback and drive a seeded mix of buyer queries; write "
        "docs/performance.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=100_000)
        parser.add_argument("--duration", type=float, default=20.0, help="Seconds per scenario.")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "performance.md"))
        # The index got once by this process, its profile printed as JSON (index_profile
        # runs it in a process of its own).
        parser.add_argument("--index-profile", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument(
            "--sizes",
            default="",
            help="A size series instead of the full run: provider counts separated by commas "
            "(e.g. 10000,100000,1000000); each size has its own database (the benchmark's "
            "name with the size appended, generated once and kept), profiled and measured "
            "in turn.",
        )

    def handle(self, *args, **options):
        if options["index_profile"]:
            self.stdout.write(json.dumps(self.profile_here()))
            return None
        if options["sizes"]:
            return self.size_series(options)
        self.prepare_data(options["providers"])
        profile = self.index_profile()
        self.vocabulary = profile.pop("vocabulary")
        explain = self.explain()
        slugs = list(
            Provider.objects.published().order_by("?").values_list("slug", flat=True)[:3000]
        )
        self.api_key = self.bench_api_key()
        connection.close()

        results = self.measure(options, slugs, text_cache=True)
        uncached = self.measure(options, slugs, text_cache=False)
        writes = self.measure_writes(options, slugs)
        report = self.report(options, results, [*uncached, writes[0]], explain)
        report += self.writes_report(writes) + self.profile_report([profile])
        Path(options["output"]).write_text(report)
        self.stdout.write(report)
        self.stdout.write(f"Written to {Path(options['output']).name} in docs/.")

    # --- data -------------------------------------------------------------------------

    def prepare_data(self, count: int) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", verbosity=0)
        existing = Provider.objects.filter(is_synthetic=True).count()
        if existing != count:
            self.stdout.write(f"Generating {count} synthetic providers (once; reused later)...")
            call_command("generate_providers", count, seed=1, verbosity=0)
        else:
            self.stdout.write(f"Reusing the {existing} synthetic providers already here.")

    def bench_api_key(self) -> str:
        """A key for the API scenarios, with a rate no run reaches (the limit is tested
        elsewhere; here the cost of checking the key is part of each request)."""
        from providers.api.models import ApiKey

        ApiKey.objects.filter(name="benchmark").delete()
        key = ApiKey(name="benchmark", owner="make bench", rate_per_minute=10**9)
        secret = key.issue()
        key.save()
        return secret

    def explain(self) -> list[tuple[str, str]]:
        """EXPLAIN ANALYZE of the queries a directory request runs, on this database."""
        from providers.directory.index import INDEX_PARAMS, INDEX_SQL
        from providers.directory.loading import CARD_SQL
        from providers.directory.search import search_query

        plans = []
        some_ids = list(Provider.objects.published().values_list("id", flat=True)[:20])
        queries = [
            ("Facet index load (once per process and data change)", INDEX_SQL, INDEX_PARAMS),
            (
                "A page of results by id (every directory request)",
                CARD_SQL,
                [Provider.Status.PUBLISHED, some_ids],
            ),
            (
                "Text search for a common word, uncached ('peptide')",
                *search_query(["peptide"]),
            ),
            ("Text search for a misspelt name ('lonzza')", *search_query(["lonzza"])),
        ]
        with connection.cursor() as cursor:
            for title, sql, params in queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params)
                plans.append((title, "\n".join(row[0] for row in cursor.fetchall())))
        return plans

    # --- load -------------------------------------------------------------------------

    def start_server(self, workers: int, text_cache: bool):
        port = free_port()
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "CONN_MAX_AGE": "600",
            "DIRECTORY_TEXT_CACHE_SIZE": "512" if text_cache else "0",
            # Answers kept per address (providers/directory/kept_answers.py) are kept as
            # configured, and not at all in the uncached runs.
            "DIRECTORY_ANSWER_MEMO_SIZE": (
                str(settings.DIRECTORY_ANSWER_MEMO_SIZE) if text_cache else "0"
            ),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [
                str(gunicorn),
                "--config",
                "config/gunicorn.py",  # as production serves (docs/architecture.md, "Running")
                "config.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                # The master builds the index before it starts the workers; if that
                # failed, a worker builds its own in its first request: at a million
                # providers that takes longer than gunicorn's default 30 s.
                "--timeout",
                "900",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        return server, port

    def warm(self, port: int, workers: int) -> None:
        """Let every worker build its facet index before anything is timed: warm-up rounds
        until one has no request slower than 2 s (at most 15 minutes)."""
        deadline = time.monotonic() + 900
        while True:
            result = benchmark.run(
                "127.0.0.1",
                port,
                "warm-up",
                ["/providers/", "/lifecycle/"],
                connections=workers * 4,
                duration=4.0 * workers,
            )
            slowest = max(result.latencies, default=float("inf"))
            if (slowest < 2.0 and not result.errors) or time.monotonic() > deadline:
                return

    def measure(self, options, slugs: list[str], text_cache: bool) -> list[benchmark.Result]:
        workers, seconds, conns = options["workers"], options["duration"], options["connections"]
        server, port = self.start_server(workers, text_cache)
        try:
            self.warm(port, workers)
            run = lambda name, paths, **kw: self.timed(  # noqa: E731
                port, name, paths, connections=conns, duration=seconds, **kw
            )
            seed = options["seed"]
            if not text_cache:
                text_mix = benchmark.directory_mix(20_000, seed + 7, text_only=True)
                return [
                    run(
                        "htmx fragment, text searches, cache off",
                        text_mix,
                        headers={"HX-Request": "true"},
                    ),
                    run(
                        "htmx fragment, fresh text searches, cache off",
                        benchmark.fresh_text_mix(self.vocabulary, 40_000, seed + 8),
                        headers={"HX-Request": "true"},
                    ),
                ]
            random.Random(seed).shuffle(slugs)
            return [
                run("healthz", ["/healthz"]),
                run("directory page (mix)", benchmark.directory_mix(20_000, seed)),
                run(
                    "htmx fragment (mix)",
                    benchmark.directory_mix(20_000, seed + 1),
                    headers={"HX-Request": "true"},
                ),
                run("provider page", [f"/providers/{slug}/" for slug in slugs]),
                run("lifecycle explorer", ["/lifecycle/"]),
                run(
                    "API provider list (mix)",
                    benchmark.api_mix(20_000, seed + 2),
                    headers={"X-API-Key": self.api_key},
                ),
                run(
                    "API provider record",
                    [f"/api/v1/providers/{slug}" for slug in slugs],
                    headers={"X-API-Key": self.api_key},
                ),
            ]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    # --- reads during writes, the index's size --------------------------------------

    def measure_writes(self, options, slugs: list[str]):
        """The facet mix on two app servers (one worker each) while a curator saves a
        provider every second; each save carries a new word, and both servers are asked for
        it until they find it."""
        import threading

        from django.db import connections

        servers = [self.start_server(1, text_cache=True) for _ in range(2)]
        targets = [("127.0.0.1", port) for _server, port in servers]
        lags: list[float] = []
        missed: list[str] = []
        stop = threading.Event()

        def curator():
            rng = random.Random(options["seed"] + 9)
            # Words never used before, in this run or an earlier one on the same database (a
            # word repeated from an earlier run is in other providers' summaries too, and
            # past twenty of them the edited provider is not on the first page of its search).
            fresh = random.SystemRandom()
            try:
                while not stop.wait(1.0):
                    word = "edit" + "".join(fresh.choice("bcdfghjklmnpqrstvwxz") for _ in range(12))
                    provider = Provider.objects.get(slug=rng.choice(slugs))
                    provider.summary = f"{provider.summary.split(' Edited: ')[0]} Edited: {word}"
                    provider.save()
                    saved = time.perf_counter()
                    seen = True
                    for _host, port in targets:  # the later server's time is the edit's
                        url = f"http://127.0.0.1:{port}/providers/?q={word}"
                        while seen:
                            with urllib.request.urlopen(url, timeout=5) as answer:
                                if provider.slug in answer.read().decode():
                                    break
                            if time.perf_counter() - saved > 10:
                                seen = False
                            time.sleep(0.01)
                    if seen:
                        lags.append(time.perf_counter() - saved)
                    else:
                        missed.append(word)
            finally:
                connections.close_all()

        try:
            for _server, port in servers:
                self.warm(port, 1)
            editor = threading.Thread(target=curator, daemon=True)
            editor.start()
            self.stdout.write(f"  facet mix during edits: {options['duration']:.0f} s ...")
            result = benchmark.run_on(
                targets,
                "htmx fragment (mix) during edits, 2 servers",
                benchmark.directory_mix(20_000, options["seed"] + 3),
                headers={"HX-Request": "true"},
                connections=options["connections"],
                duration=options["duration"],
            )
            stop.set()
            editor.join(30)
        finally:
            for server, _port in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
        return result, lags, missed

    def writes_report(self, writes) -> str:
        result, lags, missed = writes
        ordered = sorted(lags)
        worst = ordered[-1] * 1000 if ordered else float("nan")
        median = ordered[len(ordered) // 2] * 1000 if ordered else float("nan")
        within = sum(1 for lag in lags if lag <= 1.0)
        ok = result.errors == 0 and result.percentile(0.99) <= 100 and not missed
        ok = ok and within == len(lags) and bool(lags)
        return "\n".join(
            [
                "",
                "## Reads during writes",
                "",
                "Two app servers (one gunicorn worker each) share the facet mix while a curator "
                "saves a provider every second (through the ORM, as the admin does), each save "
                "adding a new word to its summary; both servers are then searched for that word "
                "until it is found. Time to visible is from the save's commit to the answer that "
                "shows it, on the second server (the later one).",
                "",
                "| requests | failed | p50 ms | p95 ms | p99 ms | edits | visible within 1 s "
                "| median / worst time to visible ms | not seen within 10 s |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                f"| {len(result.latencies)} | {result.errors} | {result.p50:.1f} | "
                f"{result.percentile(0.95):.1f} | {result.percentile(0.99):.1f} | "
                f"{len(lags) + len(missed)} | {within} | {median:.0f} / {worst:.0f} | "
                f"{len(missed)} |",
                "",
                f"Target (p99 ≤ 100 ms, no errors, every edit in both servers within 1 s): "
                f"{'met' if ok else 'NOT met'}.",
                "",
            ]
        )

    def index_profile(self) -> dict:
        """Get the index once in a new process, as a server process gets it (built in a
        child process and read back, ``index.full_build``): how long it takes and how much
        memory it holds. Not here: what this process allocated and freed before (generating a size's
        data, an earlier size's index) would be reused by the build and hide its growth."""
        connection.close()
        found = subprocess.run(
            [sys.executable, "manage.py", "bench", "--index-profile"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        if found.returncode:
            raise CommandError(f"The index could not be profiled:\n{found.stderr}")
        return json.loads(found.stdout.strip().splitlines()[-1])

    def profile_here(self) -> dict:
        import gc

        from django.utils import timezone

        from providers.directory.index import full_build

        def resident() -> int:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
            return 0

        connection.ensure_connection()
        gc.collect()
        before = resident()
        started = time.perf_counter()
        index = full_build(timezone.localdate())
        seconds = time.perf_counter() - started
        gc.collect()
        grown = resident() - before
        connection.close()
        return {
            "providers": index.size,
            "build seconds": seconds,
            "resident MB": grown / 2**20,
            "estimate MB": index.nbytes() / 2**20,
            "vocabulary": list(index.words.sorted_words),
        }

    def profile_report(self, profiles: list[dict], results=None) -> str:
        lines = [
            "",
            "## The index per worker",
            "",
            "Got once by a process of its own as a server process gets it: built from one "
            "snapshot (facet bitsets, service table, word index) in a child process and read "
            "back. Time to get it, growth of the resident memory, and the index's own estimate "
            "of its structures.",
            "",
            "| published providers | build s | resident MB | estimate MB |",
            "| ---: | ---: | ---: | ---: |",
        ]
        for profile in profiles:
            lines.append(
                f"| {profile['providers']:,} | {profile['build seconds']:.2f} | "
                f"{profile['resident MB']:.0f} | {profile['estimate MB']:.0f} |"
            )
        return "\n".join([*lines, ""])

    def size_series(self, options) -> None:
        """For each size: generate, profile the index, measure the facet mix and fresh text
        searches (cache off); the table goes to docs/performance-sizes.md."""
        rows = []
        base = connection.settings_dict["NAME"]
        for size in [int(part) for part in options["sizes"].split(",") if part.strip()]:
            self.use_database(f"{base}_{size}")
            self.prepare_data(size)
            profile = self.index_profile()
            self.vocabulary = profile.pop("vocabulary")
            found = []
            for text_cache in (True, False):
                server, port = self.start_server(options["workers"], text_cache)
                try:
                    self.warm(port, options["workers"])
                    if text_cache:
                        paths = benchmark.directory_mix(20_000, options["seed"] + 1)
                        name = "htmx fragment (mix)"
                    else:
                        paths = benchmark.fresh_text_mix(self.vocabulary, 40_000, options["seed"])
                        name = "htmx fragment, fresh text searches, cache off"
                    found.append(
                        self.timed(
                            port,
                            name,
                            paths,
                            headers={"HX-Request": "true"},
                            connections=options["connections"],
                            duration=options["duration"],
                        )
                    )
                    if text_cache:  # with the answers the mix left kept
                        profile["memory"] = server_memory_mb(server.pid)
                finally:
                    server.send_signal(signal.SIGTERM)
                    server.wait(timeout=30)
            rows.append((profile, found))
        lines = [
            "# Performance by size",
            "",
            "Written by `manage.py bench --sizes ...`: for each size, the synthetic directory is "
            f"generated, the index got once by a process of its own, and gunicorn "
            f"({options['workers']} workers, {options['connections']} connections, "
            f"{options['duration']:.0f} s per scenario) measured on the htmx fragment.",
            f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"{os.cpu_count()} CPU cores.",
            "",
            "The index's time is from asking for it to holding it (the build, starting the "
            "child and reading the index back); its memory is the growth of a new process's "
            "resident memory as it gets "
            "the index the way a server process does (built in a child process and read back); "
            "a worker's memory is read after the facet mix (Django, the index, the answers it "
            "keeps; the mean of the workers): resident counts the pages it shares with the "
            "master whole (the index the master built before forking it, among them), "
            "proportional divides each shared page among the processes sharing it, own is "
            "what no other process holds; the server's is the master's and the workers' "
            "proportional memory added, what the machine gives the whole server.",
            "",
            "| published providers | index ready s | index resident MB "
            "| worker resident MB | worker proportional MB | worker own MB | server MB "
            "| facet mix /s | facet mix p95 ms | fresh text /s | fresh text p95 ms |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for profile, (mix, text) in rows:
            memory = profile["memory"]
            lines.append(
                f"| {profile['providers']:,} | {profile['build seconds']:.2f} | "
                f"{profile['resident MB']:.0f} | {memory['rss']:.0f} | {memory['pss']:.0f} | "
                f"{memory['uss']:.0f} | {memory['total']:.0f} | "
                f"{mix.rate:.0f} | {mix.percentile(0.95):.1f} | "
                f"{text.rate:.0f} | {text.percentile(0.95):.1f} |"
            )
        report = "\n".join([*lines, ""])
        output = Path(options["output"]).with_name("performance-sizes.md")
        output.write_text(report)
        self.stdout.write(report)

    def use_database(self, name: str) -> None:
        """Work on database ``name`` of the same server (created when missing), here and in
        the servers started after this: a size's data is generated once and kept, and
        another size never overwrites it."""
        import psycopg
        from psycopg import sql

        connection.close()
        with psycopg.connect(**self.server_params("postgres"), autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        connection.settings_dict["NAME"] = name
        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        os.environ["DATABASE_URL"] = urllib.parse.urlunsplit(url._replace(path=f"/{name}"))

    def server_params(self, dbname: str) -> dict:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        return {**params, "dbname": dbname}

    def timed(self, port, name, paths, **kwargs) -> benchmark.Result:
        self.stdout.write(f"  {name}: {kwargs['duration']:.0f} s ...")
        result = benchmark.run("127.0.0.1", port, name, paths, **kwargs)
        if result.errors:
            self.stdout.write(f"    {result.errors} failed requests: {result.statuses}")
        return result

    # --- report -----------------------------------------------------------------------

    def report(self, options, results, uncached, explain) -> str:
        baseline = results[0]
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        published = Provider.objects.published().count()
        total = Provider.objects.count()
        connection.close()

        def row(result, ratio=True):
            rate_ratio = result.rate / baseline.rate if baseline.rate else float("nan")
            p50_ratio = result.p50 / baseline.p50 if baseline.p50 else float("nan")
            return (
                f"| {result.name} | {len(result.latencies)} | {result.errors} | "
                f"{result.rate:.0f} | {result.p50:.1f} | {result.percentile(0.95):.1f} | "
                f"{result.percentile(0.99):.1f} | "
                + (f"{rate_ratio:.2f} | {p50_ratio:.1f} |" if ratio else "n/a | n/a |")
            )

        verdicts = []
        for result in [*results, *uncached]:
            if result.name in TARGETS:
                rate, p95 = TARGETS[result.name]
                ok = result.rate >= rate and (p95 is None or result.percentile(0.95) <= p95)
                goal = f"≥ {rate} requests/s" + (f", p95 ≤ {p95:.0f} ms" if p95 else "")
                verdicts.append(
                    f"| {result.name} | {goal} | {result.rate:.0f}/s, p95 "
                    f"{result.percentile(0.95):.1f} ms | {'met' if ok else 'NOT met'} |"
                )

        lines = [
            "# Performance",
            "",
            "Written by `make bench` (`manage.py bench`); every figure below comes from one run.",
            "",
            "## Method",
            "",
            f"- Data: {total:,} providers ({published:,} published), of which "
            f"{options['providers']:,} synthetic from `generate_providers` (seed 1) plus the demo "
            "directory.",
            f"- Server: gunicorn with `config/gunicorn.py` (the master builds the index its "
            f"{options['workers']} sync workers share), on loopback, `DEBUG` off, "
            f"PostgreSQL {pg_version}; {os.cpu_count()} CPU cores, shared by the server, the "
            "database and the load driver.",
            f"- Load: {options['connections']} concurrent connections in a closed loop for "
            f"{options['duration']:.0f} s per scenario (a new connection per request, as "
            "gunicorn's sync workers close them), driven by one asyncio process on uvloop, "
            "after a warm-up that lets each worker fill its caches.",
            "- Directory mix: URLs drawn from a seed over "
            f"{len(benchmark.SHAPES)} kinds of query (type, stage, phase, capability, modality, "
            "country, certification, industry, text, coverage range, sorts, deep pages and "
            "combinations), with values drawn at random. Most requests are a combination the "
            "server has not seen; simple shapes (one type, one stage, no filter with a sort) "
            "repeat, so that in a 10 s run about a third of a worker's requests ask for an "
            "address it answered before. Each worker keeps text-search match sets (up to 512 "
            "queries) and whole answers by address (up to `DIRECTORY_ANSWER_MEMO_SIZE`, 512, "
            "dropped when the data changes), so text searches are also measured with both "
            "off.",
            "- API: the provider list gets URLs drawn from the same kinds of query (first "
            "pages of 10 to 50 providers, a quarter of them with `counts=true`), sent with an "
            "API key (checked on every request) whose rate no run reaches.",
            "- Latency: time from sending the request to the last byte, queueing included. "
            "Ratios compare each scenario with `/healthz` from the same run.",
            "",
            "## Results",
            "",
            f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}.",
            "",
            "| scenario | requests | failed | requests/s | p50 ms | p95 ms | p99 ms | "
            "throughput vs healthz | p50 vs healthz |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *(row(result) for result in results),
            *(row(result) for result in uncached),
            "",
            "## Targets",
            "",
            "| scenario | target | measured | verdict |",
            "| --- | --- | --- | --- |",
            *verdicts,
            "",
            "## Why it is fast",
            "",
            "- Facet counts come from an in-process bitset index "
            "(`providers/directory/index.py`): one Python `int` per filter option over the "
            "published providers in name order (a page in verified order re-expresses its "
            "matching set in that order). A request ANDs and ORs a few dozen bitsets and counts "
            "bits; its only queries are the one-row version token and the page of providers by "
            "primary key. The index is brought up to date when the token changes (any "
            "buyer-visible edit).",
            "- The filterable values are denormalised into array columns on `providers_provider` "
            "(`providers/derived.py`, one UPDATE) with GIN indexes, which the index load, the "
            "admin and any SQL filtering use.",
            "- Text search is answered from an in-process word index built with the facet "
            "index (`providers/directory/wordindex.py`): postings per word as bitsets (common "
            "words) or provider ids (rare ones), prefixes and stems by binary search in the "
            "sorted vocabulary, typos corrected against the vocabulary; a search costs no "
            "query. PostgreSQL full-text search (plans below) remains for the admin.",
            "- A change is patched into each worker's index per changed provider, from a change "
            "log written by database triggers, instead of rebuilding it.",
            "- An answer asked for again is not computed again: each worker keeps the rendered "
            "answer per address with the CSRF token and the shortlist state left open "
            "(`providers/directory/kept_answers.py`), until the data changes.",
            "",
            "## Query plans (EXPLAIN ANALYZE on this database)",
            "",
        ]
        for title, plan in explain:
            lines += [f"### {title}", "", "```", plan, "```", ""]
        return "\n".join(lines)
