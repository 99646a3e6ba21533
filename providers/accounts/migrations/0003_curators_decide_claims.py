"""Curators decide claims to profiles and review corrections (and see who represents which
provider); they do not edit users."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Curators"
GRANTS = {
    "profileclaim": ("change", "view"),
    "correction": ("change", "view"),
    "providermembership": ("view", "delete"),
    "providerconfirmation": ("view",),
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is None:
        return
    permission_model = apps.get_model("auth", "Permission")
    group.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="accounts",
            codename__in=[
                f"{action}_{model}" for model, actions in GRANTS.items() for action in actions
            ],
        )
    )


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="accounts", content_type__model__in=list(GRANTS)
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_alertsettings_providerconfirmation_correction_and_more"),
        ("providers", "0003_curators_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
