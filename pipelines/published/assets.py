"""Publication: the marts and the harmonised tables, written to a new DuckDB file and swapped in.

It depends on every mart and harmonised table (found by key prefix, so a new mart is published
without touching this file), so a failure anywhere upstream leaves the published file as it was.
It publishes only from a run that materialised every asset it is built from: a partial run
(say one mart materialised from the UI) would otherwise publish tables of older runs whose checks
this run never saw.
"""

from types import ModuleType

import dagster as dg
import polars as pl

from pipelines import harmonised, marts, sources
from pipelines.releases import Releases
from pipelines.warehouse import Warehouse, frame_fingerprint, publish
from publications import ChangedFile, PublicationStore
from publications.prepare import prepare

VOLATILE_COLUMNS = ("retrieved_at", "local_path", "fetched_from", "run_id")
"""Columns that differ between two refreshes of the same inputs; the content hash leaves them out."""
VOLATILE_IN_TABLE = {"asset_check_results": ("description",)}


def _upstream_keys() -> list[dg.AssetKey]:
    """Every asset of the sources, harmonised and marts packages: all that publication is built from."""
    keys = {key for package in (sources, harmonised, marts) for key in _keys_of(package)}
    return sorted(keys, key=lambda key: key.to_user_string())


def _keys_of(package: ModuleType) -> list[dg.AssetKey]:
    loaded = dg.load_assets_from_package_module(package)
    keys = {key for asset in loaded if isinstance(asset, dg.AssetsDefinition) for key in asset.keys}
    return sorted(keys, key=lambda key: key.to_user_string())


UPSTREAM_KEYS = _upstream_keys()
PUBLISHED_KEYS = [*_keys_of(harmonised), *_keys_of(marts)]
"""Every mart, and the shared harmonised tables (the fact table and the reference tables); a source's
own harmonised tables reach readers through the marts built on them."""


def published_table_name(key: dg.AssetKey) -> str:
    return key.path[-1]


def require_whole_run(context: dg.AssetExecutionContext) -> None:
    """Refuse to publish unless this run materialised every upstream asset (so its checks ran too)."""
    records = context.instance.all_logs(context.run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    materialised = {record.dagster_event.asset_key for record in records}
    missing = [key.to_user_string() for key in UPSTREAM_KEYS if key not in materialised]
    if missing:
        raise dg.Failure(
            f"not publishing: this run did not materialise {len(missing)} of the {len(UPSTREAM_KEYS)} assets "
            f"publication is built from, so the working warehouse may hold older, unchecked tables: "
            f"{', '.join(missing)}. Materialise the whole `refresh` job; the published file is unchanged."
        )


CHECK_RESULT_SCHEMA = {
    "asset_key": pl.String(),
    "check_name": pl.String(),
    "passed": pl.Boolean(),
    "severity": pl.String(),
    "description": pl.String(),
    "run_id": pl.String(),
}


def check_results(context: dg.AssetExecutionContext) -> pl.DataFrame:
    """Every asset check this run evaluated before publication: the dashboard shows them beside the figures."""
    records = context.instance.all_logs(context.run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    rows = [
        {
            "asset_key": evaluation.asset_key.to_user_string(),
            "check_name": evaluation.check_name,
            "passed": evaluation.passed,
            "severity": evaluation.severity.value,
            "description": evaluation.description or "",
            "run_id": context.run.run_id,
        }
        for evaluation in (record.dagster_event.event_specific_data for record in records)
    ]
    return pl.DataFrame(rows, schema=CHECK_RESULT_SCHEMA).sort("asset_key", "check_name")


def keep_current_releases(provenance: pl.DataFrame, status: pl.DataFrame, releases: Releases) -> None:
    """Make the files every current source was read from in this run its last good release."""
    current = status.filter(pl.col("status") == "current")["source_id"].to_list()
    for source_id in current:
        records = provenance.filter(pl.col("source_id") == source_id)
        if records.height:
            releases.keep(source_id, records.to_dicts())


def content_fingerprint(tables: dict[str, pl.DataFrame]) -> str:
    """One hash of every table's content, leaving out the volatile columns.

    A check's description is left out too (it may say when a release was retrieved, or that there
    was nothing to compare with on a first refresh); whether it passed stays in.
    """
    hashes = {
        name: frame_fingerprint(frame.drop(VOLATILE_COLUMNS, *VOLATILE_IN_TABLE.get(name, ()), strict=False))
        for name, frame in tables.items()
    }
    return frame_fingerprint(pl.DataFrame({"table": list(hashes), "hash": list(hashes.values())}))


@dg.asset(
    key_prefix="published",
    group_name="published",
    ins={published_table_name(key): dg.AssetIn(key=key) for key in PUBLISHED_KEYS},
    kinds={"duckdb"},
)
def trafficking_db(
    context: dg.AssetExecutionContext, warehouse: Warehouse, releases: Releases, **tables: pl.DataFrame
) -> dg.MaterializeResult:
    """`marts/trafficking.duckdb`: every mart and harmonised table, published atomically, and kept.

    A publication whose content (`content_fingerprint`) equals the newest kept one adds nothing: the
    published file stays that publication. Otherwise the new file also holds `revisions` (each figure
    new, revised or withdrawn since the newest kept publication) and `figure_history` (every value each
    figure has had), and is kept under `<data dir>/publications/<publication id>/` with its open data
    package before it is swapped in (`publications`). Then each source taken anew in this run
    keeps the files it was read from as its last good release (`pipelines.releases`), for a later run
    that cannot use a newer one.
    """
    require_whole_run(context)
    named = dict(sorted(tables.items()))
    named["asset_check_results"] = check_results(context)
    content_hash = content_fingerprint(named)
    paths = warehouse.paths
    store = PublicationStore(paths)
    store.adopt()
    try:
        store.verify(paths.published)
    except ChangedFile as error:
        context.log.warning(str(error))
    previous, passed_over = store.comparison_base()
    for said in passed_over:
        context.log.warning(said)
    if previous is not None and previous.content_hash == content_hash:
        put_back = store.restore(previous)
        if put_back:
            context.log.warning(put_back)
        keep_current_releases(named["provenance"], named["source_status"], releases)
        context.log.info(f"content unchanged: the published file stays publication {previous.publication_id}")
        return dg.MaterializeResult(
            metadata={
                "path": str(paths.published),
                "content_hash": content_hash,
                "publication_id": previous.publication_id,
                "new_publication": False,
            }
        )
    prepared = prepare(store, previous, named, content_hash, context.run.run_id)
    entry, everything = prepared.entry, prepared.tables
    target = publish(
        list(everything.items()), paths.published, before_swap=lambda staged: store.keep(staged, entry, everything)
    )
    keep_current_releases(named["provenance"], named["source_status"], releases)
    return dg.MaterializeResult(
        metadata={
            "path": str(target),
            "content_hash": content_hash,
            "publication_id": entry.publication_id,
            "new_publication": True,
            "revisions": dg.MetadataValue.json(entry.revisions),
            "tables": dg.MetadataValue.json({name: frame.height for name, frame in named.items()}),
        }
    )
