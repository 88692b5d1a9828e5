"""Everything pushed goes through the bus: services publish typed events, subscribers send.

Only three kinds of module reach the channel layer to send: the shared machinery
(`focusmate/lib`: the broadcast helper, the layers, the sockets' access groups), the bus
itself (`focusmate/events.py` delivers events to subscribers) and the subscribers
(`<app>/subscriptions.py`). A service, a view, a consumer or the scheduler that sent
straight to the layer, or delivered an event without a commit, would bypass the rule
"only services publish, subscribers render"; this test reads the source (its syntax tree,
so docstrings and comments don't count) and fails on any such send outside the list
below, each with its reason.

A consumer writing to its own socket (`self.send(text_data=...)`) is not a channel-layer
send: it forwards a group event to its browser, answers a frame, or sends the one state
no group event carries, its snapshot. The second test keeps the consumers' own
renderings to that snapshot.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Names whose use is a send to the channel layer (or an event delivered by hand).
SENDS = {"group_send", "group_send_many", "send_now", "get_channel_layer", "deliver"}

# (module, name): why it may.
ALLOWED = {
    ("focusmate/views.py", "get_channel_layer"): "the health check probes the layer",
    ("focusmate/views.py", "group_send"): (
        "the health check publishes to a group no socket is in: a round trip that reaches "
        "no one, to tell a load balancer whether the layer answers"
    ),
    ("timers/scheduler.py", "get_channel_layer"): (
        "the scheduler listens for its wake-up (group_add, receive); it sends nothing"
    ),
    ("video/signalling.py", "group_send"): (
        "WebRTC signalling is a relay from one page to another (an offer, an answer, a "
        "candidate, or 'this page's calls end' when its socket closes): nothing is written, "
        "so there is no service and no event; the access rule is checked per frame"
    ),
}

# The functions of a consumer that may render state themselves, each for its own socket.
SNAPSHOT_RENDERERS = {
    ("rooms/consumers.py", "_snapshot"): "the timer and people on (re)connect, to one socket",
    ("rooms/consumers.py", "_advanced_timer_html"): "the snapshot's timer, caught up first",
    ("api/consumers.py", "_snapshot"): "the same snapshot as JSON",
    ("dashboard/consumers.py", "_snapshot"): "a dashboard's panels on (re)connect, to one socket",
    ("api/consumers.py", "_connected"): "the same snapshot in the original's `connected`",
    ("scheduling/consumers.py", "_snapshot"): (
        "the seats that changed between a page's render and its socket's opening (or a "
        "layer outage), as this one viewer sees them, to one socket"
    ),
    ("messaging/consumers.py", "<module>"): (
        "the markers a socket sends itself after a layer outage (badges reload), "
        "rendered once at import"
    ),
}


def _source_files() -> list[Path]:
    skipped_parts = {".venv", "tests", "migrations", "bench", "scripts", "node_modules", "var"}
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if skipped_parts & set(relative.parts) or relative.name == "conftest.py":
            continue
        if relative.parts[:2] == ("focusmate", "lib") or relative.name == "subscriptions.py":
            continue
        if relative.as_posix() == "focusmate/events.py":  # the bus itself
            continue
        files.append(relative)
    return files


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _layer_sends(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each use of a sending name, and of `<…layer>.send`."""
    found = []
    for node in ast.walk(tree):
        name = _name(node)
        if name in SENDS and not isinstance(getattr(node, "ctx", None), ast.Store):
            found.append((node.lineno, name))
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "send"
            and (_name(node.value) or "").endswith("layer")
        ):
            found.append((node.lineno, "layer.send"))
    return found


def test_only_subscribers_and_the_lib_send_to_the_channel_layer():
    files = _source_files()
    assert Path("timers/services.py") in files and Path("rooms/presence.py") in files

    bypasses, used = [], set()
    for relative in files:
        tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
        for line, name in _layer_sends(tree):
            key = (relative.as_posix(), name)
            if key in ALLOWED:
                used.add(key)
            else:
                bypasses.append(f"{relative}:{line} uses {name}")

    assert bypasses == [], (
        "Publish a typed event (focusmate.events.publish_on_commit) and send from a "
        "subscriber instead:\n" + "\n".join(bypasses)
    )
    assert used == set(ALLOWED), f"no longer needed, remove: {set(ALLOWED) - used}"


def _rendering_names(tree: ast.Module) -> set[str]:
    """What a module imports to render: from any `*.rendering` module, and Django's
    `render_to_string`."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if node.module.endswith(".rendering") or alias.name == "render_to_string":
                    names.add(alias.asname or alias.name)
    return names


def _calls_by_function(tree: ast.Module, names: set[str]) -> set[str]:
    """The functions (or `<module>`) in which one of `names` is called."""
    callers = set()

    def visit(node: ast.AST, owner: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = owner
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            if isinstance(child, ast.Call) and _name(child.func) in names:
                callers.add(owner)
            visit(child, inner)

    visit(tree, "<module>")
    return callers


def test_consumers_render_only_their_own_socket_s_snapshot():
    """Pushes are rendered once per group send by a subscriber; a consumer forwards them.
    What a consumer renders itself is its snapshot, for its own socket alone."""
    consumers = sorted(ROOT.glob("*/consumers.py"))
    assert len(consumers) >= 4

    rendering_outside, used = [], set()
    for path in consumers:
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(), filename=relative)
        for function in _calls_by_function(tree, _rendering_names(tree)):
            key = (relative, function)
            if key in SNAPSHOT_RENDERERS:
                used.add(key)
            else:
                rendering_outside.append(f"{relative}: {function}")

    assert rendering_outside == [], (
        "A consumer renders outside its snapshot: publish an event and render it in a "
        "subscriber, once for the group:\n" + "\n".join(rendering_outside)
    )
    assert used == set(SNAPSHOT_RENDERERS), (
        f"no longer rendering, remove: {set(SNAPSHOT_RENDERERS) - used}"
    )


def test_it_catches_a_send_that_bypasses_the_bus():
    """The checks above would see a service that sends or delivers by itself."""
    service = ast.parse(
        "def timer_start():\n"
        "    broadcast.send_now(group, {'type': 'scheduler.wake'})\n"
        "    async_to_sync(get_channel_layer().group_send)(group, {})\n"
        "    self.channel_layer.send(channel, {})\n"
        "    deliver(event)\n"
        '    """group_send in a docstring is not a send"""\n'
    )
    assert sorted(name for _, name in _layer_sends(service)) == [
        "deliver",
        "get_channel_layer",
        "group_send",
        "layer.send",
        "send_now",
    ]
    consumer = ast.parse(
        "from rooms.rendering import render_people_changes\n"
        "class C:\n"
        "    async def people_changed(self, event):\n"
        "        await self.send(text_data=render_people_changes(room, user_ids=ids).html)\n"
    )
    assert _calls_by_function(consumer, _rendering_names(consumer)) == {"people_changed"}
