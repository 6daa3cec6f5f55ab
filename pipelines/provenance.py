"""Provenance records: where every input came from, when, and its checksum.

Every asset under the `raw` key prefix returns a frame of these records (one row per file); the
harmonised `provenance` table gathers them, and each fact's `provenance_id` points into it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.checksums import sha256_of
from core.settings import REPO_ROOT

PROVENANCE_SCHEMA: dict[str, pl.DataType] = {
    "provenance_id": pl.String(),
    "source_id": pl.String(),
    "publication": pl.String(),
    "url": pl.String(),
    "fetched_from": pl.String(),
    "from_mirror": pl.Boolean(),
    "retrieved_at": pl.String(),
    "size_bytes": pl.Int64(),
    "sha256": pl.String(),
    "file_kind": pl.String(),
    "local_path": pl.String(),
    "release": pl.String(),
    "edition": pl.String(),
}
"""`release` names the release as the refresh found it (the month in the address, the server's date, or the
checksum); `edition` is the publisher's own date for it, read from the file (`pipelines.raw.EditionReader`): the
release date in UNODC's workbook, the World Bank's "Last Updated Date", the date in CTDC's file name, the newest
KOM report or ILO edition the curated rows cite; null when the file gives none."""


RAW_SCHEMA: dict[str, pl.DataType] = {**PROVENANCE_SCHEMA, "status": pl.String(), "status_reason": pl.String()}
"""What a raw asset returns: its provenance records and the source's status in this run (`pipelines.raw`)."""


def reference_file_records(directory: Path) -> list[dict[str, object]]:
    """One provenance record per reference table under `directory` (`data/reference/`), by relative path."""
    return [
        curated_file_record(
            "reference",
            f"Reference table {path.relative_to(directory).as_posix()} (kept in the repository)",
            path,
            provenance_id=f"reference/{path.relative_to(directory).with_suffix('').as_posix()}",
        )
        for path in sorted(directory.rglob("*.csv"))
    ]


def curated_file_record(
    source_id: str, publication: str, path: Path, provenance_id: str | None = None
) -> dict[str, object]:
    """A provenance record for a hand-curated file kept in the repository.

    It has no retrieval time: the file's checksum, not a clock, says which version was used, so
    two refreshes of the same files give the same record.
    """
    resolved = path.resolve()
    inside_repo = resolved.is_relative_to(REPO_ROOT)
    where = f"repository file {resolved.relative_to(REPO_ROOT).as_posix()}" if inside_repo else f"file {resolved}"
    sha256 = sha256_of(path)
    return {
        "provenance_id": f"{provenance_id or source_id}:{sha256[:12]}",
        "source_id": source_id,
        "publication": publication,
        "url": where,
        "fetched_from": where,
        "from_mirror": False,
        "retrieved_at": None,
        "size_bytes": path.stat().st_size,
        "sha256": sha256,
        "file_kind": path.suffix.lstrip("."),
        "local_path": str(path),
        "release": f"sha256:{sha256[:12]}",
    }
