"""Sensors: republish only when an input changed.

What they watch comes from the register of sources (`data/reference/sources.csv`, `core.sources`):
`new_release_sensor` looks once a week at every `download` source's file (its `RemoteFile`, found by
`pipelines.register.remote_file`: UNODC, CTDC, the World Bank), fetched into a probe folder through
the one download helper, and at SSB's known tables, whose metadata (never their data) says when each
was last `updated`; it compares each source's sha256 (for SSB, of the tables' updated times) with the
last one it saw (kept in the sensor's cursor). `curated_files_sensor` does the same every minute for
the files of every `curated` source (`data/raw/<source id>/`) and the reference tables under
`data/reference/`. Either requests one `refresh` run when something changed, and nothing otherwise;
when a `refresh` run is already queued and not started (say the other sensor's, on the first tick of
both), that run will read the changed files, so no second one is requested. Runs start one at a time
(the instance's `pipelines/ops/dagster.yaml`), so two refreshes never write the working warehouse at once.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from core.checksums import sha256_of
from core.settings import REFERENCE_DIR
from core.sources import of_kind
from pipelines.curated import CuratedFiles
from pipelines.download import Downloader, DownloadError, NotModified, RemoteFile
from pipelines.register import downloaded_files
from pipelines.sources.ssb.api import Client, SsbError, dataset_of, metadata_address
from pipelines.sources.ssb.assets import ssb_client
from pipelines.sources.ssb.tables import KNOWN_TABLE_IDS
from pipelines.warehouse import Warehouse

WEEK_SECONDS = 7 * 24 * 3600


def changed_checksums(current: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """The entries of `current` whose checksum differs from the one `seen` last time."""
    return {name: digest for name, digest in current.items() if seen.get(name) != digest}


def refresh_waiting(instance: dg.DagsterInstance) -> bool:
    """Whether a `refresh` run is queued and has not started, so has read no input yet."""
    waiting = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]
    return bool(instance.get_run_ids(dg.RunsFilter(job_name="refresh", statuses=waiting), limit=1))


def _refresh_or_skip(
    context: dg.SensorEvaluationContext, changed: dict[str, str], cursor: str, what: str, first_look: bool
) -> dg.SensorResult:
    """One refresh for the `changed` files (name -> checksum) unless one is already waiting; `cursor` is kept.

    On its `first_look` (no cursor: a new Dagster instance) a sensor only records what it sees and starts
    nothing: every file would count as changed, and a refresh nobody asked for would start within a minute.
    """
    if first_look:
        reason = (
            f"first look: {len(changed)} {what}(s) recorded, nothing started; a refresh starts when one changes "
            "(start one now by launching the refresh job, or with make refresh)"
        )
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
    if not changed:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"no {what} changed"), cursor=cursor)
    if refresh_waiting(context.instance):
        reason = f"{what} changed, but a refresh waiting in the queue will read it when it starts"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
    run_key = "-".join(f"{name}:{digest[:12]}" for name, digest in sorted(changed.items()))
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={"changed": ", ".join(sorted(changed))})], cursor=cursor
    )


@dg.sensor(job_name="refresh", minimum_interval_seconds=WEEK_SECONDS, default_status=dg.DefaultSensorStatus.RUNNING)
def new_release_sensor(
    context: dg.SensorEvaluationContext, downloader: Downloader, warehouse: Warehouse
) -> dg.SensorResult:
    """Weekly: refresh when a watched source has a new release (a new checksum).

    The cursor keeps each source's checksum and the server's validators, so a publisher that
    supports them answers "not modified" (304) instead of sending the whole file again. A source
    watched for the first time (say one added to the register) is recorded and starts nothing.
    """
    probe_dir = warehouse.paths.root / "probe"
    seen = _release_cursor(context.cursor)
    probed = {}
    for remote in downloaded_files():
        entry = _probe_file(remote, downloader, probe_dir, seen.get(remote.source_id, {}), context.log)
        if entry is not None:
            probed[remote.source_id] = entry
    ssb = _probe_ssb(downloader, seen.get("ssb", {}), context.log)
    if ssb is not None:
        probed["ssb"] = ssb
    if not probed:
        return dg.SensorResult(skip_reason=dg.SkipReason("no source could be reached"), cursor=context.cursor)
    digests = {name: entry["sha256"] for name, entry in probed.items()}
    changed = changed_checksums(digests, {name: entry["sha256"] for name, entry in seen.items()})
    if seen:  # a source watched for the first time is recorded, not counted as changed
        changed = {name: digest for name, digest in changed.items() if name in seen}
    return _refresh_or_skip(context, changed, json.dumps(seen | probed, sort_keys=True), "release", not seen)


def _release_cursor(cursor: str | None) -> dict[str, dict]:
    """The release sensor's cursor: per source, the checksum last seen and the server's validators."""
    return json.loads(cursor) if cursor else {}


def _probe_file(
    remote: RemoteFile, downloader: Downloader, probe_dir: Path, earlier: dict, log: dg.DagsterLogManager
) -> dict | None:
    """The file's checksum and validators now (the earlier entry when the server says "not modified"), or None."""
    try:
        fetched = downloader.fetch(remote, probe_dir / remote.source_id, earlier.get("validators"))
    except NotModified:
        return earlier
    except DownloadError as error:
        log.warning(f"{remote.source_id}: {error}")
        return None
    return {"sha256": fetched.sha256, "validators": fetched.validators or {}}


