"""Each source's last good release, and which sources a run takes from it instead of anew.

A release is good once a refresh has published it. Publication then keeps a copy of every file
it was built from under `<data dir>/releases/<source id>/`, with its provenance record in
`release.json`. When a source cannot be fetched, or its new file fails parsing or a blocking check,
the next attempt pins that source (the run tag `trafficking/pinned`: source id -> the reason): its
raw asset takes the last good file instead, so its figures are exactly those published before, and
every other source is published anew. A pinned source without a last good release is absent: it
contributes no rows, and says so.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import polars as pl

from core import atomic
from core.settings import DataPaths

STATUS_SCHEMA: dict[str, pl.DataType] = {
    "source_id": pl.String(),
    "status": pl.String(),
    "release": pl.String(),
    "retrieved_at": pl.String(),
    "reason": pl.String(),
}
"""The published `source_status` table: one row per source."""
PINNED_TAG = "trafficking/pinned"


def pinned_sources(tags: Mapping[str, str]) -> dict[str, str]:
    """The sources a run takes from their last good release (source id -> why), from its tags."""
    return json.loads(tags.get(PINNED_TAG, "{}"))


def pin_tags(pinned: Mapping[str, str]) -> dict[str, str]:
    """Run tags that pin `pinned` (source id -> why) to their last good release."""
    return {PINNED_TAG: json.dumps(dict(sorted(pinned.items())))} if pinned else {}


def kept_names(records: list[dict[str, object]]) -> list[str]:
    """Where each record's file is kept in the release folder: its name, or, where two records' files share a
    name (an API source's `08484/data.json` and `09405/data.json`), its path below the folder they share."""
    paths = [Path(str(record["local_path"])) for record in records]
    if len({path.name for path in paths}) == len(paths):
        return [path.name for path in paths]
    shared = Path(os.path.commonpath([path.parent for path in paths]))
    return [path.relative_to(shared).as_posix() for path in paths]


class Releases(dg.ConfigurableResource):
    """The last good releases of a data directory."""

    data_dir: str

    def folder(self, source_id: str) -> Path:
        return DataPaths(Path(self.data_dir)).root / "releases" / source_id

    def last_good(self, source_id: str) -> list[dict[str, object]]:
        """The provenance records of the source's last published release, with `local_path` in the store."""
        index = self.folder(source_id) / "release.json"
        if not index.exists():
            return []
        records = json.loads(index.read_text(encoding="utf-8"))
        return [record | {"local_path": str(self.folder(source_id) / record["file_name"])} for record in records]

    def keep(self, source_id: str, records: list[dict[str, object]]) -> None:
        """Make `records` (with their files) the source's last good release, replacing the one before."""
        with atomic.replacing_folder(self.folder(source_id)) as staging:
            kept = []
            for record, name in zip(records, kept_names(records), strict=True):
                path = Path(str(record["local_path"]))
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, staging / name)
                kept.append({key: value for key, value in record.items() if key != "local_path"} | {"file_name": name})
            (staging / "release.json").write_text(json.dumps(kept, indent=1, sort_keys=True), encoding="utf-8")


ACCEPT_OLDER_TAG = "trafficking/accept_older"
"""Run tag: sources whose downloaded release may be older than their last good one, for this refresh only."""


def accepted_older(tags: dict[str, str]) -> set[str]:
    """The sources an operator allowed to go back to an older release in this run."""
    return {source for source in tags.get(ACCEPT_OLDER_TAG, "").split(",") if source}
