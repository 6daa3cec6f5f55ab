"""Norway's first step of the justice chain from three sources side by side: KOM's police reports, UNODC's
offences recorded and SSB's reported offences, per year, and how they relate.

UNODC's Norway offences have equalled KOM's police reports in every year both give: they are the
same reports, not a later stage of the chain. SSB counts offences reported to the police and
registered in the year by its own offence classification; this table says, year by year, whether
SSB's figure equals KOM's and UNODC's, or by how much it differs, so that none of the three is read
as a continuation of another.

The relation of a figure `a` to a figure `b` (columns `<a>_relation_to_<b>` and `<a>_minus_<b>`, `a` and `b`
being `kom`, `unodc` or `ssb`):

- `equal`: both are exact counts and equal;
- `differs`: both are exact counts and differ (`<a>_minus_<b>` says by how much);
- `not_exact`: both have a figure, but one is approximate or a bound;
- `no_figure`: one of them has no figure for the year (an SSB cell without a figure, such as `..`, is none).
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from core.vocabulary import APPROXIMATE, NORWAY, has_flag, is_all_breakdowns_total
from pipelines.checks.facts import unique_key_check
from pipelines.marts.reconciliation import prefixed_columns

SERIES = {
    "kom_police_reports": ("kom", "police_reports"),
    "unodc_offences_recorded": ("unodc_glotip", "offences_recorded"),
    "ssb_offences_reported": ("ssb", "offences_reported"),
}
"""Column prefix -> (source, measure)."""
SHORT = {"kom_police_reports": "kom", "unodc_offences_recorded": "unodc", "ssb_offences_reported": "ssb"}
"""The name of each series in the relation columns."""
PAIRS = (
    ("unodc_offences_recorded", "kom_police_reports"),
    ("ssb_offences_reported", "kom_police_reports"),
    ("ssb_offences_reported", "unodc_offences_recorded"),
)
"""The relations the table gives: (figure, figure it is compared with)."""
NAMES = {
    "kom_police_reports": ("KOMs anmeldelser", "KOM's police reports"),
    "unodc_offences_recorded": ("UNODCs registrerte lovbrudd", "UNODC's offences recorded"),
    "ssb_offences_reported": ("SSBs anmeldte lovbrudd", "SSB's reported offences"),
}
RELATIONS = {
    "equal": ("{a} er lik {b} ({value:g})", "{a} equal {b} ({value:g})"),
    "differs": ("{a} ({value:g}) er {difference:g} {more} enn {b} ({other:g})",
                "{a} ({value:g}) are {difference:g} {more} than {b} ({other:g})"),
    "not_exact": ("{a} og {b} kan ikke sammenlignes nøyaktig (et tall er omtrentlig eller en grense)",
                  "{a} and {b} cannot be compared exactly (a figure is approximate or a bound)"),
    "no_figure": ("{a} og {b}: ett av dem mangler tall for året",
                  "{a} and {b}: one of them has no figure for the year"),
}  # fmt: skip


def _figures(facts: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """One source's annual Norway totals of one measure as the columns `<prefix>`, `_low`, `_high`, `_flags`,
    `_location`."""
    source, measure = SERIES[prefix]
    rows = facts.filter(
        (pl.col("source") == source)
        & (pl.col("measure") == measure)
        & (pl.col("geo") == NORWAY)
        & (pl.col("period") == pl.col("year").cast(pl.String))
        & is_all_breakdowns_total()
    )
    return prefixed_columns(rows, prefix)


def _exact(prefix: str) -> pl.Expr:
    value = pl.col(prefix)
    bounds = (pl.col(f"{prefix}_low") == value) & (pl.col(f"{prefix}_high") == value)
    return value.is_not_null() & bounds.fill_null(False) & ~has_flag(APPROXIMATE, f"{prefix}_flags")


def _has_figure(prefix: str) -> pl.Expr:
    return pl.any_horizontal(pl.col(f"{prefix}{suffix}").is_not_null() for suffix in ("", "_low", "_high"))


def relation_column(a: str, b: str) -> str:
    return f"{SHORT[a]}_relation_to_{SHORT[b]}"


def difference_column(a: str, b: str) -> str:
    return f"{SHORT[a]}_minus_{SHORT[b]}"


def relation(a: str, b: str) -> pl.Expr:
    """The relation code of figure `a` to figure `b` (see the module docstring)."""
    return (
        pl.when(~_has_figure(a) | ~_has_figure(b))
        .then(pl.lit("no_figure"))
        .when(~_exact(a) | ~_exact(b))
        .then(pl.lit("not_exact"))
        .when(pl.col(a) == pl.col(b))
        .then(pl.lit("equal"))
        .otherwise(pl.lit("differs"))
    )


def _sentence(row: dict, a: str, b: str, language: int) -> str | None:
    code = row[relation_column(a, b)]
    if code == "no_figure":
        return None
    template = RELATIONS[code][language]
    difference = row[difference_column(a, b)]
    more = ("flere", "more") if (difference or 0) > 0 else ("færre", "fewer")
    return template.format(
        a=NAMES[a][language],
        b=NAMES[b][language],
        value=row[a] or 0,
        other=row[b] or 0,
        difference=abs(difference or 0),
        more=more[language],
    )


def explanation(row: dict, language: int) -> str:
    """The year's relations in one sentence (0: Norwegian, 1: English)."""
    said = [sentence for a, b in PAIRS if (sentence := _sentence(row, a, b, language))]
    if said:
        text = "; ".join(said)
        return text[0].upper() + text[1:] + "."
    return ("Bare én av kildene har tall for året.", "Only one of the sources has a figure for the year.")[language]


def reconciliation(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year with a figure from any of the three: the figures, their relations and the differences."""
    frames = {prefix: _figures(facts, prefix) for prefix in SERIES}
    years = pl.concat([frame.select("year") for frame in frames.values()]).unique()
    joined = years
    for frame in frames.values():
        joined = joined.join(frame, on="year", how="left")
    joined = joined.with_columns(
        *(relation(a, b).alias(relation_column(a, b)) for a, b in PAIRS),
        *(pl.when(relation(a, b).is_in(["equal", "differs"])).then(pl.col(a) - pl.col(b)).alias(difference_column(a, b))
          for a, b in PAIRS),
    )  # fmt: skip
    rows = joined.to_dicts()
    return (
        joined.with_columns(
            geo=pl.lit(NORWAY),
            explanation_nb=pl.Series([explanation(row, 0) for row in rows], dtype=pl.String),
            explanation_en=pl.Series([explanation(row, 1) for row in rows], dtype=pl.String),
        )
        .select("geo", *joined.columns, "explanation_nb", "explanation_en")
        .sort("year")
    )


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={"facts": dg.AssetIn(key=["harmonised", "fact_indicator"])},
    kinds={"duckdb"},
)
def reconciliation_justice_norway(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year: KOM's police reports, UNODC's offences recorded and SSB's reported offences for Norway, whether
    each equals the others or by how much it differs (`ssb_relation_to_kom`, `ssb_minus_kom`, …), in words."""
    return reconciliation(facts)


reconciliation_justice_norway_unique_key = unique_key_check(
    dg.AssetKey(["marts", "reconciliation_justice_norway"]), ["geo", "year"]
)
