"""Publication: two refreshes of the same inputs publish the same content, and readers never see a half-written file."""

import json
import os
import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from core.lock import hold_refresh_lock
from core.settings import CURATED_DIR, DataPaths
from pipelines.definitions import all_assets, all_checks
from pipelines.refresh import EXIT_FAILED, failures, refresh, run_refresh_in
from pipelines.resources import build_resources

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _content_hash(path: Path) -> str:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute("SELECT content_hash FROM publication").fetchall()[0][0]
    finally:
        connection.close()


def _version(path: Path) -> tuple[str, int, int]:
    """What one read sees: the publication's hash and two tables' row counts, from one connection."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        content_hash = connection.execute("SELECT content_hash FROM publication").fetchall()[0][0]
        facts = connection.execute("SELECT count(*) FROM fact_indicator").fetchall()[0][0]
        totals = connection.execute("SELECT count(*) FROM series_totals").fetchall()[0][0]
    finally:
        connection.close()
    return content_hash, facts, totals


@pytest.mark.refresh
def test_two_refreshes_of_the_same_inputs_publish_the_same_content(tmp_path, mirror, refreshed):
    """The session's refresh is the first; the second runs in a copy of its data dir (another path, which the
    content hash leaves out)."""
    data_dir = tmp_path / "data"
    shutil.copytree(refreshed.root, data_dir, symlinks=True)
    first = _content_hash(refreshed.published)
    assert run_refresh_in(data_dir, str(mirror)).success
    assert _content_hash(data_dir / "marts" / "trafficking.duckdb") == first


@pytest.mark.refresh
def test_reads_during_publish_see_the_old_or_the_new_complete_version(tmp_path, mirror, refreshed):
    data_dir = tmp_path / "data"
    shutil.copytree(refreshed.root, data_dir, symlinks=True)  # the first publication: the session's
    published = data_dir / "marts" / "trafficking.duckdb"
    old = _version(published)
    # New content for the second publication: the curated KOM file without its last figure.
    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    kom_file = curated / "kom" / "kom_figures.csv"
    lines = kom_file.read_text(encoding="utf-8").splitlines(keepends=True)
    kom_file.write_text("".join(lines[:-1]), encoding="utf-8")

    reads: list[tuple[str, int, int]] = []
    errors: list[str] = []
    stop = threading.Event()

    def read_in_a_loop() -> None:
        while not stop.is_set():
            try:
                reads.append(_version(published))
            except Exception as error:  # any failed read is what this test exists to catch
                errors.append(repr(error))

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        result = run_refresh_in(data_dir, str(mirror), curated_dir=curated)
        deadline = time.monotonic() + 10
        while len(reads) < 20 + reads.count(reads[0]) and time.monotonic() < deadline:
            time.sleep(0.05)  # let the reader go on into the new version for a while
    finally:
        stop.set()
        reader.join()

    assert result.success
    new = _version(published)
    assert new != old
    assert not errors, f"{len(errors)} of {len(reads) + len(errors)} reads failed: {errors[:3]}"
    assert len(reads) > 10, "the reader hardly ran"
    assert set(reads) <= {old, new}, f"a read saw a mixed version: {set(reads) - {old, new}}"
    assert reads.count(old) and reads.count(new), "the reader saw both the old and the new version"
    ARTIFACTS.mkdir(exist_ok=True)
    summary = {"reads": len(reads), "failed": len(errors), "old": reads.count(old), "new": reads.count(new)}
    (ARTIFACTS / "reads_during_publish.json").write_text(json.dumps(summary) + "\n")


def test_check_results_of_the_run_are_published_beside_the_figures(published):
    results = published.sql("SELECT * FROM asset_check_results").pl()
    blocking = results.filter(pl.col("severity") == "ERROR")
    assert blocking.height and blocking["passed"].all(), "a publication only happens when every blocking check passed"
    standard = set(results.filter(pl.col("asset_key") == "harmonised/facts_unodc_glotip")["check_name"].to_list())
    assert {"schema", "no_negative_counts", "unique_canonical_key", "known_codes", "source_freshness"} <= standard
    assert results["run_id"].n_unique() == 1


def test_every_check_of_the_job_ran_before_publication_and_the_standard_checks_passed(published):
    """The table holds one row per check of the refresh job, so no check ran after the publication step.

    With the in-process executor steps run in the order they became ready, and every checked asset
    is upstream of the publication, so each check step is queued before it.
    """
    from pipelines.definitions import defs

    results = published.sql("SELECT * FROM asset_check_results").pl()
    expected = {(key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    assert set(zip(results["asset_key"], results["check_name"], strict=True)) == expected
    assert results.height == len(expected), "one row per check evaluation"
    assert results.equals(results.sort("asset_key", "check_name")), "sorted"
    assert results["description"].str.len_chars().min() > 0, "every result says what it found"
    blocking_standard = ["schema", "no_negative_counts", "unique_canonical_key", "known_codes", "year_coverage"]
    facts_assets = sorted({key for key in results["asset_key"] if key.startswith("harmonised/facts_")})
    assert len(facts_assets) >= 4, facts_assets  # UNODC, CTDC, ILO, KOM
    for asset in facts_assets:
        rows = results.filter(pl.col("asset_key") == asset)
        passed = dict(zip(rows["check_name"], rows["passed"], strict=True))
        assert {*blocking_standard, "totals_against_parts"} <= set(passed), asset
        assert all(passed[name] for name in blocking_standard), f"{asset}: {passed}"
        severities = dict(zip(rows["check_name"], rows["severity"], strict=True))
        assert severities["totals_against_parts"] == "WARN" and severities["schema"] == "ERROR"


PUBLICATION = dg.AssetKey(["published", "trafficking_db"])


@pytest.mark.parametrize(
    ("selection", "named_missing"),
    [
        ([PUBLICATION], "raw/unodc_glotip"),
        ([dg.AssetKey(["marts", "series_totals"]), PUBLICATION], "harmonised/fact_indicator"),
    ],
    ids=["publication-alone", "one-mart-and-publication"],
)
def test_a_partial_run_does_not_publish(tmp_path, mirror, refreshed, selection, named_missing):
    """Materialised alone (as from the UI), publication refuses the older tables of the working warehouse."""
    data_dir = tmp_path / "data"
    shutil.copytree(refreshed.root, data_dir)
    published = data_dir / "marts" / "trafficking.duckdb"
    before = published.read_bytes()
    result = dg.materialize(
        [*all_assets, *all_checks],
        selection=selection,
        resources=build_resources(data_dir, str(mirror)),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = failures(result)
    assert failure.startswith("published__trafficking_db:")
    assert "not publishing: this run did not materialise" in failure
    assert f"{named_missing}," in failure and "Materialise the whole `refresh` job" in failure
    assert ("marts/series_totals" in failure) == (len(selection) == 1), "what this run did materialise is not named"
    assert published.read_bytes() == before


@pytest.mark.refresh
def test_a_second_refresh_on_the_same_data_dir_stops_at_once_naming_the_first(tmp_path, refreshed):
    data = DataPaths(tmp_path / "data")
    shutil.copytree(refreshed.root, data.root, symlinks=True)
    before = _content_hash(data.published)
    first = hold_refresh_lock(data)  # a refresh that is running
    try:
        outcome = refresh(data.root, str(tmp_path / "unused-mirror"))
    finally:
        first.close()
    assert outcome.exit_code == EXIT_FAILED and len(outcome.attempts) == 1
    lines = failures(outcome.attempts[0])
    assert any(f"a refresh is already running in {data.root} (process {os.getpid()}" in line for line in lines), lines
    assert _content_hash(data.published) == before


@pytest.mark.refresh
def test_what_a_killed_run_left_behind_is_removed_at_the_next_start(tmp_path, refreshed, mirror):
    data = DataPaths(tmp_path / "data")
    shutil.copytree(refreshed.root, data.root, symlinks=True)
    debris = [
        data.marts_dir / f".{data.published.name}.0123abcd.tmp",
        data.marts_dir / f".{data.published.name}.0123abcd.tmp.wal",
        data.downloads / "unodc" / ".data_glotip.xlsx.k2j3h4",
    ]
    for path in debris:
        path.write_bytes(b"half written")
    assert run_refresh_in(data.root, str(mirror)).success
    assert [path for path in debris if path.exists()] == []
