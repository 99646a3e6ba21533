"""The directory's reference data: provider types and the curated catalogues.

Data migrations load it through ``sync`` (idempotent), so an empty database is
usable at once. Capabilities name the phase range where they apply, by the
phase's position in the lifecycle (1 discovery research ... 7 lifecycle
management; see ``lifecycle.reference``).
"""

DISCOVERY, PRECLINICAL, PHASE_1, PHASE_2, PHASE_3, COMMERCIAL, LIFECYCLE = range(1, 8)

PROVIDER_TYPES = [
    {
        "slug": "cro",
        "code": "CRO",
        "name": "Contract research organisation",
        "position": 1,
        "stages": ["discovery", "development"],
        "description": (
            "Runs research for its clients: discovery and pre-clinical studies, clinical trials, "
            "and complex medical and analytical testing."
        ),
    },
    {
        "slug": "cdmo",
        "code": "CDMO",
        "name": "Contract development and manufacturing organisation",
        "position": 2,
        "stages": ["development", "delivery"],
        "description": (
            "Develops the manufacturing process and analytical methods, makes clinical supplies, "
            "then manufactures commercially: a one-stop partner from development into the "
            "market. Some also discover new active ingredients."
        ),
    },
    {
        "slug": "cmo",
        "code": "CMO",
        "name": "Contract manufacturing organisation",
        "position": 3,
        "stages": ["delivery"],
        "description": (
            "Manufactures approved products at volume and keeps supply continuous, optimising and "
            "re-verifying processes over the product's life."
        ),
    },
]

CATEGORIES = [
    ("discovery", "Discovery biology and chemistry", "Finding and optimising candidates."),
    ("preclinical", "Pre-clinical and safety", "Studies that make a candidate ready for people."),
    ("drug-substance", "Drug substance", "Making the active ingredient (API)."),
    ("drug-product", "Drug product", "Turning the active ingredient into a medicine."),
    ("analytical", "Analytical and quality testing", "Methods, testing and stability."),
    ("clinical", "Clinical", "Running trials in people."),
    ("regulatory", "Regulatory and safety", "Filings, release and post-market safety."),
    ("packaging-logistics", "Packaging and logistics", "Packing, labelling and moving supply."),
    ("agrochemical", "Agrochemical", "Crop-protection actives and formulations."),
]

