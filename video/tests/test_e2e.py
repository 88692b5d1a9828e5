"""Cameras in a real browser: two Chromium pages with fake cameras see each other, and a
work phase keeps every microphone off (Debian's Chromium, a real `serve`)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from conftest import CHROMIUM
from focusmate.lib import broadcast
from rooms import services as room_services
from rooms.models import Room
from rooms.tests.test_e2e import LIVE, open_room, press, timer
from video.models import Camera

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEDIA_FLAGS = [
    "--use-fake-ui-for-media-stream",  # grants camera and microphone without a prompt
    "--use-fake-device-for-media-stream",  # a test pattern and a beep instead of devices
    "--autoplay-policy=no-user-gesture-required",  # a break's sound may play unclicked
]


@pytest.fixture(autouse=True)
def _no_pushes_from_the_test_process(monkeypatch):
    # As in rooms' browser tests: the live server pushes what the pages show.
    monkeypatch.setattr(broadcast, "send_now", lambda group, message: None)


@pytest.fixture(scope="session")
def camera_browser(chromium):
    """The same Debian Chromium, launched again with fake media devices."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", *MEDIA_FLAGS],
    )
    yield browser
    browser.close()


@pytest.fixture
def camera_page(camera_browser):
    contexts = []

    def open_page(**options) -> Page:
        context = camera_browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def room_with_mics(room, alice) -> Room:
    """Alice's room (Bob in it) where microphones may be on during breaks."""
    return room_services.room_update(room=room, by=alice, mic_during_breaks=True)


def strip(page: Page):
    return page.locator("#camera-strip")


def remote_video_js(user_id: int) -> str:
    return f"""() => {{
      const v = document.querySelector('#camera-strip .camera-tile[data-user="{user_id}"] video');
      return v ? [v.videoWidth, v.currentTime, v.muted, v.paused] : null;
    }}"""


def wait_playing(page: Page, user_id: int, seconds: float = 15) -> tuple:
    """Polls (no wait_for_function: the CSP forbids eval) until the other person's video
    has a picture and its time advances."""
    deadline = time.monotonic() + seconds
    first = None
    while time.monotonic() < deadline:
        state = page.evaluate(remote_video_js(user_id))
        if state and state[0] > 0:
            if first is None:
                first = state
            elif state[1] > first[1]:
                return state
        page.wait_for_timeout(200)
    raise AssertionError(
        f"no playing video of user {user_id}: {page.evaluate(remote_video_js(user_id))}"
    )


