"""static/js/timer.js in a real browser, without the Django server.

A tiny HTTP server on 127.0.0.1 serves the real static files and timer_fixture.html (a
room page's #timer as the server renders it); pushes go through the vendored htmx ws
extension over a WebSocket that Playwright mocks, and Playwright's fake clock makes
every second exact and instant.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import AUDIO_SPY

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_PATH = "/timers/tests/timer_fixture.html"
LOADED_AT = datetime(2026, 11, 24, 9, 59, tzinfo=UTC)  # the browser's clock at page load
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # ...and where the tests freeze it

# Installed before any page script: a Notification stand-in that records what was shown
# (headless Chromium never shows one) and whose permission the test decides.
NOTIFICATION_SPY = """
window.__notifications = [];
window.__asked = 0;
window.__answer = "granted";
window.Notification = class {
  static permission = "default";
  static requestPermission() {
    window.__asked += 1;
    this.permission = window.__answer;
    return Promise.resolve(window.__answer);
  }
  constructor(title, options) { window.__notifications.push(title); }
};
"""


def iso(moment: datetime) -> str:
    """The server's format: Python's isoformat with microseconds."""
    return moment.isoformat(timespec="microseconds")


def timer_html(
    *,
    status: str,
    server_now: datetime,
    remaining: int,
    ends_at: datetime | None = None,
    phase: str = "work",
    label: str = "Work",
    seq: int = 7,
    duration: int = 1500,
    actions: tuple[str, ...] = ("pause", "skip", "reset"),
    oob: bool = True,
    version: int = 0,
    note: str = "",
) -> str:
    buttons = "".join(
        f'<button type="submit" name="action" value="{action}" class="button">'
        f"{action.title()}</button>"
        for action in actions
    )
    return f"""
<section id="timer" class="timer timer--{phase}"{' hx-swap-oob="true"' if oob else ""} tabindex="0"
   data-status="{status}" data-phase="{phase}"
   data-ends-at="{iso(ends_at) if ends_at else ""}"
   data-remaining="{remaining}" data-duration="{duration}"
   data-server-now="{iso(server_now)}" data-seq="{seq}" data-phase-label="{label}"
   data-version="{version}" data-note="{note}"
   data-sync-url="/sync/timer/">
  <div class="timer-dial">
    <svg class="timer-ring" viewBox="0 0 120 120" aria-hidden="true">
      <circle class="timer-ring-track" cx="60" cy="60" r="54" />
      <circle class="timer-ring-progress" cx="60" cy="60" r="54" pathLength="1000"
              stroke-dasharray="1000" stroke-dashoffset="0" />
    </svg>
    <div class="timer-face">
      <span class="timer-clock" data-role="clock" role="timer">??:??</span>
    </div>
  </div>
  <form class="timer-controls" hx-post="/rooms/12/timer/" hx-target="#timer"
        hx-swap="outerHTML" method="post" action="/rooms/12/timer/">{buttons}</form>
</section>"""


class FixtureServer(ThreadingHTTPServer):
    sync_fragment = ""  # what GET /sync/timer/ answers, as the room's timer view would


class FixtureHandler(SimpleHTTPRequestHandler):
    server: FixtureServer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(ROOT), **kwargs)

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/sync/timer/"):
            self._send_html(self.server.sync_fragment)
        elif self.path == "/empty.html":
            # A page of the site without a timer, that still loads the script.
            self._send_html(
                "<!doctype html><title>No timer</title><body><main id=main></main>"
                '<script src="/static/vendor/htmx-2.0.11.min.js"></script>'
                '<script src="/static/js/timer.js"></script></body>'
            )
        elif self.path.startswith("/static/") or self.path == FIXTURE_PATH:
            super().do_GET()
        else:
            self.send_error(404)

    def _send_html(self, html: str) -> None:
        body = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureServer]:
    server = FixtureServer(("127.0.0.1", 0), FixtureHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@dataclass
class TimerPage:
    page: object
    sockets: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def push(self, html: str) -> None:
        """Sends html down the room's socket, as the server's broadcast does."""
        deadline = datetime.now() + timedelta(seconds=5)
        while not self.sockets and datetime.now() < deadline:
            self.page.wait_for_timeout(20)  # the ws extension connects on htmx's load
        assert self.sockets, "the ws extension never opened /ws/rooms/12/"
        self.sockets[-1].send(html)

    def evaluate(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    @property
    def clock(self):
        return self.page.locator("#timer [data-role=clock]")

    @property
    def announcement(self):
        """The latest line of the page's polite live region (it keeps a few)."""
        return self.page.locator("#announcer p:last-child")

    @property
    def announcements(self) -> list[str]:
        return self.page.locator("#announcer p").all_inner_texts()


