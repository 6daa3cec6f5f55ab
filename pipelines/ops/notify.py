"""Reports to a webhook when a refresh did not end with every source current, so nobody has to look to hear of it.

`TRAFFICKING_NOTIFY_URL` names the webhook (a chat's incoming webhook, a monitoring system); unset, nothing is
sent. The report is one JSON object: `outcome` (`degraded`: published with sources stale or absent; `failed`:
nothing published; `stopped`: a stop request ended it), the runs, the data dir, the publication the published
file holds, each source not current with its status, release and reason, and the failures. The command line
(`python -m pipelines.refresh`) sends it at its end; under the Dagster daemon (`make dev`) the sensors here send
it for every refresh run, whatever started it. Sending never fails the refresh: a webhook that cannot be reached
is said in the log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import requests

from core.settings import DataPaths, notify_url_from_env
from core.urls import masked
from pipelines.download import http_session
from pipelines.ops.jobs import refresh_job
from pipelines.warehouse import Warehouse

TIMEOUT_SECONDS = 10


def sources_not_current(published: Path) -> tuple[str | None, list[dict]]:
    """(the publication the published file holds, every source in it not current: id, status, release, reason)."""
    if not published.exists():
        return None, []
    with duckdb.connect(str(published), read_only=True) as connection:
        rows = connection.execute(
            "SELECT source_id, status, release, reason FROM source_status WHERE status <> 'current' ORDER BY 1"
        ).fetchall()
        publication = connection.execute("SELECT publication_id FROM publication").fetchone()
    return (publication[0] if publication else None), [
        {"source_id": source_id, "status": status, "release": release, "reason": reason}
        for source_id, status, release, reason in rows
    ]


def refresh_report(outcome: str, run_ids: list[str], data_dir: Path, failures: list[str]) -> dict:
    """The JSON a webhook gets about one refresh."""
    publication, sources = sources_not_current(DataPaths(data_dir).published)
    return {
        "kind": "trafficking-statistics refresh",
        "outcome": outcome,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_ids": run_ids,
        "data_dir": str(data_dir),
        "published_publication": publication,
        "sources_not_current": sources if outcome != "failed" else [],
        "failures": failures,
    }


def send(report: dict, url: str) -> str | None:
    """POST `report` to `url`; None when the webhook took it, else a sentence saying why not (never raises)."""
    try:
        answer = http_session(retries=2, backoff_seconds=1, methods=("POST",)).post(
            url, data=json.dumps(report), headers={"Content-Type": "application/json"}, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        return f"the refresh report could not be sent to {masked(url, path=False)}: {type(error).__name__}"
    if answer.status_code >= 400:
        return f"the refresh report was refused by {masked(url, path=False)}: HTTP {answer.status_code}"
    return None


def _report_run(
    context: dg.RunStatusSensorContext, warehouse: Warehouse, outcome: str, failures: list[str]
) -> dg.SkipReason:
    url = notify_url_from_env()
    if not url:
        return dg.SkipReason("no webhook set (TRAFFICKING_NOTIFY_URL)")
    data_dir = Path(warehouse.data_dir)
    report = refresh_report(outcome, [context.dagster_run.run_id], data_dir, failures)
    if outcome == "degraded" and not report["sources_not_current"]:
        return dg.SkipReason("every source current: nothing to report")
    problem = send(report, url)
    if problem:
        context.log.warning(problem)
    return dg.SkipReason(problem or f"reported the {outcome} refresh to the webhook")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[refresh_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def degraded_refresh_report(context: dg.RunStatusSensorContext, warehouse: Warehouse) -> dg.SkipReason:
    """A refresh that published with a source stale or absent, reported to the webhook."""
    return _report_run(context, warehouse, "degraded", [])


@dg.run_failure_sensor(
    monitored_jobs=[refresh_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def failed_refresh_report(context: dg.RunFailureSensorContext, warehouse: Warehouse) -> dg.SkipReason:
    """A refresh that published nothing, reported to the webhook with what failed (the degrade sensor may then
    request one with the failed sources pinned; that run is reported in its turn)."""
    failures = [f"{event.step_key}: {event.message}" for event in context.get_step_failure_events()]
    return _report_run(context, warehouse, "failed", failures or [context.failure_event.message or "the run failed"])
