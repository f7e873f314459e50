"""The office admins' group issues and revokes API tokens (add, change = revoke), manages webhook
endpoints and reads webhook deliveries in /admin/."""
from django.db import migrations

GROUP = "创建办管理员"
GRANTS = {
    "apitoken": ("view", "add", "change"),
    "webhookendpoint": ("view", "add", "change", "delete"),
    "webhookdelivery": ("view",),
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("api")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model, actions in GRANTS.items():
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="api", content_type__model=model,
            codename__in=[f"{a}_{model}" for a in actions]))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="api"))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("organizations", "0004_office_admin_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
