"""Sensors republish only on a changed checksum; freshness warns when a source is overdue."""

import hashlib
import http.server
import json
import shutil
import threading
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pytest
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.utils import make_new_run_id
from dagster._utils.schedules import cron_string_iterator
from ssb_fake import FakeSsb, serve

from core.settings import CURATED_DIR
from core.sources import of_kind
from pipelines.curated import CuratedFiles
from pipelines.download import Downloader, RemoteFile
from pipelines.ops.freshness import overdue_by, release_date
from pipelines.ops.schedules import weekly_refresh
from pipelines.ops.sensors import curated_files_sensor, new_release_sensor
from pipelines.register import RegisterMismatch, remote_file
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
    shutil.copytree(mirror / "worldbank", site / "worldbank")
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


def test_every_downloaded_source_of_the_register_has_its_file_and_no_other_source_has_one():
    downloaded = [entry.source_id for entry in of_kind("download")]
    assert downloaded, "the register lists downloaded sources"
    for source_id in downloaded:
        remote = remote_file(source_id)
        assert isinstance(remote, RemoteFile) and remote.source_id == source_id
    for entry in of_kind("curated"):
        with pytest.raises(RegisterMismatch, match=entry.source_id):
            remote_file(entry.source_id)
    with pytest.raises(RegisterMismatch, match=r"no module pipelines\.sources\.no_such_source\.assets"):
        remote_file("no_such_source")


def test_release_sensor_watches_the_world_bank_file(tmp_path, mirror, instance):
    site, resources = _release_site(tmp_path, mirror)
    first = _evaluate(new_release_sensor, None, instance, **resources)
    assert "worldbank_population" in first.cursor
    population = site / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2.csv"
    population.write_bytes(population.read_bytes() + b"\n")
    changed = _evaluate(new_release_sensor, first.cursor, instance, **resources)
    assert [request.tags["changed"] for request in changed.run_requests] == ["worldbank_population"]


@pytest.fixture
def ssb_api():
    """The SSB stand-in on 127.0.0.1 (`ssb_fake`, invented tables) and its API base."""
    fake = FakeSsb()
    server, base = serve(fake)
    yield fake, base
    server.shutdown()
    server.server_close()


def test_release_sensor_watches_ssb_tables_updated_time_from_their_metadata_only(tmp_path, mirror, instance, ssb_api):
    fake, base = ssb_api
    _, resources = _release_site(tmp_path, mirror)
    resources["downloader"] = Downloader(mirror=resources["downloader"].mirror, starts={"ssb": base}, retries=0)
    first = _evaluate(new_release_sensor, None, instance, **resources)
    assert not first.run_requests and '"ssb"' in first.cursor
    unchanged = _evaluate(new_release_sensor, first.cursor, instance, **resources)
    assert not unchanged.run_requests, "the same updated times: nothing to refresh"
    fake.tables["08484"].updated = "2031-03-14T08:00:00Z"
    changed = _evaluate(new_release_sensor, unchanged.cursor, instance, **resources)
    assert [request.tags["changed"] for request in changed.run_requests] == ["ssb"]
    asked = {request[2].split("?")[0].rsplit("/", 1)[-1] for request in fake.requests}
    assert asked == {"metadata"}, "only the tables' metadata is asked, never their data or the search"


def test_a_table_that_does_not_answer_keeps_the_time_seen_before(tmp_path, mirror, instance, ssb_api):
    fake, base = ssb_api
    _, resources = _release_site(tmp_path, mirror)
    resources["downloader"] = Downloader(mirror=resources["downloader"].mirror, starts={"ssb": base}, retries=0)
    first = _evaluate(new_release_sensor, None, instance, **resources)
    fake.fail_always[("GET", "/api/pxwebapi/v2/tables/09405/metadata")] = (404, {})
    unanswered = _evaluate(new_release_sensor, first.cursor, instance, **resources)
    assert not unanswered.run_requests, "a table that did not answer is no new release"


def test_a_source_watched_for_the_first_time_is_recorded_and_starts_nothing(tmp_path, mirror, instance):
    """A cursor from before the World Bank was watched: its first look at the file is no new release."""
    _, resources = _release_site(tmp_path, mirror)
    first = _evaluate(new_release_sensor, None, instance, **resources)
    older = {name: entry for name, entry in json.loads(first.cursor).items() if name != "worldbank_population"}
    later = _evaluate(new_release_sensor, json.dumps(older), instance, **resources)
    assert not later.run_requests
    assert "worldbank_population" in json.loads(later.cursor)


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
    _enqueue_refresh(dev_instance)
    kom = next((curated / "kom").glob("*.csv"))
    kom.write_text(kom.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = _evaluate(curated_files_sensor, first_curated.cursor, dev_instance, **resources)
    assert not edited.run_requests
    assert "a refresh waiting in the queue" in edited.skip_reason.skip_message


def _enqueue_refresh(instance: dg.DagsterInstance) -> None:
    """A refresh someone launched, enqueued as the queued coordinator's submit_run does."""
    run = dg.DagsterRun(job_name="refresh", run_id=make_new_run_id(), remote_job_origin=REFRESH_ORIGIN)
    instance.add_run(run)
    instance.report_dagster_event(dg.DagsterEvent.job_enqueue(run), run_id=run.run_id)
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.QUEUED


def test_the_definitions_refresh_every_monday_at_five_in_oslo_summer_time_or_not():
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def("weekly_refresh")
    assert schedule.job_name == "refresh" and schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    start = datetime(2026, 3, 20, tzinfo=UTC).timestamp()  # Oslo moves to summer time on 29 March 2026
    ticks = list(islice(cron_string_iterator(start, schedule.cron_schedule, schedule.execution_timezone), 3))
    assert [tick.astimezone(UTC).strftime("%a %Y-%m-%d %H:%M") for tick in ticks] == [
        "Mon 2026-03-23 04:00",
        "Mon 2026-03-30 03:00",
        "Mon 2026-04-06 03:00",
    ]


def test_the_weekly_refresh_asks_for_a_run_unless_one_waits_in_the_queue(dev_instance):
    with dg.build_schedule_context(instance=dev_instance, scheduled_execution_time=datetime.now(UTC)) as context:
        assert isinstance(weekly_refresh(context), dg.RunRequest)
        _enqueue_refresh(dev_instance)
        skipped = weekly_refresh(context)
    assert isinstance(skipped, dg.SkipReason) and "waiting in the queue" in skipped.skip_message


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
    for folder in ("iom", "worldbank"):
        files |= {
            f"/{path.relative_to(mirror).as_posix()}": path.read_bytes() for path in (mirror / folder).glob("*.csv")
        }
    handler = type("Handler", (_ValidatingPublisher,), {"files": files, "full_answers": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        resources = {"downloader": Downloader(mirror=base), "warehouse": Warehouse(data_dir=str(tmp_path / "data"))}
        first = _evaluate(new_release_sensor, None, instance, **resources)
        assert not first.run_requests and len(handler.full_answers) == 3, "a first look downloads and records"
        second = _evaluate(new_release_sensor, first.cursor, instance, **resources)
        assert not second.run_requests
        assert len(handler.full_answers) == 3, "every file answered 304: nothing downloaded again"
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
