from django.db import migrations, models


class Migration(migrations.Migration):
    # Depends on 0006 for now: other branches add 0007 and 0008 beside it, and the
    # chain is put in order when they are merged.
    dependencies = [
        ("accounts", "0006_user_alert_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="announce_chat",
            field=models.BooleanField(
                default=True, verbose_name="read new chat lines aloud with a screen reader"
            ),
        ),
    ]
