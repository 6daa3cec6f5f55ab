"""`python -m publications`: the kept publications from the command line.

```
list                  one line per kept publication, newest first, each beginning with its id
show PUBLICATION      one publication: time, content hash, code version, sources and their files, revisions
diff A B              what changed from publication A to B, by source and measure, then figure by figure
path PUBLICATION      the kept DuckDB file (for another program)
prune --keep N        remove all but the newest N, the current one and every one an export was made from
backup DEST           copy every kept publication into a new folder under DEST (with a manifest of checksums)
restore SRC           put back the kept publications of the backup folder SRC (checked first; see `publications.backup`)
```

PUBLICATION is an id, the start of one, `current`, or a date or time (`2026-11-30`, `2026-11-30T12:00`, UTC):
the publication that was current then. Exit codes: 0 done, 1 an unknown publication or another refresh
holds the data dir (the message says which).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from core import atomic
from core.settings import DataPaths, data_dir_from_env
from publications import backup, revisions
from publications.store import KeptFileUnreadable, Publication, PublicationNotFound, PublicationStore

FIGURE_LINES = 50
"""How many figures `diff` prints before saying how many more there are (all with `--csv`)."""


def list_lines(store: PublicationStore) -> list[str]:
    """One line per kept publication, newest first, beginning with its id."""
    current, exported = store.current_id(), store.exported_ids()
    lines = []
    for entry in store.entries():
        missing = not store.database(entry.publication_id).is_file()
        marks = [mark for mark, on in (("current", entry.publication_id == current),
                                       ("exported", entry.publication_id in exported),
                                       ("FILE-MISSING", missing)) if on]  # fmt: skip
        counts = entry.revisions
        changed = (
            f"+{counts.get('new', 0)} ~{counts.get('revised', 0)} -{counts.get('withdrawn', 0)}"
            if entry.previous_publication_id
            else "first kept"
        )
        lines.append(
            f"{entry.publication_id}  {entry.published_at}  hash {entry.content_hash[:12]}  "
            f"{','.join(marks) or '-':<16} revisions {changed:<18} {entry.release_line()}"
        )
    return lines


def show_lines(store: PublicationStore, entry: Publication) -> list[str]:
    """One publication in detail."""
    current = store.current_id()
    code = entry.code_version
    dirty = {True: " (uncommitted changes)", False: "", None: ""}[code.get("dirty")]
    database, package = store.database(entry.publication_id), store.data_package(entry.publication_id)
    sizes = entry.size_bytes
    exports = sum(1 for export in store.exports() if export["publication_id"] == entry.publication_id)
    lines = [
        f"publication    {entry.publication_id}{' (current)' if entry.publication_id == current else ''}",
        f"published at   {entry.published_at} (run {entry.run_id})",
        f"content hash   {entry.content_hash}",
        f"code version   git {code.get('git_commit')}{dirty}",
        f"previous       {entry.previous_publication_id or '- (the first kept)'}",
        f"revisions      {_counts(entry.revisions)}",
        f"file           {database} ({_megabytes(sizes.get('database'))})",
        f"open data      {package} ({_megabytes(sizes.get('data_package'))})",
        f"exports        {exports} pack(s) made from it",
        "sources",
    ]
    for source in entry.sources:
        status = source.get("status") or "-"
        lines.append(f"  {source['source_id']:<22} {status:<8} release {source.get('release') or '-'}")
        lines += [f"    {file['sha256']}  {file['url']}" for file in source.get("files", [])]
    if entry.previous_publication_id:
        try:
            changes = store.kept_tables(entry.publication_id, ["revisions"]).get("revisions")
        except KeptFileUnreadable as error:
            return [*lines, f"what it changed cannot be read: {error}"]
        if changes is not None and changes.height:
            lines.append(f"changed since {entry.previous_publication_id}, by source and measure")
            lines += _group_lines(changes)
    return lines


def diff_lines(store: PublicationStore, older: Publication, newer: Publication, csv: Path | None) -> list[str]:
    """What changed from `older` to `newer`: counts by source and measure, then each figure."""
    if csv is not None:
        csv = csv_target(csv, store.paths)
    changes = store.compare(older.publication_id, newer.publication_id)
    if csv is not None:
        write_csv(changes, csv)
    lines = [f"from {older.publication_id} to {newer.publication_id}: {_counts(revisions.summary(changes))}"]
    for row in store.status_changes(older.publication_id, newer.publication_id).iter_rows(named=True):
        lines.append(
            f"  status   {row['source_id']}: {row['status_before'] or '-'} -> {row['status_after'] or '-'} "
            f"(release {row['release_before'] or '-'} -> {row['release_after'] or '-'})"
            + (f": {row['reason_after']}" if row["reason_after"] else "")
        )
    if not changes.height:
        return lines
    lines += _group_lines(changes)
    lines.append("figures")
    for row in changes.head(FIGURE_LINES).iter_rows(named=True):
        lines.append(
            f"  {row['change']:<9} {row['source']} {row['measure']} {row['geo']} {row['period']} [{row['breakdown']}] "
            f"({row['table']}): {_figure(row, '_before')} -> {_figure(row, '')}; "
            f"release {row['release_before'] or '-'} -> {row['release'] or '-'}"
        )
    if changes.height > FIGURE_LINES:
        more = f"  … and {changes.height - FIGURE_LINES} more"
        lines.append(more + (f" (all in {csv})" if csv else " (--csv FILE writes them all)"))
    elif csv is not None:
        lines.append(f"all in {csv}")
    return lines


class OutputRefused(ValueError):
    """A file `--csv` may not or cannot write; the message names it and says why."""


def csv_target(csv: Path, paths: DataPaths) -> Path:
    """Where `--csv` writes: a file outside the data dir, in a folder that exists, never over a folder or a
    special file. Raises `OutputRefused` saying why (before anything is read or written)."""
    target = csv.expanduser().resolve()
    if target.is_relative_to(paths.root.resolve()):
        raise OutputRefused(
            f"--csv {csv} is inside the data dir {paths.root}: nothing is written there (the published file and the "
            "kept publications are never written over); give a file outside it"
        )
    if target.is_dir():
        raise OutputRefused(f"--csv {csv} is a folder; give a file name, such as {csv / 'revisions.csv'}")
    if not target.parent.is_dir():
        raise OutputRefused(f"--csv {csv}: the folder {target.parent} does not exist; make it first or choose another")
    if target.exists() and not target.is_file():
        raise OutputRefused(f"--csv {csv} is not a regular file; give a file name")
    return target


def write_csv(changes: pl.DataFrame, target: Path) -> None:
    """The figures as CSV, written whole under a new name and renamed over `target` (never into an existing
    file's bytes, so a file another name also points to is left as it was)."""
    try:
        with atomic.replacing_file(target) as temp:
            changes.write_csv(temp)
    except OSError as error:
        raise OutputRefused(f"--csv {target} cannot be written: {error.strerror or error}") from error


def prune_lines(store: PublicationStore, keep: int, dry_run: bool) -> list[str]:
    """Prune under the data dir's refresh lock, so no refresh keeps a publication meanwhile."""
    from core.lock import hold_refresh_lock

    lock = hold_refresh_lock(store.paths)
    try:
        removed = store.prune(keep, dry_run=dry_run)
    finally:
        lock.close()
    verb = "would remove" if dry_run else "removed"
    kept = [entry.publication_id for entry in store.entries() if entry.publication_id not in removed]
    return [*(f"{verb} {publication}" for publication in removed), f"kept {len(kept)}: {', '.join(kept)}"]


def _group_lines(changes: pl.DataFrame) -> list[str]:
    return [
        f"  {row['source']:<22} {row['measure']:<28} {row['table']:<15} "
        f"{row['new']} new, {row['revised']} revised, {row['withdrawn']} withdrawn ({row['norway']} for Norway)"
        for row in revisions.by_source_and_measure(changes).iter_rows(named=True)
    ]


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(change, 0)} {change}" for change in revisions.CHANGES)


