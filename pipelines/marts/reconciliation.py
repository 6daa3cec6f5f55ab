"""Norway's victim series side by side: KOM's two counts, UNODC's detected victims and TIP's victims identified.

UNODC's Norway series takes KOM's newly identified count in some years and KOM's assisted count
in others; this table says, year by year, how the UNODC figure relates to KOM's, so that neither
series is read as a continuation of the other.

KOM's figure for a year is its single-year total, or else a level it published for each year of a
period that covers the year ("between 120 and 160 a year, 2010-2016"; flag `annual_in_period`).
The relation, in the order tried:

- `victims_assisted` / `victims_identified`: UNODC equals KOM's exact count;
- `within_assisted_range` / `within_identified_range`: UNODC lies within KOM's published bounds
  (a range, or an upper or lower bound);
- `kom_approximate`: KOM gives only an approximate figure ("about 290"), too rough to tell;
- `none`: KOM has figures for the year and UNODC fits none of them;
- `no_official_total`: the years KOM published no victim totals (after the last year before the
  series break, until KOM's figures start again);
- `no_kom_figure`: the curated table holds no KOM victim figure for the year.

The US TIP report's Norway victims (`tip_victims_reported_identified`: what the government reported to the
State Department) stand beside them in the years the table holds, with `tip_relation`: `kom_assisted` or
`kom_identified` (TIP's figure equals that KOM count), `unodc` (it equals UNODC's and no KOM count),
`approximate` ("about 290": too rough to tell), `in_words` (the report gives only words for the year, never
read as 0) or `differs`; explained in `tip_explanation_nb`/`_en` by what each source counts.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from core.vocabulary import KOM_LAST_YEAR_BEFORE_BREAK, NORWAY, has_flag, is_all_breakdowns_total
from pipelines.checks.facts import unique_key_check

GEO = NORWAY
KOM_MEASURES = ("victims_assisted", "victims_identified")
UNODC = ("unodc_glotip", "victims_detected")
TIP = ("tip", "victims_reported_identified")
CONCEPT_OF_RELATION = {
    "victims_assisted": "victims_assisted",
    "within_assisted_range": "victims_assisted",
    "victims_identified": "victims_identified",
    "within_identified_range": "victims_identified",
}
"""The KOM concept a relation shows UNODC's figure to follow; the other relations say nothing about it."""
EXPLANATIONS = {
    "victims_assisted": (
        "UNODC-tallet er lik KOMs antall antatte ofre fulgt opp i året.",
        "The UNODC figure equals KOM's count of presumed victims assisted in the year.",
    ),
    "victims_identified": (
        "UNODC-tallet er lik KOMs antall antatte ofre identifisert for første gang i året.",
        "The UNODC figure equals KOM's count of presumed victims newly identified in the year.",
    ),
    "within_assisted_range": (
        "UNODC-tallet ligger innenfor KOMs oppgitte spenn for antatte ofre fulgt opp; et eksakt KOM-tall finnes ikke.",
        "The UNODC figure lies within KOM's published range for presumed victims assisted; KOM gave no exact count.",
    ),
    "within_identified_range": (
        "UNODC-tallet ligger innenfor KOMs oppgitte spenn for nye antatte ofre (identifisert for første gang); "
        "et eksakt KOM-tall finnes ikke.",
        "The UNODC figure lies within KOM's published range for presumed victims newly identified; "
        "KOM gave no exact count.",
    ),
    "kom_approximate": (
        "KOM oppgir bare et omtrentlig tall for året; det kan ikke avgjøres hvilket KOM-begrep UNODC-tallet følger.",
        "KOM gives only an approximate figure for the year; which KOM concept the UNODC figure follows cannot be told.",
    ),
    "none": (
        "UNODC-tallet stemmer ikke med noen av KOMs tall for året.",
        "The UNODC figure fits none of KOM's figures for the year.",
    ),
    "no_official_total": (
        "KOM publiserte ingen offisielle totaltall for antatte ofre disse årene; "
        "UNODC-tallet har ikke noe KOM-tall å avstemmes mot.",
        "KOM published no official totals of presumed victims in these years; "
        "the UNODC figure has no KOM figure to be matched against.",
    ),
    "no_kom_figure": (
        "Den kuraterte KOM-tabellen har ikke noe tall for antatte ofre dette året; UNODC-tallet kan ikke avstemmes.",
        "The curated KOM table holds no figure for presumed victims this year; the UNODC figure cannot be matched.",
    ),
}


