"""The office admins' group sees the notification preferences and unit group robots in /admin/
(view only: both are changed on the product's pages, with the audit trail)."""
from django.db import migrations

GROUP = "创建办管理员"
MODELS = ["notificationpreference", "unitchannel"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("notifications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label="notifications", content_type__model__in=MODELS, codename__startswith="view_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="notifications", content_type__model__in=MODELS))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_events_channels_preferences"),
        ("organizations", "0004_office_admin_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