# (slug, name, category, first phase, last phase, description)
CAPABILITIES = [
    (
        "target-validation",
        "Target identification and validation",
        "discovery",
        DISCOVERY,
        DISCOVERY,
        "Showing that acting on a biological target changes the disease.",
    ),
    (
        "hit-finding-screening",
        "Hit finding and high-throughput screening",
        "discovery",
        DISCOVERY,
        DISCOVERY,
        "Screening compound libraries to find starting points.",
    ),
    (
        "medicinal-chemistry",
        "Medicinal chemistry and lead optimisation",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Designing and making analogues to improve potency, safety and properties.",
    ),
    (
        "computational-chemistry",
        "Computational chemistry and modelling",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Structure-based design, modelling and data science for discovery.",
    ),
    (
        "structural-biology",
        "Structural biology and protein science",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Protein production, crystallography and cryo-EM.",
    ),
    (
        "antibody-discovery",
        "Antibody discovery and engineering",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Generating, humanising and optimising antibodies.",
    ),
    (
        "in-vitro-dmpk",
        "In vitro ADME and DMPK",
        "discovery",
        DISCOVERY,
        PHASE_3,
        "Absorption, metabolism and drug-interaction studies.",
    ),
    (
        "in-vivo-pharmacology",
        "In vivo pharmacology and disease models",
        "preclinical",
        DISCOVERY,
        PRECLINICAL,
        "Efficacy in animal models of disease.",
    ),
    (
        "glp-toxicology",
        "GLP toxicology",
        "preclinical",
        PRECLINICAL,
        PHASE_3,
        "General, reproductive and carcinogenicity toxicology under GLP.",
    ),
    (
        "safety-pharmacology",
        "Safety pharmacology",
        "preclinical",
        PRECLINICAL,
        PHASE_1,
        "Cardiovascular, respiratory and nervous-system safety studies.",
    ),
    (
        "regulated-bioanalysis",
        "Regulated bioanalysis",
        "preclinical",
        PRECLINICAL,
        LIFECYCLE,
        "Measuring drug and biomarkers in samples under GLP or GCP.",
    ),
    (
        "process-development",
        "Process research and development",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Designing, scaling and optimising the route that makes the active ingredient.",
    ),
    (
        "clinical-api-manufacture",
        "Clinical API manufacture",
        "drug-substance",
        PRECLINICAL,
        PHASE_3,
        "GMP manufacture of the active ingredient for toxicology and clinical trials.",
    ),
    (
        "commercial-api-manufacture",
        "Commercial API manufacture",
        "drug-substance",
        PHASE_3,
        LIFECYCLE,
        "Validated, large-scale manufacture of the active ingredient.",
    ),
    (
        "hpapi",
        "Highly potent API (HPAPI) handling",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Containment for highly potent and cytotoxic actives.",
    ),
    (
        "custom-synthesis",
        "Custom synthesis and advanced intermediates",
        "drug-substance",
        DISCOVERY,
        LIFECYCLE,
        "Making intermediates and building blocks to order.",
    ),
    (
        "flow-chemistry",
        "Continuous flow chemistry",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Continuous processing for hazardous or fast chemistry.",
    ),
    (
        "solid-state",
        "Solid-state and crystallisation development",
        "drug-substance",
        PRECLINICAL,
        PHASE_3,
        "Salt, polymorph and crystallisation screening and control.",
    ),
    (
        "peptide-manufacture",
        "Peptide manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Solid- and liquid-phase peptide synthesis and purification.",
    ),
    (
        "oligonucleotide-manufacture",
        "Oligonucleotide manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Synthesis and purification of antisense, siRNA and other oligonucleotides.",
    ),
    (
        "cell-line-development",
        "Cell line development",
        "drug-substance",
        PRECLINICAL,
        PHASE_1,
        "Building and selecting production cell lines for biologics.",
    ),
    (
        "mammalian-biologics",
        "Mammalian cell culture biologics manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Antibodies and proteins made in mammalian cells.",
    ),
    (
        "microbial-biologics",
        "Microbial fermentation manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Proteins and other products made in bacteria or yeast.",
    ),
    (
        "bioconjugation",
        "Bioconjugation and ADC manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Linking payloads to antibodies and other carriers.",
    ),
    (
        "viral-vector",
        "Viral vector manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "AAV, lentiviral and other vectors for gene therapy.",
    ),
    (
        "cell-therapy-manufacture",
        "Cell therapy manufacture",
        "drug-substance",
        PHASE_1,
        LIFECYCLE,
        "Autologous and allogeneic cell therapy manufacture.",
    ),
    (
        "mrna-lnp",
        "mRNA and lipid nanoparticle (LNP) manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "mRNA synthesis and encapsulation in lipid nanoparticles.",
    ),
    (
        "formulation-development",
        "Formulation development",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Designing a stable, deliverable dosage form.",
    ),
    (
        "bioavailability-enhancement",
        "Bioavailability enhancement",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Spray-dried dispersions, hot-melt extrusion and particle engineering.",
    ),
    (
        "oral-solid-dose",
        "Oral solid dose manufacture",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Tablets and capsules.",
    ),
    (
        "sterile-fill-finish",
        "Sterile fill-finish",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Aseptic filling of vials, syringes and cartridges.",
    ),
    (
        "lyophilisation",
        "Lyophilisation",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Freeze-drying of injectable products.",
    ),
    (
        "inhalation-products",
        "Inhalation products",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Dry-powder and metered-dose inhaler development and manufacture.",
    ),
    (
        "topical-liquids",
        "Topical, semi-solid and liquid products",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Creams, ointments, gels and oral liquids.",
    ),
    (
        "softgel",
        "Softgel manufacture",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Soft gelatin and non-animal capsules.",
    ),
    (
        "method-development",
        "Analytical method development and validation",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Developing and validating methods for release and stability.",
    ),
    (
        "stability-studies",
        "Stability studies",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "ICH stability storage and testing.",
    ),
    (
        "qc-release-testing",
        "QC and release testing",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "GMP testing of batches for release.",
    ),
    (
        "biologics-characterisation",
        "Biologics characterisation",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Structure, function and comparability of biologics and biosimilars.",
    ),
    (
        "extractables-leachables",
        "Extractables and leachables",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "What packaging and process materials release into a product.",
    ),
    (
        "microbiology-testing",
        "Microbiology testing",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "Sterility, endotoxin and environmental monitoring.",
    ),
    (
        "phase-1-unit",
        "Phase I clinical unit",
        "clinical",
        PHASE_1,
        PHASE_1,
        "First-in-human and clinical pharmacology studies in an owned unit.",
    ),
    (
        "trial-management",
        "Clinical trial management",
        "clinical",
        PHASE_1,
        LIFECYCLE,
        "Planning and running trials: monitoring, project and site management.",
    ),
    (
        "patient-recruitment",
        "Patient recruitment and site networks",
        "clinical",
        PHASE_1,
        PHASE_3,
        "Finding patients and sites for trials.",
    ),
    (
        "central-laboratory",
        "Central laboratory services",
        "clinical",
        PHASE_1,
        PHASE_3,
        "Testing trial samples centrally and consistently.",
    ),
    (
        "biostatistics-data",
        "Biostatistics and data management",
        "clinical",
        PHASE_1,
        LIFECYCLE,
        "Trial data capture, cleaning and statistical analysis.",
    ),
    (
        "real-world-evidence",
        "Real-world evidence and post-marketing studies",
        "clinical",
        COMMERCIAL,
        LIFECYCLE,
        "Observational studies and evidence after approval.",
    ),
    (
        "regulatory-affairs",
        "Regulatory strategy and submissions",
        "regulatory",
        PRECLINICAL,
        LIFECYCLE,
        "Planning and writing filings to regulators.",
    ),
    (
        "cmc-documentation",
        "CMC regulatory documentation",
        "regulatory",
        PRECLINICAL,
        LIFECYCLE,
        "Chemistry, manufacturing and controls sections of filings.",
    ),
    (
        "qp-release",
        "Qualified Person (QP) release",
        "regulatory",
        PHASE_1,
        LIFECYCLE,
        "Certification of batches for the EU market by a Qualified Person.",
    ),
    (
        "pharmacovigilance",
        "Pharmacovigilance",
        "regulatory",
        PHASE_1,
        LIFECYCLE,
        "Collecting and assessing safety reports.",
    ),
    (
        "clinical-packaging",
        "Clinical packaging and labelling",
        "packaging-logistics",
        PHASE_1,
        PHASE_3,
        "Blinded packs and labels for trials.",
    ),
    (
        "clinical-supply-logistics",
        "Clinical supply distribution and comparators",
        "packaging-logistics",
        PHASE_1,
        PHASE_3,
        "Storing and shipping trial supplies worldwide.",
    ),
    (
        "commercial-packaging",
        "Commercial packaging and serialisation",
        "packaging-logistics",
        PHASE_3,
        LIFECYCLE,
        "Packing and serialising finished product for markets.",
    ),
    (
        "cold-chain",
        "Cold chain storage and distribution",
        "packaging-logistics",
        PHASE_1,
        LIFECYCLE,
        "Temperature-controlled storage and transport.",
    ),
    (
        "agro-custom-manufacture",
        "Agrochemical custom and toll manufacture",
        "agrochemical",
        PRECLINICAL,
        LIFECYCLE,
        "Making crop-protection actives and intermediates to order.",
    ),
    (
        "agro-formulation",
        "Agrochemical formulation and toll formulation",
        "agrochemical",
        PRECLINICAL,
        LIFECYCLE,
        "Developing and making crop-protection formulations.",
    ),
    (
        "agro-regulatory-studies",
        "Agrochemical regulatory studies",
        "agrochemical",
        PRECLINICAL,
        LIFECYCLE,
        "Residue, environmental fate and ecotoxicology studies for registration.",
    ),
]

