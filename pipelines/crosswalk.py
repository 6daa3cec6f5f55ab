"""Crosswalks: source labels to canonical codes, kept as CSV files a person can read both ways.

A crosswalk file has the columns `field, source_label, canonical_code, note`: for one source,
each field (the source's column) and label maps to one canonical code. `apply` maps a frame's
columns and raises `UnknownLabelError` naming every label no crosswalk knows: a new label stops
the run rather than falling into "other" in silence.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from core.settings import REFERENCE_DIR

CROSSWALK_DIR = REFERENCE_DIR / "crosswalks"


class UnknownLabelError(ValueError):
    """Source labels that no crosswalk maps."""

    def __init__(self, crosswalk: str, unknown: dict[str, list[str]]) -> None:
        self.unknown = unknown
        listed = "; ".join(f"{field}: {', '.join(map(repr, labels))}" for field, labels in unknown.items())
        super().__init__(f"labels not in crosswalk {crosswalk}: {listed}")


@cache
def load(name: str) -> pl.DataFrame:
    """The crosswalk `data/reference/crosswalks/<name>.csv`, checked for its columns and for labels mapped twice.

    Its codes are checked where they land: the standard `known_codes` check on every facts asset.
    """
    path = CROSSWALK_DIR / f"{name}.csv"
    table = pl.read_csv(path, infer_schema=False, empty_string_is_null=False)
    missing = {"field", "source_label", "canonical_code"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    duplicated = table.filter(pl.struct("field", "source_label").is_duplicated())
    if duplicated.height:
        raise ValueError(f"{path}: labels mapped twice: {duplicated.rows()[:5]}")
    return table


def mapping(name: str, field: str) -> dict[str, str]:
    """One field of a crosswalk as {source label: canonical code}."""
    rows = load(name).filter(pl.col("field") == field)
    if rows.is_empty():
        raise KeyError(f"crosswalk {name} has no field {field!r}")
    return dict(zip(rows["source_label"], rows["canonical_code"], strict=True))


def unknown_labels(frame: pl.DataFrame, name: str, fields: dict[str, str]) -> dict[str, list[str]]:
    """Labels in `frame` (column -> crosswalk field) that the crosswalk does not map."""
    unknown: dict[str, list[str]] = {}
    for column, field in fields.items():
        known = mapping(name, field)
        labels = frame.get_column(column).drop_nulls().unique().sort().to_list()
        missing = [label for label in labels if label not in known]
        if missing:
            unknown[column] = missing
    return unknown


def apply(frame: pl.DataFrame, name: str, fields: dict[str, tuple[str, str]]) -> pl.DataFrame:
    """Add canonical columns: `fields` maps source column -> (crosswalk field, new column)."""
    unknown = unknown_labels(frame, name, {column: field for column, (field, _) in fields.items()})
    if unknown:
        raise UnknownLabelError(name, unknown)
    return frame.with_columns(
        pl.col(column).replace_strict(mapping(name, field), default=None).alias(target)
        for column, (field, target) in fields.items()
    )


def crosswalk_files() -> list[Path]:
    return sorted(CROSSWALK_DIR.glob("*.csv"))
