"""The register of sources (`core.sources`) joined to the code: a downloaded source's `RemoteFile`.

The register says which sources are downloaded; each such source declares its file once, as a
`RemoteFile` in `pipelines/sources/<source id>/assets.py`. The sensors and the probe find it here, so a
new downloaded source is watched and probed by its row in the register alone.
"""

from __future__ import annotations

import importlib

from core.sources import of_kind
from pipelines.download import RemoteFile


class RegisterMismatch(LookupError):
    """A source of the register whose assets module declares no (or more than one) `RemoteFile` of its own."""


def remote_file(source_id: str) -> RemoteFile:
    """The one `RemoteFile` with this source id in `pipelines.sources.<source_id>.assets`."""
    module_name = f"pipelines.sources.{source_id}.assets"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name not in (module_name, f"pipelines.sources.{source_id}"):
            raise
        raise RegisterMismatch(f"source {source_id!r} of the register has no module {module_name}") from None
    found = {id(value): value for value in vars(module).values() if isinstance(value, RemoteFile)}
    own = [remote for remote in found.values() if remote.source_id == source_id]
    if len(own) != 1:
        raise RegisterMismatch(
            f"{module_name} declares {len(own)} RemoteFile(s) with source_id {source_id!r}; the register needs one"
        )
    return own[0]


def downloaded_files() -> tuple[RemoteFile, ...]:
    """The `RemoteFile` of every source the register lists as downloaded, in the register's order."""
    return tuple(remote_file(entry.source_id) for entry in of_kind("download"))