MODALITIES = [
    ("small-molecule", "Small molecule"),
    ("peptide", "Peptide"),
    ("oligonucleotide", "Oligonucleotide"),
    ("monoclonal-antibody", "Monoclonal antibody (mAb) and other biologics"),
    ("recombinant-protein", "Recombinant protein and enzyme"),
    ("adc", "Antibody-drug conjugate (ADC)"),
    ("cell-therapy", "Cell therapy"),
    ("gene-therapy", "Gene therapy and viral vector"),
    ("mrna", "mRNA"),
    ("vaccine", "Vaccine"),
    ("agrochemical-active", "Agrochemical active"),
]

INDUSTRIES = [
    ("pharmaceutical", "Pharmaceutical"),
    ("biotech", "Biotech"),
    ("agrochemical", "Agrochemical"),
    ("animal-health", "Animal health"),
]

# (slug, name, kind, description)
CERTIFICATIONS = [
    (
        "fda-inspected",
        "FDA-inspected",
        "inspection",
        "Inspected by the US Food and Drug Administration for current good manufacturing practice.",
    ),
    (
        "eu-gmp",
        "EU GMP",
        "inspection",
        "Holds an EU manufacturing authorisation or GMP certificate from an EU or EEA authority.",
    ),
    ("mhra-gmp", "MHRA GMP", "inspection", "GMP certificate from the UK's MHRA."),
    ("pmda-inspected", "PMDA-inspected", "inspection", "Inspected by Japan's PMDA."),
    (
        "glp",
        "GLP",
        "compliance",
        "Good laboratory practice, in the OECD sense, for safety studies.",
    ),
    ("gcp", "GCP", "compliance", "Good clinical practice for running trials."),
    ("iso-9001", "ISO 9001", "standard", "Quality management system certification."),
    ("iso-14001", "ISO 14001", "standard", "Environmental management system certification."),
    (
        "aaalac",
        "AAALAC accredited",
        "accreditation",
        "Laboratory animal care accredited by AAALAC International.",
    ),
]


