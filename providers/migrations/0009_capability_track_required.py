"""Every capability on a track, and both ends of its phase range on that same track,
checked by the database: (track, phase) pairs must name a phase of that track."""

import django.db.models.deletion
from django.db import migrations, models

ON_TRACK_SQL = """
ALTER TABLE providers_capability
    ADD CONSTRAINT capability_first_phase_on_track FOREIGN KEY (track_id, first_phase_id)
        REFERENCES lifecycle_phase (track_id, position) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT capability_last_phase_on_track FOREIGN KEY (track_id, last_phase_id)
        REFERENCES lifecycle_phase (track_id, position) DEFERRABLE INITIALLY DEFERRED
"""
OFF_TRACK_SQL = """
ALTER TABLE providers_capability
    DROP CONSTRAINT capability_first_phase_on_track,
    DROP CONSTRAINT capability_last_phase_on_track
"""


class Migration(migrations.Migration):
    dependencies = [("providers", "0008_catalogue_on_tracks")]

    operations = [
        migrations.AlterField(
            model_name="capability",
            name="track",
            field=models.ForeignKey(
                help_text="The industry track whose phases this capability is placed on.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="lifecycle.track",
            ),
        ),
        migrations.RunSQL(ON_TRACK_SQL, OFF_TRACK_SQL),
    ]
