"""Refresh everything from the command line: `python -m pipelines.refresh`.

Runs the `refresh` job in this process (the same job the schedule and the Dagster UI run) and
exits non-zero, naming the failed step and its error, if anything fails. The published marts are
only replaced when every step and every blocking check has passed.
"""

import os
import re
import sys
import time
from pathlib import Path

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from pipelines.definitions import defs
from pipelines.resources import build_resources

QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""Console logging for the command line: warnings and errors, not every step's debug events."""


def run_refresh(instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    """The refresh job with the resources the environment names."""
    return _execute(instance, None)


def _execute(instance: dg.DagsterInstance | None, resources: dict | None) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def("refresh")
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        resources=resources,
        run_config=QUIET_LOGS,
        raise_on_error=False,
    )


def run_refresh_in(
    data_dir: Path, mirror: str, curated_dir: Path | None = None, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    """The refresh job writing to `data_dir`, downloading from `mirror` ("" for the official addresses).

    `curated_dir` replaces the repository's `data/raw/` (the curated KOM and ILO files).
    """
    return _execute(instance, build_resources(data_dir, mirror, curated_dir))


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per failed step or failed blocking check: the step and the error message."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error is not None:
            lines.append(f"{event.step_key}: {root_cause(event.step_failure_data.error)}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                check = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
                lines.append(f"check {check} failed: {evaluation.description}")
    return lines


def root_cause(error: SerializableErrorInfo) -> str:
    """The first error below Dagster's wrappers: the project's own, naming the file, row or label."""
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    message = error.message.strip()
    qualified = re.match(rf"^[\w.]*\b{re.escape(error.cls_name or '')}: ", message) if error.cls_name else None
    return message[qualified.end() :] if qualified else message


def main() -> int:
    started = time.perf_counter()
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    result = run_refresh(instance)
    seconds = time.perf_counter() - started
    if result.success:
        print(f"refresh succeeded in {seconds:.1f} s; published marts replaced")
        return 0
    print(f"refresh FAILED after {seconds:.1f} s; the published marts were left as they were", file=sys.stderr)
    for line in failures(result):
        print(f"  {line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
