"""The scheduler hears of new deadlines: a timer saved running wakes it.

It sleeps until the earliest deadline it knows; a start, a resume or a phase that
began somewhere else must wake it early. The wake-up goes to every scheduler (a group,
so one in another process hears it through Redis) and runs after the event's other
subscribers: the room's push leaves first, and a scheduler pass's pushes all leave
before it (only the pass's last event asks for it).
"""

from __future__ import annotations

from focusmate.events import TimerChanged, subscriber
from focusmate.lib import broadcast
from timers.services import SCHEDULER_GROUP


def wake_schedulers() -> None:
    """Every scheduler looks at its due moments again (timers.scheduler listens on the
    group). The schedule calls it too, for a session saved to start soon."""
    broadcast.send_now(SCHEDULER_GROUP, {"type": "scheduler.wake"})


@subscriber(TimerChanged, last=True)
def wake_scheduler(event: TimerChanged) -> None:
    if event.wakes_scheduler:
        wake_schedulers()
