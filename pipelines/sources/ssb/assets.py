"""SSB (Statistics Norway): the trafficking rows of its crime statistics, through PxWebApi v2, and their facts.

`raw/ssb` fetches each table's metadata and data (`pipelines.sources.ssb.api`) into
`<data dir>/downloads/ssb/<table id>/{metadata,data}.json`, one provenance record per file with the
table's `updated` as its release. It follows the status protocol of every raw asset
(`pipelines.raw`): a source pinned by the run, or one that cannot be fetched, takes its last good
release (stale) or has none (absent); the refresh publishes the rest.
"""

import dagster as dg
import polars as pl

from core.settings import source_start_from_env
from core.vocabulary import FACT_KEY
from pipelines.checks.shrink import shrink_check
from pipelines.download import Downloader, DownloadError, http_session
from pipelines.facts import facts_asset
from pipelines.raw import current_release, last_good_release
from pipelines.releases import Releases, pinned_sources
from pipelines.sources.ssb import harmonise
from pipelines.sources.ssb.api import Client, Fetched, pace_from_env
from pipelines.sources.ssb.parse import read_tables
from pipelines.sources.ssb.tables import KNOWN_TABLE_IDS, OFFICIAL_API, SOURCE_ID
from pipelines.warehouse import Warehouse

FIRST_YEAR = 1990
"""SSB's crime tables reach back to the 1990s (a trafficking cell before 2003 can only be missing)."""


def ssb_client(downloader: Downloader) -> Client:
    """The client for this run: `TRAFFICKING_SOURCE_SSB` as the API base, else the mirror, else SSB's API."""
    start = downloader.starts.get(SOURCE_ID) or source_start_from_env(SOURCE_ID)
    api = start or ("" if downloader.mirror else OFFICIAL_API)
    session = http_session(downloader.retries, downloader.backoff_seconds, methods=("GET", "HEAD", "POST"))
    return Client(api, downloader.mirror, session, pace_from_env(), downloader.timeout_seconds)


@dg.asset(
    key_prefix="raw",
    name=SOURCE_ID,
    group_name="raw",
    kinds={"json"},
    description=f"SSB's tables {', '.join(KNOWN_TABLE_IDS)} (and any the table search adds): metadata and "
    "the trafficking cells in JSON-stat 2.0, from PxWebApi v2 or the mirror, with address, release and checksum.",
)
def ssb_tables(
    context: dg.AssetExecutionContext, downloader: Downloader, warehouse: Warehouse, releases: Releases
) -> pl.DataFrame:
    """Provenance records of every table's files (status current, a note naming any known table that failed and
    is kept at its last good release), else the whole source's last good release or absent."""
    reason = pinned_sources(context.run.tags).get(SOURCE_ID)
    if reason is None:
        try:
            fetched = ssb_client(downloader).fetch(warehouse.paths.downloads / SOURCE_ID)
        except DownloadError as error:
            reason = str(error)
        else:
            tables = ", ".join(
                f"{table.table_id} ({table.offence.dimension}={list(table.offence.codes)})" for table in fetched.tables
            )
            context.log.info(f"{SOURCE_ID}: {fetched.search}; read {tables}")
            for table_id, why in fetched.left_out.items():
                context.log.warning(f"{SOURCE_ID}: table {table_id}, found by the table search, left out: {why}")
            records, notes = with_last_good_tables(fetched, releases.last_good(SOURCE_ID))
            for note in notes:
                context.log.warning(f"{SOURCE_ID}: {note}")
            return current_release(context, records, "; ".join(notes) or None)
    return last_good_release(context, releases, SOURCE_ID, reason)


def with_last_good_tables(fetched: Fetched, last_good: list[dict[str, object]]) -> tuple[list[dict], list[str]]:
    """The records of the tables read now, and of each known table that failed its files from the last good
    release (none when it has none); with a note per failed table saying which and why.

    So one table that answers 404, loses the offence or cannot be parsed costs that table's newest figures
    only: the others are current, and its last good figures stay published (not a loss)."""
    records, notes = list(fetched.records), []
    for table_id, why in fetched.failed_known.items():
        kept = [record for record in last_good if str(record["provenance_id"]).startswith(f"{SOURCE_ID}/{table_id}/")]
        records += kept
        held = "kept at its last good release" if kept else "left out (it has no last good release)"
        notes.append(f"table {table_id} {held}: {why}")
    return records, notes


