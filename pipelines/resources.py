"""Resources by environment: the data directory and the download mirror come from the settings."""

from __future__ import annotations

from pathlib import Path

from pipelines.download import Downloader
from pipelines.settings import data_dir_from_env, mirror_from_env
from pipelines.warehouse import DuckDBFrameIOManager, Warehouse


def build_resources(data_dir: Path | None = None, mirror: str | None = None) -> dict[str, object]:
    """The run's resources; arguments left out come from `TRAFFICKING_DATA_DIR` and `TRAFFICKING_MIRROR`."""
    root = str(data_dir or data_dir_from_env())
    return {
        "io_manager": DuckDBFrameIOManager(data_dir=root),
        "warehouse": Warehouse(data_dir=root),
        "downloader": Downloader(mirror=mirror_from_env() if mirror is None else mirror),
    }