@pytest.fixture
def open_timer_page(chromium, site):
    """Opens a page at `path` with the browser clock frozen at NOW once it has loaded."""
    contexts = []

    def open_page(path: str = FIXTURE_PATH, *, init_script: str = NOTIFICATION_SPY) -> TimerPage:
        context = chromium.new_context(viewport={"width": 800, "height": 900})
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        timer_page = TimerPage(page)
        page.on("pageerror", lambda error: timer_page.errors.append(error))
        page.route_web_socket(
            re.compile(r"/ws/rooms/12/$"), lambda socket: timer_page.sockets.append(socket)
        )
        if init_script:
            page.add_init_script(init_script)
        page.clock.install(time=LOADED_AT)
        page.goto(site.url + path)
        page.clock.pause_at(NOW)
        return timer_page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def timer_page(open_timer_page) -> Iterator[TimerPage]:
    timer_page = open_timer_page()
    yield timer_page
    assert timer_page.errors == []


def test_it_shows_the_rendered_state_on_load(timer_page):
    expect(timer_page.clock).to_have_text("25:00")
    expect(timer_page.page).to_have_title("25:00 · Work — Timer fixture")
    ring = timer_page.page.locator(".timer-ring-progress")
    expect(ring).to_have_attribute("stroke-dashoffset", "0.0")
    # The page was rendered at 10:00:00.123 by the server's clock and read at about
    # 09:59:00 by the browser's: the browser is about a minute behind.
    offset = timer_page.evaluate("window.focusmate.timer.offsetMs()")
    assert 59_000 < offset <= 60_123


def test_it_counts_down_while_running(timer_page):
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(seconds=5), remaining=5
        )
    )
    expect(timer_page.clock).to_have_text("00:05")
    expect(timer_page.page).to_have_title("00:05 · Work — Timer fixture")

    timer_page.page.clock.run_for(2000)

    expect(timer_page.clock).to_have_text("00:03")
    expect(timer_page.page).to_have_title("00:03 · Work — Timer fixture")
    # 3 s left of 1500: the ring is all but empty.
    ring = timer_page.page.locator(".timer-ring-progress")
    expect(ring).to_have_attribute("stroke-dashoffset", "998.0")


def test_it_shows_hours_for_long_phases(timer_page):
    timer_page.push(timer_html(status="paused", server_now=NOW, remaining=5400, duration=5400))

    expect(timer_page.clock).to_have_text("1:30:00")


def test_a_push_corrects_the_clock_by_the_servers_clock(timer_page):
    # The server's clock is a minute ahead of this browser's: of the 90 s to the
    # deadline by the browser's clock, only 30 are left.
    ends_at = NOW + timedelta(seconds=90)
    timer_page.push(
        timer_html(
            status="running",
            server_now=NOW + timedelta(seconds=60),
            ends_at=ends_at,
            remaining=30,
        )
    )
    expect(timer_page.clock).to_have_text("00:30")
    assert timer_page.evaluate("window.focusmate.timer.offsetMs()") == 60_000

    # The freshest push wins: now the clocks agree.
    timer_page.push(timer_html(status="running", server_now=NOW, ends_at=ends_at, remaining=90))
    expect(timer_page.clock).to_have_text("01:30")
    assert timer_page.evaluate("window.focusmate.timer.offsetMs()") == 0


