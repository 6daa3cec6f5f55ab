"""Atomic file operations: a file or folder is either the old one or the finished new one, never half.

Every writer in the project that replaces something a reader may open (a download, the published
file, a last good release, a kept publication, the catalogue, an export pack) goes through here.
The new content is made under a hidden sibling name (`.<name>.<random>.tmp`) in the same folder,
so the final rename stays on one file system, and `remove_debris` can clear what a killed run left.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEBRIS_PATTERN = ".*.tmp"
"""The names `sibling` gives; nothing else in a data folder matches it."""


def sibling(target: Path) -> Path:
    """A hidden, unused name beside `target` for making its replacement."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def replacing_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on leaving the block it replaces `target` in one rename.

    If the block raises, `target` stays exactly as it was and the temporary file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = sibling(target)
    try:
        yield temp
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)  # a DuckDB file's journal


def write_text(target: Path, text: str) -> None:
    """Replace `target` with `text` (UTF-8), flushed to disk before the rename."""
    with replacing_file(target) as temp, open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def replacing_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder to fill; on leaving the block it takes `target`'s place.

    The old folder is moved aside before the new one is renamed in, then removed; if the block
    raises, `target` stays exactly as it was and the temporary folder is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = sibling(target)
    staging.mkdir()
    try:
        yield staging
        swap_folder(staging, target)
    finally:
        _remove(staging)


def swap_folder(staging: Path, target: Path) -> None:
    """Put the finished folder `staging` in `target`'s place, retiring the old one if there is one."""
    retired = sibling(target)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    _remove(retired)


def remove_folder(target: Path) -> None:
    """Remove a folder so that a reader sees it whole or not at all (renamed aside, then deleted)."""
    if target.exists():
        retired = sibling(target)
        os.replace(target, retired)
        _remove(retired)


def remove_debris(folder: Path, pattern: str = DEBRIS_PATTERN) -> list[Path]:
    """Remove what a killed run left half-made in `folder` (names matching `pattern`); return what went."""
    found = sorted(folder.glob(pattern)) if folder.exists() else []
    for path in found:
        _remove(path)
    return found
