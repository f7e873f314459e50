"""The office admins' group sees, corrects and deletes the names confirmed in import previews."""
from django.db import migrations

GROUP = "创建办管理员"
MODELS = ["namealias"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("tasks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label="tasks", content_type__model__in=MODELS,
        codename__regex=r"^(view|change|delete)_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="tasks", content_type__model__in=MODELS))


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0003_name_alias_and_parsed_rows"),
        ("organizations", "0004_office_admin_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
