"""The directory benchmark: a seeded mix of buyer queries, a small HTTP load driver, and
the report written to docs/performance.md. Run it with ``make bench``.

The load driver is a closed loop of N connections (each sends its next request as soon
as the previous answer arrives), so it measures the throughput the server sustains and
the latency buyers see at that load, queueing included. It runs on uvloop: the driver
shares the machine's cores with the server and the database, and on uvloop it takes about
a third less CPU per request than on the standard event loop.
"""

import asyncio
import contextlib
import random
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvloop

from lifecycle.reference import PHASES, STAGES
from providers.devdata.synthetic import COUNTRIES
from providers.reference import CAPABILITIES, CERTIFICATIONS, INDUSTRIES, MODALITIES
from providers.regions import ORDER

TYPES = ["cro", "cdmo", "cmo"]
PHASE_SLUGS = [phase["slug"] for phase in PHASES]
STAGE_SLUGS = [stage["slug"] for stage in STAGES]
CAPABILITY_SLUGS = [row[0] for row in CAPABILITIES]
MODALITY_SLUGS = [row[0] for row in MODALITIES]
INDUSTRY_SLUGS = [row[0] for row in INDUSTRIES]
CERTIFICATION_SLUGS = [row[0] for row in CERTIFICATIONS]
COUNTRY_CODES = [code for code, _weight in COUNTRIES]
REGION_SLUGS = list(ORDER[:-1])
# What buyers type: service and modality words, company names, and misspellings of them.
TEXTS = [
    "peptide",
    "oligonucleotide",
    "fill finish",
    "sterile",
    "toxicology",
    "glp tox",
    "biologics",
    "antibody",
    "adc",
    "viral vector",
    "cell therapy",
    "mrna",
    "formulation",
    "stability",
    "bioanalysis",
    "phase i unit",
    "softgel",
    "inhalation",
    "hpapi",
    "potent",
    "flow chemistry",
    "crystallisation",
    "agrochemical",
    "toll manufacture",
    "lonza",
    "catalent",
    "wuxi",
    "lonzza",
    "catalnt",
    "samsung biologics",
    "syngene",
    "pharmaron",
    "siegfried",
    "recipharm",
    "packaging",
    "serialisation",
    "cold chain",
    "pharmacovigilance",
    "regulatory",
    "medicinal chemistry",
    "screening",
    "lyophilisation",
    "microbial",
]
SORTS = ["name", "verified"]


def _pick(rng: random.Random, values: list[str], low: int = 1, high: int = 1) -> list[str]:
    return rng.sample(values, k=rng.randint(low, high))


def _shapes():
    """Twenty-five kinds of realistic directory query, each filled from the seed."""

    def coverage(rng):
        first = rng.randint(0, 4)
        last = rng.randint(first + 1, 6)
        return {"cover_from": PHASE_SLUGS[first], "cover_to": PHASE_SLUGS[last]}

    return [
        ("type", lambda r: {"type": _pick(r, TYPES)}),
        ("types, several", lambda r: {"type": _pick(r, TYPES, 2, 2)}),
        ("stage", lambda r: {"stage": _pick(r, STAGE_SLUGS)}),
        ("phase", lambda r: {"phase": _pick(r, PHASE_SLUGS, 1, 2)}),
        ("type + stage", lambda r: {"type": _pick(r, TYPES), "stage": _pick(r, STAGE_SLUGS)}),
        (
            "type + stage + phase",
            lambda r: {
                "type": _pick(r, TYPES),
                "stage": _pick(r, STAGE_SLUGS),
                "phase": _pick(r, PHASE_SLUGS),
            },
        ),
        ("capability", lambda r: {"capability": _pick(r, CAPABILITY_SLUGS)}),
        ("two capabilities", lambda r: {"capability": _pick(r, CAPABILITY_SLUGS, 2, 2)}),
        ("modality", lambda r: {"modality": _pick(r, MODALITY_SLUGS, 1, 2)}),
        ("country", lambda r: {"country": _pick(r, COUNTRY_CODES, 1, 3)}),
        ("certification", lambda r: {"certification": _pick(r, CERTIFICATION_SLUGS)}),
        (
            "region + certification",
            lambda r: {
                "region": _pick(r, REGION_SLUGS),
                "certification": _pick(r, CERTIFICATION_SLUGS),
            },
        ),
        (
            "industry + type",
            lambda r: {"industry": _pick(r, INDUSTRY_SLUGS), "type": _pick(r, TYPES)},
        ),
        ("coverage range", coverage),
        ("coverage range + type", lambda r: {**coverage(r), "type": _pick(r, TYPES)}),
        ("text", lambda r: {"q": r.choice(TEXTS)}),
        ("text + type", lambda r: {"q": r.choice(TEXTS), "type": _pick(r, TYPES)}),
        (
            "text + country, by name",
            lambda r: {"q": r.choice(TEXTS), "country": _pick(r, COUNTRY_CODES), "sort": "name"},
        ),
        (
            "type + country, recently verified",
            lambda r: {
                "type": _pick(r, TYPES),
                "country": _pick(r, COUNTRY_CODES),
                "sort": "verified",
            },
        ),
        (
            "stage + modality + certification",
            lambda r: {
                "stage": _pick(r, STAGE_SLUGS),
                "modality": _pick(r, MODALITY_SLUGS),
                "certification": _pick(r, CERTIFICATION_SLUGS),
            },
        ),
        (
            "capability + country, page 2-5",
            lambda r: {
                "capability": _pick(r, CAPABILITY_SLUGS),
                "country": _pick(r, COUNTRY_CODES),
                "page": r.randint(2, 5),
            },
        ),
        (
            "deep page",
            lambda r: {
                "stage": _pick(r, STAGE_SLUGS),
                "page": r.randint(50, 3000),
                "sort": r.choice(SORTS),
            },
        ),
        ("deep page, no filter", lambda r: {"page": r.randint(100, 4500), "sort": r.choice(SORTS)}),
        (
            "everything at once",
            lambda r: {
                "type": _pick(r, TYPES),
                "stage": _pick(r, STAGE_SLUGS),
                "capability": _pick(r, CAPABILITY_SLUGS),
                "modality": _pick(r, MODALITY_SLUGS),
                "country": _pick(r, COUNTRY_CODES),
                **coverage(r),
            },
        ),
        ("no filter", lambda r: {"sort": r.choice(SORTS)}),
    ]


