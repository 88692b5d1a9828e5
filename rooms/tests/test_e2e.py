"""Room flows in a real browser against a real server (Daphne, sockets, scheduler).

Each person has their own browser context. What one person does must reach the
other person's open page over the room socket, without a reload. The timer script
(static/js/timer.js) is not relied on: the tests read the timer's data attributes
and the clock as the server rendered it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from focusmate.lib import broadcast
from rooms import services
from rooms.models import Participant, Room
from stats.models import SessionHistory
from tests.browser import AUDIO_SPY
from timers.models import Timer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE = 2_000  # ms: a push over the socket must arrive within this
SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
# The scheduler re-reads the earliest deadline at every pass; passes come at least
# this often, so a deadline moved in the database is noticed within a second.
FAST_SCHEDULER = pytest.mark.parametrize(
    "live_site", [{"TIMER_SYNC_SECONDS": "1"}], indirect=True, ids=["sync1s"]
)


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # Services called here to set the scene would push to this process's own channel
    # layer, which no browser listens to; and Playwright's event loop in this thread
    # makes async_to_sync refuse. The live server pushes what the tests look at.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


def open_room(page: Page, site_url: str, room: Room, user) -> None:
    """Opens the room page and waits until its socket is live.

    The socket's first message is a snapshot that marks its own person online, so
    seeing oneself online proves that pushes will now reach this page.
    """
    page.goto(f"{site_url}{room.get_absolute_url()}")
    wait_online(page, user.username)


def wait_online(page: Page, username: str) -> None:
    expect(person(page, username)).to_have_attribute("data-online", "true", timeout=5_000)


def person(page: Page, username: str):
    return page.locator(f"#participants li[data-user='{username}']")


def expect_status(page: Page, username: str, text: str) -> None:
    """The status a person shows; every label is in the page, CSS shows one of them."""
    status = person(page, username).locator(".person-status")
    expect(status).to_have_text(text, use_inner_text=True, timeout=LIVE)


def timer(page: Page):
    return page.locator("#timer")


def press(page: Page, action: str) -> None:
    page.locator(f"#timer button[name=action][value={action}]").click()


def clock_seconds(page: Page) -> int:
    minutes, seconds = page.locator("#timer [data-role=clock]").inner_text().strip().split(":")
    return int(minutes) * 60 + int(seconds)


def ends_at(page: Page) -> datetime:
    return datetime.fromisoformat(timer(page).get_attribute("data-ends-at"))


def test_alice_starts_the_timer_and_bobs_open_page_follows_live(
    live_site, new_page, alice, bob, password
):
    alice_page, bob_page = new_page(), new_page()
    live_site.log_in(alice_page, alice, password)
    live_site.log_in(bob_page, bob, password)

    alice_page.goto(f"{live_site.url}/rooms/new/")
    alice_page.get_by_label("Name", exact=True).fill("Thesis & <friends>")
    alice_page.get_by_role("button", name="Create room").click()
    alice_page.wait_for_url(re.compile(r"/rooms/\d+/$"))
    room = Room.objects.get(owner=alice, is_solo=False)
    assert room.name == "Thesis & <friends>"
    wait_online(alice_page, "alice")

    bob_page.goto(f"{live_site.url}/rooms/")
    bob_page.get_by_role("link", name="Thesis & <friends>").click()
    bob_page.get_by_role("button", name="Join the room").click()
    wait_online(bob_page, "bob")
    wait_online(alice_page, "bob")  # Bob's arrival reached Alice's open page
    assert Participant.objects.present().filter(room=room).count() == 2

    expect(timer(bob_page)).to_have_attribute("data-status", "idle")
    press(alice_page, "start")

    expect(timer(bob_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    expect(timer(alice_page)).to_have_attribute("data-status", "running")
    assert bob_page.url == f"{live_site.url}{room.get_absolute_url()}"  # no reload
    alice_ends_at, bob_ends_at = ends_at(alice_page), ends_at(bob_page)
    assert abs((alice_ends_at - bob_ends_at).total_seconds()) < 1
    assert abs(clock_seconds(alice_page) - clock_seconds(bob_page)) <= 1
    assert 25 * 60 - 5 <= clock_seconds(bob_page) <= 25 * 60
    assert Timer.objects.get(room=room).ends_at == alice_ends_at


@pytest.fixture
def both_in_room(live_site, new_page, room, alice, bob, password):
    """Alice's and Bob's pages on Alice's room (Bob a member), both sockets live."""
    alice_page, bob_page = new_page(), new_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        open_room(page, live_site.url, room, user)
    wait_online(alice_page, "bob")
    return alice_page, bob_page


