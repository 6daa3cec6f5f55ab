"""Shared fixtures: the real mirror beside the repository, and one refresh into a temporary data dir.

Test tiers: a test that runs a refresh (it uses the `refreshed` or `published` fixture, or calls
`refresh` or `run_refresh_in` itself) is marked `refresh`; `make test-fast` leaves those and the browser tests
out. Outside CI a missing `../shared` skips the tests that need it, saying why; in CI it fails them.
"""

import inspect
import os
import re
from pathlib import Path

import duckdb
import pytest

from core.settings import DataPaths
from pipelines.refresh import failures, run_refresh_in

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """`../shared/data`, the offline mirror of the upstream files."""
    if not (SHARED_DATA / "unodc" / "data_glotip.xlsx").exists():
        message = f"the mirror {SHARED_DATA} is missing: clone the project beside ../shared"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


REFRESH_FIXTURES = {"refreshed", "published"}


def runs_a_refresh(item: pytest.Item) -> bool:
    """Whether a test runs the refresh job: through a refresh fixture or by calling `run_refresh_in`."""
    if REFRESH_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    return function is not None and re.search(r"\b(run_refresh_in|refresh)\(", inspect.getsource(function)) is not None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if runs_a_refresh(item):
            item.add_marker(pytest.mark.refresh)


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> DataPaths:
    """One full refresh from the mirror into a temporary data dir (shared by the session's tests)."""
    paths = DataPaths(tmp_path_factory.mktemp("data"))
    result = run_refresh_in(paths.root, str(mirror))
    assert result.success, "\n".join(failures(result))
    return paths


@pytest.fixture
def published(refreshed: DataPaths):
    """A read-only connection to the published marts of the session's refresh."""
    connection = duckdb.connect(str(refreshed.published), read_only=True)
    yield connection
    connection.close()
