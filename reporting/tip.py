"""The US Trafficking in Persons (TIP) report for readers: Norway's tier by edition and its downgrade, Norway's
stated figures (a year stated only in words shown as words), and TIP's world law enforcement figures beside
the sum of what countries reported to UNODC. The dashboard's pages and the pack ask these alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import polars as pl

from core.vocabulary import NORWAY, WORLD
from reporting.catalogue import definition_ids
from reporting.figures import reader_style, with_shown
from reporting.texts import text
from reporting.words import listing, year_runs

Tables = Mapping[str, pl.DataFrame]
TIER = "tip.tier"
COUNTRY = r"^[A-Z]{3}$"
"""A country's geo code (ISO 3166-1 alpha-3); regions and groupings have longer codes."""


def tier_rows(tables: Tables, language: str) -> pl.DataFrame:
    """Norway's tier in every edition (`year` = the edition), each written `Nivå 1` / `Tier 1`."""
    tiers = tables["series_totals"].filter((pl.col("definition_id") == TIER) & (pl.col("geo") == NORWAY))
    written = [text("tip.tier_value", language, tier=int(value)) for value in tiers["value"].to_list()]
    return tiers.sort("year").with_columns(
        series=pl.lit(text("tip.tier_series", language)),
        shown=pl.Series(written, dtype=pl.String),
    )


def downgrades(tiers: pl.DataFrame) -> list[dict[str, int]]:
    """Every edition whose tier is lower (a higher number) than the edition before: edition, previous and new tier."""
    rows = tiers.sort("year").select("year", "value").rows()
    return [
        {"edition": year, "previous": int(before), "tier": int(value)}
        for (_, before), (year, value) in pairwise(rows)
        if value > before
    ]


def downgrade_sentence(tables: Tables, language: str) -> str | None:
    """The newest downgrade in a sentence, with the prosecutions and convictions of the year it judged as
    the report gives them (None without a downgrade)."""
    found = downgrades(tier_rows(tables, language))
    if not found:
        return None
    last = found[-1]
    sentence = text("tip.downgrade", language, **last)
    judged = norway_stated(tables, language).filter(pl.col("period") == str(last["edition"] - 1))
    shown = dict(zip(judged["measure"].to_list(), judged["shown"].to_list(), strict=True))
    if {"prosecutions", "convictions"} <= shown.keys():
        sentence += " " + text(
            "tip.downgrade_reason",
            language,
            year=last["edition"] - 1,
            prosecutions=shown["prosecutions"],
            convictions=shown["convictions"],
        )
    return sentence


def norway_stated(tables: Tables, language: str) -> pl.DataFrame:
    """Norway's figures the narratives state (the catalogue's `justice/tip_norway` series), as the reader sees them."""
    totals = tables["series_totals"].filter(
        (pl.col("geo") == NORWAY) & pl.col("definition_id").is_in(definition_ids("justice", "tip_norway"))
    )
    return with_shown(totals.sort("measure", "year"), reader_style(language))


def unodc_country_totals(tables: Tables, measures: list[str]) -> pl.DataFrame:
    """Each country's yearly total reported to UNODC for `measures` (no breakdown)."""
    return tables["fact_indicator"].filter(
        (pl.col("source") == "unodc_glotip")
        & pl.col("measure").is_in(measures)
        & pl.col("geo").str.contains(COUNTRY)
        & (pl.col("period") == pl.col("year").cast(pl.String))
        & (pl.col("sex") == "total")
        & (pl.col("age_group") == "total")
        & (pl.col("exploitation_form") == "total")
        & (pl.col("counterpart_type") == "none")
    )


def unodc_world_sums(tables: Tables, measures: list[str]) -> pl.DataFrame:
    """Per year, the sum of what countries reported to UNODC for each measure, and how many countries reported.

    A country's hidden small count adds its bounds (1 to 4): such a year keeps the range in `value_low`/`value_high`
    and is shown as about its middle (flag `approximate`), never with the hidden count read as 0.
    """
    facts = unodc_country_totals(tables, measures)
    low = pl.coalesce("value", "value_low")
    high = pl.coalesce("value", "value_high")
    sums = facts.group_by("measure", "year").agg(
        countries=pl.col("geo").n_unique(),
        value_low=low.sum(),
        value_high=pl.when(high.is_null().any()).then(None).otherwise(high.sum()),
        exact=pl.col("value").is_not_null().all(),
    )
    bounded = ~pl.col("exact") & pl.col("value_high").is_not_null()
    return sums.with_columns(
        value=pl.when("exact")
        .then(pl.col("value_low"))
        .when(bounded)
        .then(((pl.col("value_low") + pl.col("value_high")) / 2).round()),
        flags=pl.when(bounded).then(pl.lit("approximate")).otherwise(pl.lit("")),
    ).drop("exact")


ONE_COUNTRY_SHARE = 0.5
"""A sum over countries is said to be mostly one country's when that country reported more than this share of it."""


def one_country_years(tables: Tables, measure: str) -> pl.DataFrame:
    """The years (`year`, `share` 0-1) in which one country reported more than `ONE_COUNTRY_SHARE` of the sum over
    the countries reporting `measure` to UNODC (exact figures; a hidden small count cannot tip it)."""
    exact = unodc_country_totals(tables, [measure]).filter(pl.col("value").is_not_null())
    shares = exact.group_by("year").agg(share=pl.col("value").max() / pl.col("value").sum())
    return shares.filter(pl.col("share") > ONE_COUNTRY_SHARE).sort("year")


def one_country_note(tables: Tables, measure: str, language: str) -> str | None:
    """A sentence naming the years in which the UNODC sum is mostly one country's figure, with its share, or None:
    in such a year the line says more about that country's counting than about the world."""
    years = one_country_years(tables, measure)
    if years.is_empty():
        return None
    low, high = (round(100 * share) for share in (years["share"].min(), years["share"].max()))
    return text(
        "world.one_country_share",
        language,
        years=listing(year_runs(years["year"].to_list()), language),
        shares=f"{low}–{high}" if low != high else str(low),
    )


def world_comparison(tables: Tables, tip_id: str, unodc_id: str, language: str) -> pl.DataFrame:
    """TIP's world figure of one measure beside the sum over countries reporting to UNODC, year by year."""
    tip = tables["series_totals"].filter((pl.col("definition_id") == tip_id) & (pl.col("geo") == WORLD))
    unodc_measure = unodc_id.split(".", 1)[1]
    unodc = unodc_world_sums(tables, [unodc_measure]).with_columns(
        definition_id=pl.lit(unodc_id),
        period=pl.col("year").cast(pl.String),
        source_location=pl.format(text("tip.unodc_sum_location", language), pl.col("countries")),
    )
    columns = ["year", "period", "value", "value_low", "value_high", "flags", "definition_id", "source_location"]
    both = pl.concat(
        [
            tip.select(columns).with_columns(series=pl.lit(text("tip.world_series_tip", language))),
            unodc.select(columns).with_columns(series=pl.lit(text("tip.world_series_unodc", language))),
        ]
    )
    return with_shown(both.sort("series", "year"), reader_style(language))
