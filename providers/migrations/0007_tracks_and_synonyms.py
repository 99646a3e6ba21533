import django.db.models.deletion
from django.db import migrations, models

SYNONYMS_HELP = "Other words buyers use for it, separated by commas; search finds them."


def synonyms_field():
    return models.TextField(blank=True, db_default="", default="", help_text=SYNONYMS_HELP)


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0005_phase_track_required"),
        ("providers", "0006_provider_import"),
    ]

    operations = [
        migrations.AddField(model_name="capability", name="synonyms", field=synonyms_field()),
        migrations.AddField(model_name="modality", name="synonyms", field=synonyms_field()),
        migrations.AddField(model_name="providertype", name="synonyms", field=synonyms_field()),
        migrations.AddField(
            model_name="industry",
            name="track",
            field=models.ForeignKey(
                blank=True,
                help_text="The lifecycle track this industry works in (blank: no single track).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="lifecycle.track",
            ),
        ),
        # Nullable until the next migration has placed every capability on its track.
        migrations.AddField(
            model_name="capability",
            name="track",
            field=models.ForeignKey(
                help_text="The industry track whose phases this capability is placed on.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="lifecycle.track",
            ),
        ),
    ]
