"""The published marts (`marts/trafficking.duckdb`), opened read-only: the only files the readers open.

A refresh swaps a new file over the published one atomically (`pipelines.warehouse.publish`); a
reader that has the file open keeps reading its version, the next open sees the new one. Every
earlier publication is kept, read-only, under `publications/<publication id>/` (`publications`):
a reader can open one of those instead, to show what was published then.
"""

from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from core.settings import DataPaths, data_dir_from_env
from publications import ChangedFile as ChangedFile  # the pages catch these from here
from publications import KeptFileUnreadable as KeptFileUnreadable
from publications import Publication, PublicationStore


def published_path() -> Path:
    """The published marts of the data directory `TRAFFICKING_DATA_DIR` names (the repository's `data/` by default)."""
    return DataPaths(data_dir_from_env()).published


def publication_store() -> PublicationStore:
    """The kept publications of the data directory `TRAFFICKING_DATA_DIR` names."""
    return PublicationStore(DataPaths(data_dir_from_env()))


def kept_publications() -> list[Publication]:
    """Every kept publication, newest first (none before the first refresh that kept one)."""
    return publication_store().entries()


def kept_path(publication_id: str) -> Path:
    """The kept, read-only file of a publication."""
    return publication_store().database(publication_id)


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published marts at `path`."""
    return duckdb.connect(str(path), read_only=True)


def read_tables(path: Path, names: Iterable[str]) -> dict[str, pl.DataFrame]:
    """The named tables of the published marts, whole; a table the file lacks (an older publication) is left out.

    Raises `ChangedFile` when the file holds a kept publication whose bytes are no longer those published.
    """
    publication_store().verify(path)
    connection = open_published(path)
    try:
        present = {
            name for (name,) in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        return {name: connection.sql(f'SELECT * FROM "{name}"').pl() for name in names if name in present}
    finally:
        connection.close()
