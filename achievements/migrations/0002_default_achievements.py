"""The default achievements. Moderators edit or deactivate them in the admin afterwards;
re-running never overwrites their edits (rows are matched by slug and left alone)."""

from django.db import migrations

# slug, name, description, icon, category, points, requirement type, value, sort order
DEFAULTS = [
    (
        "first-session",
        "First focus",
        "Complete your first work session.",
        "🌱",
        "sessions",
        10,
        "work_sessions",
        1,
        10,
    ),
    (
        "sessions-10",
        "Getting into it",
        "Complete 10 work sessions.",
        "🔟",
        "sessions",
        20,
        "work_sessions",
        10,
        20,
    ),
    (
        "sessions-50",
        "Habit forming",
        "Complete 50 work sessions.",
        "🧱",
        "sessions",
        50,
        "work_sessions",
        50,
        30,
    ),
    (
        "sessions-100",
        "Centurion",
        "Complete 100 work sessions.",
        "💯",
        "sessions",
        100,
        "work_sessions",
        100,
        40,
    ),
    (
        "focus-1h",
        "First hour",
        "Focus for 60 minutes in total.",
        "⏱️",
        "time",
        10,
        "focus_minutes",
        60,
        10,
    ),
    (
        "focus-10h",
        "Ten hours deep",
        "Focus for 10 hours in total.",
        "⌛",
        "time",
        40,
        "focus_minutes",
        600,
        20,
    ),
    (
        "focus-50h",
        "Deep worker",
        "Focus for 50 hours in total.",
        "🏔️",
        "time",
        100,
        "focus_minutes",
        3000,
        30,
    ),
    (
        "streak-3",
        "On a roll",
        "Focus on 3 days in a row.",
        "🔥",
        "streak",
        15,
        "streak_days",
        3,
        10,
    ),
    (
        "streak-7",
        "Week warrior",
        "Focus on 7 days in a row.",
        "📅",
        "streak",
        40,
        "streak_days",
        7,
        20,
    ),
    (
        "streak-30",
        "Unbreakable",
        "Focus on 30 days in a row.",
        "💎",
        "streak",
        150,
        "streak_days",
        30,
        30,
    ),
    (
        "first-room",
        "Say hello",
        "Join your first focus room.",
        "🚪",
        "social",
        5,
        "rooms_joined",
        1,
        10,
    ),
    (
        "rooms-5",
        "Room hopper",
        "Join 5 different focus rooms.",
        "🧭",
        "social",
        20,
        "rooms_joined",
        5,
        20,
    ),
    (
        "first-post",
        "First post",
        "Write your first community post.",
        "✍️",
        "social",
        10,
        "community_posts",
        1,
        30,
    ),
    (
        "first-comment",
        "Chiming in",
        "Comment on a community post.",
        "💬",
        "social",
        5,
        "community_comments",
        1,
        40,
    ),
    (
        "likes-10",
        "Appreciated",
        "Receive 10 likes from the community.",
        "❤️",
        "social",
        30,
        "likes_received",
        10,
        50,
    ),
]


def install_defaults(apps, schema_editor):
    Achievement = apps.get_model("achievements", "Achievement")
    for slug, name, description, icon, category, points, requirement, value, order in DEFAULTS:
        Achievement.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "icon": icon,
                "category": category,
                "points": points,
                "requirement_type": requirement,
                "requirement_value": value,
                "sort_order": order,
            },
        )


def remove_unused_defaults(apps, schema_editor):
    Achievement = apps.get_model("achievements", "Achievement")
    # Defaults someone has unlocked stay: their unlocks protect them.
    Achievement.objects.filter(slug__in=[row[0] for row in DEFAULTS], unlocks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("achievements", "0001_initial")]

    operations = [migrations.RunPython(install_defaults, remove_unused_defaults)]
