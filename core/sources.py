"""The register of sources: one row per source in `data/reference/sources.csv`.

Everything the project says about a source as a whole comes from here: its kind (a `curated` file the
analysts keep under `data/raw/<source id>/`, a `download` found where the publisher announces it, an
`api` asked table by table, or the project's own `reference` tables), its publisher and name in both
languages, what it counts, the publisher's page, how often it appears and when its next edition is expected, how old its
newest figure and its release may grow before the freshness check warns, and how large a download may be.
The probe's and the sensors' lists, the freshness checks, the source and publisher names readers see and
the release calendar are all read from it; `tests/test_register.py` fails when a source's assets have no
row here, or a row has no assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from core.settings import CURATED_DIR, REFERENCE_DIR

REGISTER_FILE = REFERENCE_DIR / "sources.csv"
KINDS = ("curated", "download", "api", "reference")


@dataclass(frozen=True)
class Source:
    """One row of the register."""

    source_id: str
    kind: str
    publisher_nb: str
    publisher_en: str
    name_nb: str
    name_en: str
    counts_nb: str
    counts_en: str
    """What the source counts, in a phrase for readers (the Om statistikken page)."""
    homepage: str
    cadence_nb: str
    cadence_en: str
    release_month: int | None
    next_expected: str
    """The month (`YYYY-MM`) the analysts expect the next edition in, or "" when the publisher has not said."""
    max_years_behind: int | None
    max_release_age_years: int | None
    max_megabytes: int | None
    note: str

    def publisher(self, language: str) -> str:
        return self.publisher_nb if language == "nb" else self.publisher_en

    def name(self, language: str) -> str:
        return self.name_nb if language == "nb" else self.name_en

    def counts(self, language: str) -> str:
        return self.counts_nb if language == "nb" else self.counts_en

    def cadence(self, language: str) -> str:
        """How often the publisher releases it, in words ("årlig", "yearly")."""
        return self.cadence_nb if language == "nb" else self.cadence_en

    @property
    def curated_dir(self) -> Path:
        """Where a curated source's files are kept (`data/raw/<source id>/`)."""
        return CURATED_DIR / self.source_id

    @property
    def max_bytes(self) -> int | None:
        return self.max_megabytes << 20 if self.max_megabytes else None

    @property
    def checks_freshness(self) -> bool:
        return self.max_years_behind is not None


class RegisterError(ValueError):
    """The register of sources is not as this module needs it (a kind, a month or a number)."""


def _optional_int(value: str | None, source_id: str, column: str) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise RegisterError(f"{REGISTER_FILE.name}, source {source_id}: {column} must be a whole number, not {value!r}")
    return int(value)


def _source(row: dict[str, str | None]) -> Source:
    source_id = row["source_id"] or ""
    if row["kind"] not in KINDS:
        raise RegisterError(f"{REGISTER_FILE.name}, source {source_id}: kind {row['kind']!r} is not one of {KINDS}")
    month = _optional_int(row["release_month"], source_id, "release_month")
    if month is not None and not 1 <= month <= 12:
        raise RegisterError(f"{REGISTER_FILE.name}, source {source_id}: release_month {month} is not a month")
    expected = (row["next_expected"] or "").strip()
    if expected and not (len(expected) == 7 and expected[4] == "-" and expected.replace("-", "").isdigit()):
        raise RegisterError(f"{REGISTER_FILE.name}, source {source_id}: next_expected {expected!r} is not YYYY-MM")
    return Source(
        source_id=source_id,
        kind=row["kind"] or "",
        publisher_nb=row["publisher_nb"] or "",
        publisher_en=row["publisher_en"] or "",
        name_nb=row["name_nb"] or "",
        name_en=row["name_en"] or "",
        counts_nb=row["counts_nb"] or "",
        counts_en=row["counts_en"] or "",
        homepage=row["homepage"] or "",
        cadence_nb=row["cadence_nb"] or "",
        cadence_en=row["cadence_en"] or "",
        release_month=month,
        next_expected=expected,
        max_years_behind=_optional_int(row["max_years_behind"], source_id, "max_years_behind"),
        max_release_age_years=_optional_int(row["max_release_age_years"], source_id, "max_release_age_years"),
        max_megabytes=_optional_int(row["max_megabytes"], source_id, "max_megabytes"),
        note=row["note"] or "",
    )


@cache
def register() -> dict[str, Source]:
    """Every source of the register, by source id, in the register's order."""
    rows = pl.read_csv(REGISTER_FILE, infer_schema=False).to_dicts()
    return {source.source_id: source for source in map(_source, rows)}


def source(source_id: str) -> Source:
    """One source's row; a KeyError names the register when it has none."""
    try:
        return register()[source_id]
    except KeyError:
        raise KeyError(f"source {source_id!r} has no row in {REGISTER_FILE}") from None


def of_kind(*kinds: str) -> list[Source]:
    """The sources of these kinds, in the register's order."""
    return [entry for entry in register().values() if entry.kind in kinds]
