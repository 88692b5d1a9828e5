"""Every public service function takes its arguments by keyword (the house style)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _positional_services(root: Path) -> list[str]:
    found = []
    for path in sorted(root.glob("*/services.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("_"):
                continue
            positional = [arg.arg for arg in node.args.posonlyargs + node.args.args]
            if positional:
                found.append(f"{path.relative_to(root)}: {node.name}({', '.join(positional)})")
    return found


def test_public_service_functions_take_keyword_only_arguments():
    assert _positional_services(ROOT) == []


def test_the_check_finds_a_positional_service(tmp_path):
    (tmp_path / "rooms").mkdir()
    (tmp_path / "rooms" / "services.py").write_text(
        "def room_hide(room, *, by): ...\ndef _helper(x): ...\ndef room_show(*, room): ...\n"
    )

    assert _positional_services(tmp_path) == ["rooms/services.py: room_hide(room)"]
