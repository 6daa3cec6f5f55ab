"""The register of sources (`core.sources`) seen from the pipelines: each downloaded source's `RemoteFile`.

A downloaded source declares its file once, as a module-level `RemoteFile` in `pipelines/sources/<source id>/
assets.py`; the probe and the release sensor find it here by the register's source id, so a new downloaded
source is watched and probed by its row alone.
"""

from __future__ import annotations

import importlib

from core.sources import of_kind
from pipelines.download import RemoteFile


def remote_file(source_id: str) -> RemoteFile:
    """The `RemoteFile` that `pipelines.sources.<source_id>.assets` declares for this source."""
    module = importlib.import_module(f"pipelines.sources.{source_id}.assets")
    found = [value for value in vars(module).values() if isinstance(value, RemoteFile) and value.source_id == source_id]
    if len(found) != 1:
        raise LookupError(f"pipelines/sources/{source_id}/assets.py declares {len(found)} RemoteFiles for it, not one")
    return found[0]


def downloaded_files() -> tuple[RemoteFile, ...]:
    """The file of every source the register names as downloaded, in the register's order."""
    return tuple(remote_file(entry.source_id) for entry in of_kind("download"))
