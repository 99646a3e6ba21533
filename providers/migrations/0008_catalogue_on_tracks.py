"""The catalogue a buyer recognises, on its tracks.

Loads the larger catalogue (with descriptions and synonyms), the new provider types and
certifications, places every capability on its track, and moves services of the
agrochemical capabilities, which were drawn across clinical phases, onto the matching
crop-protection phases. The derived columns (coverage, search text) are recomputed by the
last migration of this round, once every table they read exists.
"""

from django.db import migrations

# Old pharmaceutical position -> the crop-protection phase in the same place of the path.
CLINICAL_TO_CROP = {1: 11, 2: 12, 3: 13, 4: 14, 5: 15, 6: 16, 7: 18}

# Capabilities a curator added (not in the reference data) stay on the track of their phases.
PLACE_OTHERS_SQL = """
UPDATE providers_capability AS c SET track_id = phase.track_id
FROM lifecycle_phase AS phase
WHERE c.track_id IS NULL AND phase.position = c.first_phase_id
"""


def forwards(apps, schema_editor):
    from providers.reference import sync

    sync(apps)
    schema_editor.execute(PLACE_OTHERS_SQL)
    service_model = apps.get_model("providers", "Service")
    moved = []
    for service in service_model.objects.select_related("capability").filter(
        capability__first_phase_id__gte=min(CLINICAL_TO_CROP.values()),
        first_phase_id__lt=min(CLINICAL_TO_CROP.values()),
    ):
        low, high = service.capability.first_phase_id, service.capability.last_phase_id
        first = min(max(CLINICAL_TO_CROP.get(service.first_phase_id, low), low), high)
        last = min(max(CLINICAL_TO_CROP.get(service.last_phase_id, high), first), high)
        service.first_phase_id, service.last_phase_id = first, last
        moved.append(service)
    service_model.objects.bulk_update(moved, ["first_phase", "last_phase"])


class Migration(migrations.Migration):
    dependencies = [("providers", "0007_tracks_and_synonyms")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
