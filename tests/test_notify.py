"""A refresh that did not end with every source current is reported to the webhook, received on 127.0.0.1."""

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import pytest

from pipelines.ops.notify import degraded_refresh_report
from pipelines.refresh import EXIT_DEGRADED, run_refresh_in
from pipelines.resources import build_resources

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def receiver():
    """A webhook on 127.0.0.1 that keeps every JSON body posted to it; yields (address, the bodies)."""
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def assert_reports_ssb_absent(report: dict, data_dir: Path) -> None:
    """The mirror holds no SSB tables: the report says degraded and names SSB with its reason."""
    assert report["outcome"] == "degraded" and report["data_dir"] == str(data_dir)
    (ssb,) = [source for source in report["sources_not_current"] if source["source_id"] == "ssb"]
    assert ssb["status"] == "absent" and "no SSB tables" in ssb["reason"]
    assert report["published_publication"] and report["run_ids"]


@pytest.mark.refresh
def test_the_command_reports_a_degraded_refresh_to_the_webhook(mirror, receiver, tmp_path):
    address, received = receiver
    environment = {**os.environ, "PYTHONPATH": str(REPO), "TRAFFICKING_DATA_DIR": str(tmp_path / "data"),
                   "TRAFFICKING_MIRROR": str(mirror), "TRAFFICKING_NOTIFY_URL": address}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.refresh"], cwd=REPO, env=environment, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == EXIT_DEGRADED, done.stderr[-2000:]
    (report,) = received
    assert_reports_ssb_absent(report, tmp_path / "data")


@pytest.mark.refresh
def test_under_the_daemon_a_refresh_run_is_reported_by_its_sensor(mirror, receiver, tmp_path, monkeypatch):
    """A refresh run however started (a sensor's, the UI's): the run-status sensor sends the same report."""
    address, received = receiver
    monkeypatch.setenv("TRAFFICKING_NOTIFY_URL", address)
    instance = dg.DagsterInstance.ephemeral()
    result = run_refresh_in(tmp_path / "data", str(mirror), instance=instance)
    assert result.success
    success = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.RUN_SUCCESS)
    context = dg.build_run_status_sensor_context(
        sensor_name="degraded_refresh_report",
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        dagster_event=success,
        resources={"warehouse": build_resources(tmp_path / "data")["warehouse"]},
    )
    said = degraded_refresh_report(context)
    (report,) = received
    assert_reports_ssb_absent(report, tmp_path / "data")
    assert "reported the degraded refresh" in said.skip_message
