from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from moderation.services import is_moderator

pytestmark = pytest.mark.django_db


def test_add_makes_a_moderator_and_remove_unmakes_one(alice, capsys):
    call_command("moderators", "add", "alice")
    alice.refresh_from_db()
    assert alice.is_staff and is_moderator(user=alice)
    call_command("moderators", "list")
    assert "alice\n1 moderator." in capsys.readouterr().out
    call_command("moderators", "remove", "alice")
    alice = type(alice).objects.get(pk=alice.pk)  # fresh permission cache
    assert not alice.is_staff and not is_moderator(user=alice)


def test_unknown_people_and_missing_names_are_clear_errors(alice):
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("moderators", "add", "nobody")
    with pytest.raises(CommandError, match="Say whom to add"):
        call_command("moderators", "add")
