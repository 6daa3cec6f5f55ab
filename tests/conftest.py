"""Shared fixtures: the real mirror beside the repository, and one refresh into a temporary data dir."""

from pathlib import Path

import duckdb
import pytest

from pipelines.refresh import failures, run_refresh_in
from pipelines.settings import DataPaths

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """`../shared/data`, the offline mirror of the upstream files."""
    if not (SHARED_DATA / "unodc" / "data_glotip.xlsx").exists():
        pytest.fail(f"the mirror {SHARED_DATA} is missing: clone the project beside ../shared")
    return SHARED_DATA


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
