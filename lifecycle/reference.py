"""The lifecycle's reference data. Data migrations load it through ``sync``.

Pharmaceutical phases keep positions 1 to 7 (services and derived columns refer to phases
by position); crop-protection phases start at 11, so the two tracks never share a position
and a run of consecutive positions never crosses from one track to the other.
"""

PHARMA, CROP = "pharma", "crop-protection"

TRACKS = [
    {
        "slug": PHARMA,
        "name": "Pharmaceuticals and biotech",
        "short_name": "Pharma and biotech",
        "position": 1,
        "description": (
            "Medicines for people (and the same path for biologics): a candidate is found and "
            "tested in the laboratory and in animals, then in clinical Phases I to III, and "
            "once a regulator approves it, it is made and supplied commercially and improved "
            "over its life."
        ),
    },
    {
        "slug": CROP,
        "name": "Crop protection",
        "short_name": "Crop protection",
        "position": 2,
        "description": (
            "Herbicides, fungicides, insecticides and other plant-protection products: a "
            "molecule is found by screening on plants and pests, proven safe and effective "
            "through regulatory studies and field trials, registered with the authorities of "
            "each market, then made as a technical active and formulated into the products "
            "farmers spray or sow. There are no clinical trials on this track."
        ),
    },
]

STAGES = [
    {
        "slug": "discovery",
        "name": "Discovery",
        "position": 1,
        "also_called": "pre-clinical",
        "description": (
            "Finding and proving a candidate: biology, chemistry to make and improve "
            "molecules, and the first laboratory, animal or greenhouse studies that show it is "
            "worth developing."
        ),
    },
    {
        "slug": "development",
        "name": "Development",
        "position": 2,
        "also_called": "clinical",
        "description": (
            "Proving the candidate to a regulator while the manufacturing process and "
            "analytical methods are developed: clinical trials for a medicine, regulatory "
            "studies, field trials and registration for a crop-protection product."
        ),
    },
    {
        "slug": "delivery",
        "name": "Delivery",
        "position": 3,
        "also_called": "commercial",
        "description": (
            "Making and supplying the approved or registered product at volume, keeping supply "
            "continuous and improving the process over the product's life."
        ),
    },
]

PHASES = [
    {
        "track": PHARMA,
        "stage": "discovery",
        "slug": "discovery-research",
        "name": "Discovery research",
        "short_name": "Discovery",
        "position": 1,
        "description": (
            "Choosing a biological target and finding molecules that act on it: screening, "
            "medicinal chemistry, early pharmacology."
        ),
    },
    {
        "track": PHARMA,
        "stage": "discovery",
        "slug": "preclinical",
        "name": "Pre-clinical (IND-enabling)",
        "short_name": "Pre-clin.",
        "position": 2,
        "description": (
            "Safety and pharmacology studies, usually under GLP, that a regulator needs before "
            "a first-in-human trial (the IND or CTA package)."
        ),
    },
    {
        "track": PHARMA,
        "stage": "development",
        "slug": "phase-1",
        "name": "Clinical Phase I",
        "short_name": "Ph I",
        "position": 3,
        "description": "First doses in people, usually a few dozen volunteers: safety and dosing.",
    },
    {
        "track": PHARMA,
        "stage": "development",
        "slug": "phase-2",
        "name": "Clinical Phase II",
        "short_name": "Ph II",
        "position": 4,
        "description": "Does it work, and at which dose? Hundreds of patients with the condition.",
    },
    {
        "track": PHARMA,
        "stage": "development",
        "slug": "phase-3",
        "name": "Clinical Phase III",
        "short_name": "Ph III",
        "position": 5,
        "description": (
            "Large trials that confirm benefit and safety for approval; the manufacturing "
            "process is validated for launch."
        ),
    },
    {
        "track": PHARMA,
        "stage": "delivery",
        "slug": "commercial-supply",
        "name": "Commercial manufacture and supply",
        "short_name": "Comm.",
        "position": 6,
        "description": "Making the approved product at volume and keeping the market supplied.",
    },
    {
        "track": PHARMA,
        "stage": "delivery",
        "slug": "lifecycle-management",
        "name": "Lifecycle management",
        "short_name": "LCM",
        "position": 7,
        "description": (
            "After launch: process improvements, new formulations and indications, site "
            "transfers, post-marketing studies and safety monitoring."
        ),
    },
]


