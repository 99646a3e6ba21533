"""Curators keep sites' regulator identities and inspections as they keep the sites (and,
with the inspection permissions, import FDA data and match FEI numbers to sites)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Curators"
MODELS = ("siteidentity", "inspection")
ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    app_config = apps.get_app_config("providers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is None:
        return
    permission_model = apps.get_model("auth", "Permission")
    group.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="providers",
            codename__in=[f"{action}_{model}" for model in MODELS for action in ACTIONS],
        )
    )


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="providers", content_type__model__in=MODELS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("providers", "0010_regulator_identities_inspections")]
    operations = [migrations.RunPython(grant, revoke)]