def _figure(row: dict, suffix: str) -> str:
    """A figure as stored: its value, or its bounds, and its flags (`-` for none)."""
    value, low, high = row[f"value{suffix}"], row[f"value_low{suffix}"], row[f"value_high{suffix}"]
    flags = row[f"flags{suffix}"]
    if value is None and low is None and high is None and flags is None:
        return "-"
    shown = _number(value) if value is not None else f"[{_number(low)}, {_number(high)}]"
    return shown + (f" ({flags})" if flags else "")


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if value == round(value) else f"{value:g}"


def _megabytes(size: int | None) -> str:
    return "size unknown" if size is None else f"{size / 1e6:.1f} MB"


def main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m publications", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every kept publication, newest first")
    show = commands.add_parser("show", help="one publication in detail")
    show.add_argument("publication", help="an id, its start, 'current', or a date or time (UTC)")
    path = commands.add_parser("path", help="the kept DuckDB file of a publication")
    path.add_argument("publication")
    diff = commands.add_parser("diff", help="what changed from publication A to B")
    diff.add_argument("older")
    diff.add_argument("newer", nargs="?", default="current")
    diff.add_argument("--csv", type=Path, help="write every revised figure to this CSV file")
    prune = commands.add_parser("prune", help="remove old publications (never the current or an exported one)")
    prune.add_argument("--keep", type=int, required=True, help="how many of the newest to keep (at least 1)")
    prune.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    commands.add_parser("backup", help="copy every kept publication into a new folder under DEST").add_argument(
        "destination", type=Path
    )
    commands.add_parser("restore", help="put back the kept publications of a backup folder").add_argument(
        "source", type=Path
    )
    options = parser.parse_args(arguments)
    store = PublicationStore(DataPaths(data_dir_from_env()))
    try:
        if options.command == "list":
            lines = list_lines(store)
            if not lines:
                print(f"no publication is kept in {store.root} yet", file=sys.stderr)
        elif options.command == "show":
            lines = show_lines(store, store.find(options.publication))
        elif options.command == "path":
            chosen = store.find(options.publication).publication_id
            store.kept_tables(chosen, ["publication"])  # the file is there and opens, or a sentence naming it
            lines = [str(store.database(chosen))]
        elif options.command == "diff":
            lines = diff_lines(store, store.find(options.older), store.find(options.newer), options.csv)
        elif options.command == "backup":
            folder = backup.backup(store.paths, options.destination)
            lines = [f"backed up {len(store.entries())} kept publication(s) to {folder}"]
        elif options.command == "restore":
            lines = backup.restore(store.paths, options.source)
        else:
            lines = prune_lines(store, options.keep, options.dry_run)
    except (PublicationNotFound, ValueError, RuntimeError) as error:  # RuntimeError: the data dir's lock
        print(f"publications: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a read-only data dir, a full disk
        print(f"publications: cannot write {error.filename or store.root}: {error.strerror or error}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