def test_a_new_phase_is_announced_rung_and_notified_once(open_timer_page):
    timer_page = open_timer_page(init_script=NOTIFICATION_SPY + AUDIO_SPY)
    timer_page.page.keyboard.press("Shift")  # the gesture that allows sound
    timer_page.evaluate(
        """() => {
        Notification.permission = "granted";
        Object.defineProperty(document, "hidden", { value: true, configurable: true });
    }"""
    )
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=20), remaining=1200
        )
    )
    expect(timer_page.clock).to_have_text("20:00")

    short_break = timer_html(
        status="running",
        phase="short_break",
        label="Short break",
        seq=8,
        server_now=NOW,
        ends_at=NOW + timedelta(minutes=5),
        remaining=300,
        duration=300,
    )
    timer_page.push(short_break)
    timer_page.page.clock.run_for(200)

    expect(timer_page.announcement).to_have_text("Work done — time for a break")
    said = ["Work resumed.", "Work done — time for a break"]  # the fixture starts paused
    assert timer_page.announcements == said
    # The fixture's settings: chime at 70 % when work ends.
    assert timer_page.evaluate("window.__played") == [["chime.wav", 0.7]]
    assert timer_page.evaluate("window.__notifications") == ["Work done — time for a break"]

    # The same phase again (a resync, a reconnect snapshot): nothing new.
    timer_page.push(short_break)
    timer_page.page.clock.run_for(200)
    assert timer_page.announcements == said
    assert timer_page.evaluate("window.__played") == [["chime.wav", 0.7]]
    assert timer_page.evaluate("window.__notifications") == ["Work done — time for a break"]
    assert timer_page.errors == []


def test_the_local_countdown_leaves_the_end_to_the_server_then_resyncs(open_timer_page, site):
    # No timer in the page decides that a phase ended (issue #25): its own countdown
    # only reaches 00:00; the server's next phase, pushed or fetched, is the signal.
    timer_page = open_timer_page(init_script=NOTIFICATION_SPY + AUDIO_SPY)
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(seconds=3), remaining=3
        )
    )
    timer_page.page.clock.run_for(3300)

    expect(timer_page.clock).to_have_text("00:00")
    assert timer_page.announcements == ["Work resumed."]
    assert timer_page.evaluate("window.__played") == []

    # No push came (socket down, scheduler late): the page asks for the state itself.
    site.sync_fragment = timer_html(
        status="idle",
        phase="short_break",
        label="Short break",
        seq=8,
        server_now=NOW + timedelta(seconds=5),
        remaining=300,
        duration=300,
        actions=("start", "skip", "reset"),
        oob=False,
    )
    timer_page.page.clock.run_for(2100)
    expect(timer_page.clock).to_have_text("05:00")
    expect(timer_page.page).to_have_title("Timer fixture")
    timer_page.page.clock.run_for(200)
    expect(timer_page.announcement).to_have_text("Work done — time for a break")
    assert timer_page.evaluate("window.__played") == [["chime.wav", 0.7]]
    # The tab is visible: no notification.
    assert timer_page.evaluate("window.__notifications") == []
    assert timer_page.errors == []


def test_a_reset_is_announced_without_a_sound(open_timer_page):
    timer_page = open_timer_page(init_script=NOTIFICATION_SPY + AUDIO_SPY)
    timer_page.page.keyboard.press("Shift")
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=10), remaining=600
        )
    )
    expect(timer_page.page).to_have_title("10:00 · Work — Timer fixture")

    timer_page.push(
        timer_html(status="idle", seq=8, server_now=NOW, remaining=1500, actions=("start",))
    )
    timer_page.page.clock.run_for(200)

    expect(timer_page.announcement).to_have_text("Timer reset.")
    expect(timer_page.page).to_have_title("Timer fixture")
    assert timer_page.evaluate("window.__played") == []


RECORD_POSTS = """() => {
    window.__posted = [];
    document.body.addEventListener("htmx:configRequest", (event) => {
        window.__posted.push(event.detail.formData.get("action"));
    });
    document.body.addEventListener("htmx:beforeRequest", (event) => event.preventDefault());
}"""