SHAPES = _shapes()


def directory_mix(count: int, seed: int, text_only: bool = False) -> list[str]:
    """``count`` directory URLs from the seed; almost all combinations are distinct."""
    rng = random.Random(seed)
    shapes = [shape for shape in SHAPES if shape[0].startswith("text")] if text_only else SHAPES
    urls = []
    for _ in range(count):
        _name, build = rng.choice(shapes)
        urls.append("/providers/?" + urlencode(build(rng), doseq=True))
    return urls


def api_mix(count: int, seed: int, counts_share: float = 0.25) -> list[str]:
    """``count`` API list URLs from the same kinds of query as the directory mix (first
    pages of 10 to 50: the API pages by cursor, not page number), a share of them asking
    for counts."""
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        _name, build = rng.choice(SHAPES)
        params = {key: value for key, value in build(rng).items() if key != "page"}
        if rng.random() < counts_share:
            params["counts"] = "true"
        params["limit"] = rng.randint(10, 50)  # systems page by more than buyers do
        urls.append("/api/v1/providers?" + urlencode(params, doseq=True))
    return urls


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


async def _one(host: str, port: int, path: str, headers: dict[str, str]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{key}: {value}" for key, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    await writer.drain()
    status_line = await reader.readline()
    while await reader.read(65536):
        pass
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return int(status_line.split()[1])


async def _drive(host, port, name, paths, headers, connections, duration) -> Result:
    result = Result(name)
    deadline = time.perf_counter() + duration
    counter = iter(range(10**9))

    async def worker():
        while time.perf_counter() < deadline:
            path = paths[next(counter) % len(paths)]
            started = time.perf_counter()
            try:
                status = await _one(host, port, path, headers)
            except OSError:
                result.errors += 1
                continue
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 200:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def _run(coroutine):
    return asyncio.run(coroutine, loop_factory=uvloop.new_event_loop)


def run(host, port, name, paths, *, headers=None, connections=8, duration=20.0) -> Result:
    return _run(_drive(host, port, name, paths, headers or {}, connections, duration))


def fresh_text_mix(vocabulary: list[str], count: int, seed: int) -> list[str]:
    """``count`` htmx-fragment URLs whose search text never repeats: words of the
    directory's vocabulary, typed whole, cut short (typing) or with a letter dropped or two
    swapped (typos), one or two to a query, a third of them with a facet filter."""
    rng = random.Random(seed)
    words = [word for word in vocabulary if len(word) >= 4 and word.isalpha()]
    seen: set[str] = set()
    urls: list[str] = []

    def typed(word: str) -> str:
        roll = rng.random()
        if roll < 0.4:
            return word
        if roll < 0.7:
            return word[: rng.randint(3, len(word))]
        if len(word) >= 5:
            at = rng.randrange(1, len(word) - 1)
            if roll < 0.85:
                return word[:at] + word[at + 1 :]
            return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        return word

    attempts = 0
    while len(urls) < count and attempts < count * 20:
        attempts += 1
        text = " ".join(typed(rng.choice(words)) for _ in range(rng.choice((1, 1, 2))))
        if text in seen:
            continue
        seen.add(text)
        params: dict = {"q": text}
        if rng.random() < 1 / 3:
            if rng.random() < 0.5:
                params["type"] = _pick(rng, TYPES)
            else:
                params["stage"] = _pick(rng, STAGE_SLUGS)
        urls.append("/providers/?" + urlencode(params, doseq=True))
    return urls


def run_on(targets, name, paths, *, headers=None, connections=8, duration=20.0) -> Result:
    """Like ``run``, with the connections shared out over several servers ((host, port))."""

    async def drive_all():
        share = max(1, connections // len(targets))
        return await asyncio.gather(
            *(
                _drive(host, port, name, paths[number::2] or paths, headers or {}, share, duration)
                for number, (host, port) in enumerate(targets)
            )
        )

    parts = _run(drive_all())
    merged = Result(name, seconds=max(part.seconds for part in parts))
    for part in parts:
        merged.latencies += part.latencies
        merged.errors += part.errors
        for status, seen in part.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + seen
    return merged
