"""The dosage-form catalogue, and which drug-product capabilities name dosage forms; the
derived columns recomputed, since modalities are now taken from services."""

from django.db import migrations

# (slug, name, description)
DOSAGE_FORMS = [
    ("tablet", "Tablet", "Compressed tablets, coated or not, including modified release."),
    ("capsule", "Capsule", "Hard capsules filled with powder, pellets or liquids."),
    ("softgel", "Soft gelatin capsule", "Liquid or semi-solid fill in a soft shell."),
    ("oral-powder", "Oral powder and granules", "Sachets, stick packs and granules."),
    ("oral-liquid", "Oral liquid", "Solutions, suspensions and syrups taken by mouth."),
    ("sterile-injectable", "Sterile injectable", "Liquid vials, ampoules and bags for injection."),
    ("prefilled-syringe", "Prefilled syringe", "Syringes and cartridges filled ready to inject."),
    ("lyophilised", "Lyophilised (freeze-dried)", "Freeze-dried powder for reconstitution."),
    ("inhalation", "Inhalation", "Dry powder and metered-dose inhalers, nebuliser solutions."),
    ("nasal", "Nasal", "Sprays and powders given through the nose."),
    ("topical", "Topical", "Creams, ointments, gels and lotions for the skin."),
    ("ophthalmic", "Ophthalmic", "Eye drops and ointments."),
    ("transdermal", "Transdermal patch", "Patches that deliver the drug through the skin."),
    ("suppository", "Suppository", "Rectal and vaginal forms."),
]

# Capability slug -> the dosage forms a service of it can name.
ORAL = ["tablet", "capsule", "softgel", "oral-powder", "oral-liquid"]
STERILE = ["sterile-injectable", "prefilled-syringe", "lyophilised", "ophthalmic"]
CAPABILITY_FORMS = {
    "formulation-development": [slug for slug, _name, _text in DOSAGE_FORMS],
    "bioavailability-enhancement": ORAL,
    "oral-solid-dose": ["tablet", "capsule", "oral-powder"],
    "sterile-fill-finish": STERILE,
    "lyophilisation": ["lyophilised"],
    "inhalation-products": ["inhalation", "nasal"],
    "topical-liquids": ["topical", "oral-liquid", "ophthalmic", "transdermal", "suppository"],
    "softgel": ["softgel"],
}


def load(apps, schema_editor):
    dosage_form = apps.get_model("providers", "DosageForm")
    capability = apps.get_model("providers", "Capability")
    forms = {}
    for position, (slug, name, description) in enumerate(DOSAGE_FORMS, start=1):
        forms[slug], _ = dosage_form.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position, "description": description}
        )
    for slug, names in CAPABILITY_FORMS.items():
        found = capability.objects.filter(slug=slug).first()
        if found is not None:
            found.dosage_forms.set([forms[name] for name in names])


class Migration(migrations.Migration):
    dependencies = [("providers", "0015_service_modalities_sites_dosage_forms")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
