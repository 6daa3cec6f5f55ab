"""The kept publications of a data directory, read-only, with their catalogue.

```
<data dir>/publications/
  catalogue.json                 every kept publication, newest first (written whole, atomically)
  exports.jsonl                  one line per export pack made, naming the publication it was made from
  <publication id>/
    trafficking.duckdb           the published file as it was published (a read-only copy, its sha256 in the entry)
    publication.json             its catalogue entry
    data/                        the open data package: <table>.parquet, <table>.csv, datapackage.json
```

A publication id is the time of publication and the start of the content hash,
`20261130T014512Z-60d559ee`: it sorts by time and says which content it is. The kept file is a copy of
the published one, never the same file (a hard link would let a read-write open of the published file
change the kept publication too), and its sha256 is in the entry: every read of a kept or the published
file checks it (`verify`), so a file changed after publication is said in a sentence, never served.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from core import atomic
from core.lock import packs_lock
from core.settings import PUBLISHED_DB_NAME, DataPaths
from publications import revisions
from publications.opendata import write_data_package

CATALOGUE_FORMAT = 1
CATALOGUE_NAME = "catalogue.json"
EXPORTS_NAME = "exports.jsonl"
ENTRY_NAME = "publication.json"
DATA_PACKAGE_FOLDER = "data"
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


class PublicationNotFound(LookupError):
    """No kept publication answers to the name, prefix, date or word given; the message says which are kept."""


class KeptFileUnreadable(PublicationNotFound):
    """A listed publication whose kept file is missing or cannot be read; the message names it and the file."""


class ChangedFile(KeptFileUnreadable):
    """A kept or published file whose bytes are no longer those published (its sha256 differs from the entry's)."""


def publication_id(published_at: str, content_hash: str) -> str:
    """`20261130T014512Z-60d559ee`: the publication time (UTC) and the first 8 characters of the content hash."""
    moment = datetime.fromisoformat(published_at).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{content_hash[:8]}"


@dataclass(frozen=True)
class Publication:
    """One kept publication: its catalogue entry."""

    publication_id: str
    published_at: str
    content_hash: str
    run_id: str
    code_version: dict
    sources: list[dict]
    """Per source: `source_id`, `status`, `release` and its input `files` (`provenance_id`, `url`, `sha256`, …)."""
    previous_publication_id: str | None = None
    revisions: dict[str, int] = field(default_factory=dict)
    """How many figures are new, revised and withdrawn since the previous publication."""
    tables: dict[str, int] = field(default_factory=dict)
    """Rows per published table."""
    size_bytes: dict[str, int] = field(default_factory=dict)
    """The DuckDB file's and the open data package's size on disk."""
    file_sha256: str = ""
    """The sha256 of the DuckDB file as published ("" for a publication kept before it was recorded)."""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, entry: Mapping[str, object]) -> Publication:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in entry.items() if key in known})

    def release_line(self) -> str:
        """Each source's release, `source=release`, in one line (the reference tables have no status: left out)."""
        return " ".join(
            f"{source['source_id']}={source.get('release') or '-'}" for source in self.sources if source.get("status")
        )


def sources_of(source_status: pl.DataFrame | None, provenance: pl.DataFrame | None) -> list[dict]:
    """The catalogue's `sources`: every source's status and release, with the files that went in and their sha256."""
    files: dict[str, list[dict]] = {}
    if provenance is not None:
        wanted = ["provenance_id", "publication", "url", "release", "edition", "size_bytes", "sha256"]
        for row in provenance.sort("provenance_id").iter_rows(named=True):
            files.setdefault(row["source_id"], []).append({key: row.get(key) for key in wanted})
    statuses = {} if source_status is None else {row["source_id"]: row for row in source_status.iter_rows(named=True)}
    return [
        {
            "source_id": source_id,
            "status": statuses.get(source_id, {}).get("status"),
            "release": statuses.get(source_id, {}).get("release"),
            "files": files.get(source_id, []),
        }
        for source_id in sorted(set(files) | set(statuses))
    ]


