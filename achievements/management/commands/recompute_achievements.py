from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.models import User
from achievements import queries, services


class Command(BaseCommand):
    help = (
        "Recomputes every user's achievement unlocks from their history (for example after "
        "adding an achievement). Idempotent; sends no toasts. --dry-run only reports."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would unlock without writing anything.",
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        unlocked = users_with_unlocks = 0
        for user in User.objects.order_by("pk").iterator(chunk_size=500):
            if dry_run:
                names = [str(achievement) for achievement in queries.achievements_due(user=user)]
            else:
                # No push: nobody is waiting for a toast; the notifications list keeps them.
                unlocks = services.achievements_check(user=user, push=False)
                names = [str(unlock.achievement) for unlock in unlocks]
            if names:
                unlocked += len(names)
                users_with_unlocks += 1
                self.stdout.write(f"{user.username}: {', '.join(names)}")
        verb = "Would unlock" if dry_run else "Unlocked"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {unlocked} achievement(s) for {users_with_unlocks} user(s)"
                + (" (dry run: nothing written)" if dry_run else "")
            )
        )
