"""Backups of a data dir's kept publications, and their restore: `python -m publications backup DEST` / `restore SRC`.

The kept publications (`<data dir>/publications/`: every kept folder, the catalogue, the export log) are
what a server cannot make again: a refresh reads today's releases, not last year's. Everything else in a
data dir (downloads, the working warehouse, the last good releases) a refresh rebuilds.

A backup is a folder `DEST/publications-<UTC time>/` holding a copy of `publications/` and `manifest.json`
(every file's path, size and sha256). It is made under a hidden name, each copy checked against the
manifest (a file the newest earlier backup in DEST holds identical is hard-linked from it, so a nightly
backup costs only what is new), and renamed into place when whole, under the data dir's refresh lock (no
refresh keeps and no prune removes a publication meanwhile). Copy it off the server with any tool (rsync,
a backup agent).

A restore checks every file of the backup against its manifest first and refuses a damaged backup, naming
the file, before it changes anything. Then, under the refresh lock, it puts back each kept publication the
data dir lacks or holds differently (a kept publication never changes, so a difference is damage), the
catalogue when the data dir has none, the export log's lines it lacks, and, when the data dir has no
published file (a new disk), the backup's current publication as the published file. Every kept
publication is then byte-identical to the backup (`tests/test_service.py`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core import atomic
from core.checksums import sha256_of
from core.lock import hold_refresh_lock
from core.settings import DataPaths
from publications.store import CATALOGUE_NAME, EXPORTS_NAME, PublicationStore

MANIFEST_NAME = "manifest.json"
BACKUP_PREFIX = "publications-"
MANIFEST_FORMAT = 1


class BackupError(ValueError):
    """A backup that cannot be made or used; the message names the folder or file."""


@dataclass(frozen=True)
class Manifest:
    """Every file of a backup: relative path (posix) -> (size, sha256)."""

    files: dict[str, tuple[int, str]]
    made_at: str
    current: str | None

    def to_json(self) -> dict:
        return {
            "format": MANIFEST_FORMAT,
            "made_at": self.made_at,
            "current": self.current,
            "files": [{"path": path, "size": size, "sha256": digest} for path, (size, digest) in self.files.items()],
        }

    def publication_ids(self) -> list[str]:
        return sorted({path.split("/")[0] for path in self.files if "/" in path})


def _files(root: Path) -> Iterator[Path]:
    """Every file under `root` but a writer's hidden half-made ones (`.….tmp`), in a stable order."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path


def backup(paths: DataPaths, destination: Path) -> Path:
    """Copy the kept publications of `paths` into a new folder under `destination`; return that folder."""
    try:
        return _backup(paths, destination)
    except OSError as error:
        raise BackupError(f"cannot back up into {destination}: {error.strerror or error} ({error.filename})") from error


def _backup(paths: DataPaths, destination: Path) -> Path:
    store = PublicationStore(paths)
    if not store.entries():
        raise BackupError(f"no publication is kept in {store.root}: nothing to back up")
    destination.mkdir(parents=True, exist_ok=True)
    made_at = datetime.now(UTC)
    target = destination / f"{BACKUP_PREFIX}{made_at:%Y%m%dT%H%M%SZ}"
    if target.exists():
        raise BackupError(f"{target} exists already; wait a second and back up again")
    earlier = _newest_backup(destination)
    lock = hold_refresh_lock(paths)
    try:
        with atomic.replacing_folder(target) as staging:
            files = {}
            for path in _files(store.root):
                relative = path.relative_to(store.root).as_posix()
                files[relative] = (path.stat().st_size, sha256_of(path))
                _copy_or_link(path, staging / relative, files[relative][1], earlier, relative)
            manifest = Manifest(files, made_at.isoformat(timespec="seconds"), store.current_id())
            (staging / MANIFEST_NAME).write_text(json.dumps(manifest.to_json(), indent=1) + "\n", encoding="utf-8")
    finally:
        lock.close()
    return target


def _newest_backup(destination: Path) -> tuple[Path, Manifest] | None:
    """The newest earlier backup in `destination` and its manifest (unchecked: each file is checked when used)."""
    for folder in sorted(destination.glob(f"{BACKUP_PREFIX}*"), reverse=True):
        try:
            document = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
            files = {entry["path"]: (int(entry["size"]), str(entry["sha256"])) for entry in document["files"]}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        return folder, Manifest(files, str(document.get("made_at")), document.get("current"))
    return None


