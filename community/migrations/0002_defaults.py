"""The default categories, the search index on PostgreSQL, and the moderators' rights here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CATEGORIES = [
    ("General", "general", "Anything about focusing together."),
    ("Study tips", "study-tips", "Techniques, tools and habits that help."),
    ("Accountability", "accountability", "Say what you'll do; come back and say how it went."),
    ("Wins", "wins", "Finished something? Tell us."),
    ("Feedback", "feedback", "Ideas and problems with Focus Mate itself."),
]
MODERATOR_PERMISSIONS = [
    "view_post",
    "view_comment",
    "view_revision",
    "view_category",
    "add_category",
    "change_category",
    "delete_category",
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("community", "Category")
    for position, (name, slug, description) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    config = apps.get_app_config("community")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="community", codename__in=MODERATOR_PERMISSIONS
        )
    )


def add_search_index(apps, schema_editor):
    # A GIN index exists only on PostgreSQL; SQLite searches with LIKE (see queries).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX community_post_search ON community_post USING gin (search_vector)"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS community_post_search")


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("moderation", "0002_moderators_group"),
    ]

    operations = [
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, drop_search_index),
    ]