def read_database(path: Path, names: Iterable[str] | None = None) -> dict[str, pl.DataFrame]:
    """The tables of a published file (all, or those of `names` it has), read-only."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        present = [name for (name,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        wanted = present if names is None else [name for name in names if name in present]
        return {name: connection.sql(f'SELECT * FROM "{name}"').pl() for name in wanted}
    finally:
        connection.close()


def publication_of(path: Path) -> dict | None:
    """The `publication` row of a published file (None when it has none or cannot be read)."""
    try:
        tables = read_database(path, ["publication"])
    except (duckdb.Error, OSError):
        return None
    rows = tables["publication"].to_dicts() if "publication" in tables else []
    return rows[0] if rows else None


class PublicationStore:
    """The kept publications under `<data dir>/publications/`."""

    def __init__(self, paths: DataPaths) -> None:
        self.paths = paths
        self.root = paths.publications

    # -- where things are ------------------------------------------------------------------------

    @property
    def catalogue_file(self) -> Path:
        return self.root / CATALOGUE_NAME

    @property
    def exports_file(self) -> Path:
        return self.root / EXPORTS_NAME

    def folder(self, publication_id: str) -> Path:
        return self.root / publication_id

    def database(self, publication_id: str) -> Path:
        return self.folder(publication_id) / PUBLISHED_DB_NAME

    def data_package(self, publication_id: str) -> Path:
        return self.folder(publication_id) / DATA_PACKAGE_FOLDER / "datapackage.json"

    # -- reading ---------------------------------------------------------------------------------

    def entries(self) -> list[Publication]:
        """Every kept publication, newest first: the catalogue's, and any kept folder it does not list.

        The catalogue is an index; each kept folder holds its own entry (`publication.json`). A catalogue that
        is missing, truncated or unreadable is rebuilt from those (the next publication rewrites it), so no
        publication is ever lost from the list, and one a killed run left uncatalogued is listed too.
        """
        listed = {entry.publication_id: entry for entry in self._catalogued()}
        for entry in self._in_folders():
            listed.setdefault(entry.publication_id, entry)
        return sorted(listed.values(), key=lambda entry: entry.publication_id, reverse=True)

    def _catalogued(self) -> list[Publication]:
        try:
            catalogue = json.loads(self.catalogue_file.read_text(encoding="utf-8"))
            return [Publication.from_json(entry) for entry in catalogue.get("publications", [])]
        except (OSError, ValueError, TypeError, AttributeError):
            return []  # missing or damaged: the kept folders say what is kept

    def _in_folders(self) -> list[Publication]:
        found = []
        for path in sorted(self.root.glob(f"*/{ENTRY_NAME}")) if self.root.exists() else []:
            try:
                found.append(Publication.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # a folder without a readable entry is not a kept publication
        return found

    def newest(self) -> Publication | None:
        entries = self.entries()
        return entries[0] if entries else None

    def comparison_base(self) -> tuple[Publication | None, list[str]]:
        """The kept publication a new one is compared with and carries the history of: the newest whose kept
        file opens, and what was passed over on the way (one sentence each, for the run's log).

        A newest kept file removed by hand is put back from the published file when that still holds the
        publication unchanged (its sha256 the entry's); otherwise the next older readable publication is
        the base, so revisions and `figure_history` go on from it instead of starting again as "the first".
        """
        passed_over = []
        for entry in self.entries():
            path = self.database(entry.publication_id)
            if not path.is_file() and self.paths.published.exists():
                held = (publication_of(self.paths.published) or {}).get("publication_id")
                if held == entry.publication_id and self.unchanged(self.paths.published, entry):
                    copy_read_only(self.paths.published, path)
                    passed_over.append(
                        f"the kept file of {entry.publication_id} was missing: put back from the published file, "
                        f"which holds that publication ({self.paths.published})"
                    )
            try:
                self.kept_tables(entry.publication_id, ["publication"])
            except KeptFileUnreadable as error:
                passed_over.append(f"{error}; compared with an older publication instead")
                continue
            return entry, passed_over
        return None, passed_over

    def current_id(self) -> str | None:
        """The publication the published file holds, if kept; else the newest kept one."""
        entries = self.entries()
        if not entries:
            return None
        row = publication_of(self.paths.published) if self.paths.published.exists() else None
        held = (row or {}).get("publication_id")
        return held if held in {entry.publication_id for entry in entries} else entries[0].publication_id

    def find(self, name: str) -> Publication:
        """The publication `name` means: an id, the start of one, `current`, or a date or time (ISO 8601, UTC when
        no zone is given): the publication that was current then, i.e. the newest published at or before it (a date
        alone means its end)."""
        entries = self.entries()
        if not entries:
            raise PublicationNotFound(f"no publication is kept in {self.root} yet: run a refresh first")
        if name == "current":
            current = self.current_id()
            return next(entry for entry in entries if entry.publication_id == current)
        matches = [entry for entry in entries if entry.publication_id.startswith(name)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise PublicationNotFound(f"{name!r} is the start of {len(matches)} publication ids; give more of it")
        moment = _moment(name)
        if moment is None:
            raise PublicationNotFound(f"no kept publication {name!r}; kept: {self._named(entries)}")
        found = self.at(moment)
        if found is None:
            raise PublicationNotFound(f"nothing was published by {name} (the first kept: {entries[-1].publication_id})")
        return found

    def at(self, moment: datetime) -> Publication | None:
        """The publication that was current at `moment`: the newest published at or before it."""
        earlier = [entry for entry in self.entries() if datetime.fromisoformat(entry.published_at) <= moment]
        return earlier[0] if earlier else None

    def export_source(self, name: str | None) -> tuple[Path, str | None]:
        """The file a pack is built from and its publication id: the kept publication `name` (see `find`), or the
        published file when `name` is None (its id None when it was published before publications were kept)."""
        if name is None:
            row = publication_of(self.paths.published) if self.paths.published.exists() else None
            self.verify(self.paths.published)
            return self.paths.published, (row or {}).get("publication_id")
        entry = self.find(name)
        return self.readable_database(entry.publication_id), entry.publication_id

    def readable_database(self, publication_id: str) -> Path:
        """The kept file of `publication_id`; `KeptFileUnreadable` when it is missing (removed or moved by hand),
        `ChangedFile` when its bytes are no longer those kept."""
        path = self.database(publication_id)
        if not path.is_file():
            raise KeptFileUnreadable(
                f"publication {publication_id} is listed, but its kept file is missing: {path} "
                "(removed or moved outside `python -m publications prune`?)"
            )
        entry = next((entry for entry in self.entries() if entry.publication_id == publication_id), None)
        if entry is not None and not self.unchanged(path, entry):
            raise ChangedFile(
                f"publication {publication_id}: its kept file has been changed since it was published (its sha256 "
                f"is no longer the one recorded), so it is not read: {path}"
            )
        return path

    @staticmethod
    def unchanged(path: Path, entry: Publication) -> bool:
        """Whether `path` holds the bytes `entry` was published with (True when no sha256 was recorded)."""
        return not entry.file_sha256 or file_sha256(path) == entry.file_sha256

    def verify(self, path: Path) -> None:
        """Raise `ChangedFile` when `path` (the published file or a kept one) says it holds a kept publication
        but its bytes are not those published; a file of no kept publication is not judged here."""
        held = (publication_of(path) or {}).get("publication_id") if path.is_file() else None
        entry = next((entry for entry in self.entries() if entry.publication_id == held), None)
        if entry is not None and not self.unchanged(path, entry):
            raise ChangedFile(
                f"{path} has been changed since publication {held} was published (its sha256 is no longer the "
                "one recorded), so it is not read; the next refresh puts the published file back"
            )

    def kept_tables(self, publication_id: str, names: Iterable[str]) -> dict[str, pl.DataFrame]:
        """Tables of a kept publication's file; `KeptFileUnreadable` naming the file when it is missing or damaged."""
        path = self.readable_database(publication_id)
        try:
            return read_database(path, names)
        except (duckdb.Error, OSError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise KeptFileUnreadable(
                f"publication {publication_id}: its kept file cannot be read ({first_line}): {path}"
            ) from error

    def compare(self, older: str, newer: str) -> pl.DataFrame:
        """The revisions from the kept publication `older` to `newer` (ids), read from their files."""
        wanted = [*revisions.FIGURE_TABLES, "source_status"]
        before = self.kept_tables(older, wanted)
        after = self.kept_tables(newer, wanted)
        return revisions.compare(
            revisions.figures(before),
            revisions.figures(after),
            revisions.releases(before.get("source_status")),
            revisions.releases(after.get("source_status")),
            newer,
            older,
        )

    def status_changes(self, older: str, newer: str) -> pl.DataFrame:
        """The sources whose status changed from the kept publication `older` to `newer` (ids)."""
        before = self.kept_tables(older, ["source_status"]).get("source_status")
        after = self.kept_tables(newer, ["source_status"]).get("source_status")
        return revisions.status_changes(before, after)

    def exports(self) -> list[dict]:
        """Every export pack made, oldest first: `publication_id`, `pack`, `exported_at`."""
        if not self.exports_file.exists():
            return []
        exports = []
        for line in self.exports_file.read_text(encoding="utf-8").splitlines():
            try:
                exports.append(json.loads(line))
            except ValueError:
                continue  # a line torn by a killed export: the ones before and after it still count
        return [export for export in exports if isinstance(export, dict) and "publication_id" in export]

    def exported_ids(self) -> set[str]:
        """Every publication an export pack was made from."""
        return {export["publication_id"] for export in self.exports()}

    @staticmethod
    def _named(entries: list[Publication]) -> str:
        shown = ", ".join(entry.publication_id for entry in entries[:5])
        return shown + (f" and {len(entries) - 5} older" if len(entries) > 5 else "")

    # -- writing (a refresh, under the data dir's refresh lock) ----------------------------------

    def keep(self, database: Path, entry: Publication, tables: Mapping[str, pl.DataFrame]) -> Publication:
        """Keep `database` (the new published file, before it is swapped in) as publication `entry`.

        The folder is made under a hidden name and renamed into place when complete (the file as a read-only
        copy, its entry, the open data package); then the catalogue is rewritten with it as current.
        Returns the entry with its sizes and the kept file's sha256.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        self.remove_debris()
        with atomic.replacing_folder(self.folder(entry.publication_id)) as staging:
            copy_read_only(database, staging / PUBLISHED_DB_NAME)
            package = write_data_package(staging / DATA_PACKAGE_FOLDER, tables, _package_publication(entry))
            sizes = {
                "database": (staging / PUBLISHED_DB_NAME).stat().st_size,
                "data_package": sum(path.stat().st_size for path in package.parent.iterdir()),
            }
            digest = file_sha256(staging / PUBLISHED_DB_NAME)
            kept = Publication(**{**asdict(entry), "size_bytes": sizes, "file_sha256": digest})
            (staging / ENTRY_NAME).write_text(json.dumps(kept.to_json(), indent=1) + "\n", encoding="utf-8")
        others = [other for other in self.entries() if other.publication_id != kept.publication_id]
        self._write_catalogue([kept, *others], current=kept.publication_id)
        return kept

    def restore(self, entry: Publication) -> str | None:
        """Make the kept publication `entry` the published file again (when the published file is not it, or is
        no longer its bytes); returns a sentence when a changed published file was put back."""
        published = self.paths.published
        row = publication_of(published) if published.exists() else None
        holds = row is not None and row.get("publication_id") == entry.publication_id
        if holds and self.unchanged(published, entry):
            return None
        with atomic.replacing_file(published) as staging:
            copy_read_only(self.readable_database(entry.publication_id), staging)
        if holds:
            return (
                f"the published file had been changed since publication {entry.publication_id} was published "
                "(its sha256 was no longer the one recorded): put back from the kept publication"
            )
        return None

    def adopt(self) -> Publication | None:
        """Keep a published file made before publications were kept as the first one (nothing if any is kept)."""
        published = self.paths.published
        if self.entries() or not published.exists():
            return None
        try:
            tables = read_database(published)
        except duckdb.Error:
            return None
        rows = tables["publication"].to_dicts() if "publication" in tables else []
        if not rows or not rows[0].get("content_hash"):
            return None
        row = rows[0]
        entry = Publication(
            publication_id=row.get("publication_id") or publication_id(row["published_at"], row["content_hash"]),
            published_at=row["published_at"],
            content_hash=row["content_hash"],
            run_id=row.get("run_id") or "",
            code_version={"git_commit": "unknown (published before publications were kept)", "dirty": None},
            sources=sources_of(tables.get("source_status"), tables.get("provenance")),
            tables={name: frame.height for name, frame in tables.items()},
        )
        return self.keep(published, entry, tables)

    def record_export(self, publication_id: str, pack_name: str) -> None:
        """Note that a pack was made from `publication_id` (prune keeps it): one appended line."""
        self.root.mkdir(parents=True, exist_ok=True)
        line = {
            "publication_id": publication_id,
            "pack": pack_name,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        torn = self.exports_file.exists() and not self.exports_file.read_bytes().endswith(b"\n")
        with open(self.exports_file, "a", encoding="utf-8") as handle:
            handle.write(("\n" if torn and self.exports_file.stat().st_size else "") + json.dumps(line) + "\n")

    def prune(self, keep: int, dry_run: bool = False) -> list[str]:
        """Remove every kept publication but the newest `keep`, the current one and those an export was made from.

        Returns the ids removed (or, with `dry_run`, those that would be). Call it holding the refresh lock.
        """
        if keep < 1:
            raise ValueError("keep at least 1 publication (the current one is always kept)")
        if dry_run:
            return self._to_prune(keep)[1]
        with packs_lock(self.paths, building=False):  # no pack is being built from a kept publication meanwhile
            entries, removed = self._to_prune(keep)
            if removed:
                kept = [entry for entry in entries if entry.publication_id not in removed]
                self._write_catalogue(kept, current=self.current_id())
                for publication in removed:
                    atomic.remove_folder(self.folder(publication))
            return removed

    def _to_prune(self, keep: int) -> tuple[list[Publication], list[str]]:
        entries = self.entries()
        kept = {entry.publication_id for entry in entries[:keep]} | self.exported_ids()
        current = self.current_id()
        if current:
            kept.add(current)
        return entries, [entry.publication_id for entry in entries if entry.publication_id not in kept]

    def remove_debris(self) -> list[Path]:
        """Remove half-made folders and catalogue files a killed run left behind (hidden `.….tmp` names)."""
        return atomic.remove_debris(self.root)

    def _write_catalogue(self, entries: list[Publication], current: str | None) -> None:
        ordered = sorted(entries, key=lambda entry: entry.publication_id, reverse=True)
        catalogue = {
            "format": CATALOGUE_FORMAT,
            "current": current,
            "publications": [
                {
                    **entry.to_json(),
                    "current": entry.publication_id == current,
                    "path": f"{entry.publication_id}/{PUBLISHED_DB_NAME}",
                    "data_package": f"{entry.publication_id}/{DATA_PACKAGE_FOLDER}/datapackage.json",
                }
                for entry in ordered
            ],
        }
        atomic.write_text(self.catalogue_file, json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n")


def copy_read_only(source: Path, target: Path) -> None:
    """`target` as a copy of `source` (never a hard link: the two must not be one file), read-only for everyone."""
    shutil.copy2(source, target)
    os.chmod(target, READ_ONLY)


_HASHED: dict[tuple[str, int, int, int, int], str] = {}
"""sha256 by (path, inode, size, mtime, ctime): a file is hashed again only when it may have changed (any write, or
setting its times back, changes its ctime), so a page listing many kept publications does not re-read them all."""


def file_sha256(path: Path) -> str:
    """The sha256 of the file at `path` (remembered while the file's inode, size and times stay the same)."""
    status = path.stat()
    key = (str(path), status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    if key not in _HASHED:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _HASHED[key] = digest.hexdigest()
    return _HASHED[key]


def _package_publication(entry: Publication) -> dict:
    return {
        "publication_id": entry.publication_id,
        "published_at": entry.published_at,
        "content_hash": entry.content_hash,
        "run_id": entry.run_id,
        "previous_publication_id": entry.previous_publication_id,
        "code_version": entry.code_version,
        "revisions": entry.revisions,
    }


def _moment(text: str) -> datetime | None:
    """A date (its end) or a time, read as UTC when it names no zone; None when it is neither."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10:  # a date alone: everything published that day counts
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