@dg.asset(
    key_prefix="staging",
    name=SOURCE_ID,
    group_name="staging",
    ins={"raw_tables": dg.AssetIn(key=["raw", SOURCE_ID])},
    kinds={"polars"},
)
def ssb_staging(raw_tables: pl.DataFrame) -> pl.DataFrame:
    """One row per trafficking cell in SSB's own terms: table, offence code and label, year, measured variable,
    the other dimensions' codes and labels, value (missing stays missing) and status symbol."""
    return read_tables(raw_tables)


@dg.asset_check(
    asset=["staging", SOURCE_ID],
    name="labels_known",
    blocking=False,
    description="Every label of the known tables is in the crosswalk (warning: the cells with an unknown label "
    "are left out, the table's other figures are published).",
)
def ssb_labels_known(staging: pl.DataFrame) -> dg.AssetCheckResult:
    unknown = {
        table_id: fields
        for table_id, fields in harmonise.unknown_labels(staging).items()
        if table_id in KNOWN_TABLE_IDS
    }
    return dg.AssetCheckResult(
        passed=not unknown,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"cells left out, labels not in crosswalk {harmonise.CROSSWALK}: "
        f"{harmonise.describe_unknown(unknown)}"
        if unknown
        else "every label of the known tables is in a crosswalk",
        metadata={"unknown_labels": dg.MetadataValue.json(unknown)},
    )


@dg.asset_check(
    asset=["staging", SOURCE_ID],
    name="tables_agree",
    blocking=False,
    description="Where two tables give the same measure and year, their figures agree (warning).",
)
def ssb_tables_agree(staging: pl.DataFrame) -> dg.AssetCheckResult:
    try:
        rows, _ = harmonise.usable_tables(staging)
        differing = harmonise.disagreements(harmonise.per_table(harmonise.with_measures(rows)))
    except (ValueError, KeyError) as error:
        return dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.WARN, description=f"not compared: {error}"
        )
    listed = [
        f"{row['measure']} {row['year']}: table {row['table_id']} {row['value']:g} (cell {row['cell']}), "
        f"table {row['table_id_other']} {row['value_other']:g} (cell {row['cell_other']})"
        for row in differing.head(20).to_dicts()
    ]
    return dg.AssetCheckResult(
        passed=differing.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{differing.height} figures differ between tables (the first table's is published): "
        + "; ".join(listed)
        if listed
        else "the tables agree wherever two give the same measure and year",
    )


@dg.asset_check(
    asset=["staging", SOURCE_ID],
    name="found_tables_harmonised",
    blocking=False,
    description="Tables the table search added are harmonised when all their labels are known (warning).",
)
def ssb_found_tables_harmonised(staging: pl.DataFrame) -> dg.AssetCheckResult:
    unknown = {
        table_id: fields
        for table_id, fields in harmonise.unknown_labels(staging).items()
        if table_id not in KNOWN_TABLE_IDS
    }
    found = sorted(set(staging.filter(~pl.col("known_table"))["table_id"].to_list()) - set(unknown))
    return dg.AssetCheckResult(
        passed=not unknown,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"left out, labels not in crosswalk {harmonise.CROSSWALK}: {harmonise.describe_unknown(unknown)}"
        if unknown
        else f"tables the search added and harmonised: {', '.join(found) or 'none'}",
    )


facts_ssb, ssb_fact_checks = facts_asset(
    SOURCE_ID,
    harmonise.to_facts,
    "SSB in canonical terms: reported offences, offences investigated (by the police's decision), offences "
    "cleared up, sanctions (by type), each under SSB's own definition.",
    FIRST_YEAR,
)
ssb_shrink_check = shrink_check(
    dg.AssetKey(["harmonised", "facts_ssb"]),
    SOURCE_ID,
    "SELECT * FROM fact_indicator WHERE source = ?",
    FACT_KEY,
    definitions=harmonise.offence_definitions,
)
