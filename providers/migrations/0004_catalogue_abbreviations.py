"""Catalogue names carry the abbreviations buyers type (mAb, ADC, HPAPI, LNP, QP).

Names are part of every provider's search text, so the derived columns are recomputed,
with the refresh as it stood at this migration (later migrations add derived columns that
do not exist yet here).
"""

from django.db import migrations

REFRESH_SQL = """
UPDATE providers_provider AS p SET
    phase_positions = ARRAY(
        SELECT DISTINCT g.position::smallint
        FROM providers_service AS s,
             generate_series(s.first_phase_id::int, s.last_phase_id::int) AS g(position)
        WHERE s.provider_id = p.id
        ORDER BY 1
    ),
    type_ids = ARRAY(
        SELECT t.providertype_id FROM providers_provider_types AS t
        WHERE t.provider_id = p.id ORDER BY 1
    ),
    capability_ids = ARRAY(
        SELECT s.capability_id FROM providers_service AS s
        WHERE s.provider_id = p.id ORDER BY 1
    ),
    modality_ids = ARRAY(
        SELECT m.modality_id FROM providers_provider_modalities AS m
        WHERE m.provider_id = p.id ORDER BY 1
    ),
    industry_ids = ARRAY(
        SELECT i.industry_id FROM providers_provider_industries AS i
        WHERE i.provider_id = p.id ORDER BY 1
    ),
    certification_ids = ARRAY(
        SELECT DISTINCT sc.certification_id
        FROM providers_site AS site
        JOIN providers_site_certifications AS sc ON sc.site_id = site.id
        WHERE site.provider_id = p.id ORDER BY 1
    ),
    countries = ARRAY(
        SELECT code FROM (
            SELECT p.hq_country AS code
            UNION
            SELECT site.country FROM providers_site AS site WHERE site.provider_id = p.id
        ) AS c ORDER BY code
    ),
    search_document =
        setweight(to_tsvector('english', p.name), 'A')
        || setweight(to_tsvector('simple', p.name), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(pt.code || ' ' || pt.name, ' ')
            FROM providers_provider_types AS t
            JOIN providers_providertype AS pt ON pt.id = t.providertype_id
            WHERE t.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(c.name, ' ')
            FROM providers_service AS s JOIN providers_capability AS c ON c.id = s.capability_id
            WHERE s.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(mo.name, ' ')
            FROM providers_provider_modalities AS m
            JOIN providers_modality AS mo ON mo.id = m.modality_id
            WHERE m.provider_id = p.id), '')), 'B')
        || setweight(to_tsvector('english', p.summary), 'C')
"""


def forwards(apps, schema_editor):
    from providers.derived import BUMP_SQL
    from providers.reference import sync

    sync(apps)
    schema_editor.execute(REFRESH_SQL)
    schema_editor.execute(BUMP_SQL)


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_curators_group")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
