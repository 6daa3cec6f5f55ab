"""Sensors republish only on a changed checksum; freshness warns when a source is overdue."""

import shutil

import dagster as dg

from pipelines.curated import CuratedFiles
from pipelines.download import Downloader
from pipelines.ops.freshness import overdue_by
from pipelines.ops.sensors import curated_files_sensor, new_release_sensor
from pipelines.settings import CURATED_DIR
from pipelines.warehouse import Warehouse


def _evaluate(sensor, cursor, **resources):
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        return sensor(context)


def test_release_sensor_refreshes_once_per_new_checksum(tmp_path, mirror):
    site = tmp_path / "mirror"
    shutil.copytree(mirror / "unodc", site / "unodc")
    shutil.copytree(mirror / "iom", site / "iom")
    resources = {"downloader": Downloader(mirror=str(site)), "warehouse": Warehouse(data_dir=str(tmp_path / "data"))}

    first = _evaluate(new_release_sensor, None, **resources)
    assert len(first.run_requests) == 1
    unchanged = _evaluate(new_release_sensor, first.cursor, **resources)
    assert not unchanged.run_requests

    workbook = site / "unodc" / "data_glotip.xlsx"
    shutil.copy(mirror / "unodc" / "data_glotip.xlsx", workbook)
    with open(workbook, "ab") as stream:  # a new release: different bytes, still a valid workbook
        stream.write(b"\0")
    changed = _evaluate(new_release_sensor, unchanged.cursor, **resources)
    assert len(changed.run_requests) == 1
    assert changed.run_requests[0].tags["changed"] == "unodc_glotip"


def test_curated_sensor_refreshes_on_an_edit(tmp_path):
    curated = tmp_path / "raw"
    shutil.copytree(CURATED_DIR, curated)
    resources = {"curated": CuratedFiles(directory=str(curated))}
    first = _evaluate(curated_files_sensor, None, **resources)
    assert len(first.run_requests) == 1
    assert not _evaluate(curated_files_sensor, first.cursor, **resources).run_requests
    kom = next((curated / "kom").glob("*.csv"))
    kom.write_text(kom.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = _evaluate(curated_files_sensor, first.cursor, **resources)
    assert len(edited.run_requests) == 1 and "kom/" in edited.run_requests[0].tags["changed"]


def test_overdue_by_counts_years_past_the_cadence():
    assert overdue_by(2021, 3, 2024) == 0
    assert overdue_by(2021, 3, 2026) == 2
    assert overdue_by(None, 3, 2026) == 4
