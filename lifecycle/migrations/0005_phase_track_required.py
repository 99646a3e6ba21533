import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0004_tracks_reference")]

    operations = [
        migrations.AlterField(
            model_name="phase",
            name="track",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="phases",
                to="lifecycle.track",
            ),
        ),
        migrations.AddConstraint(
            model_name="phase",
            constraint=models.UniqueConstraint(
                fields=("track", "position"), name="phase_track_position"
            ),
        ),
    ]
