"""Refresh everything from the command line: `python -m pipelines.refresh`.

Runs the `refresh` job in this process (the same job the schedule and the Dagster UI run). When
sources fail (cannot be fetched, or a new file fails parsing or a blocking check), it runs the job
again with those sources pinned to their last good release (`pipelines.ops.degrade`), so one
source never stops the others from being published.

Exit codes: 0 when every source is current; 3 when it published with a source stale or absent;
1 when nothing could be published (the published file is left exactly as it was); 130 when a stop request
(SIGTERM or SIGINT) ended it: the step under way is interrupted, no further attempt is made and nothing
is published. The console gets
a progress line, one line per source (status, release, facts), one per failure, and one saying which
publication the published file now is (a new one with its revision counts, or unchanged); the whole log,
stack traces included, goes to `<data dir>/logs/`, whose path the last line names.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from core.settings import DataPaths, data_dir_from_env, notify_url_from_env
from core.urls import masked_in
from pipelines.checks.shrink import ACCEPT_TAG
from pipelines.definitions import all_assets, all_checks, defs, source_assets, source_of_step
from pipelines.ops.degrade import failures as failure_lines
from pipelines.ops.degrade import sources_to_pin
from pipelines.ops.notify import refresh_report, send
from pipelines.releases import ACCEPT_OLDER_TAG, pin_tags
from pipelines.resources import build_resources
from publications import PublicationNotFound, PublicationStore
from publications.store import publication_of

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""No Dagster console output: the command prints its own summary, and the full log goes to a file."""
EXIT_CURRENT, EXIT_FAILED, EXIT_DEGRADED, EXIT_STOPPED = 0, 1, 3, 130
INTERRUPTED = "DagsterExecutionInterruptedError"
"""The error Dagster gives a step that a stop request (SIGINT, or SIGTERM passed on as one) interrupted."""


