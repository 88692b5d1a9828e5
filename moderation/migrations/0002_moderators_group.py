"""The "Moderators" group: staff who work the report queue, not superusers.

Its permissions here are moderation's own; apps with moderated content add theirs in
their own migrations (the forum adds viewing its posts and managing its categories).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = ["view_report", "change_report", "view_moderationaction"]


def add_group(apps, schema_editor):
    config = apps.get_app_config("moderation")
    config.models_module = True  # create_permissions skips apps without models otherwise
    create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="moderation", codename__in=PERMISSIONS)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_group, remove_group)]
