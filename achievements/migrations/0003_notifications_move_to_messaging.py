from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0002_default_achievements"),
        ("messaging", "0001_initial"),  # which copied the rows
    ]

    operations = [
        migrations.DeleteModel(name="Notification"),
    ]