TIP_EXPLANATIONS = {
    "kom_assisted": (
        "TIP gjengir myndighetenes tall, og det er lik KOMs antall antatte ofre fulgt opp i året.",
        "TIP gives the government's figure, and it equals KOM's count of presumed victims assisted in the year.",
    ),
    "kom_identified": (
        "TIP gjengir myndighetenes tall, og det er lik KOMs antall nye antatte ofre i året.",
        "TIP gives the government's figure, and it equals KOM's count of presumed victims newly identified.",
    ),
    "unodc": (
        "TIPs tall er lik UNODCs oppdagede ofre, men ikke noe KOM-tall for året.",
        "TIP's figure equals UNODC's detected victims, but no KOM figure for the year.",
    ),
    "approximate": (
        "TIP oppgir bare et omtrentlig tall for året; det kan ikke avgjøres nøyaktig hvilket tall det gjengir.",
        "TIP gives only an approximate figure for the year; which figure it repeats cannot be told exactly.",
    ),
    "in_words": (
        "TIP-rapporten gir ikke noe tall for året, bare ord (se tallet); det leses aldri som 0.",
        "The TIP report gives no number for the year, only words (see the figure); never read as 0.",
    ),
    "differs": (
        "TIPs tall skiller seg fra KOMs og UNODCs: TIP gjengir det myndighetene meldte til USA, "
        "som identifiserte ofre i rapportens egen forstand.",
        "TIP's figure differs from KOM's and UNODC's: TIP gives what the government reported to the United States, "
        "as victims identified in the report's own sense.",
    ),
}
"""How TIP's Norway victims relate to KOM's and UNODC's figures (`tip_relation`), in both languages."""
TIP_WORDS = {
    "nb": {key: nb for key, (nb, _) in TIP_EXPLANATIONS.items()},
    "en": {key: en for key, (_, en) in TIP_EXPLANATIONS.items()},
}


def _totals(facts: pl.DataFrame, source: str, measure: str) -> pl.DataFrame:
    """The all-breakdowns figures of one measure for Norway."""
    return facts.filter(
        (pl.col("source") == source)
        & (pl.col("measure") == measure)
        & (pl.col("geo") == GEO)
        & is_all_breakdowns_total()
    )


def _per_year(rows: pl.DataFrame, years: pl.DataFrame) -> pl.DataFrame:
    """One row per year: the single-year figure, or else a per-year level of a period covering it."""
    single = rows.filter(pl.col("period") == pl.col("year").cast(pl.String))
    levels = rows.filter(has_flag("annual_in_period"))
    bounds = pl.col("period").str.split("-")
    levels = levels.with_columns(first=bounds.list.first().cast(pl.Int32), last=bounds.list.last().cast(pl.Int32))
    covered = years.join(levels.drop("year"), how="cross").filter(pl.col("year").is_between("first", "last"))
    covered = covered.join(single.select("year"), on="year", how="anti").drop("first", "last")
    return pl.concat([single, covered.select(single.columns)]).unique("year", keep="first")


