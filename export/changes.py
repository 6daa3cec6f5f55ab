"""The pack's `revisions` table: the figures of the pack's years that the publication changed since the one before.

Read from the publication's own `revisions` table (`publications.revisions`), so a pack
built from a kept publication lists the same revisions as the pack built when it was current. Both
sides of a revision are written by the pack's figure rule: `<5` for a small cell, never 0.
"""

import duckdb
import polars as pl

from core.vocabulary import NORWAY
from export.columns import fields
from export.tables import Table, disclosure_controlled
from reporting.catalogue import catalogue

SIDES = {
    "before": ("value_before", "value_low_before", "value_high_before", "flags_before"),
    "after": ("value", "value_low", "value_high", "flags"),
}
COLUMNS = (
    "change", "source", "measure", "geo", "year", "period", "breakdown", "table", "definition_id",
    "before", "before_low", "before_high", "before_flags", "after", "after_low", "after_high", "after_flags",
    "release_before", "release",
)  # fmt: skip
FIELDS = fields("revisions", *COLUMNS)
SCHEMA = {field.name: pl.Int32() if field.type == "integer" else
          pl.Float64() if field.type == "number" else pl.String() for field in FIELDS}  # fmt: skip


def has_revisions(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the published file records revisions (a file published before publications were kept does not)."""
    found = connection.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'revisions'").fetchall()
    return bool(found)


def read_revisions(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    """The publication's revisions of the pack's figures in `year_from`–`year_to`, each side written by the pack's
    figure rule: Norway's figures of the pack's series, the Nordic countries' counts and population of its rates,
    and the ILO's global estimates (`covered`)."""
    if not has_revisions(connection):
        return pl.DataFrame(schema=SCHEMA)
    frame = connection.sql(
        "SELECT * FROM revisions WHERE year BETWEEN $year_from AND $year_to",
        params={"year_from": year_from, "year_to": year_to},
    ).pl()
    nordic = [
        geo for (geo,) in connection.execute("SELECT DISTINCT geo FROM rates_per_100k WHERE is_nordic").fetchall()
    ]
    frame = frame.filter(covered(nordic))
    names = ("value", "value_low", "value_high", "flags")
    written = {
        side: disclosure_controlled(frame.select("source", *[pl.col(column).alias(name) for name, column in zip(
            names, columns, strict=True)]))
        for side, columns in SIDES.items()
    }  # fmt: skip
    return frame.select(
        "change", "source", "measure", "geo", "year", "period", "breakdown", "table", "definition_id",
        "release_before", "release",
    ).with_columns(
        *[
            written[side][column].alias(f"{side}{suffix}")
            for side in SIDES
            for column, suffix in (("value", ""), ("value_low", "_low"), ("value_high", "_high"), ("flags", "_flags"))
        ]
    ).cast(SCHEMA)  # fmt: skip


def covered(nordic: list[str]) -> pl.Expr:
    """Whether a revision is of a figure the pack shows: a series of its tables for Norway, a Nordic rate's count
    or population for a Nordic country, or an ILO global estimate."""
    blocks = catalogue()
    pack_series = {
        entry.definition_id for (view, _), entries in blocks.items() if view == "pack_tables" for entry in entries
    }
    nordic_series = {entry.definition_id for entry in blocks.get(("pack_tables", "nordic_rates"), ())}
    in_pack = pl.col("definition_id").is_in(sorted(pack_series))
    return (
        (in_pack & (pl.col("geo") == NORWAY))
        | (
            pl.col("geo").is_in(nordic)
            & (pl.col("definition_id").is_in(sorted(nordic_series)) | (pl.col("table") == "population"))
        )
        | (in_pack & (pl.col("source") == "ilo"))
    )


def count_revisions(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many figures the publication made new, revised and withdrawn (all years)."""
    if not has_revisions(connection):
        return {}
    found = dict(connection.execute("SELECT change, count(*) FROM revisions GROUP BY change").fetchall())
    return {change: int(found.get(change, 0)) for change in ("new", "revised", "withdrawn")}


REVISIONS = Table("revisions", FIELDS, ("source", "measure", "table", "geo", "period", "breakdown"), read_revisions)
