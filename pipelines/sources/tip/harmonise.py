"""TIP's figures in canonical terms: one fact per series and year, from the newest edition that prints it.

- a count: value = value_low = value_high; "about" a count: value only, flag `approximate`;
- a tier: value 1, 2 or 3, unit `tier` (an assessment, never added or differenced);
- a year the report describes only in words: no value, flags `stated_in_words` and the words' code
  (`words_more`, `words_fewer`, `words_none`, `words_not_reported`): never 0 and never a silent gap;
- a figure "since 2003": its span as the period, flag `cumulative`.

Later editions print earlier years again and sometimes revise them. The fact is the newest edition's
figure; `source_location` names its edition, line and address and every earlier print with its edition
and what it printed, and `revised_from_earlier_edition` flags a fact an earlier edition printed otherwise.
"""

from __future__ import annotations

import polars as pl

from core.vocabulary import conform, definition_id, join_flags
from pipelines import crosswalk
from pipelines.sources.tip.parse import CROSSWALK

SOURCE = "tip"
FIELDS = {
    "measure": ("measure", "measure_code"),
    "exploitation": ("exploitation", "exploitation_form"),
    "age": ("age", "age_group"),
    "sex": ("sex", "sex_code"),
    "qualifier": ("qualifier", "qualifier_flag"),
    "words": ("words", "words_flag"),
}
NO_FLAG = "exact"
UNITS = {
    "tier": "tier",
    "investigations": "cases",
    "prosecutions": "prosecutions",
    "convictions": "convictions",
    "victims_reported_identified": "persons",
    "laws_new_or_amended": "laws",
}
SERIES_KEY = ("measure_code", "geo", "period", "sex_code", "age_group", "exploitation_form")


def figure_flags() -> pl.Expr:
    """The flags one printed figure carries: approximate, stated in words (with the words' code), cumulative."""
    in_words = pl.col("words_flag") != NO_FLAG
    parts = [
        pl.when(pl.col("qualifier_flag") != NO_FLAG).then(pl.col("qualifier_flag")).otherwise(pl.lit("")),
        pl.when(in_words).then(pl.lit("stated_in_words;") + pl.col("words_flag")).otherwise(pl.lit("")),
        pl.when(pl.col("period").str.contains("-")).then(pl.lit("cumulative")).otherwise(pl.lit("")),
    ]
    return pl.concat_str(parts, separator=";").map_elements(join_flags, pl.String)


def shown() -> pl.Expr:
    """What a print says, as text: the count (`17880`, `about 290`) or the words (`fewer`)."""
    count = pl.col("value").cast(pl.Int64).cast(pl.String)
    return (
        pl.when(pl.col("words") != "")
        .then(pl.col("words"))
        .when(pl.col("qualifier") != "")
        .then(pl.col("qualifier") + pl.lit(" ") + count)
        .otherwise(count)
    )


def newest_prints(printed: pl.DataFrame) -> pl.DataFrame:
    """One row per series and period: the newest edition's print, with `earlier` (the other prints, as text)
    and `revised` (an earlier print says something else)."""
    described = printed.with_columns(
        shown=shown(),
        print_text=pl.format("TIP {}: {}", pl.col("edition"), shown()),
    )
    return (
        described.sort("edition", descending=True)
        .group_by(SERIES_KEY, maintain_order=True)
        .agg(
            pl.all().first(),
            earlier=pl.col("print_text").slice(1),
            revised=(pl.col("shown").slice(1) != pl.col("shown").first()).any(),
        )
        .with_columns(
            flags=pl.when(pl.col("revised"))
            .then(pl.concat_str("flags", pl.lit("revised_from_earlier_edition"), separator=";"))
            .otherwise(pl.col("flags"))
            .map_elements(join_flags, pl.String)
        )
    )


def location(file_name: str) -> pl.Expr:
    """Where the fact stands: the file's line, the edition, the place in the report and its address, and
    every earlier print of the same year."""
    this = pl.format("{}, line {}: TIP {}, {} ({})", pl.lit(file_name), "line", "edition", "place", "reference")
    earlier = pl.lit("; earlier prints: ") + pl.col("earlier").list.join("; ")
    return this + pl.when(pl.col("earlier").list.len() > 0).then(earlier).otherwise(pl.lit(""))


def to_facts(staging: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """One canonical fact per series and period (the staging frame: `parse.read_figures` and the provenance id)."""
    provenance_id, figures = staging["provenance_id"][0], staging.drop("provenance_id")
    printed = crosswalk.apply(figures, CROSSWALK, FIELDS).with_columns(flags=figure_flags())
    newest = newest_prints(printed)
    counted = pl.col("words") == ""
    exact = counted & (pl.col("qualifier") == "")
    facts = newest.select(
        source=pl.lit(SOURCE),
        measure="measure_code",
        geo="geo",
        year="year",
        period="period",
        sex="sex_code",
        age_group="age_group",
        exploitation_form="exploitation_form",
        value=pl.when(counted).then(pl.col("value")),
        value_low=pl.when(exact).then(pl.col("value")),
        value_high=pl.when(exact).then(pl.col("value")),
        unit=pl.col("measure_code").replace_strict(UNITS),
        flags="flags",
        definition_id=definition_id(SOURCE, pl.col("measure_code")),
        provenance_id=pl.lit(provenance_id),
        source_location=location(file_name),
    )
    return conform(facts)
