"""The data dir's locks: one refresh (or prune) at a time writes a data dir; packs and pruning take turns."""

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

from core.settings import DataPaths


class RefreshRunning(RuntimeError):
    """Another refresh holds this data dir."""


class PacksBeingBuilt(RuntimeError):
    """A pack is being built from a kept publication, so kept publications cannot be removed now."""


class DataDirNotWritable(RuntimeError):
    """The data dir cannot be written (a read-only file system, no permission), so its lock cannot be taken."""


def _open_lock(paths: DataPaths, name: str) -> TextIO:
    """`<data dir>/<name>` opened for locking; `DataDirNotWritable` (a sentence) when the data dir cannot be written."""
    try:
        paths.root.mkdir(parents=True, exist_ok=True)
        return open(paths.root / name, "a+", encoding="utf-8")
    except OSError as error:
        raise DataDirNotWritable(
            f"the data dir {paths.root} cannot be written ({error.strerror or error}): nothing was changed; "
            "make it writable (or point TRAFFICKING_DATA_DIR at one that is) and run again"
        ) from None


def hold_refresh_lock(paths: DataPaths) -> TextIO:
    """An exclusive lock on `<data dir>/refresh.lock`, held while the returned file stays open.

    The file says which process holds it and since when, so a second refresh can say so at once.
    """
    handle = _open_lock(paths, "refresh.lock")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        message = f"a refresh is already running in {paths.root} ({holder}); try again when it ends"
        raise RefreshRunning(message) from None
    handle.seek(0)
    handle.truncate()
    since = datetime.now(UTC).isoformat(timespec="seconds")
    handle.write(f"process {os.getpid()} on {socket.gethostname()}, since {since}")
    handle.flush()
    return handle


@contextmanager
def packs_lock(paths: DataPaths, building: bool) -> Iterator[None]:
    """`<data dir>/packs.lock`: held shared while a pack is built from a kept publication and noted (any number at
    once, `building=True`), exclusively while kept publications are removed. Removing never waits: with a pack
    under way it raises `PacksBeingBuilt`; a pack waits for a removal to end, then finds its publication or not.
    """
    with _open_lock(paths, "packs.lock") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH if building else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PacksBeingBuilt(
                f"a pack is being built from a kept publication in {paths.root}; try again when it is done"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
