"""The app graph points one way, and nothing hides a dependency in a function.

Apps are layered (docs/architecture.md, "How the code is laid out"): an app's models,
services, queries and subscribers import only apps to its left. Views, consumers, admin,
forms, URLs, the API (an app's api.py, api/routers) and commands are the edge: they may
import upward, reading any app's queries and calling any app's services, but never import
another app's views (a view module, a views package or anything in it). Type-only imports (under
`if TYPE_CHECKING:`) never run and are not counted. No module imports another app
inside a function (the usual way to dodge a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = [
    "focusmate",
    "accounts",
    "moderation",
    "stats",
    "timers",
    "rooms",
    "messaging",
    "video",
    # Achievements count the forum's posts, comments and likes: they read its models.
    "community",
    "achievements",
    # Scheduled sessions start rooms' timers and notify through messaging.
    "scheduling",
    # 1:1 partner sessions: a private room and a scheduled session per pair.
    "partners",
    # The logged-in home page: reads rooms, stats and follows, notifies through messaging.
    "dashboard",
    "api",
]
EDGE_MODULES = {"views", "consumers", "admin", "urls", "routing", "api", "apps", "forms"}
# focusmate is the foundation (lib, events) and the top that wires apps together.
FOCUSMATE_TOP = {"urls", "asgi", "routing", "views", "middleware", "settings", "api"}


def _modules():
    for app in ORDER:
        base = ROOT / app
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield app, parts, path


def _is_edge(app: str, parts: tuple[str, ...]) -> bool:
    if "management" in parts:
        return True
    name = parts[1] if len(parts) > 1 else ""
    if app == "focusmate":
        return name in FOCUSMATE_TOP
    return name in EDGE_MODULES


def _imports(tree: ast.Module):
    """(imported module, inside a function?) for every import that runs."""

    def walk(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, inner
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                yield child.module, inner
                for alias in child.names:  # `from rooms import views` names a module
                    if alias.name == "views":
                        yield f"{child.module}.views", inner
            yield from walk(child, inner)

    yield from walk(tree, False)


def _violations() -> list[str]:
    found = []
    for app, parts, path in _modules():
        edge = _is_edge(app, parts)
        where = "/".join(parts) + ".py"
        for module, in_function in _imports(ast.parse(path.read_text())):
            target = module.split(".")[0]
            if target not in ORDER or target == app:
                continue
            if in_function:
                found.append(f"{where}: imports {module} inside a function")
            elif "views" in module.split(".")[1:]:
                found.append(f"{where}: imports another app's views ({module})")
            elif edge:
                continue
            elif app == "focusmate":
                found.append(f"{where}: focusmate's foundation imports an app ({module})")
            elif ORDER.index(target) > ORDER.index(app):
                found.append(f"{where}: {app} may not depend on {target} ({module})")
    return found


def test_the_app_graph_points_one_way():
    assert _violations() == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def f():\n    from rooms.models import Room\n",
            ["imports rooms.models inside a function"],
        ),
        ("from community.models import Post\n", ["may not depend on community"]),
        (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from rooms.models import Room\n",
            [],
        ),
    ],
)
def test_the_checker_finds_what_it_should(tmp_path, monkeypatch, source, expected):
    """The graph test itself could fail: a planted bad import in timers is caught."""
    _plant(tmp_path, monkeypatch, "timers/services.py", source)

    found = _violations()

    assert len(found) == len(expected)
    for line, fragment in zip(found, expected, strict=True):
        assert fragment in line


def _plant(root, monkeypatch, where: str, source: str) -> None:
    (root / where).parent.mkdir(parents=True, exist_ok=True)
    (root / where).write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", root)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        # The edge may import upward: a view reads a higher app's queries, calls its services.
        ("timers/views.py", "from community.queries import post_list\n", []),
        ("rooms/consumers.py", "from messaging import services\n", []),
        ("api/routers/rooms.py", "from rooms.access import visible_room\n", []),
        # ... but never another app's views, however it is spelled.
        ("stats/views.py", "from rooms.views import room_list\n", ["another app's views"]),
        ("stats/urls.py", "from rooms import views\n", ["another app's views"]),
        ("messaging/views/chat.py", "from rooms.views.x import y\n", ["another app's views"]),
        ("api/routers/x.py", "import community.views\n", ["another app's views"]),
    ],
)
def test_edge_modules_import_upward_but_never_views(tmp_path, monkeypatch, where, source, expected):
    _plant(tmp_path, monkeypatch, where, source)

    found = _violations()

    assert len(found) == len(expected)
    for line, fragment in zip(found, expected, strict=True):
        assert fragment in line
