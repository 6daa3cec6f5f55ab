"""Published states a reader may meet, built through the real refresh: a fresh offline machine, the
mirror, a source gone stale, and a publication that revised a figure. Shared by the browser tests."""

import csv
import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.settings import CURATED_DIR, DataPaths
from pipelines.refresh import refresh

UNREACHABLE = "http://127.0.0.1:9"
"""A local address that refuses every connection: the publishers cannot be reached (the offline machine)."""
KOM = Path("kom") / "kom_figures.csv"


@contextmanager
def no_retries() -> Iterator[None]:
    """Refused connections are not retried (`TRAFFICKING_DOWNLOAD_RETRIES=0`): the same statuses, sooner."""
    before = os.environ.get("TRAFFICKING_DOWNLOAD_RETRIES")
    os.environ["TRAFFICKING_DOWNLOAD_RETRIES"] = "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["TRAFFICKING_DOWNLOAD_RETRIES"]
        else:
            os.environ["TRAFFICKING_DOWNLOAD_RETRIES"] = before


def offline(root: Path) -> DataPaths:
    """A first refresh with no publisher reachable: only the curated KOM and ILO tables are published."""
    with no_retries():
        outcome = refresh(root, UNREACHABLE)
    assert outcome.published, "the curated tables publish without any network"
    return DataPaths(root)


def stale(good: DataPaths, root: Path) -> DataPaths:
    """A copy of a good data dir refreshed again with the publishers unreachable: every downloaded source stale."""
    shutil.copytree(good.root, root, symlinks=True)
    with no_retries():
        outcome = refresh(root, UNREACHABLE)
    assert outcome.published
    return DataPaths(root)


def revised(good: DataPaths, root: Path, mirror: Path, tmp: Path) -> tuple[DataPaths, str]:
    """A copy of a good data dir refreshed with one KOM figure changed in the curated file; returns the file's
    figure as it is now published (the value before is the good data dir's)."""
    shutil.copytree(good.root, root, symlinks=True)
    curated = tmp / "curated"
    shutil.copytree(CURATED_DIR, curated)
    with (curated / KOM).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    row = next(row for row in rows if row["value"].isdigit() and not row["value_to"] and row["period_type"] == "year")
    row["value"] = str(int(row["value"]) + 1)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (curated / KOM).write_text(buffer.getvalue(), encoding="utf-8")
    outcome = refresh(root, str(mirror), curated_dir=curated)
    assert outcome.published
    return DataPaths(root), row["value"]


def offline_then_mirror(root: Path, mirror: Path) -> DataPaths:
    """The README's first path: a refresh offline (the curated tables only), then one from the mirror; the second
    publication makes every downloaded figure of the world `new`."""
    offline(root)
    outcome = refresh(root, str(mirror))
    assert outcome.published
    return DataPaths(root)