def posted(timer_page) -> list[str]:
    """The actions the timer's form would have posted (nothing is sent)."""
    return timer_page.evaluate("window.__posted")


def test_space_on_a_link_or_with_nothing_focused_leaves_the_timer_alone(timer_page):
    # The bug of issue #25: Space to scroll paused the room for everyone.
    timer_page.evaluate(RECORD_POSTS)
    for key in ("Space", "s", "r"):
        timer_page.page.keyboard.press(key)
    timer_page.page.get_by_test_id("link").focus()
    timer_page.page.keyboard.press("Space")

    assert posted(timer_page) == []


def test_the_shortcuts_act_while_focus_is_in_the_timer(timer_page):
    timer_page.evaluate(RECORD_POSTS)
    timer_page.page.locator("#timer").focus()

    for key in ("Space", "s", "r"):
        timer_page.page.keyboard.press(key)
    # Shift+S or Ctrl+R are someone else's keys.
    timer_page.page.keyboard.press("Shift+S")
    timer_page.page.keyboard.press("Control+r")

    assert posted(timer_page) == ["resume", "skip", "reset"]
    # A focused button answers Space itself, once: Skip here, not Resume.
    timer_page.page.locator("#timer button[value=skip]").focus()
    timer_page.page.keyboard.press("Space")
    assert posted(timer_page) == ["resume", "skip", "reset", "skip"]


def test_the_shortcuts_never_act_while_typing(timer_page):
    timer_page.evaluate(RECORD_POSTS)
    timer_page.evaluate("document.body.dataset.shortcuts = 'page'")
    field = timer_page.page.get_by_test_id("intention")

    field.press_sequentially("r s ?")

    expect(field).to_have_value("r s ?")
    assert posted(timer_page) == []
    expect(timer_page.page.locator("#shortcuts-dialog")).not_to_be_visible()


def test_page_wide_shortcuts_act_with_nothing_focused_but_a_link_keeps_its_space(timer_page):
    timer_page.evaluate(RECORD_POSTS)
    timer_page.evaluate("document.body.dataset.shortcuts = 'page'")

    timer_page.page.keyboard.press("Space")
    timer_page.page.get_by_test_id("link").focus()
    timer_page.page.keyboard.press("Space")
    timer_page.page.keyboard.press("s")

    assert posted(timer_page) == ["resume", "skip"]


def test_shortcuts_turned_off_do_nothing_even_in_the_timer(timer_page):
    timer_page.evaluate(RECORD_POSTS)
    timer_page.evaluate("document.body.dataset.shortcuts = 'off'")
    timer_page.page.locator("#timer").focus()

    for key in ("Space", "s", "r", "?"):
        timer_page.page.keyboard.press(key)

    assert posted(timer_page) == []
    expect(timer_page.page.locator("#shortcuts-dialog")).not_to_be_visible()


def test_someone_who_may_not_control_the_timer_has_no_shortcuts(timer_page):
    timer_page.evaluate(RECORD_POSTS)
    timer_page.push(timer_html(status="paused", server_now=NOW, remaining=600, actions=()))
    expect(timer_page.clock).to_have_text("10:00")
    timer_page.page.locator("#timer").focus()

    for key in ("Space", "s", "r"):
        timer_page.page.keyboard.press(key)

    assert posted(timer_page) == []


def test_question_mark_lists_the_shortcuts(timer_page):
    timer_page.page.locator("#timer").focus()

    timer_page.evaluate(RECORD_POSTS)
    timer_page.evaluate("document.body.dataset.shortcuts = 'page'")
    timer_page.page.keyboard.press("?")

    expect(timer_page.page.locator("#shortcuts-dialog")).to_be_visible()
    # While the list is open, its keys are its own, even with page-wide shortcuts.
    timer_page.page.keyboard.press("s")
    assert posted(timer_page) == []
    timer_page.page.keyboard.press("Escape")
    expect(timer_page.page.locator("#shortcuts-dialog")).not_to_be_visible()


