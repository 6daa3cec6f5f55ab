"""Published states a reader may meet, built through the real refresh: a fresh offline machine, the
mirror, a source gone stale, and a publication that revised a figure. Shared by the browser tests."""

import csv
import io
import os
import shutil
from collections.abc import Callable, Iterator
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


WORLD_BANK = Path("worldbank") / "API_SP.POP.TOTL_DS2_en_csv_v2.csv"
CTDC = Path("iom") / "ctdc_global_synthetic_20210825.csv"
LIVED_IN_PUBLICATIONS = 11
"""Kept publications in the lived-in state: the README's offline refresh, the mirror, then nine revising ones."""


def offline_then_mirror(root: Path, mirror: Path) -> DataPaths:
    """The README's path: a first refresh offline, then one from the mirror (two kept publications, the second
    making nearly every figure new)."""
    offline(root)
    outcome = refresh(root, str(mirror))
    assert outcome.published, "the mirror publishes"
    return DataPaths(root)


def lived_in(root: Path, mirror: Path, work: Path, publications: int = LIVED_IN_PUBLICATIONS) -> DataPaths:
    """A data dir that has lived a year: an offline refresh, one from the mirror (every figure new), then
    `publications - 2` refreshes each from edited copies of the curated and mirror files (KOM revising yearly
    figures, the World Bank revising populations, CTDC adding records), every one kept. Reused when `root`
    already holds it (built once for the browser test and the benchmark alike)."""
    paths = DataPaths(root)
    if paths.published.exists() and len(list(paths.publications.glob("*/trafficking.duckdb"))) >= publications:
        return paths
    offline_then_mirror(root, mirror)
    for step in range(1, publications - 1):
        curated, site = work / f"curated-{step}", work / f"mirror-{step}"
        shutil.rmtree(curated, ignore_errors=True)
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(CURATED_DIR, curated)
        _link_copy(mirror, site)
        _revise_kom(curated / KOM, step)
        _revise_population(mirror / WORLD_BANK, site / WORLD_BANK, step)
        _add_ctdc_records(mirror / CTDC, site / CTDC, step)
        outcome = refresh(root, str(site), curated_dir=curated)
        assert outcome.published, f"revision {step} publishes"
    return paths


def _link_copy(mirror: Path, site: Path) -> None:
    for path in mirror.rglob("*"):
        if path.is_file():
            target = site / path.relative_to(mirror)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)


def _rewritten(path: Path, edit: Callable[[list[list[str]]], None], target: Path | None = None) -> None:
    """`path` read as CSV rows, changed in place by `edit`, written to `target` (or back) as the source wrote it:
    its byte order mark kept, every field quoted when the source quoted them (the World Bank's bulk file)."""
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    content = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    edit(rows)
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if content.startswith('"') else csv.QUOTE_MINIMAL
    csv.writer(buffer, lineterminator="\n", quoting=quoting).writerows(rows)
    destination = target or path
    destination.unlink(missing_ok=True)  # a link to the mirror's file is replaced, never written through
    destination.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))


def _revise_kom(path: Path, step: int) -> None:
    """Three of KOM's exact yearly figures, a different three each step, raised by the step (a corrected report)."""

    def edit(rows: list[list[str]]) -> None:
        header = rows[0]
        value, value_to, period_type = (header.index(name) for name in ("value", "value_to", "period_type"))
        exact = [row for row in rows[1:] if row[value].isdigit() and not row[value_to] and row[period_type] == "year"]
        for row in exact[(3 * step) % len(exact) :][:3]:
            row[value] = str(int(row[value]) + step)

    _rewritten(path, edit)


def _revise_population(source: Path, target: Path, step: int) -> None:
    """The newest population of every fifth country, from a different start each step, revised by a thousandth."""

    def edit(rows: list[list[str]]) -> None:
        countries = [row for row in rows if len(row) > 5 and row[1].isupper() and len(row[1]) == 3]
        for row in countries[step % 5 :: 5]:
            last = max((index for index, field in enumerate(row) if field.replace(".", "").isdigit()), default=None)
            if last is not None and last > 3:
                row[last] = str(round(float(row[last]) * 1.001))

    _rewritten(source, edit, target)


def _add_ctdc_records(source: Path, target: Path, step: int) -> None:
    """CTDC's file with a hundred records more each step (copies of earlier records: a release adding cases)."""
    lines = source.read_text(encoding="utf-8").splitlines()
    target.unlink(missing_ok=True)
    target.write_text("\n".join(lines + lines[1 : 1 + 100 * step]) + "\n", encoding="utf-8")