def run_refresh_in(
    data_dir: Path,
    mirror: str,
    curated_dir: Path | None = None,
    instance: dg.DagsterInstance | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """One run of the refresh job writing to `data_dir`, downloading from `mirror` ("" for the official addresses).

    `curated_dir` replaces the repository's `data/raw/` (the curated KOM and ILO files).
    """
    return _execute(instance, build_resources(data_dir, mirror, curated_dir), tags or {})


def read_source_in(
    data_dir: Path, mirror: str, source_id: str, curated_dir: Path | None = None
) -> dg.ExecuteInProcessResult:
    """Only `source_id`'s assets and checks (raw, staging, harmonised), into `data_dir`'s working warehouse.

    Nothing is published: this says whether a source's new file would be taken, and if not, where it is
    refused and why (`failures`), without touching the published file.
    """
    return dg.materialize(
        [*all_assets, *all_checks],
        selection=dg.AssetSelection.assets(*source_assets(source_id)),
        resources=build_resources(data_dir, mirror, curated_dir),
        instance=dg.DagsterInstance.ephemeral(),
        run_config=QUIET_LOGS,
        raise_on_error=False,
    )


def _execute(
    instance: dg.DagsterInstance | None, resources: dict | None, tags: dict[str, str], progress: bool = False
) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("refresh")
    loggers = QUIET_LOGS["loggers"]
    if progress:
        loggers = loggers | {"progress": {"config": {"steps": len(job.nodes)}}}
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        resources=resources,
        run_config={"loggers": loggers},
        raise_on_error=False,
        tags=tags,
    )


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per failed step or failed blocking check: the step and the error message."""
    return [line for _, line in failure_lines(result.all_events)]


@dataclass
class RefreshOutcome:
    """The attempts of one refresh, the sources pinned to their last good release, and what was published."""

    published_file: Path
    attempts: list[dg.ExecuteInProcessResult] = field(default_factory=list)
    pinned: dict[str, str] = field(default_factory=dict)
    stopped: bool = False
    """A stop request ended the refresh: nothing more was run or published after it."""

    @property
    def published(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].success

    def statuses(self) -> list[tuple[str, str, str | None, str | None, int]]:
        """Per source in the published file: id, status, release, reason, and its rows (facts, or population)."""
        return source_statuses(self.published_file) if self.published else []

    @property
    def exit_code(self) -> int:
        if self.stopped:
            return EXIT_STOPPED
        if not self.published:
            return EXIT_FAILED
        return EXIT_CURRENT if all(status == "current" for _, status, *_ in self.statuses()) else EXIT_DEGRADED


def source_statuses(published: Path) -> list[tuple[str, str, str | None, str | None, int]]:
    """Per source in `published`: id, status, release, reason, and its rows (facts by their `source`, population
    by its provenance's source: SSB's provenance ids name the table, `ssb/08484/data:…`)."""
    with duckdb.connect(str(published), read_only=True) as connection:
        return connection.execute(
            """WITH rows AS (
                   SELECT source AS source_id FROM fact_indicator
                   UNION ALL SELECT split_part(provenance_id, ':', 1) FROM population)
               SELECT s.source_id, s.status, s.release, s.reason, count(r.source_id)
               FROM source_status s LEFT JOIN rows r USING (source_id)
               GROUP BY ALL ORDER BY s.source_id"""
        ).fetchall()


def refresh(
    data_dir: Path,
    mirror: str | None = None,
    curated_dir: Path | None = None,
    instance: dg.DagsterInstance | None = None,
    progress: bool = False,
    accept_shrink: frozenset[str] = frozenset(),
    accept_older: frozenset[str] = frozenset(),
) -> RefreshOutcome:
    """Refresh, pinning each failed source to its last good release until the rest publishes (or nothing can).

    `progress` keeps a line on standard error up to date with the step the run is at;
    `accept_shrink` names sources whose new release may lose figures in this refresh (`pipelines.checks.shrink`).
    """
    resources = build_resources(data_dir, mirror, curated_dir)
    outcome = RefreshOutcome(published_file=DataPaths(data_dir).published)
    accepted = {ACCEPT_TAG: ",".join(sorted(accept_shrink))} if accept_shrink else {}
    if accept_older:
        accepted[ACCEPT_OLDER_TAG] = ",".join(sorted(accept_older))
    while True:
        try:
            result = _execute(instance, resources, pin_tags(outcome.pinned) | accepted, progress)
        except KeyboardInterrupt:  # a stop between Dagster's steps
            outcome.stopped = True
            return outcome
        outcome.attempts.append(result)
        if result.success:
            return outcome
        if interrupted(result):
            outcome.stopped = True
            return outcome
        failed, unattributed = sources_to_pin(result.all_events, source_of_step())
        new = {source: reason for source, reason in failed.items() if source not in outcome.pinned}
        if unattributed or not new:
            return outcome
        outcome.pinned |= new


def interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Whether a stop request interrupted a step of the run (rather than the step failing on its own)."""
    return any(
        event.is_step_failure
        and event.step_failure_data.error
        and event.step_failure_data.error.cls_name == INTERRUPTED
        for event in result.all_events
    )


def write_log(outcome: RefreshOutcome, instance: dg.DagsterInstance, folder: Path) -> str:
    """Every event of every attempt, with full error texts, in one file; returns where it is, or a sentence saying
    why it could not be written (a read-only data dir: the refresh still reports what it did)."""
    try:
        return str(_write_log(outcome, instance, folder))
    except OSError as error:
        return f"not written: {folder} cannot be written ({error.strerror or error})"


