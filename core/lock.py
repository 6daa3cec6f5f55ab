"""The data dir's refresh lock: one refresh (or prune) at a time writes a data dir."""

import fcntl
import os
import socket
from datetime import UTC, datetime
from typing import TextIO

from core.settings import DataPaths


class RefreshRunning(RuntimeError):
    """Another refresh holds this data dir."""


def hold_refresh_lock(paths: DataPaths) -> TextIO:
    """An exclusive lock on `<data dir>/refresh.lock`, held while the returned file stays open.

    The file says which process holds it and since when, so a second refresh can say so at once.
    """
    paths.root.mkdir(parents=True, exist_ok=True)
    handle = open(paths.root / "refresh.lock", "a+", encoding="utf-8")
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