def test_two_people_turn_cameras_on_and_see_each_other(
    live_site, camera_page, room_with_mics, alice, bob, password
):
    room = room_with_mics
    alice_page, bob_page = camera_page(), camera_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        open_room(page, live_site.url, room, user)
        expect(strip(page).get_by_role("button", name="Turn camera on")).to_be_enabled()
    # Off by default: nothing captured, nothing counted.
    assert alice_page.evaluate("() => document.querySelectorAll('video')[0].srcObject") is None
    assert not Camera.objects.exists()

    alice_page.get_by_role("button", name="Turn camera on").click()
    bob_page.get_by_role("button", name="Turn camera on").click()

    expect(strip(alice_page).locator('[data-role="camera-state"]')).to_have_text(
        "Your camera is on: the others in this room see you."
    )
    alice_sees_bob = wait_playing(alice_page, bob.pk)
    bob_sees_alice = wait_playing(bob_page, alice.pk)
    assert alice_sees_bob[0] > 0 and bob_sees_alice[0] > 0
    assert Camera.objects.filter(room=room).count() == 2
    expect(
        strip(alice_page).locator(f'.camera-tile[data-user="{bob.pk}"] .tile-name')
    ).to_have_text("bob")

    # A work phase: microphones can't be turned on, and everyone else's sound is muted.
    press(alice_page, "start")
    expect(timer(bob_page)).to_have_attribute("data-phase", "work", timeout=LIVE)
    expect(timer(bob_page)).to_have_attribute("data-status", "running", timeout=LIVE)
    for page in (alice_page, bob_page):
        expect(page.get_by_role("button", name="Microphone off")).to_be_disabled()
        expect(strip(page)).to_have_attribute("data-mic", "off")
    assert alice_page.evaluate(remote_video_js(bob.pk))[2] is True  # muted

    # A break in a room that allows it: Bob speaks, Alice hears him.
    press(alice_page, "skip")
    expect(timer(bob_page)).to_have_attribute("data-phase", "short_break", timeout=LIVE)
    bob_page.get_by_role("button", name="Microphone off").click()
    expect(strip(bob_page)).to_have_attribute("data-mic", "on")
    bobs_tile = strip(alice_page).locator(f'.camera-tile[data-user="{bob.pk}"]')
    expect(bobs_tile).to_have_attribute("data-mic", "on", timeout=LIVE)
    assert alice_page.evaluate(remote_video_js(bob.pk))[2] is False  # unmuted

    # The next work phase turns Bob's microphone off and mutes him on Alice's page.
    press(alice_page, "skip")
    expect(timer(bob_page)).to_have_attribute("data-phase", "work", timeout=LIVE)
    expect(strip(bob_page)).to_have_attribute("data-mic", "off", timeout=LIVE)
    expect(bobs_tile).to_have_attribute("data-mic", "off", timeout=LIVE)
    assert alice_page.evaluate(remote_video_js(bob.pk))[2] is True
    assert not Camera.objects.get(user=bob).mic_on

    # Bob leaves: his video is gone from Alice's page within 2 s.
    bob_page.get_by_role("button", name="Leave").click()
    expect(strip(alice_page).locator(f'.camera-tile[data-user="{bob.pk}"]')).to_have_count(
        0, timeout=2_000
    )
    assert list(Camera.objects.values_list("user_id", flat=True)) == [alice.pk]


def test_on_a_phone_the_strip_is_one_column_below_a_visible_timer(
    live_site, camera_page, room, alice, bob, password
):
    page = camera_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    live_site.log_in(page, alice, password)
    open_room(page, live_site.url, room, alice)
    page.get_by_role("button", name="Turn camera on").click()
    expect(strip(page)).to_have_attribute("data-camera", "on")

    columns = page.evaluate(
        "() => getComputedStyle(document.querySelector('.camera-tiles'))"
        ".gridTemplateColumns.split(' ').length"
    )
    timer_box = timer(page).bounding_box()
    assert columns == 1
    assert timer_box is not None and timer_box["y"] < 844
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows sideways


def test_a_member_removed_from_a_private_room_vanishes_from_the_other_page_within_2_s(
    live_site, camera_page, alice, bob, password
):
    room = room_services.room_create(owner=alice, name="Secret lab", is_public=False)
    room_services.room_join(room=room, user=bob, token=room.invite_token)
    alice_page, bob_page = camera_page(), camera_page()
    for page, user in ((alice_page, alice), (bob_page, bob)):
        live_site.log_in(page, user, password)
        open_room(page, live_site.url, room, user)
        page.get_by_role("button", name="Turn camera on").click()
    wait_playing(alice_page, bob.pk)
    wait_playing(bob_page, alice.pk)

    # Alice removes Bob from her room's settings page, in another tab: the real path.
    settings_page = alice_page.context.new_page()
    settings_page.goto(f"{live_site.url}/rooms/{room.pk}/edit/")
    remove = settings_page.get_by_role("button", name="Remove bob")
    started = time.monotonic()
    remove.click()

    bobs_tile = strip(alice_page).locator(f'.camera-tile[data-user="{bob.pk}"]')
    alices_tile = strip(bob_page).locator(f'.camera-tile[data-user="{alice.pk}"]')
    expect(bobs_tile).to_have_count(0, timeout=2_000)
    # Bob's page too: his socket of the room closed, and his calls with it.
    expect(alices_tile).to_have_count(0, timeout=2_000)
    assert time.monotonic() - started < 2.0  # both, from the click
    expect(settings_page.get_by_test_id("member")).to_have_count(0)
    assert list(Camera.objects.values_list("user_id", flat=True)) == [alice.pk]
