"""Figure revisions: what changed between two publications, figure by figure, and each value a figure has had.

A figure is one row of a published figure table, named by its key: `table`, `source`, `measure`, `geo`,
`period` and `breakdown`, the breakdown written out (`total` for none; `sex=female; age_group=child`,
`citizenship=NGA (Nigeria)`, or a CTDC profile's `means_of_control=debt_bondage`). Its value is
`value`, `value_low`, `value_high` and `flags`, compared null-safely as they are stored. A suppressed
cell is stored as no value with the bounds [1, 4], so it compares as that interval: `<5` then `<5` is
no revision, `<5` then 7 is one, and so is a change of flags alone (say `approximate` dropped).
Where a figure stands in its source (`source_location`, `provenance_id`) is not compared: a row added
above it in the workbook moves it without changing it.

The figure tables compared are `fact_indicator` (every source's facts: UNODC, KOM, ILO, CTDC; the
series, breakdowns, reconciliation and the pack's tables are shaped from them), `population` (World
Bank) and `ctdc_profiles` (the CTDC profile cells that are not facts). Tables computed from these
(`series_totals`, `breakdowns`, `reconciliation_norway`, `rates_per_100k`) change only when one of
them does, so they are not compared again.

No Dagster and no Streamlit here: publication, the dashboard and the command line all call it.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from core.vocabulary import NO_COUNTERPART, NORWAY, TOTAL

FIGURE_TABLES = ("fact_indicator", "population", "ctdc_profiles")
KEY = ("table", "source", "measure", "geo", "period", "breakdown")
"""What names one figure across publications."""
VALUE = ("value", "value_low", "value_high", "flags")
"""What is compared: the value, its bounds and its flags."""
CHANGES = ("new", "revised", "withdrawn")
POPULATION_SOURCE, POPULATION_MEASURE = "worldbank_population", "population"
CTDC_SOURCE = "iom_ctdc"

FIGURE_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "source": pl.String(),
    "measure": pl.String(),
    "geo": pl.String(),
    "year": pl.Int32(),
    "period": pl.String(),
    "breakdown": pl.String(),
    "definition_id": pl.String(),
    "value": pl.Float64(),
    "value_low": pl.Float64(),
    "value_high": pl.Float64(),
    "flags": pl.String(),
}
"""Every figure of a publication in one shape."""

REVISION_SCHEMA: dict[str, pl.DataType] = {
    "publication_id": pl.String(),
    "previous_publication_id": pl.String(),
    "change": pl.String(),
    **{column: FIGURE_SCHEMA[column] for column in ("table", "source", "measure", "geo", "year", "period")},
    "breakdown": pl.String(),
    "definition_id": pl.String(),
    "value_before": pl.Float64(),
    "value_low_before": pl.Float64(),
    "value_high_before": pl.Float64(),
    "flags_before": pl.String(),
    "value": pl.Float64(),
    "value_low": pl.Float64(),
    "value_high": pl.Float64(),
    "flags": pl.String(),
    "release_before": pl.String(),
    "release": pl.String(),
}
"""The published `revisions` table: one row per figure that is new, revised or withdrawn since the
publication before (`previous_publication_id`), with its value before and after, and the release of its
source in each (`release` is the release that brought the change)."""

HISTORY_SCHEMA: dict[str, pl.DataType] = {
    **{column: FIGURE_SCHEMA[column] for column in (*KEY[:5], "year", "breakdown", "definition_id")},
    "publication_id": pl.String(),
    "published_at": pl.String(),
    "change": pl.String(),
    "value": pl.Float64(),
    "value_low": pl.Float64(),
    "value_high": pl.Float64(),
    "flags": pl.String(),
    "release": pl.String(),
}
"""The published `figure_history` table: every value each figure has had, one row per publication that
gave it one (`first` for the first kept publication, then `new`, `revised` or `withdrawn`)."""


def figures(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Every figure of a publication's tables (those of `FIGURE_TABLES` it has) in `FIGURE_SCHEMA`.

    Raises `ValueError` if two figures would share a key (the written-out breakdowns must be unique).
    """
    shapers = {"fact_indicator": _facts, "population": _population, "ctdc_profiles": _profiles}
    frames = [shapers[name](tables[name]) for name in FIGURE_TABLES if name in tables]
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=FIGURE_SCHEMA)
    duplicated = frame.filter(pl.struct(KEY).is_duplicated())
    if duplicated.height:
        keys = duplicated.select(KEY).unique().head(3).rows()
        raise ValueError(f"{duplicated.height} figures share a key, so they cannot be compared; e.g. {keys}")
    return frame