def test_what_bob_does_is_seen_live_on_alices_page(both_in_room, room):
    alice_page, bob_page = both_in_room
    bob_on_alices_page = person(alice_page, "bob")
    expect_status(alice_page, "bob", "Idle")

    press(bob_page, "start")
    expect(timer(alice_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    expect(bob_on_alices_page.locator(".person-status")).to_have_text(
        "Focusing", use_inner_text=True
    )

    press(bob_page, "pause")
    expect(timer(alice_page)).to_have_attribute("data-status", "paused", timeout=LIVE)
    expect(timer(alice_page).locator(".timer-phase")).to_contain_text("paused")
    expect_status(alice_page, "bob", "Paused")
    expect(alice_page.locator("#timer button[value=resume]")).to_be_visible()

    press(bob_page, "resume")
    expect(timer(alice_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    expect(bob_on_alices_page.locator(".person-status")).to_have_text(
        "Focusing", use_inner_text=True
    )

    press(bob_page, "skip")
    expect(timer(alice_page)).to_have_attribute("data-phase", "short_break", timeout=LIVE)
    expect(timer(alice_page)).to_have_attribute("data-status", "running")
    expect(bob_on_alices_page.locator(".person-status")).to_have_text(
        "On break", use_inner_text=True
    )
    assert not SessionHistory.objects.filter(room=room).exists()  # a skip counts nothing

    bob_page.get_by_label("What are you working on?").fill("Chapter 3 <b>draft</b>")
    bob_page.get_by_role("button", name="Share").click()
    intention = bob_on_alices_page.locator(".intention")
    expect(intention).to_have_text("Chapter 3 <b>draft</b>", timeout=LIVE)
    assert intention.locator("b").count() == 0  # shown as text, never as markup
    assert alice_page.url.endswith(room.get_absolute_url())  # no reload on Alice's side


@FAST_SCHEDULER
def test_a_break_starts_on_its_own_and_both_sessions_are_recorded(
    live_site, new_page, alice, bob, password
):
    room = services.room_create(owner=alice, name="Sprint", work_minutes=1)
    services.room_join(room=room, user=bob)
    alice_page, bob_page = new_page(), new_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        open_room(page, live_site.url, room, user)

    press(alice_page, "start")
    expect(timer(bob_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    # A one-minute phase is too slow for a test: bring its end three seconds close.
    deadline = timezone.now() + timedelta(seconds=3)
    moved = Timer.objects.filter(room=room, status="running", phase="work").update(
        ends_at=deadline,
        phase_started_at=deadline - timedelta(minutes=1),
        version=F("version") + 1,
    )
    assert moved == 1

    for page in (alice_page, bob_page):
        expect(timer(page)).to_have_attribute("data-phase", "short_break", timeout=8_000)
        expect(timer(page)).to_have_attribute("data-status", "running")
    expect(person(alice_page, "bob").locator(".person-status")).to_have_text(
        "On break", use_inner_text=True
    )
    rows = list(SessionHistory.objects.filter(room=room).order_by("user__username"))
    assert [(row.user.username, row.kind) for row in rows] == [
        ("alice", "work"),
        ("bob", "work"),
    ]
    assert {row.ended_at for row in rows} == {deadline}  # recorded at its deadline
    assert {row.seconds_credited for row in rows} == {60}


def test_an_outsider_gets_a_404_for_a_private_room(
    live_site, new_page, private_room, charlie, password
):
    page = new_page()
    live_site.log_in(page, charlie, password)
    response = page.goto(f"{live_site.url}{private_room.get_absolute_url()}")
    assert response.status == 404
    assert "Secret lab" not in page.content()
    expect(page.locator("#timer")).to_have_count(0)
    assert not Participant.objects.filter(room=private_room, user=charlie).exists()


def test_a_full_room_tells_the_joiner_so(live_site, new_page, alice, bob, password):
    room = services.room_create(owner=alice, name="Just me", max_participants=1)
    page = new_page()
    live_site.log_in(page, bob, password)
    page.goto(f"{live_site.url}/rooms/")
    page.get_by_role("link", name="Just me").click()
    page.get_by_role("button", name="Join the room").click()

    expect(page.locator("#toasts .toast-error")).to_contain_text("This room is full")
    expect(page.get_by_role("button", name="Join the room")).to_be_visible()
    expect(person(page, "bob")).to_have_count(0)
    assert not Participant.objects.filter(room=room, user=bob).exists()


@pytest.mark.parametrize(
    ("device", "viewport"),
    [("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})],
    ids=["phone", "desktop"],
)
def test_the_room_page_fits_the_screen(
    live_site, new_page, room, alice, bob, password, device, viewport
):
    services.participant_set_intention(
        room=room, user=bob, intention="Literature review for the second chapter of my thesis"
    )
    page = new_page(viewport=viewport)
    live_site.log_in(page, alice, password)
    open_room(page, live_site.url, room, alice)
    press(page, "start")
    expect(timer(page)).to_have_attribute("data-status", "running")

    page.evaluate("window.scrollTo(0, 0)")  # the click scrolled to its button

    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"room-{device}.png")
    page.screenshot(path=SCREENS / f"room-{device}-full.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the room page scrolls sideways by {overflow}px on a {device}"
    # The timer and its buttons are on the first screen, without scrolling.
    for locator in (page.locator("#timer [data-role=clock]"), page.locator("#timer button").first):
        box = locator.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= viewport["height"], f"{locator} is below the fold"


def test_a_ban_in_the_admin_closes_the_banned_person_s_open_room_at_once(
    both_in_room, live_site, new_page, moderator, password, bob
):
    """The moderator bans Bob in the admin; Bob's open page stops and says why, and Bob
    leaves Alice's people list, without anyone reloading."""
    alice_page, bob_page = both_in_room
    admin = new_page()
    live_site.log_in(admin, moderator, password)  # the admin's login is the site's
    admin.goto(f"{live_site.url}/admin/accounts/user/?q=bob")
    admin.locator(f"input[name=_selected_action][value='{bob.pk}']").check()
    admin.locator("select[name=action]").select_option("deactivate_users")
    admin.locator("button[name=index]").click()

    expect(bob_page.get_by_test_id("access-ended")).to_contain_text("signed out", timeout=LIVE)
    expect(person(alice_page, "bob")).to_have_count(0, timeout=LIVE)
    # Bob's page can no longer act: the timer socket is gone and the server refuses him.
    assert not Participant.objects.present().filter(user=bob).exists()


def test_a_keyboard_pause_tells_the_room_who_made_it(both_in_room, room):
    alice_page, bob_page = both_in_room
    # Bob presses Space with nothing focused, to scroll, then on a link: his shortcuts
    # are the default (in the timer only), so the room's timer is untouched.
    bob_page.locator("body").press("Space")
    bob_page.get_by_role("link", name="This week's board").press("Space")
    bob_page.wait_for_timeout(300)
    assert Timer.objects.get(room=room).status == "idle"

    alice_page.locator("#timer").focus()
    alice_page.keyboard.press("Space")
    expect(timer(bob_page)).to_have_attribute("data-status", "running", timeout=LIVE)

    alice_page.keyboard.press("Space")  # focus stayed in the timer through the swap
    expect(timer(bob_page)).to_have_attribute("data-status", "paused", timeout=LIVE)
    expect(bob_page.locator("#timer .timer-note")).to_have_text("Paused by alice")
    expect(bob_page.locator("#announcer p:last-child")).to_have_text("Paused by alice.")


@FAST_SCHEDULER
def test_alert_settings_reach_the_open_room_and_its_sound_plays_in_a_hidden_tab(
    live_site, new_page, bob, password
):
    room = services.room_create(owner=bob, name="Sprint", work_minutes=1)
    settings_page = new_page()
    live_site.log_in(settings_page, bob, password)
    settings_page.context.add_init_script(AUDIO_SPY)
    room_page = settings_page.context.new_page()  # another tab of the same browser
    open_room(room_page, live_site.url, room, bob)

    settings_page.goto(f"{live_site.url}/settings/alerts/")
    settings_page.get_by_label("Sound when work ends").select_option("wood")
    settings_page.get_by_label("Volume").fill("30")
    settings_page.get_by_role("button", name="Save").click()
    expect(settings_page.get_by_text("Your alert settings are saved.")).to_be_visible()

    # The open room took the new settings without a reload.
    body = room_page.locator("body")
    expect(body).to_have_attribute("data-work-sound", re.compile(r"/static/sounds/wood\.wav$"))
    expect(body).to_have_attribute("data-volume", "30")

    press(room_page, "start")
    expect(timer(room_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    room_page.evaluate(
        "Object.defineProperty(document, 'hidden', { value: true, configurable: true })"
    )
    deadline = timezone.now() + timedelta(seconds=2)
    Timer.objects.filter(room=room, status="running").update(
        ends_at=deadline,
        phase_started_at=deadline - timedelta(minutes=1),
        version=F("version") + 1,
    )

    expect(timer(room_page)).to_have_attribute("data-phase", "short_break", timeout=8_000)
    expect(room_page.locator("#announcer p:last-child")).to_have_text(
        "Work done — time for a break"
    )
    assert room_page.evaluate("window.__played") == [["wood.wav", 0.3]]


def test_new_chat_lines_are_said_by_a_screen_reader_and_typing_never_touches_the_timer(
    both_in_room, room, bob
):
    alice_page, bob_page = both_in_room
    # Page-wide shortcuts, as a saved setting hands them to the open page: still, keys
    # typed into the chat box are text, not commands for the room's timer.
    alice_page.evaluate("document.body.dataset.shortcuts = 'page'")
    box = alice_page.get_by_label("Message to the room")
    box.press_sequentially("r s ok")
    box.press("Enter")

    line = bob_page.get_by_test_id("chat-line").filter(has_text="r s ok")
    expect(line).to_be_visible(timeout=LIVE)
    expect(bob_page.locator("#announcer p:last-child")).to_have_text("alice says: r s ok")
    expect(alice_page.get_by_test_id("chat-line").filter(has_text="r s ok")).to_be_visible()
    assert "r s ok" not in alice_page.locator("#announcer").inner_text()  # not one's own
    assert Timer.objects.get(room=room).status == "idle"

    # Bob turns chat lines off in his alert settings: his next page says none.
    User = type(bob)
    User.objects.filter(pk=bob.pk).update(announce_chat=False)
    bob_page.reload()
    wait_online(bob_page, "bob")
    box.press_sequentially("second")
    box.press("Enter")

    expect(bob_page.get_by_test_id("chat-line").filter(has_text="second")).to_be_visible(
        timeout=LIVE
    )
    assert "second" not in bob_page.locator("#announcer").inner_text()


def set_visibility(page: Page, state: str) -> None:
    """What the browser says when a tab is hidden or shown (headless tabs never are)."""
    page.evaluate(
        """(state) => {
        const hidden = { value: state === "hidden", configurable: true };
        Object.defineProperty(document, "hidden", hidden);
        Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
    }""",
        state,
    )


@FAST_SCHEDULER
def test_the_title_is_right_after_the_tab_was_away_for_longer_than_a_phase(
    live_site, new_page, bob, password
):
    room = services.room_create(
        owner=bob, name="Sprint", work_minutes=1, short_break_minutes=1, auto_start_work=True
    )
    page = new_page()
    live_site.log_in(page, bob, password)
    open_room(page, live_site.url, room, bob)
    press(page, "start")
    expect(timer(page)).to_have_attribute("data-status", "running", timeout=LIVE)
    expect(page).to_have_title(re.compile(r"^00:[0-5]\d · Work — Sprint"))

    # The machine sleeps: the tab is hidden and off the network, and the server's time
    # (which alone decides) moves on by more than a phase: work ended 40 s ago and the
    # 1-minute break that followed has 20 s left.
    page.context.set_offline(True)
    set_visibility(page, "hidden")
    now = timezone.now()
    Timer.objects.filter(room=room).update(
        ends_at=now - timedelta(seconds=40),
        phase_started_at=now - timedelta(seconds=100),
        version=F("version") + 1,
    )

    # It wakes up: the tab is shown and back online.
    page.context.set_offline(False)
    set_visibility(page, "visible")

    expect(timer(page)).to_have_attribute("data-phase", "short_break", timeout=5_000)
    title = re.compile(r"^00:(\d\d) · Short Break — Sprint")
    expect(page).to_have_title(title)
    shown = int(title.match(page.title()).group(1))
    left = (Timer.objects.get(room=room).ends_at - timezone.now()).total_seconds()
    assert abs(shown - left) <= 2, (shown, left)
