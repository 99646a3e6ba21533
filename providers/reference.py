"""The directory's reference data: provider types and the curated catalogues.

Data migrations load it through ``sync`` (idempotent), so an empty database is
usable at once. Capabilities name the phase range where they apply, by the
phase's position (pharmaceutical 1 discovery research ... 7 lifecycle management,
crop protection 11 discovery and screening ... 18 renewal; see
``lifecycle.reference``); a capability lies on the track of its phases.
"""

from lifecycle.reference import PHASES as LIFECYCLE_PHASES

DISCOVERY, PRECLINICAL, PHASE_1, PHASE_2, PHASE_3, COMMERCIAL, LIFECYCLE = range(1, 8)
(
    CROP_SCREENING,
    CROP_PROFILING,
    CROP_REGULATORY,
    CROP_FIELD_TRIALS,
    CROP_REGISTRATION,
    CROP_TECHNICAL,
    CROP_FORMULATION,
    CROP_RENEWAL,
) = range(11, 19)
TRACK_OF_POSITION = {row["position"]: row["track"] for row in LIFECYCLE_PHASES}

PROVIDER_TYPES = [
    {
        "slug": "cro",
        "code": "CRO",
        "name": "Contract research organisation",
        "position": 1,
        "stages": ["discovery", "development"],
        "synonyms": "contract research organization, research CRO, full-service CRO",
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
        "synonyms": "contract development and manufacturing organization, CMDO, one-stop shop",
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
        "synonyms": "contract manufacturer, toll manufacturer, contract manufacturing organization",
        "description": (
            "Manufactures approved products at volume and keeps supply continuous, optimising and "
            "re-verifying processes over the product's life."
        ),
    },
    {
        "slug": "crdmo",
        "code": "CRDMO",
        "name": "Contract research, development and manufacturing organisation",
        "position": 4,
        "stages": ["discovery", "development", "delivery"],
        "synonyms": "contract research development and manufacturing organization, "
        "integrated discovery to commercial, end-to-end partner",
        "description": (
            "A CDMO with its own discovery research: takes a molecule from the first "
            "experiments through development to commercial supply under one roof."
        ),
    },
    {
        "slug": "testing-laboratory",
        "code": "Lab",
        "name": "Testing laboratory",
        "position": 5,
        "stages": ["development", "delivery"],
        "synonyms": "contract testing laboratory, CTL, analytical laboratory, QC lab",
        "description": (
            "Tests samples for its clients: analytical methods, release and stability testing, "
            "microbiology and regulatory studies, without making the product itself."
        ),
    },
    {
        "slug": "clinical-supply",
        "code": "CSP",
        "name": "Clinical supply and packaging organisation",
        "position": 6,
        "stages": ["development"],
        "synonyms": "clinical trial supplies, CTS, clinical packaging, IMP supply, comparators",
        "description": (
            "Packs, labels, stores and ships the medicines used in clinical trials, and "
            "sources comparators."
        ),
    },
    {
        "slug": "smo",
        "code": "SMO",
        "name": "Site management organisation",
        "position": 7,
        "stages": ["development"],
        "synonyms": "site management organization, investigator site network, research sites",
        "description": (
            "Runs clinical trial sites for sponsors and CROs: investigators, research nurses, "
            "patient recruitment and study records at the hospital or clinic."
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

# (slug, name, category, first phase, last phase, description, synonyms). A capability lies
# on the track of its phases (``lifecycle.reference``): pharmaceutical 1 to 7, crop
# protection 11 to 18. Synonyms are the other words buyers type; search reads them.
CAPABILITIES = [
    # ---------------------------------------------------------------- discovery
    (
        "target-validation",
        "Target identification and validation",
        "discovery",
        DISCOVERY,
        DISCOVERY,
        "Showing that acting on a biological target changes the disease.",
        "target ID, target biology, functional genomics, CRISPR screens",
    ),
    (
        "hit-finding-screening",
        "Hit finding and high-throughput screening",
        "discovery",
        DISCOVERY,
        DISCOVERY,
        "Screening compound libraries to find starting points.",
        "HTS, hit identification, compound screening, DNA-encoded libraries, DEL, "
        "fragment screening",
    ),
    (
        "assay-development",
        "Assay development and screening biology",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Designing the biochemical and cell-based tests that measure a compound's effect.",
        "in vitro biology, cell-based assays, biochemical assays, phenotypic screening",
    ),
    (
        "medicinal-chemistry",
        "Medicinal chemistry and lead optimisation",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Designing and making analogues to improve potency, safety and properties.",
        "med chem, lead optimization, hit-to-lead, SAR, discovery chemistry, FTE chemistry",
    ),
    (
        "computational-chemistry",
        "Computational chemistry and modelling",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Structure-based design, modelling and data science for discovery.",
        "CADD, in silico, molecular modelling, AI drug design, machine learning",
    ),
    (
        "structural-biology",
        "Structural biology and protein science",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Protein production, crystallography and cryo-EM.",
        "X-ray crystallography, cryo-EM, protein expression, biophysics",
    ),
    (
        "antibody-discovery",
        "Antibody discovery and engineering",
        "discovery",
        DISCOVERY,
        PRECLINICAL,
        "Generating, humanising and optimising antibodies.",
        "mAb discovery, phage display, hybridoma, humanization, bispecifics",
    ),
    (
        "in-vitro-dmpk",
        "In vitro ADME and DMPK",
        "discovery",
        DISCOVERY,
        PHASE_3,
        "Absorption, metabolism and drug-interaction studies.",
        "ADME, DMPK, drug metabolism, metabolic stability, DDI, CYP inhibition, permeability",
    ),
    # ------------------------------------------------------------- pre-clinical
    (
        "in-vivo-pharmacology",
        "In vivo pharmacology and disease models",
        "preclinical",
        DISCOVERY,
        PRECLINICAL,
        "Efficacy in animal models of disease.",
        "efficacy models, xenograft, oncology models, animal models, proof of concept",
    ),
    (
        "research-models",
        "Pre-clinical research models",
        "preclinical",
        DISCOVERY,
        PRECLINICAL,
        "Supplying and breeding laboratory animals, including genetically engineered strains.",
        "research models, laboratory animals, transgenic mice, knockout models, rodent breeding",
    ),
    (
        "in-vivo-pk",
        "In vivo pharmacokinetics",
        "preclinical",
        DISCOVERY,
        PRECLINICAL,
        "How a compound is absorbed and cleared in animals, to choose doses for safety studies.",
        "PK studies, animal PK, exposure, toxicokinetics, TK",
    ),
    (
        "glp-toxicology",
        "GLP toxicology",
        "preclinical",
        PRECLINICAL,
        PHASE_3,
        "General, reproductive and carcinogenicity toxicology under GLP.",
        "IND-enabling, safety assessment, repeat-dose toxicity, DART, carcinogenicity, tox",
    ),
    (
        "genetic-toxicology",
        "Genetic toxicology",
        "preclinical",
        PRECLINICAL,
        PHASE_3,
        "Tests for damage to genes and chromosomes, such as the Ames and micronucleus tests.",
        "genotoxicity, Ames test, micronucleus, mutagenicity, genetox",
    ),
    (
        "safety-pharmacology",
        "Safety pharmacology",
        "preclinical",
        PRECLINICAL,
        PHASE_1,
        "Cardiovascular, respiratory and nervous-system safety studies.",
        "core battery, hERG, cardiovascular safety, telemetry, CNS safety",
    ),
    (
        "pathology",
        "Pathology and histopathology",
        "preclinical",
        PRECLINICAL,
        PHASE_3,
        "Reading tissues from safety studies and peer review of pathology findings.",
        "histopathology, toxicologic pathology, digital pathology, histology",
    ),
    (
        "regulated-bioanalysis",
        "Regulated bioanalysis",
        "preclinical",
        PRECLINICAL,
        LIFECYCLE,
        "Measuring drug and biomarkers in samples under GLP or GCP.",
        "LC-MS/MS, ligand binding assays, immunogenicity, ADA, biomarkers, PK samples",
    ),
    # ----------------------------------------------------------- drug substance
    (
        "process-development",
        "Process research and development",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Designing, scaling and optimising the route that makes the active ingredient.",
        "drug substance, API, route scouting, scale-up, process chemistry, PR&D",
    ),
    (
        "clinical-api-manufacture",
        "Clinical API manufacture",
        "drug-substance",
        PRECLINICAL,
        PHASE_3,
        "GMP manufacture of the active ingredient for toxicology and clinical trials.",
        "drug substance, API, active pharmaceutical ingredient, GMP synthesis, kilo lab",
    ),
    (
        "commercial-api-manufacture",
        "Commercial API manufacture",
        "drug-substance",
        PHASE_3,
        LIFECYCLE,
        "Validated, large-scale manufacture of the active ingredient.",
        "drug substance, API, active pharmaceutical ingredient, bulk API, large scale",
    ),
    (
        "hpapi",
        "Highly potent API (HPAPI) handling",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Containment for highly potent and cytotoxic actives.",
        "HPAPI, high potency, cytotoxics, containment, OEB 5, drug substance, API",
    ),
    (
        "controlled-substances",
        "Controlled substances",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Licensed development and manufacture of scheduled drugs such as opioids and cannabinoids.",
        "scheduled drugs, DEA schedule, narcotics, opioids, cannabinoids, psychedelics",
    ),
    (
        "custom-synthesis",
        "Custom synthesis and advanced intermediates",
        "drug-substance",
        DISCOVERY,
        LIFECYCLE,
        "Making intermediates and building blocks to order.",
        "intermediates, building blocks, fine chemicals, regulatory starting materials, RSM",
    ),
    (
        "flow-chemistry",
        "Continuous flow chemistry",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Continuous processing for hazardous or fast chemistry.",
        "continuous manufacturing, flow reactors, hazardous chemistry, photochemistry",
    ),
    (
        "biocatalysis",
        "Biocatalysis",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Using enzymes to make chiral and complex molecules in fewer, cleaner steps.",
        "enzymatic synthesis, enzyme engineering, biotransformation, green chemistry",
    ),
    (
        "solid-state",
        "Solid-state and crystallisation development",
        "drug-substance",
        PRECLINICAL,
        PHASE_3,
        "Salt, polymorph and crystallisation screening and control.",
        "polymorph screening, salt selection, crystallization, cocrystals",
    ),
    (
        "particle-engineering",
        "Micronisation and particle size reduction",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Milling and micronising actives to the particle size a product needs.",
        "micronization, jet milling, particle size, milling",
    ),
    (
        "radiolabelling",
        "Radiolabelling and isotope synthesis",
        "drug-substance",
        DISCOVERY,
        PHASE_3,
        "Making carbon-14, tritium and stable-isotope labelled compounds for metabolism studies.",
        "C-14, carbon-14, tritium, H-3, isotope labelling, stable isotopes, AME studies",
    ),
    (
        "radiopharmaceuticals",
        "Radiopharmaceutical manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Making radioligands and radioisotope-labelled medicines for imaging and therapy.",
        "radioligands, radiotherapeutics, isotopes, Lu-177, actinium, PET tracers",
    ),
    (
        "peptide-manufacture",
        "Peptide manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Solid- and liquid-phase peptide synthesis and purification.",
        "SPPS, GLP-1, peptide API, drug substance",
    ),
    (
        "oligonucleotide-manufacture",
        "Oligonucleotide manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Synthesis and purification of antisense, siRNA and other oligonucleotides.",
        "oligos, siRNA, antisense, ASO, RNAi, drug substance",
    ),
    (
        "cell-line-development",
        "Cell line development",
        "drug-substance",
        PRECLINICAL,
        PHASE_1,
        "Building and selecting production cell lines for biologics.",
        "CLD, CHO cell lines, clone selection, master cell bank",
    ),
    (
        "mammalian-biologics",
        "Mammalian cell culture biologics manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Antibodies and proteins made in mammalian cells.",
        "mAb, monoclonal antibodies, CHO, bioreactors, biologics drug substance, biosimilars",
    ),
    (
        "microbial-biologics",
        "Microbial fermentation manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Proteins and other products made in bacteria or yeast.",
        "E. coli, yeast, Pichia, microbial expression, fermentation",
    ),
    (
        "bioconjugation",
        "Bioconjugation and ADC manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "Linking payloads to antibodies and other carriers.",
        "ADC, antibody-drug conjugates, payload-linker, conjugation",
    ),
    (
        "plasmid-dna",
        "Plasmid DNA manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "GMP plasmids as starting material for viral vectors and mRNA, or as the product itself.",
        "pDNA, plasmids, DNA templates, linear DNA",
    ),
    (
        "viral-vector",
        "Viral vector manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "AAV, lentiviral and other vectors for gene therapy.",
        "AAV, lentivirus, LVV, gene therapy, adenovirus",
    ),
    (
        "cell-therapy-manufacture",
        "Cell therapy manufacture",
        "drug-substance",
        PHASE_1,
        LIFECYCLE,
        "Autologous and allogeneic cell therapy manufacture.",
        "CAR-T, autologous, allogeneic, stem cells, ATMP",
    ),
    (
        "mrna-lnp",
        "mRNA and lipid nanoparticle (LNP) manufacture",
        "drug-substance",
        PRECLINICAL,
        LIFECYCLE,
        "mRNA synthesis and encapsulation in lipid nanoparticles.",
        "mRNA, LNP, in vitro transcription, IVT, lipid nanoparticles, RNA vaccines",
    ),
    # ------------------------------------------------------------- drug product
    (
        "formulation-development",
        "Formulation development",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Designing a stable, deliverable dosage form.",
        "drug product, preformulation, dosage form design, formulation",
    ),
    (
        "bioavailability-enhancement",
        "Bioavailability enhancement",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Spray-dried dispersions, hot-melt extrusion and particle engineering.",
        "solubility enhancement, spray drying, SDD, hot-melt extrusion, HME, amorphous dispersions",
    ),
    (
        "oral-solid-dose",
        "Oral solid dose manufacture",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Tablets and capsules.",
        "OSD, tablets, capsules, drug product, granulation, tableting, encapsulation",
    ),
    (
        "modified-release",
        "Modified-release oral products",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Tablets and capsules that release their dose slowly, later or in steps.",
        "controlled release, extended release, delayed release, sustained release, MR, ER",
    ),
    (
        "paediatric-formulations",
        "Paediatric formulations",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Dosage forms children can take: mini-tablets, granules, taste-masked liquids.",
        "pediatric, mini-tablets, taste masking, age-appropriate",
    ),
    (
        "sterile-fill-finish",
        "Sterile fill-finish",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Aseptic filling of vials, syringes and cartridges.",
        "fill and finish, fill/finish, aseptic filling, injectables, parenterals, vials, "
        "drug product",
    ),
    (
        "prefilled-syringes",
        "Prefilled syringes and autoinjectors",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Filling syringes and cartridges and assembling them into pens and autoinjectors.",
        "PFS, prefilled syringe, auto-injector, autoinjector, pens, cartridges, fill and finish",
    ),
    (
        "blow-fill-seal",
        "Blow-fill-seal",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Forming, filling and sealing plastic containers in one aseptic step.",
        "BFS, unit-dose plastic ampoules, respules, aseptic",
    ),
    (
        "long-acting-injectables",
        "Long-acting injectables",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Depot injections and implants that release a drug over weeks or months.",
        "LAI, depot, microspheres, implants, PLGA, sustained-release injectables",
    ),
    (
        "lyophilisation",
        "Lyophilisation",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Freeze-drying of injectable products.",
        "lyophilization, freeze drying, lyo",
    ),
    (
        "inhalation-products",
        "Inhalation products",
        "drug-product",
        PRECLINICAL,
        LIFECYCLE,
        "Dry-powder and metered-dose inhaler development and manufacture.",
        "DPI, MDI, pMDI, inhalers, pulmonary delivery, nebuliser",
    ),
    (
        "nasal-products",
        "Nasal products",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Nasal sprays and powders, for local or systemic delivery.",
        "nasal spray, intranasal, nose-to-brain",
    ),
    (
        "ophthalmic-products",
        "Ophthalmic products",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Sterile eye drops, gels and ointments.",
        "eye drops, ophthalmics, ocular, intravitreal",
    ),
    (
        "transdermal",
        "Transdermal patches",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Patches that deliver a drug through the skin.",
        "TDS, transdermal systems, patches, microneedles",
    ),
    (
        "topical-liquids",
        "Topical, semi-solid and liquid products",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Creams, ointments, gels and oral liquids.",
        "semi-solids, creams, ointments, gels, oral liquids, suspensions, dermatology",
    ),
    (
        "softgel",
        "Softgel manufacture",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Soft gelatin and non-animal capsules.",
        "soft gelatin capsules, softgels, liquid-filled capsules",
    ),
    (
        "combination-products",
        "Device assembly and combination products",
        "drug-product",
        PHASE_1,
        LIFECYCLE,
        "Assembling medicines with their delivery devices and testing the combination.",
        "drug-device combination, device assembly, human factors",
    ),
    # ------------------------------------------------------------- analytical
    (
        "method-development",
        "Analytical method development and validation",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Developing and validating methods for release and stability.",
        "method validation, HPLC, analytical development, ICH Q2",
    ),
    (
        "stability-studies",
        "Stability studies",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "ICH stability storage and testing.",
        "ICH stability, shelf life, stability storage, photostability",
    ),
    (
        "qc-release-testing",
        "QC and release testing",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "GMP testing of batches for release.",
        "quality control, batch release testing, GMP testing, lot release",
    ),
    (
        "raw-material-testing",
        "Raw material and excipient testing",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "Testing incoming materials against pharmacopoeia monographs.",
        "compendial testing, USP, Ph. Eur., excipients, raw materials",
    ),
    (
        "elemental-impurities",
        "Elemental impurities testing",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Measuring metals and other elements by ICP-MS, as ICH Q3D asks.",
        "ICP-MS, heavy metals, ICH Q3D, trace metals",
    ),
    (
        "nitrosamine-testing",
        "Nitrosamine testing",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Risk assessment and trace analysis of nitrosamine impurities.",
        "nitrosamines, NDMA, NDSRI, mutagenic impurities, genotoxic impurities",
    ),
    (
        "reference-standards",
        "Reference standards and impurity synthesis",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Making and certifying reference materials and impurity standards.",
        "impurity standards, reference materials, metabolite synthesis",
    ),
    (
        "biologics-characterisation",
        "Biologics characterisation",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Structure, function and comparability of biologics and biosimilars.",
        "characterization, mass spectrometry, glycan analysis, comparability, biosimilarity",
    ),
    (
        "potency-bioassays",
        "Potency bioassays",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Cell-based and binding assays that show a biologic works as it should.",
        "potency assays, bioassays, cell-based potency, relative potency",
    ),
    (
        "viral-safety",
        "Viral safety and viral clearance",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Adventitious agent testing and viral clearance studies for biologics.",
        "viral clearance, adventitious agents, virus testing, biosafety testing",
    ),
    (
        "cell-bank-testing",
        "Cell bank testing",
        "analytical",
        PRECLINICAL,
        LIFECYCLE,
        "Characterising master and working cell banks for identity, purity and safety.",
        "MCB, WCB, cell bank characterization, biosafety",
    ),
    (
        "extractables-leachables",
        "Extractables and leachables",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "What packaging and process materials release into a product.",
        "E&L, extractables, leachables, packaging compatibility",
    ),
    (
        "container-closure-integrity",
        "Container-closure integrity testing",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "Showing that vials, syringes and other packs keep the product sterile.",
        "CCIT, CCI, leak testing, headspace analysis",
    ),
    (
        "microbiology-testing",
        "Microbiology testing",
        "analytical",
        PHASE_1,
        LIFECYCLE,
        "Sterility, endotoxin and environmental monitoring.",
        "sterility testing, endotoxin, bioburden, environmental monitoring, micro",
    ),
    # ----------------------------------------------------------------- clinical
    (
        "phase-1-unit",
        "Phase I clinical unit",
        "clinical",
        PHASE_1,
        PHASE_1,
        "First-in-human and clinical pharmacology studies in an owned unit.",
        "FIH, first-in-human, healthy volunteers, CPU, clinical pharmacology unit",
    ),
    (
        "clinical-pharmacology",
        "Clinical pharmacology and PK modelling",
        "clinical",
        PHASE_1,
        PHASE_3,
        "Designing doses from pharmacokinetic data and models.",
        "PK/PD, pharmacometrics, PBPK, modelling and simulation, population PK",
    ),
    (
        "bioequivalence",
        "Bioavailability and bioequivalence studies",
        "clinical",
        PHASE_1,
        LIFECYCLE,
        "Comparing how two versions of a medicine reach the blood, for generics and changes.",
        "BE studies, BA/BE, generics, bioequivalence, biowaiver",
    ),
    (
        "trial-management",
        "Clinical trial management",
        "clinical",
        PHASE_1,
        LIFECYCLE,
        "Planning and running trials: monitoring, project and site management.",
        "full-service CRO, clinical operations, monitoring, CRA, project management",
    ),
    (
        "site-management",
        "Site management and investigator sites",
        "clinical",
        PHASE_1,
        LIFECYCLE,
        "Running the trial at the hospital or clinic: staff, patients, records.",
        "SMO, investigator sites, research sites, site networks",
    ),
    (
        "patient-recruitment",
        "Patient recruitment and site networks",
        "clinical",
        PHASE_1,
        PHASE_3,
        "Finding patients and sites for trials.",
        "enrolment, enrollment, patient engagement, retention",
    ),
    (
        "central-laboratory",
        "Central laboratory services",
        "clinical",
        PHASE_1,
        PHASE_3,
        "Testing trial samples centrally and consistently.",
        "central lab, safety labs, sample management, kits",
    ),
    (
        "biostatistics-data",
        "Biostatistics and data management",
        "clinical",
        PHASE_1,
        LIFECYCLE,
        "Trial data capture, cleaning and statistical analysis.",
        "data management, EDC, statistics, SAS programming, CDISC",
    ),
    (
        "rtsm",
        "Randomisation and trial supply management (RTSM)",
        "clinical",
        PHASE_1,
        PHASE_3,
        "Systems that randomise patients and send the right kit to each site.",
        "IRT, IWRS, IVRS, randomization, trial supply management",
    ),
    (
        "medical-writing",
        "Medical writing",
        "clinical",
        PRECLINICAL,
        LIFECYCLE,
        "Protocols, investigator brochures, study reports and submission documents.",
        "clinical study reports, CSR, protocols, regulatory writing, IB",
    ),
    (
        "real-world-evidence",
        "Real-world evidence and post-marketing studies",
        "clinical",
        COMMERCIAL,
        LIFECYCLE,
        "Observational studies and evidence after approval.",
        "RWE, Phase IV, observational studies, registries, HEOR",
    ),
    # --------------------------------------------------------------- regulatory
    (
        "regulatory-affairs",
        "Regulatory strategy and submissions",
        "regulatory",
        PRECLINICAL,
        LIFECYCLE,
        "Planning and writing filings to regulators.",
        "IND, CTA, NDA, BLA, MAA, eCTD, regulatory consulting",
    ),
    (
        "cmc-documentation",
        "CMC regulatory documentation",
        "regulatory",
        PRECLINICAL,
        LIFECYCLE,
        "Chemistry, manufacturing and controls sections of filings.",
        "CMC, Module 3, quality dossier, DMF",
    ),
    (
        "qp-release",
        "Qualified Person (QP) release",
        "regulatory",
        PHASE_1,
        LIFECYCLE,
        "Certification of batches for the EU market by a Qualified Person.",
        "QP, QP certification, batch certification, EU importation",
    ),
    (
        "gmp-audits",
        "Quality assurance and GMP audits",
        "regulatory",
        PHASE_1,
        LIFECYCLE,
        "Auditing suppliers and sites, and quality systems support.",
        "supplier audits, GMP compliance, QA consulting, mock inspections",
    ),
    (
        "pharmacovigilance",
        "Pharmacovigilance",
        "regulatory",
        PHASE_1,
        LIFECYCLE,
        "Collecting and assessing safety reports.",
        "PV, drug safety, adverse events, safety reporting, QPPV",
    ),
    # ---------------------------------------------------- packaging and logistics
    (
        "clinical-packaging",
        "Clinical packaging and labelling",
        "packaging-logistics",
        PHASE_1,
        PHASE_3,
        "Blinded packs and labels for trials.",
        "clinical trial supplies, CTS, blinding, clinical labels, IMP packaging",
    ),
    (
        "clinical-supply-logistics",
        "Clinical supply distribution and comparators",
        "packaging-logistics",
        PHASE_1,
        PHASE_3,
        "Storing and shipping trial supplies worldwide.",
        "comparator sourcing, depots, clinical distribution, IMP logistics",
    ),
    (
        "commercial-packaging",
        "Commercial packaging and serialisation",
        "packaging-logistics",
        PHASE_3,
        LIFECYCLE,
        "Packing and serialising finished product for markets.",
        "secondary packaging, blister packing, serialization, bottling",
    ),
    (
        "cold-chain",
        "Cold chain storage and distribution",
        "packaging-logistics",
        PHASE_1,
        LIFECYCLE,
        "Temperature-controlled storage and transport.",
        "GDP, temperature controlled, cryogenic, ultra-cold, 3PL",
    ),
    # -------------------------------------------------- agrochemical (crop protection)
    (
        "agro-discovery-screening",
        "Agrochemical discovery chemistry and screening",
        "agrochemical",
        CROP_SCREENING,
        CROP_PROFILING,
        "Making candidate molecules and testing them on weeds, fungi and insects in the "
        "laboratory and greenhouse.",
        "crop protection discovery, pesticide screening, herbicide, fungicide, insecticide, "
        "greenhouse screening, bioassays",
    ),
    (
        "agro-process-development",
        "Agrochemical process development and scale-up",
        "agrochemical",
        CROP_PROFILING,
        CROP_RENEWAL,
        "Finding and scaling a route that makes the technical active cheaply and cleanly.",
        "route scouting, process chemistry, scale-up, pilot plant, crop protection, pesticide",
    ),
    (
        "agro-physchem",
        "Physical-chemical properties studies",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "GLP measurements of solubility, vapour pressure, partition coefficient, stability "
        "and the other properties a dossier lists.",
        "phys-chem, physchem, physico-chemical, OECD test guidelines, GLP, pesticide, "
        "crop protection",
    ),
    (
        "agro-five-batch",
        "GLP 5-batch analysis",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Analysing five production batches of the technical active to set its specification "
        "and impurity profile.",
        "5-batch, five batch, 5 batch analysis, technical specification, impurity profile, "
        "GLP, pesticide, crop protection",
    ),
    (
        "agro-toxicology",
        "Agrochemical toxicology",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "GLP mammalian toxicity studies for operator, worker and consumer risk assessment.",
        "six-pack, acute toxicity, GLP toxicology, pesticide, crop protection, operator exposure",
    ),
    (
        "agro-ecotoxicology",
        "Ecotoxicology",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Effects on birds, fish, aquatic life, earthworms, soil organisms and non-target "
        "plants and arthropods.",
        "ecotox, aquatic toxicity, non-target organisms, NTA, earthworms, pesticide, "
        "crop protection, herbicide, insecticide, fungicide",
    ),
    (
        "agro-pollinator-studies",
        "Bee and pollinator studies",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Laboratory, semi-field and field studies of effects on honey bees, bumble bees and "
        "solitary bees.",
        "honey bee, bumble bee, pollinators, semi-field, tunnel studies, insecticide, pesticide",
    ),
    (
        "agro-environmental-fate",
        "Environmental fate and metabolism",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Where the active goes and how it breaks down in soil, water, sediment and air, "
        "often with radiolabelled material.",
        "E-fate, efate, degradation, soil metabolism, leaching, lysimeter, dissipation, "
        "pesticide, crop protection",
    ),
    (
        "agro-exposure-modelling",
        "Environmental exposure modelling and risk assessment",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Predicting concentrations in groundwater and surface water and assessing the risk.",
        "FOCUS modelling, PRZM, groundwater, surface water, environmental risk assessment, "
        "pesticide, crop protection",
    ),
    (
        "agro-residue-chemistry",
        "Residue chemistry and crop metabolism",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Metabolism in plants and livestock, residue methods, storage stability and "
        "processing studies behind maximum residue levels.",
        "residues, MRL, maximum residue levels, plant metabolism, livestock metabolism, "
        "residue analysis, pesticide, crop protection",
    ),
    (
        "agro-efficacy-trials",
        "Efficacy and crop safety field trials",
        "agrochemical",
        CROP_PROFILING,
        CROP_RENEWAL,
        "Field trials that show a product controls its target and does not harm the crop.",
        "GEP trials, efficacy trials, field trials, selectivity, phytotoxicity, herbicide, "
        "fungicide, insecticide, pesticide, crop protection",
    ),
    (
        "agro-residue-field-trials",
        "GLP residue field trials",
        "agrochemical",
        CROP_FIELD_TRIALS,
        CROP_RENEWAL,
        "Treating crops as the label will say and measuring what remains at harvest.",
        "residue trials, magnitude of residue, GLP field trials, MRL, pesticide, crop protection",
    ),
    (
        "agro-regulatory-studies",
        "Agrochemical regulatory study packages",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Residue, environmental fate and ecotoxicology studies for registration, managed as "
        "one package.",
        "regulatory studies, GLP studies, registration studies, pesticide, herbicide, "
        "fungicide, insecticide, crop protection",
    ),
    (
        "agro-registration",
        "Agrochemical registration and dossiers",
        "agrochemical",
        CROP_REGULATORY,
        CROP_RENEWAL,
        "Planning, writing and defending dossiers under EU Regulation 1107/2009, US FIFRA "
        "and other regimes.",
        "registration, EU 1107/2009, FIFRA, EPA, dRR, MRL applications, pesticide "
        "regulatory affairs, crop protection",
    ),
    (
        "agro-technical-equivalence",
        "Technical equivalence and generic registration",
        "agrochemical",
        CROP_REGISTRATION,
        CROP_RENEWAL,
        "Showing that a second source of an active matches the reference, for generic "
        "products and new suppliers.",
        "technical equivalence, generics, off-patent actives, 5-batch, second source, pesticide",
    ),
    (
        "agro-custom-manufacture",
        "Agrochemical custom and toll manufacture",
        "agrochemical",
        CROP_PROFILING,
        CROP_RENEWAL,
        "Making crop-protection actives and intermediates to order, on the client's process "
        "(toll) or one the manufacturer develops (custom).",
        "toll synthesis, custom synthesis, technical active, technical grade, AI manufacture, "
        "pesticide, herbicide, fungicide, insecticide, crop protection, intermediates",
    ),
    (
        "agro-formulation",
        "Agrochemical formulation and toll formulation",
        "agrochemical",
        CROP_PROFILING,
        CROP_RENEWAL,
        "Developing and making crop-protection formulations: EC, SC, WG, WP, SL, EW, SE, OD, "
        "CS and GR.",
        "toll formulation, formulation development, EC, SC, WG, WDG, WP, SL, EW, SE, OD, CS, "
        "GR, emulsifiable concentrate, suspension concentrate, granules, pesticide, herbicide, "
        "fungicide, insecticide, crop protection",
    ),
    (
        "agro-seed-treatment",
        "Seed treatment formulation",
        "agrochemical",
        CROP_PROFILING,
        CROP_RENEWAL,
        "Flowable concentrates (FS) and other products that coat seeds.",
        "FS, seed treatment, seed coating, seed care, fungicide, insecticide, crop protection",
    ),
    (
        "agro-packaging",
        "Agrochemical filling and packaging",
        "agrochemical",
        CROP_TECHNICAL,
        CROP_RENEWAL,
        "Filling formulated products into bottles, drums, bags and water-soluble packs.",
        "toll packing, filling, packaging, water-soluble bags, crop protection, pesticide",
    ),
    (
        "agro-biologicals",
        "Biological crop protection development",
        "agrochemical",
        CROP_SCREENING,
        CROP_RENEWAL,
        "Microbial, botanical and semiochemical products: strains, fermentation and formulation.",
        "biopesticides, biologicals, biocontrol, pheromones, semiochemicals, biostimulants",
    ),
]

# (slug, name, synonyms)
MODALITIES = [
    ("small-molecule", "Small molecule", "NCE, new chemical entities, chemical drugs"),
    ("peptide", "Peptide", "peptides, GLP-1, polypeptides"),
    ("oligonucleotide", "Oligonucleotide", "oligos, siRNA, antisense, ASO, RNAi"),
    (
        "monoclonal-antibody",
        "Monoclonal antibody (mAb) and other biologics",
        "mAbs, antibodies, biologics, biosimilars, bispecifics, therapeutic proteins",
    ),
    ("recombinant-protein", "Recombinant protein and enzyme", "proteins, enzymes, biologics"),
    ("adc", "Antibody-drug conjugate (ADC)", "ADCs, conjugates, bioconjugates"),
    ("cell-therapy", "Cell therapy", "CAR-T, stem cells, ATMP, cellular therapy"),
    ("gene-therapy", "Gene therapy and viral vector", "AAV, lentivirus, viral vectors, ATMP"),
    ("mrna", "mRNA", "messenger RNA, RNA, LNP"),
    ("vaccine", "Vaccine", "vaccines, immunisation"),
    (
        "agrochemical-active",
        "Agrochemical active",
        "crop protection, pesticide, herbicide, fungicide, insecticide, technical active, "
        "plant protection product",
    ),
]

# (slug, name, track of the lifecycle it works in, or None)
INDUSTRIES = [
    ("pharmaceutical", "Pharmaceutical", "pharma"),
    ("biotech", "Biotech", "pharma"),
    ("agrochemical", "Agrochemical", "crop-protection"),
    ("animal-health", "Animal health", None),
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
    (
        "iso-17025",
        "ISO/IEC 17025",
        "accreditation",
        "Testing and calibration laboratory accredited for competence under ISO/IEC 17025.",
    ),
    (
        "cap-clia",
        "CAP/CLIA",
        "accreditation",
        "US clinical laboratory accredited by the College of American Pathologists and "
        "certified under CLIA.",
    ),
    (
        "iso-13485",
        "ISO 13485",
        "standard",
        "Quality management system certification for medical devices.",
    ),
    (
        "gdp",
        "GDP",
        "compliance",
        "Good distribution practice for storing and moving medicines.",
    ),
    (
        "dea-registration",
        "DEA registration",
        "compliance",
        "Registered with the US Drug Enforcement Administration to handle controlled substances.",
    ),
]


def _fields(model) -> set[str]:
    return {field.name for field in model._meta.get_fields()}


def sync(apps) -> None:
    """Create or update all reference rows (idempotent; used by data migrations).

    Migrations written before tracks and synonyms existed call this too, with models
    that lack them: then those fields are left out, and only capabilities on the
    pharmaceutical track (the only one then) are written.
    """
    stage_model = apps.get_model("lifecycle", "Stage")
    type_model = apps.get_model("providers", "ProviderType")
    category_model = apps.get_model("providers", "CapabilityCategory")
    capability_model = apps.get_model("providers", "Capability")
    stages = {stage.slug: stage for stage in stage_model.objects.all()}
    capability_fields = _fields(capability_model)
    tracks = {}
    if "track" in capability_fields:
        tracks = {track.slug: track for track in apps.get_model("lifecycle", "Track").objects.all()}

    for row in PROVIDER_TYPES:
        keys = ("code", "name", "position", "description", "synonyms")
        provider_type, _ = type_model.objects.update_or_create(
            slug=row["slug"],
            defaults={key: row[key] for key in keys if key in _fields(type_model)},
        )
        provider_type.typical_stages.set([stages[slug] for slug in row["stages"]])

    categories = {}
    for position, (slug, name, description) in enumerate(CATEGORIES, start=1):
        categories[slug], _ = category_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    for slug, name, category, first, last, description, synonyms in CAPABILITIES:
        track = TRACK_OF_POSITION[first]
        if not tracks and track != "pharma":
            continue
        defaults = {
            "name": name,
            "category": categories[category],
            "first_phase_id": first,
            "last_phase_id": last,
            "description": description,
        }
        if tracks:
            defaults["track"] = tracks[track]
        if "synonyms" in capability_fields:
            defaults["synonyms"] = synonyms
        capability_model.objects.update_or_create(slug=slug, defaults=defaults)

    modality_model = apps.get_model("providers", "Modality")
    for position, (slug, name, synonyms) in enumerate(MODALITIES, start=1):
        defaults = {"name": name, "position": position}
        if "synonyms" in _fields(modality_model):
            defaults["synonyms"] = synonyms
        modality_model.objects.update_or_create(slug=slug, defaults=defaults)

    industry_model = apps.get_model("providers", "Industry")
    for position, (slug, name, track) in enumerate(INDUSTRIES, start=1):
        defaults = {"name": name, "position": position}
        if "track" in _fields(industry_model):
            defaults["track"] = tracks.get(track) if track else None
        industry_model.objects.update_or_create(slug=slug, defaults=defaults)

    certification_model = apps.get_model("providers", "Certification")
    for position, (slug, name, kind, description) in enumerate(CERTIFICATIONS, start=1):
        certification_model.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "kind": kind, "description": description, "position": position},
        )
