"""Every existing account gets its schedule settings, so that no GET has to create them."""

from django.conf import settings
from django.db import migrations


def create_missing(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    SchedulePreferences = apps.get_model("scheduling", "SchedulePreferences")
    from scheduling.models import new_feed_token

    missing = User.objects.filter(schedule_preferences__isnull=True).values_list("pk", flat=True)
    SchedulePreferences.objects.bulk_create(
        [SchedulePreferences(user_id=pk, feed_token=new_feed_token()) for pk in missing.iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0003_booking_email_and_arrival_facts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_missing, migrations.RunPython.noop)]
