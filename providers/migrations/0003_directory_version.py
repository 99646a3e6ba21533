from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_reference_data")]

    operations = [
        migrations.CreateModel(
            name="DirectoryVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(default="initial", max_length=40)),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="directory_version_single_row"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO providers_directoryversion (id, token, changed_at) VALUES (1, 'initial', now())",
            migrations.RunSQL.noop,
        ),
    ]
