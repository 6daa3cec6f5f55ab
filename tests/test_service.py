"""The refresh as a service: backups of the kept publications and their restore, and the Dagster daemon run as in
production (`make daemon`), ticking the weekly schedule and stopping on SIGTERM.

The kept publications here are made by the real store (`PublicationStore.keep`) from small DuckDB files the test
writes; their figures are invented and nothing checks them: what is checked is that every byte comes back.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core.settings import DataPaths
from publications.store import Publication, PublicationStore, publication_id, publication_of

REPO = Path(__file__).resolve().parent.parent


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
