"""The raw layer's two shapes: a file fetched by the download helper, or a curated file in the repository.

Either is recorded as a provenance record (address, time, size, sha256, release) with the
source's status for this run (`pipelines.releases`): `current` when the file was taken anew,
`stale` when the source is pinned to its last good release (or its download failed) and that
release is used instead, `absent` when there is none. An absent source's raw asset returns one
row with no file; its staging asset returns no rows (`read_release`).
"""

import functools
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl

from core.isolated import run_isolated
from pipelines.curated import CuratedFiles
from pipelines.download import Downloader, DownloadError, RemoteFile, release_order
from pipelines.provenance import RAW_SCHEMA, curated_file_record
from pipelines.releases import Releases, accepted_older, pinned_sources
from pipelines.warehouse import Warehouse

EditionReader = Callable[[Path, str], str | None]
"""Reads the publisher's own date for a file's edition (`2023-05-30`, `2024-02`, `2023`) from the file at a path,
published at an address; None when the file gives none. Recorded as the provenance record's `edition`."""


def with_edition(record: dict[str, object], edition: EditionReader | None) -> dict[str, object]:
    """`record` with the edition its file names (None when it names none or cannot be read: the staging reader
    then names what is wrong with the file)."""
    if edition is None or not record.get("local_path"):
        return record
    try:
        found = edition(Path(str(record["local_path"])), str(record.get("url") or ""))
    except (ValueError, OSError, RuntimeError):
        found = None
    return record | {"edition": found}


def downloaded_file_asset(
    remote: RemoteFile, folder: str, description: str, edition: EditionReader | None = None
) -> dg.AssetsDefinition:
    """An asset `raw/<source id>` that fetches `remote` into `<data dir>/downloads/<folder>/`.

    It returns the file's provenance record, with the edition `edition` reads from the file; the address, time,
    size and sha256 also go into the materialisation's metadata. A failed or garbled download keeps the file before
    it in place (see `pipelines.download`) and this run takes the source's last good release instead.
    """

    @dg.asset(
        key_prefix="raw", name=remote.source_id, group_name="raw", kinds={remote.kinds[-1]}, description=description
    )
    def _downloaded(
        context: dg.AssetExecutionContext, downloader: Downloader, warehouse: Warehouse, releases: Releases
    ) -> pl.DataFrame:
        reason = pinned_sources(context.run.tags).get(remote.source_id)
        if reason is None:
            try:
                record = with_edition(downloader.fetch(remote, warehouse.paths.downloads / folder).as_record(), edition)
                reason = going_back(record, releases.last_good(remote.source_id), context.run.tags)
                if reason is None:
                    return current_release(context, [record])
            except DownloadError as error:
                reason = str(error)
        return last_good_release(context, releases, remote.source_id, reason)

    return _downloaded


def going_back(record: dict[str, object], last_good: list[dict[str, object]], tags: dict[str, str]) -> str | None:
    """Why a downloaded release may not replace the last good one: it is older (a page or mirror serving an
    earlier release), unless the operator accepted that for this refresh; None when it may."""
    source_id = str(record["source_id"])
    new, old = str(record.get("release") or ""), str(last_good[0].get("release") or "") if last_good else ""
    new_order, old_order = release_order(new), release_order(old)
    comparable = new_order and old_order and len(new_order) == len(old_order) and not new.startswith("sha256:")
    if not comparable or new_order >= old_order or source_id in accepted_older(tags):
        return None
    file_name = Path(str(record.get("local_path") or source_id)).name
    return (
        f"{file_name}: release {new} is older than the last good release {old}; "
        f"a release never goes back unless the operator says so (--accept-older {source_id})"
    )


def curated_file_asset(
    source_id: str, file_name: str, publication: str, edition: EditionReader | None = None
) -> dg.AssetsDefinition:
    """An asset `raw/<source id>` recording the curated file `<curated dir>/<source_id>/<file_name>` by checksum,
    with the edition `edition` reads from its rows."""

    @dg.asset(
        key_prefix="raw",
        name=source_id,
        group_name="raw",
        kinds={"csv"},
        description=f"The curated {source_id.upper()} figures kept in the repository, recorded by checksum.",
    )
    def _curated(context: dg.AssetExecutionContext, curated: CuratedFiles, releases: Releases) -> pl.DataFrame:
        reason = pinned_sources(context.run.tags).get(source_id)
        if reason is None:
            record = curated_file_record(source_id, publication, curated.path(source_id, file_name))
            return current_release(context, [with_edition(record, edition)])
        return last_good_release(context, releases, source_id, reason)

    return _curated


def current_release(
    context: dg.AssetExecutionContext, records: list[dict[str, object]], note: str | None = None
) -> pl.DataFrame:
    """A raw asset's output for a source taken anew: its provenance records, status `current`; `note` says what
    part of it is not new (SSB: a table kept at its last good release), recorded as the status's reason."""
    context.add_output_metadata(
        {key: str(value) for key, value in records[0].items()} | {"status": "current", "note": note or ""}
    )
    return raw_frame(records, "current", note)


def last_good_release(
    context: dg.AssetExecutionContext, releases: Releases, source_id: str, reason: str
) -> pl.DataFrame:
    """The source's last good release (stale), or one row saying it has none (absent)."""
    records = releases.last_good(source_id)
    status = "stale" if records else "absent"
    context.log.warning(f"{source_id}: {status}: {reason}")
    context.add_output_metadata({"status": status, "reason": reason})
    if not records:
        return raw_frame([{"source_id": source_id}], status, reason)
    return raw_frame(records, status, reason)


def raw_frame(records: list[dict[str, object]], status: str, reason: str | None) -> pl.DataFrame:
    """Provenance records with the source's status for this run and why it is not current."""
    rows = [{**record, "status": status, "status_reason": reason} for record in records]
    return pl.DataFrame(rows, schema=RAW_SCHEMA)


def staging_asset(
    source_id: str, reader: Callable[[Path], pl.DataFrame], description: str, isolated: bool = False
) -> dg.AssetsDefinition:
    """`staging/<source_id>`: `reader` over the source's raw file (its release of this run), in its own terms.

    `reader` turns the file into a typed frame, raising an error that names the file and the row or
    label it cannot read; an absent source gives no rows. `isolated` (for a publisher's file) runs the
    reader in another process with a memory and time bound (`core.isolated`), so that a file that
    crashes or exhausts the reader costs only this source.
    """
    if isolated:
        reader = functools.partial(_read_isolated, reader)

    @dg.asset(
        key_prefix="staging",
        name=source_id,
        group_name="staging",
        ins={"raw_file": dg.AssetIn(key=["raw", source_id])},
        kinds={"polars"},
        description=description,
    )
    def _staging(raw_file: pl.DataFrame) -> pl.DataFrame:
        return read_release(raw_file, reader)

    return _staging


def _read_isolated(reader: Callable[[Path], pl.DataFrame], path: Path) -> pl.DataFrame:
    return run_isolated(reader, path, what=path.name)


def read_release(raw_file: pl.DataFrame, reader: Callable[[Path], pl.DataFrame]) -> pl.DataFrame:
    """The staging frame: `reader` over the raw asset's file with its `provenance_id`, or no rows when absent."""
    path = raw_file["local_path"][0]
    if path is None:
        return pl.DataFrame()
    return reader(Path(path)).with_columns(provenance_id=pl.lit(raw_file["provenance_id"][0]))
