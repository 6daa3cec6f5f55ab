"""The layers' import rules, so that the export runs without Streamlit and the dashboard without Dagster.

- No module under `pipelines/` (nor `reporting/`) imports `dashboard`: read from the source of every file.
- `python -m pipelines.export` loads neither Streamlit nor the dashboard.
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

pytestmark = pytest.mark.slow  # subprocess imports, seconds each: left out of `make test-fast`

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


@pytest.mark.parametrize("package", ["pipelines", "reporting"])
def test_no_module_imports_the_dashboard(package):
    offending = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for path in sorted((REPO / package).rglob("*.py"))
        for module, line in imported_modules(path)
        if module == "dashboard" or module.startswith("dashboard.")
    ]
    assert not offending, offending


def test_the_export_command_loads_no_streamlit():
    found = loaded_forbidden("import pipelines.export.__main__", ["streamlit", "dashboard"])
    assert not found, explained(found)


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


def test_the_reporting_layer_loads_neither_streamlit_nor_dagster():
    modules = [path.stem for path in sorted((REPO / "reporting").glob("*.py")) if path.stem != "__init__"]
    assert modules, "reporting/ has modules"
    code = "\n".join(f"import reporting.{module}" for module in modules)
    found = loaded_forbidden(code, ["streamlit", "dagster", "dashboard"])
    assert not found, explained(found)
