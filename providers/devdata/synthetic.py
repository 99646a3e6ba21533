"""Synthetic providers with a realistic spread, for tests and benchmarks.

Deterministic: the same count and seed always give the same records. Regulator
identities and inspections, and evidence items on every kind of claim
(``EVIDENCE_RATES``), are drawn from random streams of their own, so adding them left
the rest of a seed's records as they were. Rows are written with PostgreSQL COPY
(``providers.bulk``) and the derived columns are computed once at the end: 100,000
providers (with about 620,000 evidence items and 100,000 identities) took 6.5 minutes on
the shared two-core development machine under a load average of 6 to 9, two thirds of
it the derived refresh.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from providers.bulk import copy_rows, next_ids
from providers.derived import analyze_provider_tables, refresh_derived
from providers.evidence import EVIDENCE_TARGETS
from providers.models import (
    DERIVED_ARRAY_FIELDS,
    Capability,
    Certification,
    Industry,
    Modality,
    Provider,
    ProviderType,
)

SOURCE = "Synthetic record generated for testing (seed {seed}); not a real company."
TODAY = datetime.date(2026, 11, 1)

NAME_STEMS = [
    "Alder",
    "Aster",
    "Beacon",
    "Birch",
    "Cobalt",
    "Corvid",
    "Delta",
    "Ember",
    "Fenwick",
    "Galena",
    "Harbour",
    "Helix",
    "Iona",
    "Juniper",
    "Kestrel",
    "Larch",
    "Meridian",
    "Nordic",
    "Oakridge",
    "Orion",
    "Pallas",
    "Quarry",
    "Rowan",
    "Saltmarsh",
    "Sequoia",
    "Tamar",
    "Tern",
    "Umber",
    "Vantage",
    "Wren",
    "Yarrow",
    "Zenith",
    "Argent",
    "Bellwether",
    "Cedar",
    "Dunmore",
    "Estuary",
    "Fulcrum",
    "Granite",
    "Heron",
    "Ivory",
    "Kinsale",
    "Lumen",
    "Moorland",
    "Northgate",
    "Osprey",
]
NAME_SUFFIXES = {
    "cro": ["Research", "Clinical", "Discovery", "Preclinical", "Life Sciences", "Biosciences"],
    "cdmo": ["Pharma Services", "BioManufacturing", "Pharma Solutions", "Biologics", "Chemistry"],
    "cmo": ["Manufacturing", "Pharma Production", "Contract Manufacturing", "Fine Chemicals"],
    "agro": ["Agro Chemicals", "Crop Science Services", "Agrosynthesis"],
}
# (country, weight); weights roughly follow where contract providers are based.
COUNTRIES = [
    ("US", 24),
    ("CN", 12),
    ("IN", 11),
    ("DE", 7),
    ("GB", 7),
    ("CH", 4),
    ("FR", 4),
    ("IT", 4),
    ("JP", 3),
    ("KR", 3),
    ("IE", 2),
    ("ES", 2),
    ("NL", 2),
    ("BE", 2),
    ("CA", 2),
    ("SG", 1),
    ("SE", 1),
    ("DK", 1),
    ("PL", 1),
    ("HU", 1),
    ("BR", 1),
    ("AU", 1),
    ("IL", 1),
    ("AT", 1),
]
CITIES = {
    "US": ["Boston", "San Diego", "Raleigh", "Princeton", "Indianapolis", "Philadelphia"],
    "CN": ["Shanghai", "Suzhou", "Wuxi", "Beijing", "Chengdu"],
    "IN": ["Hyderabad", "Bengaluru", "Ahmedabad", "Mumbai", "Visakhapatnam"],
    "DE": ["Frankfurt", "Leverkusen", "Mannheim", "Munich", "Berlin"],
    "GB": ["Cambridge", "Oxford", "Macclesfield", "Nottingham", "Edinburgh"],
    "CH": ["Basel", "Visp", "Geneva", "Zurich"],
    "FR": ["Lyon", "Paris", "Toulouse"],
    "IT": ["Milan", "Latina", "Verona"],
    "JP": ["Osaka", "Tokyo", "Takasaki"],
    "KR": ["Incheon", "Seoul"],
    "IE": ["Cork", "Dublin"],
    "ES": ["Barcelona", "Madrid"],
    "NL": ["Leiden", "Groningen"],
    "BE": ["Ghent", "Brussels"],
    "CA": ["Toronto", "Montreal"],
    "SG": ["Singapore"],
    "SE": ["Uppsala", "Stockholm"],
    "DK": ["Copenhagen"],
    "PL": ["Krakow", "Warsaw"],
    "HU": ["Budapest"],
    "BR": ["Sao Paulo"],
    "AU": ["Melbourne"],
    "IL": ["Rehovot"],
    "AT": ["Vienna", "Kundl"],
}
# Which catalogue categories each kind of provider draws its services from.
CATEGORIES_BY_KIND = {
    "cro": ["discovery", "preclinical", "clinical", "analytical", "regulatory"],
    "cdmo": ["drug-substance", "drug-product", "analytical", "regulatory", "packaging-logistics"],
    "cmo": ["drug-product", "drug-substance", "packaging-logistics", "analytical"],
}
# Phase range a kind usually covers; services are clipped to it most of the time.
# Agrochemical services lie on the crop-protection track (positions 11 to 18).
USUAL_PHASES = {"cro": (1, 5), "cdmo": (3, 7), "cmo": (5, 7)}
USUAL_CROP_PHASES = {"cro": (12, 15), "cdmo": (13, 18), "cmo": (16, 18)}
# Crop-protection capabilities by the type of provider that offers them.
CROP_CAPABILITIES = {
    "cro": [
        "agro-physchem",
        "agro-five-batch",
        "agro-toxicology",
        "agro-ecotoxicology",
        "agro-pollinator-studies",
        "agro-environmental-fate",
        "agro-exposure-modelling",
        "agro-residue-chemistry",
        "agro-efficacy-trials",
        "agro-residue-field-trials",
        "agro-regulatory-studies",
        "agro-registration",
    ],
    "cdmo": [
        "agro-process-development",
        "agro-custom-manufacture",
        "agro-formulation",
        "agro-five-batch",
    ],
    "cmo": ["agro-custom-manufacture", "agro-formulation", "agro-seed-treatment", "agro-packaging"],
}
# Pharmaceutical providers that also serve crop protection: a few CROs and testing
# laboratories run regulatory studies, a few CDMOs make agrochemical actives to order.
CROP_SIDELINE_RATE = {"cro": 0.05, "cdmo": 0.04, "cmo": 0.02}
# What a capability's services are usually for (pharmaceutical track): a service of one of
# these names its own modalities most of the time, from this list.
MODALITY_AFFINITY = {
    "mammalian-biologics": ["monoclonal-antibody", "recombinant-protein"],
    "microbial-biologics": ["recombinant-protein", "vaccine"],
    "cell-line-development": ["monoclonal-antibody", "recombinant-protein"],
    "antibody-discovery": ["monoclonal-antibody"],
    "bioconjugation": ["adc"],
    "cell-therapy-manufacture": ["cell-therapy"],
    "viral-vector": ["gene-therapy"],
    "plasmid-dna": ["gene-therapy", "mrna"],
    "mrna-lnp": ["mrna", "vaccine"],
    "oligonucleotide-manufacture": ["oligonucleotide"],
    "peptide-manufacture": ["peptide"],
    "biologics-characterisation": ["monoclonal-antibody", "recombinant-protein", "adc"],
    "potency-bioassays": ["monoclonal-antibody", "recombinant-protein", "cell-therapy"],
    "cell-bank-testing": ["monoclonal-antibody", "recombinant-protein", "vaccine"],
    "viral-safety": ["monoclonal-antibody", "recombinant-protein", "gene-therapy"],
    **{
        slug: ["small-molecule"]
        for slug in (
            "medicinal-chemistry",
            "custom-synthesis",
            "clinical-api-manufacture",
            "commercial-api-manufacture",
            "hpapi",
            "flow-chemistry",
            "biocatalysis",
            "controlled-substances",
            "solid-state",
            "particle-engineering",
            "oral-solid-dose",
            "softgel",
            "bioavailability-enhancement",
            "modified-release",
        )
    },
}
# How often a service says what it applies to, which dosage forms it makes and where it is
# done: manufacturing services mostly do, general ones (analytical, clinical) less often.
OWN_MODALITY_RATE = {"affine": 0.8, "general": 0.35, "crop": 0.15, "crop-sideline": 0.9}
DOSAGE_FORM_RATE = 0.65
SITE_RATE = {"manufacturing": 0.6, "other": 0.3}
MANUFACTURING_CATEGORIES = {"drug-substance", "drug-product", "agrochemical"}
TYPE_MIXES = [
    (["cro"], "cro", 30),
    (["cdmo"], "cdmo", 28),
    (["cmo"], "cmo", 18),
    (["cro", "cdmo"], "cro", 10),
    (["cdmo", "cmo"], "cdmo", 6),
    (["cmo"], "agro", 4),
    (["cdmo"], "agro", 2),
    (["cro"], "agro", 2),
]


@dataclass
class Batch:
    providers: list = field(default_factory=list)
    types: list = field(default_factory=list)
    modalities: list = field(default_factory=list)
    industries: list = field(default_factory=list)
    services: list = field(default_factory=list)
    sites: list = field(default_factory=list)
    site_certifications: list = field(default_factory=list)
    identities: list = field(default_factory=list)  # (site position, scheme, value)
    # A service's own links: (service position, modality / dosage form id, or site position).
    service_modalities: list = field(default_factory=list)
    service_dosage_forms: list = field(default_factory=list)
    service_sites: list = field(default_factory=list)
    inspections: list = field(default_factory=list)  # (site position, *INSPECTION_COLUMNS)
    # (provider position, target, target position, url, kind, title, seen on); the target
    # is one of EVIDENCE_TARGETS, its position an index into that part's list above.
    evidence: list = field(default_factory=list)


# EU/EEA countries among COUNTRIES: their sites may hold EU authorisations and certificates.
EU_EEA = {"DE", "FR", "IT", "IE", "ES", "NL", "BE", "SE", "DK", "PL", "HU", "AT"}
INSPECTION_COLUMNS = [
    "authority",
    "authority_name",
    "end_date",
    "fiscal_year",
    "outcome",
    "outcome_text",
    "product_type",
    "project_area",
    "citations_posted",
    "warning_letter",
    "source_url",
]
# FDA classifications of drug inspections run roughly: most NAI, over a third VAI, a few OAI.
FDA_OUTCOMES = [("nai", 55), ("vai", 38), ("oai", 7)]


def _regulatory(
    rng: random.Random, batch: Batch, site_pos: int, number: int, kind: str, country: str
):
    """A site's regulator identities and inspections at realistic rates. ``number`` is
    unique per synthetic site, so the made-up FEI and DUNS numbers are too (they start
    with 39 and 9, prefixes kept for synthetic data)."""
    manufacturing = kind in ("cdmo", "cmo")
    # A site has one inspection by an authority ending on a given day (without an FDA
    # inspection ID the database holds it to that): a second drawn for the same day is
    # dropped, after its draws, so the stream stays as it was.
    seen = set()
    if rng.random() < (0.45 if manufacturing else 0.15 if kind == "cro" else 0.2):
        batch.identities.append((site_pos, "fei", str(3_900_000_000 + number)))
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            outcome = _weighted(rng, FDA_OUTCOMES)
            end = TODAY - datetime.timedelta(rng.randrange(8 * 365))
            citations = outcome != "nai" and rng.random() < 0.6
            warning_letter = outcome == "oai" and rng.random() < 0.45
            if ("fda", end) in seen:
                continue
            seen.add(("fda", end))
            batch.inspections.append(
                (
                    site_pos,
                    "fda",
                    "",
                    end,
                    end.year + (1 if end.month >= 10 else 0),
                    outcome,
                    "",
                    "Drugs" if kind != "agro" else "Veterinary",
                    "Drug Quality Assurance",
                    citations,
                    warning_letter,
                    "",
                )
            )
    if rng.random() < 0.3:
        batch.identities.append((site_pos, "duns", str(900_000_000 + number)))
    if country in EU_EEA and manufacturing:
        if rng.random() < 0.4:
            batch.identities.append(
                (site_pos, "eu-authorisation", f"SYN-MIA-{country}-{number:07d}")
            )
        if rng.random() < 0.35:
            batch.identities.append(
                (site_pos, "eu-gmp-certificate", f"SYN-GMP-{country}-{number:07d}")
            )
            for _ in range(rng.choice([1, 1, 2])):
                end = TODAY - datetime.timedelta(rng.randrange(6 * 365))
                outcome = "non-compliance" if rng.random() < 0.04 else "gmp-certificate"
                if ("eu", end) in seen:
                    continue
                seen.add(("eu", end))
                batch.inspections.append(
                    (site_pos, "eu", "", end, None, outcome, "", "", "GMP", False, False, "")
                )


EVIDENCE_COLUMNS = [
    "owner_id",
    *(f"{target}_id" for target in EVIDENCE_TARGETS),
    "url",
    "kind",
    "title",
    "seen_on",
    "quote",
    "recorded_at",
]
# How often a compiled record's claims carry a source, by kind of claim: nearly every
# profile links the provider's own page; about half the services and fewer sites are
# described on a page of their own; certificates and FEI numbers are found in registers
# for some; most FDA inspections are on the FDA's dashboard, some EU ones in EudraGMDP.
EVIDENCE_RATES = {
    "provider": 0.9,
    "service": 0.55,
    "site": 0.4,
    "site_certification": 0.3,
    "site_identity": 0.5,
    "inspection": 0.7,
}


def _evidence(
    rng: random.Random,
    batch: Batch,
    provider_pos: int,
    slug: str,
    parts: dict[str, range],
) -> None:
    """Evidence items for one provider's claims at ``EVIDENCE_RATES`` (``parts``: the
    positions of its services, sites, certifications, identities and inspections)."""
    home = f"https://{slug}.example"

    def seen() -> datetime.date:
        return TODAY - datetime.timedelta(rng.randrange(3 * 365))

    if rng.random() < EVIDENCE_RATES["provider"]:
        batch.evidence.append(
            (
                provider_pos,
                "provider",
                provider_pos,
                f"{home}/about",
                "provider-page",
                "About us",
                seen(),
            )
        )
    for target, positions in parts.items():
        for pos in positions:
            if rng.random() >= EVIDENCE_RATES[target]:
                continue
            if target == "service":
                url, kind, title = f"{home}/services/{pos}", "provider-page", "Services page"
            elif target == "site":
                url, kind, title = f"{home}/sites/{pos}", "provider-page", "Site page"
            elif target == "site_certification":
                url, kind, title = f"{home}/quality", "provider-page", "Quality and certificates"
            elif target == "site_identity":
                url = f"https://registry.example/synthetic/{pos}"
                kind, title = "regulator", "Register entry"
            else:
                url = f"https://regulator.example/inspections/{pos}"
                kind, title = "regulator", "Inspection record"
            batch.evidence.append((provider_pos, target, pos, url, kind, title, seen()))


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*[(item, weight) for item, weight in pairs], strict=True)
    return rng.choices(items, weights=weights)[0]


def _reference():
    capabilities = list(Capability.objects.select_related("category"))
    forms: dict[int, list[int]] = {}
    for capability_id, form_id in Capability.dosage_forms.through.objects.order_by(
        "capability_id", "dosageform_id"
    ).values_list("capability_id", "dosageform_id"):
        forms.setdefault(capability_id, []).append(form_id)
    return {
        "capability_slugs": {row.pk: row.slug for row in capabilities},
        "capability_forms": forms,
        "types": {row.slug: row.pk for row in ProviderType.objects.all()},
        "modalities": {row.slug: row.pk for row in Modality.objects.all()},
        "industries": {row.slug: row.pk for row in Industry.objects.all()},
        "certifications": {row.slug: row.pk for row in Certification.objects.all()},
        "capabilities": [
            (row.pk, row.category.slug, row.first_phase_id, row.last_phase_id)
            for row in Capability.objects.select_related("category")
            if row.category.slug != "agrochemical"
        ],
        "crop": {
            row.slug: (row.pk, row.category.slug, row.first_phase_id, row.last_phase_id)
            for row in Capability.objects.select_related("category").filter(
                category__slug="agrochemical"
            )
        },
    }


def build(count: int, seed: int, ref: dict, first_index: int = 0) -> Batch:
    """Plan ``count`` providers; ids are placeholders (list positions) until written."""
    rng = random.Random(seed * 1_000_003 + first_index)
    batch = Batch()
    caps_by_category: dict[str, list] = {}
    for cap in ref["capabilities"]:
        caps_by_category.setdefault(cap[1], []).append(cap)
    cert_slugs = list(ref["certifications"])
    # Regulator data has its own generator, so adding it left the rest of a seed's data as it was.
    regulatory_rng = random.Random(seed * 7_919 + first_index + 17)
    # So has evidence, drawn after everything else about a provider.
    evidence_rng = random.Random(seed * 104_729 + first_index + 29)

    # So is what each service applies to and where: a generator of its own too.
    parts_rng = random.Random(seed * 130_363 + first_index + 31)

    for index in range(first_index, first_index + count):
        type_slugs, kind, _ = _weighted(rng, [(mix, mix[2]) for mix in TYPE_MIXES])
        country = _weighted(rng, COUNTRIES)
        name = f"{rng.choice(NAME_STEMS)} {rng.choice(NAME_SUFFIXES[kind])} {index + 1:06d}"
        slug = f"synthetic-{seed}-{index + 1:06d}"
        status = _weighted(rng, [("published", 90), ("draft", 6), ("withdrawn", 4)])
        verified = None if rng.random() < 0.1 else TODAY - datetime.timedelta(rng.randrange(1100))
        provider_pos = len(batch.providers)
        starts = {
            "service": len(batch.services),
            "site": len(batch.sites),
            "site_certification": len(batch.site_certifications),
            "site_identity": len(batch.identities),
            "inspection": len(batch.inspections),
        }
        batch.providers.append(
            [
                name,
                slug,
                f"Synthetic {', '.join(t.upper() for t in type_slugs)} based in {country}.",
                f"https://{slug}.example",
                country,
                status,
                verified,
                SOURCE.format(seed=seed),
            ]
        )
        batch.types += [(provider_pos, ref["types"][slug_]) for slug_ in type_slugs]

        if kind == "agro":
            industries, modalities = ["agrochemical"], ["agrochemical-active"]
            if rng.random() < 0.3:
                industries.append("animal-health")
        else:
            industries = ["pharmaceutical"] + (["biotech"] if rng.random() < 0.7 else [])
            if rng.random() < 0.08:
                industries.append("animal-health")
            modalities = rng.sample(
                [slug_ for slug_ in ref["modalities"] if slug_ != "agrochemical-active"],
                k=rng.randint(1, 4),
            )
            if "small-molecule" not in modalities and rng.random() < 0.6:
                modalities.append("small-molecule")

        role = type_slugs[0]  # what an agrochemical provider does: studies, or making
        if kind == "agro":
            drawn = _crop_services(rng, ref, role, rng.randint(2, 5))
        else:
            usual = USUAL_PHASES[kind]
            pool = [
                cap for category in CATEGORIES_BY_KIND[kind] for cap in caps_by_category[category]
            ]
            drawn = [(cap, usual) for cap in rng.sample(pool, k=rng.randint(2, 9))]
            if rng.random() < CROP_SIDELINE_RATE[kind]:
                drawn += _crop_services(rng, ref, kind, rng.randint(1, 2))
                industries.append("agrochemical")
                if "agrochemical-active" not in modalities:
                    modalities.append("agrochemical-active")
        first_service = len(batch.services)
        for (cap_id, _category, cap_first, cap_last), (usual_first, usual_last) in drawn:
            if rng.random() < 0.8:  # mostly within the kind's usual stages
                low, high = max(cap_first, usual_first), min(cap_last, usual_last)
                if low > high:
                    low, high = cap_first, cap_last
            else:
                low, high = cap_first, cap_last
            first = rng.randint(low, high)
            last = rng.randint(first, high)
            batch.services.append((provider_pos, cap_id, first, last))
        batch.industries += [(provider_pos, ref["industries"][slug_]) for slug_ in industries]
        batch.modalities += [(provider_pos, ref["modalities"][slug_]) for slug_ in modalities]

        first_site = len(batch.sites)
        for site_number in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            site_country = (
                country if site_number == 0 or rng.random() < 0.5 else _weighted(rng, COUNTRIES)
            )
            city = rng.choice(CITIES[site_country])
            site_pos = len(batch.sites)
            batch.sites.append((provider_pos, f"{city} site {site_number + 1}", city, site_country))
            held = rng.sample(cert_slugs, k=rng.randint(0, 3))
            batch.site_certifications += [
                (site_pos, ref["certifications"][slug_]) for slug_ in held
            ]
            _regulatory(
                regulatory_rng, batch, site_pos, index * 4 + site_number, kind, site_country
            )
        _service_parts(
            parts_rng,
            batch,
            ref,
            services=range(first_service, len(batch.services)),
            drawn=drawn,
            sites=range(first_site, len(batch.sites)),
            modalities=modalities,
            crop_sideline=kind != "agro" and "agrochemical" in industries,
        )
        ends = {
            "service": len(batch.services),
            "site": len(batch.sites),
            "site_certification": len(batch.site_certifications),
            "site_identity": len(batch.identities),
            "inspection": len(batch.inspections),
        }
        parts = {name: range(starts[name], ends[name]) for name in starts}
        _evidence(evidence_rng, batch, provider_pos, slug, parts)
    return batch


def _service_parts(
    rng, batch: Batch, ref: dict, *, services, drawn, sites, modalities, crop_sideline
):
    """Each service's own modalities, dosage forms and sites, at realistic rates: most
    manufacturing services say what they make and where; general services less often."""
    pharma_modalities = [slug for slug in modalities if slug != "agrochemical-active"]
    for position, ((cap_id, category, _first, _last), _usual) in zip(services, drawn, strict=True):
        slug = ref["capability_slugs"][cap_id]
        own: list[str] = []
        if category == "agrochemical":
            rate = OWN_MODALITY_RATE["crop-sideline" if crop_sideline else "crop"]
            if rng.random() < rate:
                own = ["agrochemical-active"]
        elif slug in MODALITY_AFFINITY:
            if rng.random() < OWN_MODALITY_RATE["affine"]:
                affine = MODALITY_AFFINITY[slug]
                own = [m for m in pharma_modalities if m in affine] or [rng.choice(affine)]
        elif len(pharma_modalities) > 1 and rng.random() < OWN_MODALITY_RATE["general"]:
            own = rng.sample(pharma_modalities, k=rng.randint(1, len(pharma_modalities)))
        elif crop_sideline and pharma_modalities:
            own = list(pharma_modalities)  # its pharmaceutical work, apart from its crop work
        batch.service_modalities += [(position, ref["modalities"][m]) for m in own]
        forms = ref["capability_forms"].get(cap_id, [])
        if forms and rng.random() < DOSAGE_FORM_RATE:
            made = rng.sample(forms, k=rng.randint(1, min(3, len(forms))))
            batch.service_dosage_forms += [(position, form) for form in made]
        if sites:
            kind = "manufacturing" if category in MANUFACTURING_CATEGORIES else "other"
            if rng.random() < SITE_RATE[kind]:
                count = 2 if len(sites) > 1 and rng.random() < 0.3 else 1
                batch.service_sites += [(position, site) for site in rng.sample(sites, k=count)]


def _crop_services(rng: random.Random, ref: dict, role: str, count: int) -> list:
    """``count`` crop-protection capabilities a provider of ``role`` offers, each with the
    phases such a provider usually covers on that track."""
    slugs = [slug for slug in CROP_CAPABILITIES[role] if slug in ref["crop"]]
    chosen = rng.sample(slugs, k=min(count, len(slugs)))
    return [(ref["crop"][slug], USUAL_CROP_PHASES[role]) for slug in chosen]


def write(batch: Batch) -> list[int]:
    """Write a planned batch with COPY; return the new provider ids."""
    provider_ids = next_ids("providers_provider", len(batch.providers))
    now = datetime.datetime.now(datetime.UTC)
    copy_rows(
        "providers_provider",
        [
            "id",
            "name",
            "slug",
            "summary",
            "website",
            "hq_country",
            "status",
            "state_on",
            "source",
            "is_synthetic",
            "created_at",
            "updated_at",
            *DERIVED_ARRAY_FIELDS,  # empty here; refresh_derived fills them at the end
            "inspection_flags",
        ],
        [
            [
                provider_ids[pos],
                *row[:6],
                row[6],
                row[7],
                True,
                now,
                now,
                *([[]] * len(DERIVED_ARRAY_FIELDS)),
                [],
            ]
            for pos, row in enumerate(batch.providers)
        ],
    )
    for table, column, pairs in (
        ("providers_provider_types", "providertype_id", batch.types),
        ("providers_provider_modalities", "modality_id", batch.modalities),
        ("providers_provider_industries", "industry_id", batch.industries),
    ):
        copy_rows(table, ["provider_id", column], [(provider_ids[pos], pk) for pos, pk in pairs])
    service_ids = next_ids("providers_service", len(batch.services))
    copy_rows(
        "providers_service",
        ["id", "provider_id", "capability_id", "first_phase_id", "last_phase_id", "note"],
        [
            (service_ids[i], provider_ids[pos], cap, first, last, "")
            for i, (pos, cap, first, last) in enumerate(batch.services)
        ],
    )
    site_ids = next_ids("providers_site", len(batch.sites))
    copy_rows(
        "providers_site",
        ["id", "provider_id", "name", "city", "country"],
        [
            (site_ids[i], provider_ids[pos], name, city, country)
            for i, (pos, name, city, country) in enumerate(batch.sites)
        ],
    )
    certification_ids = next_ids("providers_site_certifications", len(batch.site_certifications))
    copy_rows(
        "providers_site_certifications",
        ["id", "site_id", "certification_id"],
        [
            (certification_ids[i], site_ids[pos], pk)
            for i, (pos, pk) in enumerate(batch.site_certifications)
        ],
    )
    for table, column, pairs in (
        ("providers_service_modalities", "modality_id", batch.service_modalities),
        ("providers_service_dosage_forms", "dosageform_id", batch.service_dosage_forms),
    ):
        copy_rows(table, ["service_id", column], [(service_ids[pos], pk) for pos, pk in pairs])
    copy_rows(
        "providers_service_sites",
        ["service_id", "site_id"],
        [(service_ids[pos], site_ids[site]) for pos, site in batch.service_sites],
    )
    identity_ids = next_ids("providers_siteidentity", len(batch.identities))
    copy_rows(
        "providers_siteidentity",
        ["id", "site_id", "scheme", "scheme_name", "value"],
        [
            (identity_ids[i], site_ids[pos], scheme, "", value)
            for i, (pos, scheme, value) in enumerate(batch.identities)
        ],
    )
    inspection_ids = next_ids("providers_inspection", len(batch.inspections))
    copy_rows(
        "providers_inspection",
        ["id", "site_id", *INSPECTION_COLUMNS],
        [
            (inspection_ids[i], site_ids[pos], *values)
            for i, (pos, *values) in enumerate(batch.inspections)
        ],
    )
    ids = {
        "provider": provider_ids,
        "service": service_ids,
        "site": site_ids,
        "site_certification": certification_ids,
        "site_identity": identity_ids,
        "inspection": inspection_ids,
    }
    copy_rows(
        "providers_evidence",
        EVIDENCE_COLUMNS,
        [
            (
                provider_ids[owner],
                *(ids[target][pos] if name == target else None for name in EVIDENCE_TARGETS),
                url,
                kind,
                title,
                seen_on,
                "",
                now,
            )
            for owner, target, pos, url, kind, title, seen_on in batch.evidence
        ],
    )
    return provider_ids


def delete_synthetic() -> int:
    """Remove every synthetic provider with its parts; curated records are untouched."""
    statements = [
        "DELETE FROM providers_evidence WHERE owner_id IN "
        "(SELECT id FROM providers_provider WHERE is_synthetic)",
        *(
            f"DELETE FROM {table} WHERE service_id IN (SELECT s.id FROM providers_service s "
            "JOIN providers_provider p ON p.id = s.provider_id WHERE p.is_synthetic)"
            for table in (
                "providers_service_modalities",
                "providers_service_dosage_forms",
                "providers_service_sites",
            )
        ),
        *(
            f"DELETE FROM {table} WHERE site_id IN (SELECT s.id FROM providers_site s "
            "JOIN providers_provider p ON p.id = s.provider_id WHERE p.is_synthetic)"
            for table in ("providers_siteidentity", "providers_inspection")
        ),
        "DELETE FROM providers_site_certifications WHERE site_id IN (SELECT s.id FROM "
        "providers_site s JOIN providers_provider p ON p.id = s.provider_id WHERE p.is_synthetic)",
        "DELETE FROM providers_site WHERE provider_id IN "
        "(SELECT id FROM providers_provider WHERE is_synthetic)",
        "DELETE FROM providers_service WHERE provider_id IN "
        "(SELECT id FROM providers_provider WHERE is_synthetic)",
        "DELETE FROM providers_provider_types WHERE provider_id IN "
        "(SELECT id FROM providers_provider WHERE is_synthetic)",
        "DELETE FROM providers_provider_modalities WHERE provider_id IN "
        "(SELECT id FROM providers_provider WHERE is_synthetic)",
        "DELETE FROM providers_provider_industries WHERE provider_id IN "
        "(SELECT id FROM providers_provider WHERE is_synthetic)",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("DELETE FROM providers_provider WHERE is_synthetic")
        return cursor.rowcount


def generate(
    count: int, seed: int = 1, chunk: int = 5000, progress: Callable[[int], None] | None = None
) -> int:
    """Replace all synthetic providers with ``count`` new ones for ``seed``; return the count."""
    ref = _reference()
    with transaction.atomic():
        delete_synthetic()
        written: list[int] = []
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            written += write(build(size, seed, ref, first_index=start))
            if progress:
                progress(size)
        # Fresh statistics first: without them the planner scans whole tables per provider.
        analyze_provider_tables()
        refresh_derived(written) if count < 50_000 else refresh_derived()
    analyze_provider_tables()
    return len(written)


__all__ = ["Provider", "generate"]