def prefixed_columns(rows: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Per year, a figure's value, bounds, flags and place, named `<prefix>`, `<prefix>_low`, … for a wide table."""
    return rows.select(
        "year",
        pl.col("value").alias(prefix),
        pl.col("value_low").alias(f"{prefix}_low"),
        pl.col("value_high").alias(f"{prefix}_high"),
        pl.col("flags").alias(f"{prefix}_flags"),
        pl.col("source_location").alias(f"{prefix}_location"),
    )


def _exact(prefix: str) -> pl.Expr:
    value = pl.col(prefix)
    return value.is_not_null() & (pl.col(f"{prefix}_low") == value) & (pl.col(f"{prefix}_high") == value)


def _within(prefix: str, unodc: pl.Expr) -> pl.Expr:
    low, high = pl.col(f"{prefix}_low"), pl.col(f"{prefix}_high")
    bounded = pl.col(prefix).is_null() & (low.is_not_null() | high.is_not_null())
    return bounded & (unodc >= low.fill_null(0)) & (unodc <= high.fill_null(float("inf")))


def _relation(first_after_break: int | None) -> pl.Expr:
    """The relation code of the module docstring, from the joined columns."""
    unodc = pl.col("unodc_victims_detected")
    assisted, identified = "kom_victims_assisted", "kom_victims_identified"
    has_kom = pl.col(assisted).is_not_null() | pl.col(identified).is_not_null()
    has_kom = has_kom | pl.col(f"{assisted}_high").is_not_null() | pl.col(f"{identified}_high").is_not_null()
    approximate = has_flag("approximate", f"{assisted}_flags") | has_flag("approximate", f"{identified}_flags")
    gap_end = first_after_break if first_after_break is not None else KOM_LAST_YEAR_BEFORE_BREAK + 1
    in_gap = pl.col("year").is_between(KOM_LAST_YEAR_BEFORE_BREAK + 1, gap_end - 1)
    return (
        pl.when(unodc.is_null())
        .then(None)
        .when(_exact(assisted) & (unodc == pl.col(assisted)))
        .then(pl.lit("victims_assisted"))
        .when(_exact(identified) & (unodc == pl.col(identified)))
        .then(pl.lit("victims_identified"))
        .when(_within(assisted, unodc))
        .then(pl.lit("within_assisted_range"))
        .when(_within(identified, unodc))
        .then(pl.lit("within_identified_range"))
        .when(approximate)
        .then(pl.lit("kom_approximate"))
        .when(has_kom)
        .then(pl.lit("none"))
        .when(in_gap)
        .then(pl.lit("no_official_total"))
        .otherwise(pl.lit("no_kom_figure"))
    )


def _tip_relation() -> pl.Expr:
    """How TIP's figure for the year relates to KOM's and UNODC's (`TIP_EXPLANATIONS`)."""
    figure = pl.col("tip_victims_reported_identified")
    in_words = has_flag("stated_in_words", "tip_victims_reported_identified_flags")
    approximate = has_flag("approximate", "tip_victims_reported_identified_flags")
    return (
        pl.when(in_words)
        .then(pl.lit("in_words"))
        .when(figure.is_null())
        .then(None)
        .when(approximate)
        .then(pl.lit("approximate"))
        .when(_exact("kom_victims_assisted") & (figure == pl.col("kom_victims_assisted")))
        .then(pl.lit("kom_assisted"))
        .when(_exact("kom_victims_identified") & (figure == pl.col("kom_victims_identified")))
        .then(pl.lit("kom_identified"))
        .when(figure == pl.col("unodc_victims_detected"))
        .then(pl.lit("unodc"))
        .otherwise(pl.lit("differs"))
    )


def _first_kom_year_after_break(kom: list[pl.DataFrame]) -> int | None:
    starts = pl.concat([rows.select(first=pl.col("period").str.split("-").list.first().cast(pl.Int32)) for rows in kom])
    after = starts.filter(pl.col("first") > KOM_LAST_YEAR_BEFORE_BREAK)["first"]
    return after.min() if after.len() else None


def reconciliation(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year with a UNODC or KOM figure: the figures, how UNODC's relates to KOM's, and why in words."""
    kom = [_totals(facts, "kom", measure) for measure in KOM_MEASURES]
    unodc = _totals(facts, *UNODC).filter(pl.col("period") == pl.col("year").cast(pl.String))
    tip = _totals(facts, *TIP).filter(pl.col("period") == pl.col("year").cast(pl.String))
    single_kom_years = [rows.filter(pl.col("period") == pl.col("year").cast(pl.String)).select("year") for rows in kom]
    years = pl.concat([unodc.select("year"), *single_kom_years]).unique()
    joined = years
    for measure, rows in zip(KOM_MEASURES, kom, strict=True):
        joined = joined.join(prefixed_columns(_per_year(rows, years), f"kom_{measure}"), on="year", how="left")
    joined = joined.join(prefixed_columns(unodc, "unodc_victims_detected"), on="year", how="left")
    joined = joined.join(prefixed_columns(tip, "tip_victims_reported_identified"), on="year", how="left")
    joined = joined.with_columns(geo=pl.lit(GEO), unodc_relation_to_kom=_relation(_first_kom_year_after_break(kom)))
    joined = joined.with_columns(tip_relation=_tip_relation())
    relation, tip_relation = pl.col("unodc_relation_to_kom"), pl.col("tip_relation")
    return (
        joined.with_columns(
            explanation_nb=relation.replace_strict({key: nb for key, (nb, _) in EXPLANATIONS.items()}, default=None),
            explanation_en=relation.replace_strict({key: en for key, (_, en) in EXPLANATIONS.items()}, default=None),
            tip_explanation_nb=tip_relation.replace_strict(
                {k: nb for k, (nb, _) in TIP_EXPLANATIONS.items()}, default=None
            ),
            tip_explanation_en=tip_relation.replace_strict(
                {k: en for k, (_, en) in TIP_EXPLANATIONS.items()}, default=None
            ),
        )
        .select(
            "geo",
            *[c for c in joined.columns if c != "geo"],
            "explanation_nb",
            "explanation_en",
            "tip_explanation_nb",
            "tip_explanation_en",
        )
        .sort("year")
    )


def concept_switches(reconciliation: pl.DataFrame) -> list[int]:
    """Years in which UNODC's Norway figure follows another KOM concept than in the last year it could be told.

    UNODC reported KOM's newly identified victims up to 2013 and the assisted victims from 2014:
    the year of such a switch starts a new segment of UNODC's series (flag `series_break`).
    """
    known = reconciliation.sort("year").select(
        "year", concept=pl.col("unodc_relation_to_kom").replace_strict(CONCEPT_OF_RELATION, default=None)
    )
    known = known.drop_nulls("concept")
    switched = known.filter(pl.col("concept") != pl.col("concept").shift(1))
    return switched["year"].to_list()


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={"facts": dg.AssetIn(key=["harmonised", "fact_indicator"])},
    kinds={"duckdb"},
)
def reconciliation_norway(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year: KOM's presumed victims assisted and newly identified beside UNODC's detected victims and TIP's
    victims identified for Norway, and how UNODC's and TIP's figures relate to KOM's (see above)."""
    return reconciliation(facts)


reconciliation_norway_unique_key = unique_key_check(dg.AssetKey(["marts", "reconciliation_norway"]), ["geo", "year"])
