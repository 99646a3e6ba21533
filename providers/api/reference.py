"""The reference data behind every filter: stages, industry tracks, phases, provider types,
the capability catalogue (with its synonyms), modalities, industries, certifications and
regions, from the directory index's
catalogue (the same snapshot the filters use)."""

from providers import regions
from providers.directory.index import DirectoryCatalogue


def reference_data(catalogue: DirectoryCatalogue) -> dict:
    stage_slug = {stage.pk: stage.slug for stage in catalogue.stages}
    track_slug = {track.pk: track.slug for track in catalogue.tracks}
    by_position = catalogue.phase_by_position
    categories = catalogue.categories
    return {
        "stages": [
            {"slug": stage.slug, "name": stage.name, "position": stage.position}
            for stage in catalogue.stages
        ],
        "tracks": [
            {
                "slug": track.slug,
                "name": track.name,
                "position": track.position,
                "description": track.description,
            }
            for track in catalogue.tracks
        ],
        "phases": [
            {
                "slug": phase.slug,
                "name": phase.name,
                "stage": stage_slug[phase.stage_id],
                "track": track_slug[phase.track_id],
                "position": phase.position,
            }
            for phase in catalogue.phases
        ],
        "provider_types": [
            {
                "slug": row.slug,
                "code": row.code,
                "name": row.name,
                "description": row.description,
                "typical_stages": [stage.slug for stage in row.typical_stages.all()],
            }
            for row in catalogue.types.values()
        ],
        "capability_categories": [
            {"slug": row.slug, "name": row.name}
            for row in sorted(categories.values(), key=lambda row: (row.position, row.name))
        ],
        "capabilities": [
            {
                "slug": row.slug,
                "name": row.name,
                "category": categories[row.category_id].slug,
                "description": row.description,
                "track": track_slug[row.track_id],
                "first_phase": by_position[row.first_phase_id].slug,
                "last_phase": by_position[row.last_phase_id].slug,
                "synonyms": [word.strip() for word in row.synonyms.split(",") if word.strip()],
            }
            for row in catalogue.capabilities.values()
        ],
        "modalities": [{"slug": r.slug, "name": r.name} for r in catalogue.modalities.values()],
        "industries": [
            {"slug": r.slug, "name": r.name, "track": track_slug.get(r.track_id)}
            for r in catalogue.industries.values()
        ],
        "certifications": [
            {"slug": r.slug, "name": r.name, "kind": r.kind}
            for r in catalogue.certifications.values()
        ],
        "regions": [{"slug": slug, "name": regions.LABELS[slug]} for slug in regions.ORDER],
    }
