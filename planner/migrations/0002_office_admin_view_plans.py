"""The office admins' group sees plans and their items in /admin/ (view only: pins, exclusions
and tasks are changed on the plan page, through planner.services and the audit trail)."""
from django.db import migrations

GROUP = "创建办管理员"
MODELS = ["plan", "planitem"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("planner")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label="planner", content_type__model__in=MODELS,
        codename__regex=r"^(view|change)_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="planner", content_type__model__in=MODELS))


class Migration(migrations.Migration):
    dependencies = [
        ("planner", "0001_initial"),
        ("organizations", "0004_office_admin_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