def sync(apps) -> None:
    """Create or update all reference rows (idempotent; used by data migrations)."""
    stage_model = apps.get_model("lifecycle", "Stage")
    type_model = apps.get_model("providers", "ProviderType")
    category_model = apps.get_model("providers", "CapabilityCategory")
    capability_model = apps.get_model("providers", "Capability")
    stages = {stage.slug: stage for stage in stage_model.objects.all()}

    for row in PROVIDER_TYPES:
        provider_type, _ = type_model.objects.update_or_create(
            slug=row["slug"],
            defaults={key: row[key] for key in ("code", "name", "position", "description")},
        )
        provider_type.typical_stages.set([stages[slug] for slug in row["stages"]])

    categories = {}
    for position, (slug, name, description) in enumerate(CATEGORIES, start=1):
        categories[slug], _ = category_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    for slug, name, category, first, last, description in CAPABILITIES:
        capability_model.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": categories[category],
                "first_phase_id": first,
                "last_phase_id": last,
                "description": description,
            },
        )

    for model_name, rows in (("Modality", MODALITIES), ("Industry", INDUSTRIES)):
        model = apps.get_model("providers", model_name)
        for position, (slug, name) in enumerate(rows, start=1):
            model.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})

    certification_model = apps.get_model("providers", "Certification")
    for position, (slug, name, kind, description) in enumerate(CERTIFICATIONS, start=1):
        certification_model.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "kind": kind, "description": description, "position": position},
        )