def table_updated(client: Client, table_id: str) -> str:
    """When SSB last updated a table, from its metadata alone (or the metadata's checksum when it says not)."""
    if client.from_mirror:
        found = client.mirrored(table_id, "metadata")
        if found is None:
            raise SsbError(f"the mirror {client.mirror} has no SSB table {table_id}")
        body, address = found
    else:
        address = metadata_address(client.api, table_id)
        body = client.request(address)
    updated = dataset_of(body, table_id, "metadata", address).updated
    return updated or f"sha256:{hashlib.sha256(body).hexdigest()[:12]}"


def _probe_ssb(downloader: Downloader, earlier: dict, log: dg.DagsterLogManager) -> dict | None:
    """SSB's known tables' updated times (a table that does not answer keeps the time seen before), or None."""
    try:
        client = ssb_client(downloader)
    except ValueError as error:  # a pace setting that is not a number
        log.warning(f"ssb: {error}")
        return None
    updated, problems = dict(earlier.get("updated", {})), []
    for table_id in KNOWN_TABLE_IDS:
        try:
            updated[table_id] = table_updated(client, table_id)
        except SsbError as error:
            problems.append(str(error))
    if len(problems) == len(KNOWN_TABLE_IDS):
        log.warning(f"ssb: none of the {len(problems)} known tables answered ({problems[0]}; and so on)")
        return None
    if problems:
        log.warning(f"ssb: {len(problems)} of {len(KNOWN_TABLE_IDS)} tables did not answer: {'; '.join(problems)}")
    digest = hashlib.sha256(json.dumps(updated, sort_keys=True).encode()).hexdigest()
    return {"sha256": digest, "updated": updated}


def curated_checksums(directory: Path, reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """sha256 of every CSV of every curated source (`<directory>/<source id>/`) and of every reference table."""
    curated = {
        path.relative_to(directory).as_posix(): sha256_of(path)
        for entry in of_kind("curated")
        for path in sorted((directory / entry.source_id).glob("*.csv"))
    }
    reference = {
        f"reference/{path.relative_to(reference_dir).as_posix()}": sha256_of(path)
        for path in sorted(reference_dir.rglob("*.csv"))
    }
    return curated | reference


@dg.sensor(job_name="refresh", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def curated_files_sensor(context: dg.SensorEvaluationContext, curated: CuratedFiles) -> dg.SensorResult:
    """Refresh when a curated source's file (KOM, ILO) or a reference table (crosswalk, definition, ...) is edited."""
    current = curated_checksums(Path(curated.directory))
    seen = json.loads(context.cursor) if context.cursor else {}
    cursor = json.dumps(current, sort_keys=True)
    return _refresh_or_skip(context, changed_checksums(current, seen), cursor, "curated file", not seen)