def _facts(facts: pl.DataFrame) -> pl.DataFrame:
    dimensions = [
        pl.when(pl.col(dimension) != TOTAL).then(pl.lit(f"{dimension}=") + pl.col(dimension))
        for dimension in ("sex", "age_group", "exploitation_form")
    ]
    label = pl.when(pl.col("counterpart_label").is_not_null()).then(pl.lit(" (") + pl.col("counterpart_label") + ")")
    counterpart = pl.when(pl.col("counterpart_type") != NO_COUNTERPART).then(
        pl.concat_str(
            pl.col("counterpart_type"), pl.lit("="), pl.col("counterpart").fill_null(""), label.otherwise(pl.lit(""))
        )
    )
    written = pl.concat_str([*dimensions, counterpart], separator="; ", ignore_nulls=True)
    return facts.select(
        table=pl.lit("fact_indicator"),
        source="source",
        measure="measure",
        geo="geo",
        year=pl.col("year").cast(pl.Int32),
        period="period",
        breakdown=pl.when(written == "").then(pl.lit(TOTAL)).otherwise(written),
        definition_id="definition_id",
        value="value",
        value_low="value_low",
        value_high="value_high",
        flags="flags",
    ).cast(FIGURE_SCHEMA)


def _population(population: pl.DataFrame) -> pl.DataFrame:
    """World Bank population as figures: no bounds; a year the World Bank left empty has the flag `missing`."""
    return population.select(
        table=pl.lit("population"),
        source=pl.lit(POPULATION_SOURCE),
        measure=pl.lit(POPULATION_MEASURE),
        geo="geo",
        year=pl.col("year").cast(pl.Int32),
        period=pl.col("year").cast(pl.String),
        breakdown=pl.lit(TOTAL),
        definition_id=pl.lit(f"{POPULATION_SOURCE}.{POPULATION_MEASURE}"),
        value="population",
        value_low=pl.lit(None, pl.Float64),
        value_high=pl.lit(None, pl.Float64),
        flags=pl.when(pl.col("status") == "reported").then(pl.lit("")).otherwise(pl.col("status")),
    ).cast(FIGURE_SCHEMA)


def _profiles(profiles: pl.DataFrame) -> pl.DataFrame:
    """CTDC profile cells as figures: the profile and category are the breakdown, the year the period's last."""
    return profiles.select(
        table=pl.lit("ctdc_profiles"),
        source=pl.lit(CTDC_SOURCE),
        measure=pl.col("definition_id").str.split_exact(".", 1).struct.field("field_1"),
        geo="geo",
        year=pl.col("period").str.slice(-4).cast(pl.Int32, strict=False),
        period="period",
        breakdown=pl.concat_str(pl.col("profile"), pl.lit("="), pl.col("category").fill_null("")),
        definition_id="definition_id",
        value="value",
        value_low="value_low",
        value_high="value_high",
        flags="flags",
    ).cast(FIGURE_SCHEMA)


def releases(source_status: pl.DataFrame | None) -> dict[str, str | None]:
    """Each source's release in a publication (from its `source_status`; none for an older publication)."""
    if source_status is None:
        return {}
    return dict(zip(source_status["source_id"], source_status["release"], strict=True))


STATUS_CHANGE_SCHEMA = {
    "source_id": pl.String(),
    "status_before": pl.String(),
    "status_after": pl.String(),
    "release_before": pl.String(),
    "release_after": pl.String(),
    "reason_after": pl.String(),
}


def status_changes(before: pl.DataFrame | None, after: pl.DataFrame | None) -> pl.DataFrame:
    """The sources whose status changed between two publications (`source_status` of each): a source that went
    stale or absent, or came back, is a change even when no figure changed (a stale source republishes its last
    good release's figures exactly)."""
    if before is None or after is None:
        return pl.DataFrame(schema=STATUS_CHANGE_SCHEMA)
    old = before.select("source_id", status_before="status", release_before="release")
    new = after.select("source_id", status_after="status", release_after="release", reason_after="reason")
    joined = old.join(new, on="source_id", how="full", coalesce=True)
    changed = joined.filter(pl.col("status_before").ne_missing(pl.col("status_after")))
    return changed.select(*STATUS_CHANGE_SCHEMA).cast(STATUS_CHANGE_SCHEMA).sort("source_id")