def _write_log(outcome: RefreshOutcome, instance: dg.DagsterInstance, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"refresh-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.log"
    with open(path, "w", encoding="utf-8") as log:
        for number, result in enumerate(outcome.attempts, start=1):
            log.write(f"# attempt {number}, run {result.run_id}\n")
            for record in instance.all_logs(result.run_id):
                event = record.dagster_event
                log.write(f"{datetime.fromtimestamp(record.timestamp, UTC).isoformat()} {record.user_message}\n")
                if event is not None and event.is_step_failure and event.step_failure_data.error is not None:
                    log.write(event.step_failure_data.error.to_string() + "\n")
    return path


def publication_line(data_dir: Path, before: dict | None, after: dict | None) -> str | None:
    """What the refresh did to the kept publications: a new one (and what it changed), or none (same content)."""
    if after is None or not after.get("publication_id"):
        return None
    if before is not None and before.get("publication_id") == after["publication_id"]:
        return f"content unchanged: still publication {after['publication_id']} (no new publication kept)"
    if not after.get("previous_publication_id"):
        return f"new publication {after['publication_id']} (the first kept)"
    store = PublicationStore(DataPaths(data_dir))
    try:
        counts = store.find(after["publication_id"]).revisions
    except PublicationNotFound:
        counts = {}
    changed = ", ".join(f"{counts.get(change, 0)} {change}" for change in ("new", "revised", "withdrawn"))
    return f"new publication {after['publication_id']}: figures {changed} since {after['previous_publication_id']}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.refresh", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accept-shrink",
        action="append",
        default=[],
        metavar="SOURCE_ID",
        help="accept, for this refresh only, that SOURCE_ID's new release lost figures its last good one had",
    )
    parser.add_argument(
        "--accept-older",
        action="append",
        default=[],
        metavar="SOURCE_ID",
        help="accept, for this refresh only, a release of SOURCE_ID older than its last good one (a withdrawn release)",
    )
    arguments = parser.parse_args()
    known = set(source_of_step().values())
    for option, named in (("--accept-shrink", arguments.accept_shrink), ("--accept-older", arguments.accept_older)):
        unknown = sorted(set(named) - known)
        if unknown:
            parser.error(f"{option}: unknown source id(s) {unknown}; the sources are {sorted(known)}")
    # SIGTERM (a scheduler's stop, `timeout`, a CI cancel) ends the refresh as Ctrl-C does; while a run is under
    # way Dagster itself passes both on to the step as an interrupt.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.perf_counter()
    data_dir = data_dir_from_env()
    published = DataPaths(data_dir).published
    before = publication_of(published) if published.exists() else None
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    terminal = sys.stderr.isatty()
    outcome = refresh(
        data_dir,
        instance=instance,
        progress=terminal,
        accept_shrink=frozenset(arguments.accept_shrink),
        accept_older=frozenset(arguments.accept_older),
    )
    if terminal:
        sys.stderr.write("\r\033[K")
    seconds = time.perf_counter() - started
    if outcome.stopped:
        log = write_log(outcome, instance, DataPaths(data_dir).root / "logs")
        print(
            f"refresh stopped on request after {seconds:.1f} s; nothing was published "
            f"and the published marts are as they were\nfull log: {log}",
            file=sys.stderr,
        )
        report_to_webhook(outcome, data_dir)
        return outcome.exit_code
    for source_id, status, release, reason, facts in outcome.statuses():
        line = f"  {source_id:<22} {status:<8} release {release or '-':<22} {facts:>7} rows"
        print(line + (f"  ({masked_in(reason)})" if reason else ""))
    for number, result in enumerate(outcome.attempts, start=1):
        for line in failures(result):
            print(f"  attempt {number}: {masked_in(line)}", file=sys.stderr)
    log = write_log(outcome, instance, DataPaths(data_dir).root / "logs")
    if outcome.published and (line := publication_line(data_dir, before, publication_of(published))):
        print(line)
    if outcome.exit_code == EXIT_CURRENT:
        print(f"refresh succeeded in {seconds:.1f} s: every source current, published marts up to date")
    elif outcome.exit_code == EXIT_DEGRADED:
        print(f"refresh published in {seconds:.1f} s with stale or absent sources (see above)")
    else:
        print(f"refresh FAILED after {seconds:.1f} s; the published marts were left as they were", file=sys.stderr)
    print(f"full log: {log}")
    report_to_webhook(outcome, data_dir)
    return outcome.exit_code


def report_to_webhook(outcome: RefreshOutcome, data_dir: Path) -> None:
    """Send the refresh's report to `TRAFFICKING_NOTIFY_URL` unless every source is current (`pipelines.ops.notify`)."""
    url = notify_url_from_env()
    if not url or outcome.exit_code == EXIT_CURRENT:
        return
    word = {EXIT_DEGRADED: "degraded", EXIT_FAILED: "failed", EXIT_STOPPED: "stopped"}[outcome.exit_code]
    lines = [line for result in outcome.attempts for line in failures(result)]
    run_ids = [result.run_id for result in outcome.attempts]
    if problem := send(refresh_report(word, run_ids, data_dir, lines), url):
        print(problem, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
