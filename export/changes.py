"""The pack's `revisions` table: the figures of the pack's years that the publication changed since the one before.

Read from the publication's own `revisions` table (`publications.revisions`), so a pack
built from a kept publication lists the same revisions as the pack built when it was current. Both
sides of a revision are written by the pack's figure rule: `<5` for a small cell, never 0.
"""

import duckdb
import polars as pl

from export.tables import Field, Table, disclosure_controlled

SIDES = {
    "before": ("value_before", "value_low_before", "value_high_before", "flags_before"),
    "after": ("value", "value_low", "value_high", "flags"),
}
FIELDS = (
    Field("change", "string", "new, revised or withdrawn since the publication before"),
    Field("source", "string", "Source of the figure"),
    Field("measure", "string", "Canonical measure"),
    Field("geo", "string", "ISO 3166-1 alpha-3 country code, or a region code"),
    Field("year", "integer", "Year (the last year of a period)"),
    Field("period", "string", "The year, or the span of years the figure covers"),
    Field("breakdown", "string", "The figure's breakdown (total for none), e.g. sex=female; age_group=child"),
    Field("table", "string", "The published table the figure is in (fact_indicator, population, ctdc_profiles)"),
    Field("definition_id", "string", "The definition in the definitions sheet"),
    Field("before", "string", "The figure in the publication before (<5 for a small cell; empty for a new figure)"),
    Field("before_low", "number", "Its lower bound"),
    Field("before_high", "number", "Its upper bound"),
    Field("before_flags", "string", "Its flags"),
    Field("after", "string", "The figure in this publication (<5 for a small cell; empty for a withdrawn figure)"),
    Field("after_low", "number", "Its lower bound"),
    Field("after_high", "number", "Its upper bound"),
    Field("after_flags", "string", "Its flags"),
    Field("release_before", "string", "The release of the figure's source in the publication before"),
    Field(
        "release", "string", "The release of the figure's source in this publication: the one that brought the change"
    ),
)
SCHEMA = {field.name: pl.Int32() if field.type == "integer" else
          pl.Float64() if field.type == "number" else pl.String() for field in FIELDS}  # fmt: skip


def has_revisions(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the published file records revisions (a file published before publications were kept does not)."""
    found = connection.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'revisions'").fetchall()
    return bool(found)


def read_revisions(
    connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int
) -> pl.DataFrame:
    """The publication's revisions of figures in `year_from`–`year_to`, each side written by the pack's figure rule."""
    if not has_revisions(connection):
        return pl.DataFrame(schema=SCHEMA)
    frame = connection.sql(
        "SELECT * FROM revisions WHERE year BETWEEN $year_from AND $year_to",
        params={"year_from": year_from, "year_to": year_to},
    ).pl()
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


def count_revisions(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many figures the publication made new, revised and withdrawn (all years)."""
    if not has_revisions(connection):
        return {}
    found = dict(connection.execute("SELECT change, count(*) FROM revisions GROUP BY change").fetchall())
    return {change: int(found.get(change, 0)) for change in ("new", "revised", "withdrawn")}


REVISIONS = Table(
    "revisions",
    "Revisions since the publication before",
    "Every figure of the pack's years (any place) that this publication made new, revised or withdrawn since the "
    "publication before it, with the figure before and after and the source release that brought the change.",
    FIELDS,
    ("source", "measure", "table", "geo", "period", "breakdown"),
    read_revisions,
)
