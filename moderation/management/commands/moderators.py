"""Who moderates: list the Moderators group, or add or remove a person.

manage.py moderators                # list
manage.py moderators add alice      # staff, in the Moderators group
manage.py moderators remove alice   # out of the group, and no longer staff
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User

GROUP = "Moderators"


class Command(BaseCommand):
    help = "Lists the moderators, or makes a person one (add) or not (remove)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
        parser.add_argument("username", nargs="?")

    def handle(self, *args, action: str, username: str | None, **options) -> None:
        group = Group.objects.filter(name=GROUP).first()
        if group is None:
            raise CommandError(f"There is no {GROUP} group: run `manage.py migrate` first.")
        if action == "list":
            names = list(group.user_set.order_by("username").values_list("username", flat=True))
            for name in names:
                self.stdout.write(name)
            self.stdout.write(f"{len(names)} moderator{'s' if len(names) != 1 else ''}.")
            return
        if not username:
            raise CommandError(f"Say whom to {action}: manage.py moderators {action} <username>")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        with transaction.atomic():
            if action == "add":
                user.groups.add(group)
                user.is_staff = True  # the admin is the moderators' tool
            else:
                user.groups.remove(group)
                user.is_staff = user.is_superuser  # superusers stay staff
            user.save(update_fields=["is_staff"])
        verb = "is now a moderator" if action == "add" else "is no longer a moderator"
        self.stdout.write(self.style.SUCCESS(f"{username} {verb}."))
