"""The office admins' group: view every model of the project in /admin/, edit the configuration
models (units, people, roles, standards, campaigns, holidays, ranking rules, logins).

Lists are frozen here, as a migration must be; a model added later needs a migration that adds
its permissions (tests/organizations/test_admin.py fails until it does).
"""
from django.db import migrations

GROUP = "创建办管理员"
PROJECT_APPS = ["organizations", "indicators", "ledgers", "tasks", "inspections", "notifications", "reports"]
EDITS = {
    ("organizations", "unit"): ("add", "change", "delete"),
    ("organizations", "person"): ("add", "change", "delete"),
    ("organizations", "membership"): ("add", "change", "delete"),
    ("indicators", "standard"): ("add", "change"),
    ("indicators", "standardnode"): ("add", "change"),
    ("indicators", "measure"): ("add", "change"),
    ("indicators", "campaign"): ("add", "change"),
    ("indicators", "phase"): ("add", "change", "delete"),
    ("indicators", "holiday"): ("add", "change", "delete"),
    ("reports", "rankingrule"): ("add", "change"),
    # Logins: no delete (deactivate instead, the audit trail keeps pointing at them); the
    # admin keeps is_superuser and direct permissions out of their reach.
    ("auth", "user"): ("add", "change"),
}
VIEW_ALSO = [("auth", "user"), ("auth", "group")]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = set()
    for perm in Permission.objects.select_related("content_type"):
        app, model = perm.content_type.app_label, perm.content_type.model
        action = perm.codename.split("_", 1)[0]
        if action == "view" and (app in PROJECT_APPS or (app, model) in VIEW_ALSO):
            wanted.add(perm.pk)
        elif action in EDITS.get((app, model), ()):
            wanted.add(perm.pk)
    group.permissions.add(*wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("organizations", "0003_auditentry_actor"),
        ("indicators", "0004_recompute_request"),
        ("ledgers", "0001_initial"),
        ("tasks", "0002_alert_fields"),
        ("inspections", "0001_initial"),
        ("notifications", "0002_alert_unique_per_deadline"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
