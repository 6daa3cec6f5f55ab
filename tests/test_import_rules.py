"""The layers' import rules, so that the export runs without Streamlit and the dashboard without Dagster.

- Each package imports only the packages `MAY_IMPORT` allows (read from the source of every file), and
  no files import each other in a circle.
- `python -m export` loads neither Streamlit nor the dashboard.
- The dashboard (app, every page, its helpers) loads no Dagster.
- `reporting` loads neither Streamlit, Dagster nor the dashboard.

The last three import in a fresh interpreter that watches the imports: the first time a forbidden
package is imported it records the project's files on the call stack (the chain of imports that led
there), so a failure names the module to change.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

WATCH = """
import json, sys, traceback

FORBIDDEN, REPO = set(json.loads(sys.argv[1])), sys.argv[2]
found = {}


class Watch:
    def find_spec(self, name, path=None, target=None):
        package = name.partition(".")[0]
        if package in FORBIDDEN and package not in found:
            stack = traceback.extract_stack()[:-1]
            found[package] = [f"{frame.filename[len(REPO) + 1:]}:{frame.lineno}" for frame in stack
                              if frame.filename.startswith(REPO + "/")]
        return None


sys.meta_path.insert(0, Watch())
"""
REPORT = "\nprint(json.dumps(found))\n"


def loaded_forbidden(code: str, forbidden: list[str], data_dir: Path | None = None) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter; {forbidden package: the project's import chain that loaded it}."""
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    if data_dir is not None:
        environment["TRAFFICKING_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [sys.executable, "-c", WATCH + code + REPORT, json.dumps(forbidden), str(REPO)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def explained(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{package} loaded by {' -> '.join(chain) or 'a library'}" for package, chain in found.items())


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every absolute import in the file."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append((node.module, node.lineno))
    return modules


PACKAGES = ("core", "publications", "estimation", "reporting", "export", "dashboard", "pipelines")
MAY_IMPORT = {
    "core": {"core"},
    "publications": {"core", "publications"},
    "estimation": {"core", "estimation"},
    "reporting": {"core", "publications", "estimation", "reporting"},
    "export": {"core", "publications", "estimation", "reporting", "export"},
    "dashboard": {"core", "reporting", "export", "dashboard"},
    "pipelines": {"core", "publications", "pipelines"},
}
"""The rule in one sentence: nothing outside `pipelines/` imports `pipelines`, `core/` imports nothing of
the project, and the dashboard reads through `reporting/` (it builds a pack with `export`)."""


def project_files() -> list[tuple[str, Path]]:
    return [(package, path) for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))]


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_package_imports_only_what_the_rule_allows():
    offending = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for package, path in project_files()
        for module, line in imported_modules(path)
        if module.partition(".")[0] in PACKAGES and module.partition(".")[0] not in MAY_IMPORT[package]
    ]
    assert not offending, offending


def test_the_allowed_imports_have_no_circle_between_packages():
    order = []
    remaining = {package: allowed - {package} for package, allowed in MAY_IMPORT.items()}
    while remaining:
        free = sorted(package for package, needs in remaining.items() if not needs - set(order))
        assert free, f"a circle among {sorted(remaining)}"
        order += free
        for package in free:
            del remaining[package]
    assert order[0] == "core" and order[-1] in {"dashboard", "pipelines"}


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (function-level imports too); `from a import b` with `b` a
    module imports `a.b`."""
    modules = {module_name(path): path for _, path in project_files()}

    def resolved(module: str) -> str:
        while module and module not in modules:  # `from a.b import c` where c is a name, not a module
            module = module.rpartition(".")[0]
        return module

    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {resolved(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in modules else resolved(node.module))
        graph[name] = targets - {"", name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_circle_of_imports_between_files():
    """A package's `__init__` that re-exports its modules counts as importing them, so it is held too."""
    graph = import_graph()
    assert len(graph) > 100
    assert not circles(graph), circles(graph)


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.slow  # a fresh interpreter: seconds
def test_the_export_command_loads_no_streamlit():
    found = loaded_forbidden("import export.__main__", ["streamlit", "dashboard"])
    assert not found, explained(found)


@pytest.mark.slow  # a fresh interpreter: seconds
def test_the_dashboard_loads_no_dagster(tmp_path):
    """The app and every page run (they stop at the missing published file), and the shared modules are imported."""
    scripts = [REPO / "dashboard" / "app.py", *sorted((REPO / "dashboard" / "views").glob("*.py"))]
    modules = [path.stem for path in sorted((REPO / "dashboard").glob("*.py")) if path.stem != "app"]
    code = "\n".join(
        [
            "from streamlit.testing.v1 import AppTest",
            *[f"import dashboard.{module}" for module in modules],
            *[f"AppTest.from_file({str(script)!r}, default_timeout=60).run()" for script in scripts],
        ]
    )
    found = loaded_forbidden(code, ["dagster"], data_dir=tmp_path)
    assert not found, explained(found)


@pytest.mark.slow  # a fresh interpreter: seconds
def test_the_reporting_layer_loads_neither_streamlit_nor_dagster():
    modules = [path.stem for path in sorted((REPO / "reporting").glob("*.py")) if path.stem != "__init__"]
    assert modules, "reporting/ has modules"
    code = "\n".join(f"import reporting.{module}" for module in modules)
    found = loaded_forbidden(code, ["streamlit", "dagster", "dashboard"])
    assert not found, explained(found)
