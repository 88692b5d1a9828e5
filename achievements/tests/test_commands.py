from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from achievements.models import UserAchievement
from achievements.tests.factories import ParticipantFactory
from messaging.models import Notification
from stats.tests.factories import SessionHistoryFactory

pytestmark = pytest.mark.django_db


def recompute(*args: str) -> str:
    out = StringIO()
    call_command("recompute_achievements", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def history(alice, bob, charlie):
    """Alice has one work session and a room; Bob one session; Charlie nothing."""
    SessionHistoryFactory(user=alice)
    ParticipantFactory(user=alice)
    SessionHistoryFactory(user=bob)


def test_dry_run_reports_what_would_unlock_and_writes_nothing(history, pushed):
    output = recompute("--dry-run")

    assert "alice: 🌱 First focus, 🚪 Say hello" in output
    assert "bob: 🌱 First focus" in output
    assert "charlie" not in output
    assert "Would unlock 3 achievement(s) for 2 user(s) (dry run: nothing written)" in output
    assert not UserAchievement.objects.exists()
    assert not Notification.objects.exists()
    assert pushed == []


def test_real_run_unlocks_notifies_without_toasts_and_is_idempotent(history, alice, pushed):
    output = recompute()

    assert "alice: 🌱 First focus, 🚪 Say hello" in output
    assert output.strip().endswith("Unlocked 3 achievement(s) for 2 user(s)")
    assert UserAchievement.objects.count() == 3
    assert Notification.objects.filter(user=alice).count() == 2
    assert pushed == []

    again = recompute()

    assert again.strip() == "Unlocked 0 achievement(s) for 0 user(s)"
    assert UserAchievement.objects.count() == 3
    assert recompute("--dry-run").startswith("Would unlock 0")


def test_real_run_picks_up_only_what_is_missing(history, alice):
    recompute()
    SessionHistoryFactory.create_batch(9, user=alice)

    output = recompute()

    # 10 sessions and 250 minutes: sessions-10 and focus-1h are new; first-session is not.
    assert "alice: ⏱️ First hour, 🔟 Getting into it\n" in output
    assert "Unlocked 2 achievement(s) for 1 user(s)" in output