def compare(
    before: pl.DataFrame,
    after: pl.DataFrame,
    releases_before: Mapping[str, str | None] | None = None,
    releases_after: Mapping[str, str | None] | None = None,
    publication_id: str | None = None,
    previous_publication_id: str | None = None,
) -> pl.DataFrame:
    """The figures of `after` that are new, revised or withdrawn against `before` (both `figures` frames).

    Values, bounds and flags are compared null-safely; each row has the value before and after and the
    release of its source in each publication. Sorted by key.
    """
    left = after.with_columns(_after=pl.lit(True))
    right = before.select(*KEY, "year", "definition_id", *VALUE).rename(
        {column: f"{column}_before" for column in ("year", "definition_id", *VALUE)}
    )
    joined = left.join(
        right.with_columns(_before=pl.lit(True)), on=list(KEY), how="full", nulls_equal=True, coalesce=True
    ).with_columns(pl.col("_after").fill_null(False), pl.col("_before").fill_null(False))
    same = pl.all_horizontal(pl.col(column).eq_missing(pl.col(f"{column}_before")) for column in VALUE)
    change = (
        pl.when(~pl.col("_before"))
        .then(pl.lit("new"))
        .when(~pl.col("_after"))
        .then(pl.lit("withdrawn"))
        .when(~same)
        .then(pl.lit("revised"))
    )
    changed = joined.with_columns(change=change).filter(pl.col("change").is_not_null())
    source = pl.col("source")
    return (
        changed.with_columns(
            publication_id=pl.lit(publication_id, pl.String),
            previous_publication_id=pl.lit(previous_publication_id, pl.String),
            year=pl.coalesce("year", "year_before"),
            definition_id=pl.coalesce("definition_id", "definition_id_before"),
            release_before=source.replace_strict(dict(releases_before or {}), default=None, return_dtype=pl.String),
            release=source.replace_strict(dict(releases_after or {}), default=None, return_dtype=pl.String),
        )
        .select(list(REVISION_SCHEMA))
        .cast(REVISION_SCHEMA)
        .sort(list(KEY))
    )


def no_revisions() -> pl.DataFrame:
    """The `revisions` table of a publication with none before it."""
    return pl.DataFrame(schema=REVISION_SCHEMA)


def first_history(
    figures_frame: pl.DataFrame, publication_id: str, published_at: str, source_releases: Mapping[str, str | None]
) -> pl.DataFrame:
    """The history of the first kept publication: each figure's value, as `first`."""
    return (
        figures_frame.with_columns(
            publication_id=pl.lit(publication_id),
            published_at=pl.lit(published_at),
            change=pl.lit("first"),
            release=pl.col("source").replace_strict(dict(source_releases), default=None, return_dtype=pl.String),
        )
        .select(list(HISTORY_SCHEMA))
        .cast(HISTORY_SCHEMA)
        .sort(list(KEY))
    )


def next_history(history: pl.DataFrame, revisions: pl.DataFrame, published_at: str) -> pl.DataFrame:
    """The history before, carried forward with this publication's revisions (a withdrawn figure: no value)."""
    added = revisions.with_columns(
        published_at=pl.lit(published_at),
        **{column: pl.when(pl.col("change") == "withdrawn").then(None).otherwise(pl.col(column)) for column in VALUE},
    )
    return pl.concat([history.cast(HISTORY_SCHEMA), added.select(list(HISTORY_SCHEMA)).cast(HISTORY_SCHEMA)]).sort(
        [*KEY, "publication_id"]
    )


def value_at(history: pl.DataFrame, publication_id: str) -> pl.DataFrame:
    """Each figure as it stood in the publication `publication_id` (ids sort by time), from a `figure_history`.

    A figure withdrawn by then is left out.
    """
    standing = (
        history.filter(pl.col("publication_id") <= publication_id)
        .sort([*KEY, "publication_id"])
        .group_by(list(KEY), maintain_order=True)
        .last()
    )
    return standing.filter(pl.col("change") != "withdrawn")


def summary(revisions: pl.DataFrame) -> dict[str, int]:
    """How many figures are new, revised and withdrawn."""
    counts = dict(revisions.group_by("change").len().iter_rows()) if revisions.height else {}
    return {change: int(counts.get(change, 0)) for change in CHANGES}


def by_source_and_measure(revisions: pl.DataFrame) -> pl.DataFrame:
    """Counts of new, revised and withdrawn figures per source and measure (and Norway's share of them)."""
    counts = revisions.group_by("source", "measure", "table").agg(
        *[(pl.col("change") == change).sum().alias(change) for change in CHANGES],
        norway=(pl.col("geo") == NORWAY).sum(),
    )
    return counts.sort("source", "measure", "table")