def test_focus_stays_in_the_timer_when_a_push_replaces_it(timer_page):
    timer_page.evaluate(RECORD_POSTS)
    timer_page.page.locator("#timer button[value=skip]").focus()

    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=1), remaining=60
        )
    )
    expect(timer_page.clock).to_have_text("01:00")

    # The new timer's Skip has focus, so the next key press is still "in the timer".
    expect(timer_page.page.locator("#timer button[value=skip]")).to_be_focused()
    timer_page.page.keyboard.press("r")
    assert posted(timer_page) == ["reset"]


def test_a_pause_is_announced_with_who_made_it(timer_page):
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=1), remaining=60
        )
    )
    expect(timer_page.clock).to_have_text("01:00")

    timer_page.push(
        timer_html(
            status="paused",
            server_now=NOW,
            remaining=60,
            actions=("resume",),
            note="Paused by alice",
        )
    )
    timer_page.page.clock.run_for(200)

    expect(timer_page.announcement).to_have_text("Paused by alice.")


def test_coming_back_to_the_tab_fetches_a_fresh_state(timer_page, site):
    site.sync_fragment = timer_html(
        status="paused", server_now=NOW, remaining=600, actions=("resume",), oob=False
    )
    timer_page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    expect(timer_page.clock).to_have_text("10:00")


def test_notifications_are_asked_for_only_after_a_click(timer_page):
    toggle = timer_page.page.locator("[data-role=notify-toggle]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("Enable notifications")
    assert timer_page.evaluate("window.__asked") == 0

    toggle.click()

    expect(toggle).to_be_hidden()  # answered: nothing left to ask
    assert timer_page.evaluate("window.__asked") == 1


def test_notifications_are_never_asked_for_again_once_refused(timer_page):
    timer_page.evaluate("window.__answer = 'denied'")
    toggle = timer_page.page.locator("[data-role=notify-toggle]")

    toggle.click()
    expect(toggle).to_be_hidden()
    # Even a click that reaches the handler asks nothing more.
    timer_page.evaluate("document.body.dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    timer_page.evaluate("(el) => el.click()", toggle.element_handle())

    assert timer_page.evaluate("window.__asked") == 1


def test_notifications_turned_off_in_settings_are_neither_offered_nor_shown(open_timer_page):
    timer_page = open_timer_page(init_script=NOTIFICATION_SPY + AUDIO_SPY)
    timer_page.evaluate(
        """() => {
        document.body.dataset.notify = "off";
        Notification.permission = "granted";
        Object.defineProperty(document, "hidden", { value: true, configurable: true });
    }"""
    )
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=1), remaining=60
        )
    )
    expect(timer_page.clock).to_have_text("01:00")
    timer_page.push(_break_started(seq=8))
    timer_page.page.clock.run_for(200)

    expect(timer_page.announcement).to_have_text("Work done — time for a break")
    assert timer_page.evaluate("window.__notifications") == []
    expect(timer_page.page.locator("[data-role=notify-toggle]")).to_be_hidden()


def _break_started(*, seq: int, server_now: datetime = NOW, minutes: int = 5) -> str:
    return timer_html(
        status="running",
        phase="short_break",
        label="Short break",
        seq=seq,
        server_now=server_now,
        ends_at=server_now + timedelta(minutes=minutes),
        remaining=minutes * 60,
        duration=minutes * 60,
    )


def _hide(timer_page) -> None:
    timer_page.evaluate(
        """() => {
        Object.defineProperty(document, "hidden", { value: true, configurable: true });
        Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    }"""
    )


