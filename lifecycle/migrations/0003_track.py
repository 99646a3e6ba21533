import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0002_reference_data")]

    operations = [
        migrations.CreateModel(
            name="Track",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=40, unique=True)),
                ("name", models.CharField(max_length=60, unique=True)),
                (
                    "short_name",
                    models.CharField(
                        help_text="Label for compact strips and lists.", max_length=30
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(unique=True)),
                (
                    "description",
                    models.TextField(help_text="Plain-language explanation for buyers."),
                ),
            ],
            options={
                "ordering": ["position"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("position__gte", 1)), name="track_position_gte_1"
                    )
                ],
            },
        ),
        # Nullable until the next migration has put every phase on its track.
        migrations.AddField(
            model_name="phase",
            name="track",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="phases",
                to="lifecycle.track",
            ),
        ),
    ]
