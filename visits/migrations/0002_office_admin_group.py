"""The office admins' group sees the visit's models in /admin/ and edits the material
requirements there (audited); assignments, documents, files and packages are changed on the
product's pages through their services, so the group may only view them."""
from django.db import migrations

GROUP = "创建办管理员"
VIEW = ["materialrequirement", "materialassignment", "materialdocument", "materialfile", "materialpackage"]
CHANGE = ["materialrequirement"]


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
    group.permissions.add(*perms.filter(content_type__model__in=CHANGE).exclude(codename__startswith="view_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="visits"))


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0001_initial"),
        ("organizations", "0004_office_admin_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