def _show(timer_page) -> None:
    timer_page.evaluate(
        """() => {
        Object.defineProperty(document, "hidden", { value: false, configurable: true });
        const visible = { value: "visible", configurable: true };
        Object.defineProperty(document, "visibilityState", visible);
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    )


def test_a_phase_ending_in_a_background_tab_plays_the_chosen_sound(open_timer_page):
    timer_page = open_timer_page(init_script=NOTIFICATION_SPY + AUDIO_SPY)
    timer_page.push(_break_started(seq=8))
    expect(timer_page.clock).to_have_text("05:00")
    assert timer_page.evaluate("window.__played") == [["chime.wav", 0.7]]  # work ended
    timer_page.evaluate("window.__played = []; Notification.permission = 'granted'")
    _hide(timer_page)
    # The person chose other sounds in another tab; this one hears of it at once.
    timer_page.evaluate(
        """() => {
        const channel = new BroadcastChannel("focusmate:alerts");
        channel.postMessage({ breakSound: "/static/sounds/bell.wav", volume: "30" });
        channel.close();
    }"""
    )
    timer_page.page.wait_for_timeout(100)  # a BroadcastChannel message is a task away
    assert timer_page.evaluate("document.body.dataset.volume") == "30"

    # The break ends while the tab is hidden: the server's push of the next work phase.
    back_to_work = timer_html(
        status="running",
        seq=9,
        server_now=NOW + timedelta(minutes=5),
        ends_at=NOW + timedelta(minutes=30),
        remaining=1500,
    )
    timer_page.push(back_to_work)

    # No wait_for_function under the page's CSP (no eval): poll by hand.
    for _ in range(50):
        if timer_page.evaluate("window.__played.length"):
            break
        timer_page.page.wait_for_timeout(20)
    assert timer_page.evaluate("window.__played") == [["bell.wav", 0.3]]
    assert timer_page.evaluate("window.__notifications") == ["Short break done — back to work"]


def test_sound_off_plays_nothing(open_timer_page):
    timer_page = open_timer_page(init_script=NOTIFICATION_SPY + AUDIO_SPY)
    timer_page.evaluate("document.body.dataset.sound = 'off'")
    timer_page.push(_break_started(seq=8))
    timer_page.page.clock.run_for(200)

    expect(timer_page.announcement).to_have_text("Work done — time for a break")
    assert timer_page.evaluate("window.__played") == []


def test_the_title_is_right_after_the_tab_slept_through_a_phase(timer_page, site):
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=10), remaining=600
        )
    )
    expect(timer_page.page).to_have_title("10:00 · Work — Timer fixture")
    _hide(timer_page)

    # The machine sleeps for 12 minutes: the clock jumps, no page timer runs.
    woke = NOW + timedelta(minutes=12)
    timer_page.page.clock.set_system_time(woke)
    # On waking, the socket's snapshot (or a push) brings the break that began at 10:00.
    timer_page.push(_break_started(seq=8, server_now=woke, minutes=3))
    expect(timer_page.page).to_have_title("03:00 · Short break — Timer fixture")

    # Hidden again for 2 minutes with no push at all: coming back shows the time left
    # at once, from the deadline, before the server has answered.
    back = woke + timedelta(minutes=2)
    timer_page.page.clock.set_system_time(back)
    site.sync_fragment = timer_html(
        status="running",
        phase="short_break",
        label="Short break",
        seq=8,
        server_now=back,
        ends_at=woke + timedelta(minutes=3),
        remaining=60,
        duration=180,
        oob=False,
    )
    _show(timer_page)
    assert timer_page.evaluate("document.title") == "01:00 · Short break — Timer fixture"
    expect(timer_page.page).to_have_title("01:00 · Short break — Timer fixture")


def test_the_title_countdown_can_be_turned_off(timer_page):
    timer_page.evaluate("document.body.dataset.titleCountdown = 'off'")
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=10), remaining=600
        )
    )

    expect(timer_page.clock).to_have_text("10:00")
    expect(timer_page.page).to_have_title("Timer fixture")


def test_the_notification_toggle_hides_without_the_api(open_timer_page):
    timer_page = open_timer_page(init_script="delete window.Notification;")

    expect(timer_page.clock).to_have_text("25:00")
    expect(timer_page.page.locator("[data-role=notify-toggle]")).to_be_hidden()
    assert timer_page.errors == []


def test_a_page_without_a_timer_is_left_alone_until_one_arrives(open_timer_page):
    timer_page = open_timer_page("/empty.html")
    timer_page.page.clock.run_for(1000)
    expect(timer_page.page).to_have_title("No timer")

    timer_page.evaluate(
        "(html) => { document.getElementById('main').innerHTML = html; }",
        timer_html(status="paused", server_now=NOW, remaining=65, oob=False),
    )
    expect(timer_page.clock).to_have_text("01:05")
    expect(timer_page.page).to_have_title("01:05 · Work — No timer")
    assert timer_page.errors == []


def test_an_older_response_never_replaces_a_newer_state(timer_page, site):
    timer_page.push(
        timer_html(status="paused", server_now=NOW, remaining=900, actions=("resume",), version=8)
    )
    expect(timer_page.clock).to_have_text("15:00")

    # A slow response to an earlier button press (version 7) arrives after the push.
    site.sync_fragment = timer_html(
        status="paused", server_now=NOW, remaining=600, actions=("resume",), oob=False, version=7
    )
    timer_page.evaluate("window.focusmate.timer.sync()")
    timer_page.page.wait_for_timeout(300)
    expect(timer_page.clock).to_have_text("15:00")

    site.sync_fragment = timer_html(
        status="paused", server_now=NOW, remaining=300, actions=("resume",), oob=False, version=9
    )
    timer_page.evaluate("window.focusmate.timer.sync()")
    expect(timer_page.clock).to_have_text("05:00")


def test_one_minute_left_is_announced_once(timer_page):
    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(seconds=62), remaining=62
        )
    )
    expect(timer_page.clock).to_have_text("01:02")
    timer_page.page.clock.run_for(1500)
    assert timer_page.announcements == ["Work resumed."]

    timer_page.page.clock.run_for(1000)

    expect(timer_page.announcement).to_have_text("1 minute left.")


def test_a_push_just_under_a_minute_does_not_swallow_the_warning(timer_page):
    ends_at = NOW + timedelta(seconds=62)
    timer_page.push(timer_html(status="running", server_now=NOW, ends_at=ends_at, remaining=62))
    expect(timer_page.clock).to_have_text("01:02")
    timer_page.page.clock.run_for(1900)  # 60.1 s left: the next tick crosses the minute

    # The periodic resend of the same phase lands first, under the minute.
    timer_page.push(
        timer_html(
            status="running",
            server_now=NOW + timedelta(seconds=2.1),
            ends_at=ends_at,
            remaining=60,
        )
    )
    timer_page.page.clock.run_for(400)

    expect(timer_page.announcement).to_have_text("1 minute left.")


def test_the_clock_is_a_timer_that_is_never_read_out_every_second(timer_page):
    clock = timer_page.clock
    expect(clock).to_have_attribute("role", "timer")  # a timer region is aria-live "off"
    # Nothing around the clock speaks by itself: the one live region is the page's.
    assert clock.evaluate("(el) => el.closest('[aria-live]')") is None

    timer_page.push(
        timer_html(
            status="running", server_now=NOW, ends_at=NOW + timedelta(minutes=10), remaining=600
        )
    )
    timer_page.page.clock.run_for(5_000)

    expect(clock).to_have_text("09:55")
    assert timer_page.announcements == ["Work resumed."]


def test_a_start_and_the_next_phase_are_announced_in_order(timer_page):
    timer_page.push(
        timer_html(status="idle", seq=8, server_now=NOW, remaining=1500, actions=("start",))
    )
    timer_page.push(
        timer_html(
            status="running",
            seq=8,
            server_now=NOW,
            ends_at=NOW + timedelta(minutes=25),
            remaining=1500,
        )
    )
    timer_page.push(_break_started(seq=9, server_now=NOW + timedelta(minutes=25)))

    expect(timer_page.announcement).to_have_text("Work done — time for a break")
    # Each is its own line, so none overwrites another before it was said; a few are kept.
    assert timer_page.announcements == [
        "Timer reset.",
        "Work started.",
        "Work done — time for a break",
    ]
