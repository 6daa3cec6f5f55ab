"""What a publication changed, for readers: a mark beside each revised figure, and revisions written as shown.

The revisions themselves come from the published `revisions` table, or from comparing two kept
publications (`publications`); here they are only written for a reader in `language`.
"""

import polars as pl

from core.vocabulary import TOTAL
from publications.revisions import CHANGES as CHANGES
from publications.revisions import KEY
from publications.revisions import by_source_and_measure as by_source_and_measure
from publications.revisions import summary as summary
from reporting.figures import reader_style, shown
from reporting.flags import figure_rows
from reporting.texts import text

MARKED = ("new", "revised")
"""The changes marked beside a figure in the dashboard's tables."""


def figure_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """The revision key of each row of a frame shaped like `series_totals` or `breakdowns` (a fact's key)."""
    if {"breakdown", "category"} <= set(frame.columns):
        breakdown = pl.concat_str(pl.col("breakdown"), pl.lit("="), pl.col("category"))
    else:
        breakdown = pl.lit(TOTAL)
    return frame.select(
        table=pl.lit("fact_indicator"),
        source=pl.col("source"),
        measure=pl.col("measure"),
        geo=pl.col("geo"),
        period=pl.col("period"),
        breakdown=breakdown,
    )


def sides_shown(revisions: pl.DataFrame, language: str) -> pl.DataFrame:
    """`revisions` with `shown_before` and `shown_after`: each side as the reader sees it (`<5`, `20–30`, …)."""
    style = reader_style(language)
    columns = ("value", "value_low", "value_high", "flags")

    def written(suffix: str) -> list[str]:
        frame = revisions.select("source", *[pl.col(f"{column}{suffix}").alias(column) for column in columns])
        gone = frame.select(pl.all_horizontal(pl.col(column).is_null() for column in columns))
        return [
            "" if is_gone else (shown(row, style) or "")
            for row, is_gone in zip(figure_rows(frame), gone.to_series(), strict=True)
        ]

    return revisions.with_columns(
        pl.Series("shown_before", written("_before"), dtype=pl.String),
        pl.Series("shown_after", written(""), dtype=pl.String),
    )


def revision_marks(revisions: pl.DataFrame | None, keys: pl.DataFrame, language: str) -> list[str]:
    """For each row of `keys` (see `figure_keys`): "" or a mark saying the figure is new or revised (and from what)."""
    if revisions is None or not revisions.height or not keys.height:
        return [""] * keys.height
    marked = sides_shown(revisions.filter(pl.col("change").is_in(MARKED)), language)
    notes = [
        text("revisions.mark_new", language)
        if row["change"] == "new"
        else text("revisions.mark_revised", language, before=row["shown_before"])
        for row in marked.iter_rows(named=True)
    ]
    marked = marked.select(*KEY).with_columns(pl.Series("mark", notes, dtype=pl.String))
    joined = (
        keys.select(*KEY).with_row_index("row").join(marked, on=list(KEY), how="left", nulls_equal=True).sort("row")
    )
    return joined["mark"].fill_null("").to_list()
