"""The "Curators" group: staff who keep provider records true.

They add and edit providers (never delete them: they withdraw), manage services,
sites and the reference catalogues, and may only look at the lifecycle's stages
and phases. No permission over users or groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Curators"
PERMISSIONS = {
    "providers": {
        "provider": ["add", "change", "view"],
        "service": ["add", "change", "delete", "view"],
        "site": ["add", "change", "delete", "view"],
        "providertype": ["add", "change", "delete", "view"],
        "capabilitycategory": ["add", "change", "delete", "view"],
        "capability": ["add", "change", "delete", "view"],
        "modality": ["add", "change", "delete", "view"],
        "industry": ["add", "change", "delete", "view"],
        "certification": ["add", "change", "delete", "view"],
    },
    "lifecycle": {"stage": ["view"], "phase": ["view"]},
}


def create_group(apps, schema_editor):
    # post_migrate (which normally creates permissions) has not run yet inside a migration.
    for label in PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=GROUP)
    wanted = []
    for app_label, models in PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                wanted.append(
                    permission_model.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    )
                )
    group.permissions.set(wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0003_directory_version"),
        ("lifecycle", "0002_reference_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
