"""The test tiers hold: a test that runs a refresh itself says so with `@pytest.mark.refresh`.

`make test-fast` leaves out tests marked `refresh`; one that ran a refresh without the mark would
make the edit loop slow without anyone noticing.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REFRESHING_CALLS = {"refresh", "run_refresh_in"}


def calls(function: ast.FunctionDef) -> set[str]:
    return {
        node.func.id for node in ast.walk(function) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def marked_refresh(function: ast.FunctionDef) -> bool:
    return any("mark.refresh" in ast.unparse(decorator) for decorator in function.decorator_list)


def unmarked(source: str) -> list[str]:
    """Test functions in `source` that call a refresh without the mark."""
    return [
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and calls(node) & REFRESHING_CALLS
        and not marked_refresh(node)
    ]


def test_every_test_that_runs_a_refresh_is_marked():
    found = {path.name: unmarked(path.read_text(encoding="utf-8")) for path in sorted(TESTS.glob("test_*.py"))}
    assert not {name: tests for name, tests in found.items() if tests}


def test_an_unmarked_refresh_is_found():
    source = "def test_a(tmp_path):\n    refresh(tmp_path)\n\n@pytest.mark.refresh\ndef test_b():\n    refresh(1)\n"
    assert unmarked(source) == ["test_a"]
