"""Benchmark: a full refresh from the mirror, next to the floor of reading the raw files alone.

    make bench            # or: PYTHONPATH=. .venv/bin/python benchmarks/bench.py [--repeat 3]

The floor reads each mirrored upstream file into memory with the fastest plain reader (fastexcel
for the workbook, polars for CSV) and does nothing else; the refresh is the real `refresh` job
(download from the mirror, parse, harmonise, check, build marts, publish) into a fresh data dir.
Prints medians in seconds as a Markdown table for the README, then where one refresh spends its
time: Dagster's own run stats per step (the slowest steps, the rest together, and the run's time
outside any step).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import fastexcel
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_ctdc import ctdc_timings, median_seconds  # noqa: E402 - beside this file

from pipelines.refresh import failures, run_refresh_in  # noqa: E402

MIRROR = REPO.parent / "shared" / "data"


def read_raw_files() -> None:
    """The floor: every mirrored input read once, nothing else done."""
    fastexcel.read_excel(MIRROR / "unodc" / "data_glotip.xlsx").load_sheet(0, dtypes="string").to_polars()
    for path in sorted((MIRROR / "iom").glob("*.csv")) + sorted((MIRROR / "worldbank").glob("*.csv")):
        pl.read_csv(
            path, infer_schema=False, skip_rows=4 if "worldbank" in str(path) else 0, truncate_ragged_lines=True
        )


def full_refresh() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        result = run_refresh_in(Path(data_dir), str(MIRROR))
        if not result.success:
            raise SystemExit("refresh failed:\n" + "\n".join(failures(result)))


def trivial_job(steps: int) -> dg.JobDefinition:
    """A job of `steps` assets that do nothing, each reading the one before: Dagster's own cost per step."""

    def make(index: int) -> dg.AssetsDefinition:
        deps = [f"step_{index - 1}"] if index else []

        @dg.asset(name=f"step_{index}", deps=deps)
        def _step() -> int:
            return index

        return _step

    defs = dg.Definitions(assets=[make(index) for index in range(steps)], resources={"io_manager": dg.mem_io_manager})
    return defs.resolve_implicit_global_asset_job_def()


def dagster_floor(steps: int) -> float:
    """Seconds for an in-process run of `steps` steps that do nothing, with an ephemeral instance."""
    job = trivial_job(steps)
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), run_config=quiet)  # warm
    started = time.perf_counter()
    job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), run_config=quiet)
    return time.perf_counter() - started


def step_seconds() -> tuple[list[tuple[str, float]], float]:
    """One refresh's steps by Dagster's run stats, slowest first, and the run's wall time."""
    instance = dg.DagsterInstance.ephemeral()
    with tempfile.TemporaryDirectory() as data_dir:
        started = time.perf_counter()
        result = run_refresh_in(Path(data_dir), str(MIRROR), instance=instance)
        wall = time.perf_counter() - started
    stats = instance.get_run_step_stats(result.run_id)
    steps = [(stat.step_key, stat.end_time - stat.start_time) for stat in stats]
    return sorted(steps, key=lambda step: -step[1]), wall


def print_steps(shown: int = 8) -> None:
    steps, wall = step_seconds()
    in_steps = sum(seconds for _, seconds in steps)
    print(f"\n| where one refresh's {wall:.2f} s go (Dagster run stats) | s |\n|---|---|")
    for step, seconds in steps[:shown]:
        print(f"| step `{step}` | {seconds:.2f} |")
    rest = steps[shown:]
    print(f"| the other {len(rest)} steps (assets and checks) | {sum(seconds for _, seconds in rest):.2f} |")
    print(f"| outside any step (run start, planning, events) | {wall - in_steps:.2f} |")
    print(f"| for scale: a job of {len(steps)} steps that do nothing | {dagster_floor(len(steps)):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    floor = median_seconds(read_raw_files, repeat)
    refresh = median_seconds(full_refresh, repeat)
    print(f"| step | median of {repeat} (s) |\n|---|---|")
    print(f"| read the raw files alone (floor) | {floor:.2f} |")
    print(f"| full refresh (download from mirror → publish) | {refresh:.2f} |")
    print(f"| refresh / floor | {refresh / floor:.1f}× |")
    for step, seconds in ctdc_timings(repeat).items():
        print(f"| {step} | {seconds:.2f} |")
    print_steps()


if __name__ == "__main__":
    main()
