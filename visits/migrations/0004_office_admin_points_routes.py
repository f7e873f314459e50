"""The office admins' group sees points and routes in /admin/ (view only: they change on the
route pages through their services, with the audit trail)."""
from django.db import migrations

GROUP = "创建办管理员"
VIEW = ["point", "pointfinding", "pointconfirmation", "route", "routestop"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("visits")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    perms = Permission.objects.filter(content_type__app_label="visits")
    group.permissions.add(*perms.filter(content_type__model__in=VIEW, codename__startswith="view_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="visits",
                                                            content_type__model__in=VIEW))


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_points_routes"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
