"""A synthetic FDA Data Dashboard export for timing the FDA import (docs/regulator-data.md).

Rows use the FEI numbers of synthetic sites (so most attach) and some FEI numbers on no
site (so some wait for a curator), in the spreadsheet export's layout. Deterministic for
a seed.
"""

import csv
import datetime
import random
from pathlib import Path

from providers.regulatory import SiteIdentity

HEADINGS = [
    "FEI Number",
    "Legal Name",
    "City",
    "State",
    "Country/Area",
    "Fiscal Year",
    "Inspection ID",
    "Posted Citations",
    "Inspection End Date",
    "Classification",
    "Project Area",
    "Product Type",
]
CLASSIFICATIONS = [
    ("No Action Indicated (NAI)", 55),
    ("Voluntary Action Indicated (VAI)", 38),
    ("Official Action Indicated (OAI)", 7),
]
AREAS = [("Drug Quality Assurance", "Drugs"), ("Therapeutic Biologics", "Biologics")]
TODAY = datetime.date(2026, 11, 1)


def write_sample(path: Path, rows: int, seed: int = 1, unmatched_share: float = 0.1) -> int:
    """Write ``rows`` rows to ``path``; return how many FEI numbers of sites they use."""
    rng = random.Random(seed)
    feis = list(
        SiteIdentity.objects.filter(scheme="fei").order_by("value").values_list("value", flat=True)
    )
    labels, weights = zip(*CLASSIFICATIONS, strict=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADINGS)
        for number in range(rows):
            if feis and rng.random() >= unmatched_share:
                fei = rng.choice(feis)
            else:
                fei = str(3_800_000_000 + rng.randrange(50_000))
            end = TODAY - datetime.timedelta(rng.randrange(10 * 365))
            area, product = rng.choice(AREAS)
            writer.writerow(
                [
                    fei,
                    f"Sample Establishment {fei[-5:]}",
                    "Springfield",
                    "",
                    "United States",
                    end.year + (1 if end.month >= 10 else 0),
                    5_000_000 + number,
                    rng.choice(["Yes", "No"]),
                    end.strftime("%m/%d/%Y"),
                    rng.choices(labels, weights=weights)[0],
                    area,
                    product,
                ]
            )
    return len(feis)