def _copy_or_link(path: Path, copy: Path, digest: str, earlier: tuple[Path, Manifest] | None, relative: str) -> None:
    """`copy` as a hard link of the earlier backup's identical file (a kept publication never changes, so a nightly
    backup costs only what is new), else a copy of `path`; either way checked against `digest`."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    if earlier is not None and earlier[1].files.get(relative, (None, None))[1] == digest:
        try:
            os.link(earlier[0] / relative, copy)
            if sha256_of(copy) == digest:
                return
        except OSError:
            pass  # another file system, or the earlier file is gone: copy instead
        copy.unlink(missing_ok=True)
    shutil.copy2(path, copy)
    if sha256_of(copy) != digest:
        raise BackupError(f"{path} changed while it was copied to {copy}")


def read_manifest(source: Path) -> Manifest:
    """The manifest of the backup folder `source`, every file in it checked; `BackupError` naming what is wrong."""
    try:
        document = json.loads((source / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = {entry["path"]: (int(entry["size"]), str(entry["sha256"])) for entry in document["files"]}
        manifest = Manifest(files, str(document["made_at"]), document.get("current"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{source} is not a backup of kept publications (no readable {MANIFEST_NAME})") from error
    for relative, (size, digest) in files.items():
        path = source / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            raise BackupError(f"{source / MANIFEST_NAME} names a file outside the backup: {relative}")
        if not path.is_file() or path.stat().st_size != size or sha256_of(path) != digest:
            raise BackupError(f"the backup {source} is damaged: {path} is missing or differs from its manifest")
    return manifest


def _same(folder: Path, expected: dict[str, tuple[int, str]]) -> bool:
    """Whether `folder` holds exactly the files `expected` lists (relative to it), byte for byte."""
    found = {path.relative_to(folder).as_posix() for path in _files(folder)} if folder.is_dir() else set()
    return found == set(expected) and all(sha256_of(folder / name) == digest for name, (_, digest) in expected.items())


def _put_back(source: Path, target: Path, names: list[str]) -> None:
    """`target` replaced, whole, by the files `names` (relative) of `source`."""
    with atomic.replacing_folder(target) as staging:
        for name in names:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, staging / name)


def _restore_publications(manifest: Manifest, source: Path, store: PublicationStore) -> list[str]:
    lines = []
    for publication in manifest.publication_ids():
        prefix = f"{publication}/"
        own = {path[len(prefix) :]: entry for path, entry in manifest.files.items() if path.startswith(prefix)}
        target = store.folder(publication)
        if _same(target, own):
            lines.append(f"{publication}: already kept, identical")
            continue
        verb = "replaced (it differed from the backup)" if target.exists() else "put back"
        _put_back(source / publication, target, sorted(own))
        lines.append(f"{publication}: {verb}")
    return lines


def _restore_logs(source: Path, store: PublicationStore) -> list[str]:
    """The catalogue when the data dir has none; the export log's lines the data dir lacks."""
    lines = []
    if (source / CATALOGUE_NAME).is_file() and not store.catalogue_file.is_file():
        shutil.copy2(source / CATALOGUE_NAME, store.catalogue_file)
        lines.append("the catalogue put back")
    if (source / EXPORTS_NAME).is_file():
        have = store.exports_file.read_text(encoding="utf-8").splitlines() if store.exports_file.is_file() else []
        backed_up = (source / EXPORTS_NAME).read_text(encoding="utf-8").splitlines()
        missing = [line for line in backed_up if line.strip() and line not in have]
        if missing:
            atomic.write_text(store.exports_file, "".join(f"{line}\n" for line in [*have, *missing] if line.strip()))
            lines.append(f"{len(missing)} line(s) of the export log put back")
    return lines


def restore(paths: DataPaths, source: Path) -> list[str]:
    """Put back the kept publications of the backup folder `source` into `paths`; one line per thing done."""
    try:
        return _restore(paths, source)
    except OSError as error:
        raise BackupError(f"cannot restore from {source}: {error.strerror or error} ({error.filename})") from error


def _restore(paths: DataPaths, source: Path) -> list[str]:
    manifest = read_manifest(source)
    store = PublicationStore(paths)
    store.root.mkdir(parents=True, exist_ok=True)
    lock = hold_refresh_lock(paths)
    try:
        lines = [*_restore_publications(manifest, source, store), *_restore_logs(source, store)]
        if not paths.published.exists() and manifest.current:
            store.restore(store.find(manifest.current))
            lines.append(f"the published file put back: publication {manifest.current}")
    finally:
        lock.close()
    return lines
