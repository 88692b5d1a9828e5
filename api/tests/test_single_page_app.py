"""Done when (issue #23): a single-page app on another origin, configured only with the
API's base URL and CORS_ALLOWED_ORIGINS, registers, logs in by email, stays logged in
across page loads (its JWT decodes and is unexpired), creates a room, starts its timer
and sees `timer_update` on the socket. In a real browser, which enforces CORS itself."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import LiveSite

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The app's whole configuration is its API base URL (passed in); its code is the
# original frontend's habits: JSON bodies, a bearer token kept in localStorage, the
# token's `exp` read from its payload before each page, the room socket with ?token=.
APP = """<!doctype html><meta charset="utf-8"><title>SPA</title><script>
window.api = (base) => ({
  async call(method, path, body) {
    const headers = {"Content-Type": "application/json"};
    const token = localStorage.getItem("token");
    if (token) headers.Authorization = "Bearer " + token;
    const answer = await fetch(base + path, {method, headers,
      body: body === undefined ? undefined : JSON.stringify(body)});
    return {status: answer.status, body: await answer.json()};
  },
});
window.claims = () => {
  const token = localStorage.getItem("token");
  if (!token) return null;
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
};
</script>"""


class _AppHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = APP.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def app_origin():
    """The app served by its own little server: `http://localhost:<port>`, another origin
    than the API's `http://127.0.0.1:<port>` (a page from the network, as a real app's is:
    the browser applies its private-network rules to a page it made up itself)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AppHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def api_site(request, transactional_db, app_origin):
    """The site, allowing the app's origin or not (`allow` by indirect parametrisation)."""
    site = LiveSite(extra_env={"CORS_ALLOWED_ORIGINS": app_origin if request.param else ""})
    yield site
    site.stop()


@pytest.mark.parametrize("api_site", [True], indirect=True)
def test_a_single_page_app_on_another_origin(api_site, app_origin, new_page):
    page = new_page()
    page.goto(f"{app_origin}/")
    base = f"{api_site.url}/api/v1"
    email, password = "ines@example.com", "a long enough passphrase 42"

    registered = page.evaluate(
        """async ([base, email, password]) => (await api(base).call("POST", "/auth/register",
            {email, username: "ines", password}))""",
        [base, email, password],
    )
    assert registered["status"] == 201, registered
    logged_in = page.evaluate(
        """async ([base, email, password]) => {
            const answer = await api(base).call("POST", "/auth/login", {email, password});
            localStorage.setItem("token", answer.body.access_token);
            return answer;
        }""",
        [base, email, password],
    )
    assert logged_in["status"] == 200, logged_in

    page.reload()  # a new page load: still logged in, by the token's own claims
    claims = page.evaluate("claims()")
    assert claims["sub"] == registered["body"]["user"]["id"]
    assert claims["exp"] > page.evaluate("Date.now() / 1000")

    result = page.evaluate(
        """async (base) => {
            const client = api(base);
            const room = await client.call("POST", "/rooms/",
                {name: "SPA sprint", work_duration: 25, break_duration: 5, auto_start_break: true});
            const ws = base.replace(/^http/, "ws") + "/ws/" + room.body.id
                + "?token=" + localStorage.getItem("token") + "&protocol=v1";
            const socket = new WebSocket(ws);
            const seen = [];
            const update = new Promise((resolve, reject) => {
                const late = () => reject(new Error("no timer_update: " + JSON.stringify(seen)));
                setTimeout(late, 5000);
                socket.onmessage = async (event) => {
                    const message = JSON.parse(event.data);
                    seen.push(message.type);
                    if (message.type === "connected") {
                        await client.call("POST", "/timer/" + room.body.id + "/start");
                    }
                    if (message.type === "timer_update" && message.data.status === "running") {
                        resolve(message);
                    }
                };
            });
            const message = await update;
            socket.close();
            return {room, message, seen};
        }""",
        base,
    )
    assert result["room"]["status"] == 201, result["room"]
    assert result["seen"][0] == "connected"
    assert result["message"]["data"]["room_id"] == result["room"]["body"]["id"]
    assert result["message"]["data"]["phase"] == "work"


@pytest.mark.parametrize("api_site", [False], indirect=True)
def test_without_the_origin_configured_the_browser_blocks_it(api_site, app_origin, new_page):
    page = new_page()
    page.goto(f"{app_origin}/")
    outcome = page.evaluate(
        """async (base) => {
            const body = {email: "x@example.com", password: "x"};
            try { await api(base).call("POST", "/auth/login", body); return "answered"; }
            catch (error) { return "blocked"; }
        }""",
        f"{api_site.url}/api/v1",
    )
    assert outcome == "blocked"  # the same call as the test above, which is answered
