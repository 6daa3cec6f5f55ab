"""The refresh as a service: backups of the kept publications and their restore, and the Dagster daemon run as in
production (`make daemon`), ticking the weekly schedule and stopping on SIGTERM.

The kept publications here are made by the real store (`PublicationStore.keep`) from small DuckDB files the test
writes; their figures are invented and nothing checks them: what is checked is that every byte comes back.
"""

import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster._core.remote_origin import (
    ManagedGrpcPythonEnvCodeLocationOrigin,
    RemoteInstigatorOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    ScheduleInstigatorData,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from core.settings import DataPaths
from pipelines.ops.schedules import WEEKLY_CRON, weekly_refresh
from publications.store import Publication, PublicationStore, publication_id, publication_of

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
"""What the SIGTERM tests measured (seconds until every process ended), for the README."""


def _keep(store: PublicationStore, scratch: Path, published_at: str, figure: int) -> Publication:
    """One kept publication of a small published file, kept as publication keeps a new one."""
    content_hash = hashlib.sha256(f"{published_at}:{figure}".encode()).hexdigest()
    entry = Publication(
        publication_id=publication_id(published_at, content_hash),
        published_at=published_at,
        content_hash=content_hash,
        run_id=f"run-{figure}",
        code_version={"git_commit": "test", "dirty": False},
        sources=[],
    )
    tables = {
        "publication": pl.DataFrame([{"publication_id": entry.publication_id, "published_at": published_at,
                                      "content_hash": content_hash, "run_id": entry.run_id}]),
        "fact_indicator": pl.DataFrame({"geo": ["NOR"], "year": [2024], "value": [float(figure)]}),
    }  # fmt: skip
    database = scratch / f"{entry.publication_id}.duckdb"
    with duckdb.connect(str(database)) as connection:
        for name, frame in tables.items():
            connection.register("frame", frame)
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            connection.unregister("frame")
    return store.keep(database, entry, tables)


@pytest.fixture
def kept(tmp_path) -> DataPaths:
    """A data dir with two kept publications (the second published) and a pack made from the first."""
    paths = DataPaths(tmp_path / "data")
    store = PublicationStore(paths)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    first = _keep(store, scratch, "2026-11-02T05:00:00+00:00", 41)
    second = _keep(store, scratch, "2026-11-09T05:00:00+00:00", 43)
    store.restore(second)
    store.record_export(first.publication_id, "Eksport for NIM")
    return paths


def _digests(paths: DataPaths) -> dict[str, str]:
    root = paths.publications
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _publications(paths: DataPaths, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "publications", *arguments],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TRAFFICKING_DATA_DIR": str(paths.root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _backup(paths: DataPaths, destination: Path) -> Path:
    made = _publications(paths, "backup", str(destination))
    assert made.returncode == 0, made.stderr
    (folder,) = destination.iterdir()
    assert str(folder) in made.stdout and "2 kept publication(s)" in made.stdout
    return folder


def test_a_restore_from_a_backup_brings_back_every_kept_publication_byte_identical(kept, tmp_path):
    before, held = _digests(kept), publication_of(kept.published)["publication_id"]
    folder = _backup(kept, tmp_path / "backups")
    shutil.rmtree(kept.root)  # the disk is lost
    restored = _publications(kept, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert _digests(kept) == before, "every kept file, the catalogue and the export log as they were"
    assert publication_of(kept.published)["publication_id"] == held, "the published file holds the current one"
    listed = _publications(kept, "list")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 2


def test_a_second_backup_links_what_the_first_holds_and_each_restores_whole(kept, tmp_path):
    before = _digests(kept)
    first = _backup(kept, tmp_path / "first")
    time.sleep(1.1)  # a backup folder is named by its second
    shutil.copytree(first, tmp_path / "backups" / first.name)
    second = _publications(kept, "backup", str(tmp_path / "backups"))
    assert second.returncode == 0, second.stderr
    (newer,) = (folder for folder in (tmp_path / "backups").iterdir() if folder.name != first.name)
    database = next(path.relative_to(first) for path in first.rglob("*.duckdb"))
    linked = tmp_path / "backups" / first.name / database
    assert (newer / database).stat().st_ino == linked.stat().st_ino, "an unchanged kept file costs no second copy"
    for backup in (first, newer):
        shutil.rmtree(kept.root)
        assert _publications(kept, "restore", str(backup)).returncode == 0
        assert _digests(kept) == before


def test_a_damaged_kept_publication_is_replaced_and_an_intact_one_left_alone(kept, tmp_path):
    before = _digests(kept)
    folder = _backup(kept, tmp_path / "backups")
    damaged = kept.publications / next(name for name in before if name.endswith("fact_indicator.csv"))
    damaged.write_text("geo,year,value\nNOR,2024,999\n", encoding="utf-8")
    restored = _publications(kept, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert _digests(kept) == before
    assert "replaced (it differed from the backup)" in restored.stdout and "already kept, identical" in restored.stdout


def test_a_damaged_backup_is_refused_naming_the_file_and_changes_nothing(kept, tmp_path):
    folder = _backup(kept, tmp_path / "backups")
    victim = next(path for path in sorted(folder.rglob("*.parquet")))
    victim.write_bytes(victim.read_bytes()[:-1] + bytes([victim.read_bytes()[-1] ^ 1]))
    before = _digests(kept)
    restored = _publications(kept, "restore", str(folder))
    assert restored.returncode == 1 and "Traceback" not in restored.stderr
    assert "is damaged" in restored.stderr and str(victim) in restored.stderr
    assert _digests(kept) == before


def test_a_backup_of_nothing_and_a_folder_that_is_no_backup_are_said_in_a_sentence(tmp_path):
    empty = DataPaths(tmp_path / "empty")
    nothing = _publications(empty, "backup", str(tmp_path / "backups"))
    assert nothing.returncode == 1 and "nothing to back up" in nothing.stderr and "Traceback" not in nothing.stderr
    not_a_backup = _publications(empty, "restore", str(tmp_path))
    assert not_a_backup.returncode == 1 and "is not a backup" in not_a_backup.stderr
    assert "Traceback" not in not_a_backup.stderr


WEEK = 7 * 24 * 3600
STOP_SECONDS = 30
"""How long Dagster's processes and make may take to end after a SIGTERM to make (a few seconds on a quiet machine;
this one is shared by several test runs at once)."""


def _weekly_schedule_started_long_ago(instance: dg.DagsterInstance) -> None:
    """The weekly schedule's state as if it had been turned on eight days ago (instance API): the daemon owes it one
    tick at once, instead of at the next Monday 05:00."""
    location = ManagedGrpcPythonEnvCodeLocationOrigin(
        LoadableTargetOrigin(executable_path=sys.executable, module_name="pipelines.definitions",
                             working_directory=str(REPO)),
        location_name="trafficking",
    )  # fmt: skip
    origin = RemoteInstigatorOrigin(RemoteRepositoryOrigin(location, "__repository__"), weekly_refresh.name)
    data = ScheduleInstigatorData(WEEKLY_CRON, start_timestamp=time.time() - 8 * 24 * 3600)
    instance.add_instigator_state(InstigatorState(origin, InstigatorType.SCHEDULE, InstigatorStatus.RUNNING, data))


def _held_queue_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the service's instance config, its run queue held (no run starts): the tick's refresh
    waits in the queue instead of running."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = (REPO / "pipelines" / "ops" / "dagster.yaml").read_text(encoding="utf-8")
    held = config.replace("max_concurrent_runs: 1", "max_concurrent_runs: 0")
    assert held != config
    (home / "dagster.yaml").write_text(held, encoding="utf-8")
    return home


def _scheduled_runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="refresh", tags={"dagster/schedule_name": "weekly_refresh"}))
    return list(runs)


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_a_background_job() -> None:
    """Start as a shell's background job starts (a script's `make dev &`): with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.slow
@pytest.mark.parametrize("target", ["daemon", "dev"])
def test_make_daemon_and_dev_tick_the_weekly_schedule_and_stop_on_sigterm(tmp_path, target):
    home = _held_queue_home(tmp_path)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        _weekly_schedule_started_long_ago(instance)
    nowhere = tmp_path / "no_mirror"
    nowhere.mkdir()  # the sensors find no release anywhere, fast: this test is about the schedule
    environment = {**os.environ, "TRAFFICKING_DATA_DIR": str(tmp_path / "data"), "TRAFFICKING_MIRROR": str(nowhere),
                   "TRAFFICKING_DOWNLOAD_RETRIES": "0"}  # fmt: skip
    # `-o .venv/.installed`: the shared environment is installed; make must not reinstall it for this test
    port = _free_port()
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", target, f"DAGSTER_HOME={home}",
               f"DAGSTER_PORT={port}"]  # fmt: skip
    with open(tmp_path / "daemon.log", "w") as log:
        make = subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_as_a_background_job)  # fmt: skip
    try:
        queued = [dg.DagsterRunStatus.QUEUED]
        ticked = _wait(lambda: [run.status for run in _scheduled_runs(home)] == queued, 180)
        assert ticked, (
            "one refresh of the schedule, waiting in the (held) queue\n" + (tmp_path / "daemon.log").read_text()[-3000:]
        )
        if target == "dev":  # stopped once up: a webserver stopped while it loads leaves its code server to end on
            # its own when its heartbeats stop (45 s later), as Dagster designs it
            assert _wait(lambda: _answers(f"http://127.0.0.1:{port}/server_info"), 180), "the UI answers"
        stopped_at = time.monotonic()
        make.send_signal(signal.SIGTERM)
        make.wait(timeout=STOP_SECONDS)
        assert _wait(lambda: not _group_alive(make.pid), STOP_SECONDS - (time.monotonic() - stopped_at)), (
            "make, the daemon and its code server all end"
        )
        stopped = time.monotonic() - stopped_at
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"sigterm_make_{target}.json").write_text(json.dumps({"seconds_to_stop": round(stopped, 1)}))
        log = (tmp_path / "daemon.log").read_text()
        assert "Daemon threads shut down" in log and "Traceback" not in log, log[-3000:]
    finally:
        if _group_alive(make.pid):
            os.killpg(make.pid, signal.SIGKILL)


INSTALLED = "/opt/trafficking"
"""Where deploy/README.md has the repository checked out on the server."""


def _units() -> dict[str, dict[str, str]]:
    """Each unit file of deploy/: its `Key=value` lines (the last of each key)."""
    units = {}
    for path in sorted((REPO / "deploy").glob("*.service")):
        lines = [line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line]
        units[path.name] = {key.strip(): value.strip() for key, value in lines if not key.startswith("#")}
    return units


def test_every_unit_runs_a_program_and_files_of_this_repository_from_its_checkout():
    units = _units()
    assert {"trafficking-dagster-daemon.service", "trafficking-dagster-webserver.service",
            "trafficking-dashboard@.service", "trafficking-backup.service"} <= set(units)  # fmt: skip
    for name, unit in units.items():
        assert unit["WorkingDirectory"] == INSTALLED, name
        assert unit["EnvironmentFile"] == "/etc/trafficking/trafficking.env", name
        program, *arguments = unit["ExecStart"].split()
        assert program.startswith(f"{INSTALLED}/.venv/bin/"), name
        assert (REPO / program.removeprefix(f"{INSTALLED}/")).exists(), f"{name}: {program}"
        for argument in arguments:
            if argument.endswith((".py", ".yaml")):
                assert (REPO / argument).is_file(), f"{name}: {argument}"
        if "-m" in arguments:
            module = arguments[arguments.index("-m") + 1]
            assert importlib.util.find_spec(module) is not None, f"{name}: {module}"
    assert "--server.address 127.0.0.1" in units["trafficking-dashboard@.service"]["ExecStart"]
    assert "-h 127.0.0.1" in units["trafficking-dagster-webserver.service"]["ExecStart"]


def test_the_settings_file_names_the_data_dir_and_the_instance_and_no_secret():
    settings = dict(
        line.split("=", 1)
        for line in (REPO / "deploy" / "trafficking.env").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert {"TRAFFICKING_DATA_DIR", "DAGSTER_HOME", "PYTHONPATH"} <= set(settings)
    assert settings["PYTHONPATH"] == INSTALLED and settings["TRAFFICKING_NOTIFY_URL"] == ""
