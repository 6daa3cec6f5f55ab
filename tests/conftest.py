"""Shared fixtures: the real mirror beside the repository, one refresh into a temporary data dir and the pack
of its publication, each built once per test run (`built_once`: the xdist workers share them; tests read
them, or copy them before writing).

Test tiers: a test that runs a refresh is marked `refresh` (by its fixture, `refreshed` or
`published`, or explicitly when it calls `refresh` or `run_refresh_in` itself, which
`test_test_tiers.py` holds); `make test-fast` leaves those and the browser tests out. Outside CI
a missing `../shared` skips the tests that need it, saying why; in CI it fails them.
"""

import os
from pathlib import Path

import duckdb
import pytest
from built_once import built_once

from core.settings import DataPaths
from export import build_pack
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for a refresh fixture (directly or through another fixture) is marked `refresh`; the
    browser tests then go first, the other refreshing tests next, the rest last.

    A test that runs a refresh itself carries `@pytest.mark.refresh` in its own file. The order is for the two
    workers: xdist hands tests out in collection order, so the longest (each browser test 20-60 s) start at once,
    one on each worker, and the many short ones even out the end, where a long test drawn last would leave one
    worker waiting for the other.
    """
    for item in items:
        if REFRESH_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.refresh)
    items.sort(key=running_order)


def running_order(item: pytest.Item) -> int:
    """0 for a browser test, 1 for another that refreshes, 2 for the rest (a stable sort keeps files together)."""
    return 0 if item.get_closest_marker("browser") else 1 if item.get_closest_marker("refresh") else 2


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> DataPaths:
    """One full refresh from the mirror into a temporary data dir (built once per run, shared by every test)."""

    def build(folder: Path) -> None:
        result = run_refresh_in(folder / "data", str(mirror))
        assert result.success, "\n".join(failures(result))

    return DataPaths(built_once(tmp_path_factory, "refreshed", build) / "data")


@pytest.fixture
def published(refreshed: DataPaths):
    """A read-only connection to the published marts of the session's refresh."""
    connection = duckdb.connect(str(refreshed.published), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def pack(refreshed: DataPaths, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rapporteur's pack for 2010–2024 from the session's publication (built once per run)."""
    folder = built_once(tmp_path_factory, "pack", lambda out: build_pack(refreshed.published, 2010, 2024, out))
    (built,) = [path for path in folder.iterdir() if path.is_dir()]
    return built