CROP_PHASES = [
    {
        "track": CROP,
        "stage": "discovery",
        "slug": "crop-discovery",
        "name": "Discovery and screening",
        "short_name": "Screening",
        "position": 11,
        "description": (
            "Making new molecules (or finding natural ones) and testing them on weeds, fungi "
            "and insects in the laboratory and greenhouse to find the few worth pursuing."
        ),
    },
    {
        "track": CROP,
        "stage": "discovery",
        "slug": "crop-profiling",
        "name": "Lead optimisation and profiling",
        "short_name": "Profiling",
        "position": 12,
        "description": (
            "Improving the best leads and profiling them early: first small field tests, early "
            "toxicity and environmental screens, and a first route to make the active."
        ),
    },
    {
        "track": CROP,
        "stage": "development",
        "slug": "crop-regulatory-studies",
        "name": "Regulatory studies",
        "short_name": "Studies",
        "position": 13,
        "description": (
            "The GLP studies a registration needs: physical-chemical properties, 5-batch "
            "analysis of the technical active, toxicology, ecotoxicology, environmental fate "
            "and residues, with the analytical methods behind them."
        ),
    },
    {
        "track": CROP,
        "stage": "development",
        "slug": "crop-field-trials",
        "name": "Efficacy and residue field trials",
        "short_name": "Trials",
        "position": 14,
        "description": (
            "Trials on farms over several seasons and regions: does the product work and is "
            "the crop safe (efficacy trials), and what residues remain at harvest (GLP residue "
            "trials that set maximum residue levels)."
        ),
    },
    {
        "track": CROP,
        "stage": "development",
        "slug": "crop-registration",
        "name": "Registration",
        "short_name": "Registr.",
        "position": 15,
        "description": (
            "Writing and defending the dossier: approval of the active and authorisation of "
            "products under EU Regulation 1107/2009, registration with the US EPA under FIFRA, "
            "and the authorities of Brazil, India, China and other markets."
        ),
    },
    {
        "track": CROP,
        "stage": "delivery",
        "slug": "crop-technical-manufacture",
        "name": "Technical active manufacture",
        "short_name": "Technical",
        "position": 16,
        "description": (
            "Making the active ingredient (the technical grade) and its intermediates at "
            "volume, often by custom or toll synthesis at a contract manufacturer."
        ),
    },
    {
        "track": CROP,
        "stage": "delivery",
        "slug": "crop-formulation-packaging",
        "name": "Formulation and packaging",
        "short_name": "Formul.",
        "position": 17,
        "description": (
            "Turning the technical into the products farmers use (emulsifiable concentrates "
            "EC, suspension concentrates SC, water-dispersible granules WG, WP, SL, EW, SE, OD, "
            "capsule suspensions CS, granules GR, seed treatments FS) and filling them into "
            "packs, often by toll formulators."
        ),
    },
    {
        "track": CROP,
        "stage": "delivery",
        "slug": "crop-renewal-stewardship",
        "name": "Renewal and stewardship",
        "short_name": "Renewal",
        "position": 18,
        "description": (
            "After launch: renewing approvals (EU renewal, US registration review), new "
            "formulations, crops and markets, second sources of the technical, and "
            "stewardship of how the product is used."
        ),
    },
]

PHASES = PHASES + CROP_PHASES


def sync(apps) -> None:
    """Create or update the stages, tracks and phases (idempotent; used by data migrations).

    Migrations written before tracks existed call this too, with models that have no
    tracks yet: then only the pharmaceutical phases are written, as they were then.
    """
    stage_model = apps.get_model("lifecycle", "Stage")
    phase_model = apps.get_model("lifecycle", "Phase")
    has_tracks = any(field.name == "track" for field in phase_model._meta.get_fields())
    stages = {}
    for row in STAGES:
        fields = {key: value for key, value in row.items() if key != "slug"}
        stages[row["slug"]], _ = stage_model.objects.update_or_create(
            slug=row["slug"], defaults=fields
        )
    tracks = {}
    if has_tracks:
        track_model = apps.get_model("lifecycle", "Track")
        for row in TRACKS:
            fields = {key: value for key, value in row.items() if key != "slug"}
            tracks[row["slug"]], _ = track_model.objects.update_or_create(
                slug=row["slug"], defaults=fields
            )
    for row in PHASES:
        if not has_tracks and row["track"] != PHARMA:
            continue
        fields = {key: value for key, value in row.items() if key not in {"slug", "stage", "track"}}
        fields["stage"] = stages[row["stage"]]
        if has_tracks:
            fields["track"] = tracks[row["track"]]
        phase_model.objects.update_or_create(slug=row["slug"], defaults=fields)
