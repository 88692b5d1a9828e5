import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_from_achievements(apps, schema_editor):
    """Notifications lived in the achievements app until every feature needed them."""
    old = apps.get_model("achievements", "Notification")
    new = apps.get_model("messaging", "Notification")
    rows = [
        new(
            id=n.id,
            user_id=n.user_id,
            text=n.text,
            url=n.url,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n in old.objects.iterator()
    ]
    new.objects.bulk_create(rows, batch_size=1000)
    if rows and schema_editor.connection.vendor == "postgresql":
        # Explicit ids were inserted: move the sequence past them.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('messaging_notification', 'id'), "
                "(SELECT MAX(id) FROM messaging_notification))"
            )


def copy_back(apps, schema_editor):
    old = apps.get_model("achievements", "Notification")
    new = apps.get_model("messaging", "Notification")
    old.objects.bulk_create(
        [
            old(
                id=n.id,
                user_id=n.user_id,
                text=n.text,
                url=n.url,
                created_at=n.created_at,
                read_at=n.read_at,
            )
            for n in new.objects.iterator()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("achievements", "0002_default_achievements"),
    ]

    operations = [
        migrations.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.CharField(max_length=200)),
                ("url", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("read_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["user", "read_at"], name="messaging_n_user_id_5e2f0e_idx")
                ],
            },
        ),
        migrations.RunPython(copy_from_achievements, copy_back),
    ]
