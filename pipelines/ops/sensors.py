"""Sensors: republish only when an input changed.

`new_release_sensor` checks UNODC and CTDC once a week: it fetches each file into a probe folder
through the one download helper and compares its sha256 with the last one it saw (kept in the
sensor's cursor). `curated_files_sensor` does the same for the curated KOM and ILO files and the
reference tables under `data/reference/`. Either
requests one `refresh` run when something changed, and nothing otherwise; when a `refresh` run is
already queued and not started (say the other sensor's, on the first tick of both), that run will
read the changed files, so no second one is requested. Runs start one at a time (the instance's
`pipelines/ops/dagster.yaml`), so two refreshes never write the working warehouse at once.
"""

import json
from pathlib import Path

import dagster as dg

from core.checksums import sha256_of
from core.settings import REFERENCE_DIR
from pipelines.curated import CuratedFiles
from pipelines.download import Downloader, DownloadError, NotModified, RemoteFile
from pipelines.sources.iom_ctdc.assets import CTDC_SYNTHETIC
from pipelines.sources.unodc_glotip.assets import GLOTIP
from pipelines.warehouse import Warehouse

WEEK_SECONDS = 7 * 24 * 3600
WATCHED_RELEASES: tuple[RemoteFile, ...] = (GLOTIP, CTDC_SYNTHETIC)
CURATED_FOLDERS = ("kom", "ilo")


def changed_checksums(current: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """The entries of `current` whose checksum differs from the one `seen` last time."""
    return {name: digest for name, digest in current.items() if seen.get(name) != digest}


def _refresh_waiting(instance: dg.DagsterInstance) -> bool:
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
    if _refresh_waiting(context.instance):
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
    supports them answers "not modified" (304) instead of sending the whole file again.
    """
    probe_dir = warehouse.paths.root / "probe"
    seen = _release_cursor(context.cursor)
    probed = {}
    for remote in WATCHED_RELEASES:
        earlier = seen.get(remote.source_id, {})
        try:
            fetched = downloader.fetch(remote, probe_dir / remote.source_id, earlier.get("validators"))
            probed[remote.source_id] = {"sha256": fetched.sha256, "validators": fetched.validators or {}}
        except NotModified:
            probed[remote.source_id] = earlier
        except DownloadError as error:
            context.log.warning(f"{remote.source_id}: {error}")
    if not probed:
        return dg.SensorResult(skip_reason=dg.SkipReason("no source could be reached"), cursor=context.cursor)
    digests = {name: entry["sha256"] for name, entry in probed.items()}
    changed = changed_checksums(digests, {name: entry["sha256"] for name, entry in seen.items()})
    return _refresh_or_skip(context, changed, json.dumps(seen | probed, sort_keys=True), "release", not seen)


def _release_cursor(cursor: str | None) -> dict[str, dict]:
    """The release sensor's cursor: per source, the checksum last seen and the server's validators."""
    return json.loads(cursor) if cursor else {}


def curated_checksums(directory: Path, reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """sha256 of every curated CSV under the watched folders and of every reference table, by relative path."""
    curated = {
        path.relative_to(directory).as_posix(): sha256_of(path)
        for folder in CURATED_FOLDERS
        for path in sorted((directory / folder).glob("*.csv"))
    }
    reference = {
        f"reference/{path.relative_to(reference_dir).as_posix()}": sha256_of(path)
        for path in sorted(reference_dir.rglob("*.csv"))
    }
    return curated | reference


@dg.sensor(job_name="refresh", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def curated_files_sensor(context: dg.SensorEvaluationContext, curated: CuratedFiles) -> dg.SensorResult:
    """Refresh when a curated KOM or ILO file or a reference table (crosswalk, definition, ...) is edited."""
    current = curated_checksums(Path(curated.directory))
    seen = json.loads(context.cursor) if context.cursor else {}
    cursor = json.dumps(current, sort_keys=True)
    return _refresh_or_skip(context, changed_checksums(current, seen), cursor, "curated file", not seen)
