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
from reporting.flags import figure_rows, flag_set
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


MarkedFigures = dict[tuple, dict]
"""The figures a publication made new or revised, by their key (`KEY`): what a mark is looked up in."""
BEFORE = ("value_before", "value_low_before", "value_high_before", "flags_before")


def marked_figures(revisions: pl.DataFrame | None) -> MarkedFigures:
    """The figures `revisions` marks as new or revised, by key, with their change and the figure before.

    Prepared once per publication (the dashboard caches it with the publication's tables): looking a page's
    figures up in it then costs the same however long the publication's list of revisions is.
    """
    if revisions is None or not revisions.height:
        return {}
    fields = ("change", *BEFORE)
    marked = revisions.filter(pl.col("change").is_in(MARKED)).select(*KEY, *fields)
    return {row[: len(KEY)]: dict(zip(fields, row[len(KEY) :], strict=True)) for row in marked.rows()}


def revision_marks(marked: MarkedFigures, keys: pl.DataFrame, language: str) -> list[str]:
    """For each row of `keys` (see `figure_keys`): "" or a mark saying the figure is new or revised (and from what)."""
    if not marked or not keys.height:
        return [""] * keys.height
    return [_mark(marked.get(key), key[KEY.index("source")], language) for key in keys.select(*KEY).rows()]


def _mark(found: dict | None, source: str, language: str) -> str:
    if found is None:
        return ""
    if found["change"] == "new":
        return text("revisions.mark_new", language)
    before = {
        "source": source,
        "value": found["value_before"],
        "value_low": found["value_low_before"],
        "value_high": found["value_high_before"],
        "flags": flag_set(found["flags_before"]),
    }
    return text("revisions.mark_revised", language, before=shown(before, reader_style(language)) or "")
