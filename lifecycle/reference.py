"""The lifecycle's reference data. Data migrations load it through ``sync``."""

STAGES = [
    {
        "slug": "discovery",
        "name": "Discovery",
        "position": 1,
        "also_called": "pre-clinical",
        "description": (
            "Finding and proving a candidate: target biology, chemistry to make and improve "
            "molecules, and the animal and laboratory studies a regulator needs before the "
            "first dose in people."
        ),
    },
    {
        "slug": "development",
        "name": "Development",
        "position": 2,
        "also_called": "clinical",
        "description": (
            "Testing the candidate in people through clinical Phases I to III, while the "
            "manufacturing process and analytical methods are developed and clinical supplies "
            "are made."
        ),
    },
    {
        "slug": "delivery",
        "name": "Delivery",
        "position": 3,
        "also_called": "commercial",
        "description": (
            "Making and supplying the approved product at volume, keeping supply continuous and "
            "improving the process over the product's life."
        ),
    },
]

PHASES = [
    {
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
        "stage": "development",
        "slug": "phase-1",
        "name": "Clinical Phase I",
        "short_name": "Ph I",
        "position": 3,
        "description": "First doses in people, usually a few dozen volunteers: safety and dosing.",
    },
    {
        "stage": "development",
        "slug": "phase-2",
        "name": "Clinical Phase II",
        "short_name": "Ph II",
        "position": 4,
        "description": "Does it work, and at which dose? Hundreds of patients with the condition.",
    },
    {
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
        "stage": "delivery",
        "slug": "commercial-supply",
        "name": "Commercial manufacture and supply",
        "short_name": "Comm.",
        "position": 6,
        "description": "Making the approved product at volume and keeping the market supplied.",
    },
    {
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


def sync(apps) -> None:
    """Create or update the stages and phases (idempotent; used by data migrations)."""
    stage_model = apps.get_model("lifecycle", "Stage")
    phase_model = apps.get_model("lifecycle", "Phase")
    stages = {}
    for row in STAGES:
        fields = {key: value for key, value in row.items() if key != "slug"}
        stages[row["slug"]], _ = stage_model.objects.update_or_create(
            slug=row["slug"], defaults=fields
        )
    for row in PHASES:
        fields = {key: value for key, value in row.items() if key not in {"slug", "stage"}}
        phase_model.objects.update_or_create(
            slug=row["slug"], defaults={**fields, "stage": stages[row["stage"]]}
        )
