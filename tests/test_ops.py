"""Sensors republish only on a changed checksum; freshness warns when a source is overdue."""

import hashlib
import http.server
import shutil
import threading
from datetime import date
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pytest
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.utils import make_new_run_id

from core.settings import CURATED_DIR
from pipelines.curated import CuratedFiles
from pipelines.download import Downloader
from pipelines.ops.freshness import overdue_by, release_date
from pipelines.ops.sensors import curated_files_sensor, new_release_sensor
from pipelines.warehouse import Warehouse

DEV_INSTANCE_CONFIG = Path("pipelines/ops/dagster.yaml")
REFRESH_ORIGIN = RemoteJobOrigin(
    RemoteRepositoryOrigin(
        InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="pipelines.definitions")), "__repository__"
    ),
    "refresh",
)


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def dev_instance(tmp_path):
    """A persistent instance configured as `make dev` configures $DAGSTER_HOME."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEV_INSTANCE_CONFIG, home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def _evaluate(sensor, cursor, instance, **resources):
    with dg.build_sensor_context(cursor=cursor, instance=instance, resources=resources) as context:
        return sensor(context)


def _release_site(tmp_path: Path, mirror: Path) -> tuple[Path, dict]:
    """A copy of the watched releases as a mirror, and the release sensor's resources pointing at it."""
    site = tmp_path / "mirror"
    shutil.copytree(mirror / "unodc", site / "unodc")
    shutil.copytree(mirror / "iom", site / "iom")
    resources = {"downloader": Downloader(mirror=str(site)), "warehouse": Warehouse(data_dir=str(tmp_path / "data"))}
    return site, resources


def test_release_sensor_refreshes_once_per_new_checksum(tmp_path, mirror, instance):
    site, resources = _release_site(tmp_path, mirror)

    first = _evaluate(new_release_sensor, None, instance, **resources)
    assert not first.run_requests and "first look" in first.skip_reason.skip_message
    unchanged = _evaluate(new_release_sensor, first.cursor, instance, **resources)
    assert not unchanged.run_requests

    workbook = site / "unodc" / "data_glotip.xlsx"
    shutil.copy(mirror / "unodc" / "data_glotip.xlsx", workbook)
    with open(workbook, "ab") as stream:  # a new release: different bytes, still a valid workbook
        stream.write(b"\0")
    changed = _evaluate(new_release_sensor, unchanged.cursor, instance, **resources)
    assert len(changed.run_requests) == 1
    assert changed.run_requests[0].tags["changed"] == "unodc_glotip"


def test_curated_sensor_refreshes_on_an_edit(tmp_path, instance):
    curated = tmp_path / "raw"
    shutil.copytree(CURATED_DIR, curated)
    resources = {"curated": CuratedFiles(directory=str(curated))}
    first = _evaluate(curated_files_sensor, None, instance, **resources)
    assert not first.run_requests and "nothing started" in first.skip_reason.skip_message, "a first look starts nothing"
    assert not _evaluate(curated_files_sensor, first.cursor, instance, **resources).run_requests
    kom = next((curated / "kom").glob("*.csv"))
    kom.write_text(kom.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = _evaluate(curated_files_sensor, first.cursor, instance, **resources)
    assert len(edited.run_requests) == 1 and "kom/" in edited.run_requests[0].tags["changed"]


def test_dev_instance_starts_runs_one_at_a_time(dev_instance):
    assert isinstance(dev_instance.run_coordinator, dg.QueuedRunCoordinator)
    assert dev_instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_a_new_instance_starts_no_refresh_and_a_queued_one_is_not_doubled(tmp_path, mirror, dev_instance):
    """The first ticks of both sensors (a new instance) record what they see and start nothing; an edit while a
    refresh waits in the queue starts no second one (the queued run will read the edited file)."""
    _, releases = _release_site(tmp_path, mirror)
    first = _evaluate(new_release_sensor, None, dev_instance, **releases)
    curated = tmp_path / "raw"
    shutil.copytree(CURATED_DIR, curated)
    resources = {"curated": CuratedFiles(directory=str(curated))}
    first_curated = _evaluate(curated_files_sensor, None, dev_instance, **resources)
    assert not first.run_requests and not first_curated.run_requests, "nothing starts unasked on first start"
    assert first.cursor and first_curated.cursor, "what they saw is recorded"
    # A refresh someone launched, enqueued as the queued coordinator's submit_run does.
    run = dg.DagsterRun(job_name="refresh", run_id=make_new_run_id(), remote_job_origin=REFRESH_ORIGIN)
    dev_instance.add_run(run)
    dev_instance.report_dagster_event(dg.DagsterEvent.job_enqueue(run), run_id=run.run_id)
    assert dev_instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.QUEUED
    kom = next((curated / "kom").glob("*.csv"))
    kom.write_text(kom.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = _evaluate(curated_files_sensor, first_curated.cursor, dev_instance, **resources)
    assert not edited.run_requests
    assert "a refresh waiting in the queue" in edited.skip_reason.skip_message


def test_overdue_by_counts_years_past_the_cadence():
    assert overdue_by(2021, 3, 2024) == 0
    assert overdue_by(2021, 3, 2026) == 2
    assert overdue_by(None, 3, 2026) == 4


class _ValidatingPublisher(http.server.BaseHTTPRequestHandler):
    """Serves `files` (path -> bytes) with an ETag, answering 304 to a matching If-None-Match."""

    files: ClassVar[dict] = {}
    full_answers: ClassVar[list] = []

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.full_answers.append(self.path)
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_release_sensor_asks_whether_a_file_changed_instead_of_downloading_it_again(tmp_path, mirror, instance):
    files = {f"/{path.relative_to(mirror).as_posix()}": path.read_bytes() for path in (mirror / "unodc").glob("*.xlsx")}
    files |= {f"/{path.relative_to(mirror).as_posix()}": path.read_bytes() for path in (mirror / "iom").glob("*.csv")}
    handler = type("Handler", (_ValidatingPublisher,), {"files": files, "full_answers": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        resources = {"downloader": Downloader(mirror=base), "warehouse": Warehouse(data_dir=str(tmp_path / "data"))}
        first = _evaluate(new_release_sensor, None, instance, **resources)
        assert not first.run_requests and len(handler.full_answers) == 2, "a first look downloads and records"
        second = _evaluate(new_release_sensor, first.cursor, instance, **resources)
        assert not second.run_requests
        assert len(handler.full_answers) == 2, "both files answered 304: nothing downloaded again"
        files["/unodc/data_glotip.xlsx"] += b"\0"
        third = _evaluate(new_release_sensor, second.cursor, instance, **resources)
        assert third.run_requests[0].tags["changed"] == "unodc_glotip"
    finally:
        server.shutdown()
        server.server_close()


def test_a_release_is_dated_by_its_publisher_else_by_its_first_retrieval():
    assert release_date("2025-11", "2026-11-30T01:00:00+00:00") == date(2025, 11, 1)
    assert release_date("2024-06-03", None) == date(2024, 6, 3)
    assert release_date("sha256:b0d5fcedaef8", "2026-01-02T10:00:00+00:00") == date(2026, 1, 2)
    assert release_date(None, None) is None
