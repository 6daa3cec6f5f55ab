"""Resources by environment: the data directory and the download mirror come from the settings."""

from __future__ import annotations

from pathlib import Path

from core.settings import CURATED_DIR, data_dir_from_env, download_retries_from_env, mirror_from_env
from pipelines.curated import CuratedFiles
from pipelines.download import Downloader
from pipelines.releases import Releases
from pipelines.warehouse import DuckDBFrameIOManager, Warehouse


def build_resources(
    data_dir: Path | None = None,
    mirror: str | None = None,
    curated_dir: Path | None = None,
) -> dict[str, object]:
    """The run's resources.

    Arguments left out come from `TRAFFICKING_DATA_DIR` and `TRAFFICKING_MIRROR`; the curated files
    default to the repository's `data/raw/`.
    """
    root = str(data_dir or data_dir_from_env())
    return {
        "io_manager": DuckDBFrameIOManager(data_dir=root),
        "warehouse": Warehouse(data_dir=root),
        "downloader": Downloader(
            mirror=mirror_from_env() if mirror is None else mirror, retries=download_retries_from_env()
        ),
        "curated": CuratedFiles(directory=str(curated_dir or CURATED_DIR)),
        "releases": Releases(data_dir=root),
    }
