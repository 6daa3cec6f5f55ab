"""The one DuckDB access path.

Assets hand polars frames to `DuckDBFrameIOManager`, which keeps them as tables in the working
warehouse (one schema per layer, from the asset key's prefix). `publish` copies the tables the
dashboard and exports read into a new DuckDB file and swaps it over the published one atomically;
readers open that file read-only (`reporting/published.py`). DuckDB allows one writing process per file, so nothing
but a refresh ever opens the working warehouse, and nothing ever writes the published file in place.
"""

import hashlib
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import dagster as dg
import duckdb
import polars as pl
from pydantic import PrivateAttr

from core import atomic
from core.lock import hold_refresh_lock
from core.settings import DataPaths

_RUN_CONNECTIONS: dict[Path, duckdb.DuckDBPyConnection] = {}
"""The working warehouse connection a run in this process holds (opened by the IO manager)."""


@contextmanager
def connect(path: Path, read_only: bool = False):  # noqa: ANN201 - a context manager
    """A DuckDB connection that is closed on leaving the block.

    While a run in this process holds the file (the IO manager's connection), the block gets a
    cursor of that connection: DuckDB lets one process open a file one way only.
    """
    shared = _RUN_CONNECTIONS.get(path.resolve())
    if shared is not None:
        cursor = shared.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(path), read_only=read_only)
    try:
        yield connection
    finally:
        connection.close()


def table_name(asset_key: dg.AssetKey) -> str:
    """`layer.name` for an asset key `[layer, name]`."""
    *prefix, name = asset_key.path
    schema = prefix[0] if prefix else "main"
    return f'"{schema}"."{name}"'


def write_frame(connection: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    schema = table.split(".")[0]
    connection.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    arrow_table = frame.to_arrow()  # noqa: F841 - DuckDB reads it by its local name
    connection.sql(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM arrow_table")


def read_frame(connection: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    return connection.sql(f"SELECT * FROM {table}").pl()


def remove_debris(paths: DataPaths) -> list[Path]:
    """Remove what a killed run left behind: half-written published files and kept publications, temp files.

    Called only while holding the refresh lock, so nothing removed belongs to a running refresh.
    """
    patterns = [
        (paths.marts_dir, f".{paths.published.name}.*.tmp*"),
        (paths.downloads, "**/.*.*"),
        (paths.root / "releases", atomic.DEBRIS_PATTERN),
        (paths.root / "probe", "**/.*.*"),
        (paths.publications, ".*.tmp"),
    ]
    return [path for folder, pattern in patterns for path in atomic.remove_debris(folder, pattern)]


class DuckDBFrameIOManager(dg.ConfigurableIOManager):
    """Keeps every asset's polars frame as a table in the working warehouse.

    A run opens the warehouse once and keeps the connection until it ends (opening a DuckDB file
    and checkpointing it on close cost more than writing most of these tables). Frames up to
    `cache_bytes` are also kept in memory for the rest of the run, so a step downstream gets the
    very frame its input was written from instead of reading it back; larger frames are read back
    from the warehouse, so memory stays bounded whatever the size of a source file.
    """

    data_dir: str
    cache_bytes: int = 64 * 1024 * 1024
    _connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _frames: dict[str, pl.DataFrame] = PrivateAttr(default_factory=dict)
    _lock: TextIO | None = PrivateAttr(default=None)

    @property
    def paths(self) -> DataPaths:
        return DataPaths(Path(self.data_dir))

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Take the data dir's refresh lock (a second run stops at once, naming the first) and clear debris."""
        self._lock = hold_refresh_lock(self.paths)
        remove_debris(self.paths)
        self._frames = {}
        self.paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
        self._connection = duckdb.connect(str(self.paths.warehouse))
        _RUN_CONNECTIONS[self.paths.warehouse.resolve()] = self._connection

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._frames = {}
        if self._connection is not None:
            _RUN_CONNECTIONS.pop(self.paths.warehouse.resolve(), None)
            self._connection.close()
            self._connection = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _warehouse(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            raise RuntimeError("the working warehouse is opened when the run starts (setup_for_execution)")
        return self._connection

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if obj is None:
            return
        table = table_name(context.asset_key)
        if obj.width == 0:  # an absent source's staging frame: DuckDB has no table without columns
            self._warehouse().sql(f"DROP TABLE IF EXISTS {table}")
            self._frames[table] = obj
            return
        write_frame(self._warehouse(), table, obj)
        if obj.estimated_size() <= self.cache_bytes:
            self._frames[table] = obj
        else:
            self._frames.pop(table, None)
        context.add_output_metadata({"table": table, "rows": obj.height})

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        table = table_name(context.asset_key)
        if table in self._frames:
            return self._frames[table]
        return read_frame(self._warehouse(), table)


class Warehouse(dg.ConfigurableResource):
    """The data directory a run writes to: downloads, working warehouse, published marts."""

    data_dir: str

    @property
    def paths(self) -> DataPaths:
        return DataPaths(Path(self.data_dir))


def frame_fingerprint(frame: pl.DataFrame) -> str:
    """A sha256 of a frame's content (its CSV text, rows sorted), independent of row order."""
    ordered = frame.sort(frame.columns, nulls_last=True) if frame.height else frame
    return hashlib.sha256(ordered.write_csv().encode()).hexdigest()


def publish(
    tables: Iterable[tuple[str, pl.DataFrame]], target: Path, before_swap: Callable[[Path], object] | None = None
) -> Path:
    """Write `tables` (name, frame) to a new DuckDB file and swap it over `target` atomically.

    Readers that have the old file open keep reading the old version; the next open sees the
    new one. `before_swap` is called with the finished new file just before the swap (publication
    keeps it there); a failure before the swap, in it too, leaves `target` exactly as it was.
    """
    with atomic.replacing_file(target) as staging:
        with connect(staging) as connection:
            for name, frame in tables:
                write_frame(connection, f'"main"."{name}"', frame)
            connection.sql("CHECKPOINT")
        if before_swap is not None:
            before_swap(staging)
    return target
