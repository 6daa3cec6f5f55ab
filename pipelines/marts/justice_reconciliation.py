"""Norway's first step of the justice chain from three sources side by side: KOM's police reports, UNODC's
offences recorded and SSB's reported offences, per year, and how they relate; and the US TIP report's Norway
prosecutions and convictions beside UNODC's, KOM's and SSB's nearest figures (`reconciliation_tip_justice_norway`).

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

from collections.abc import Callable

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
TIP_SERIES = {
    "tip_prosecutions": ("tip", "prosecutions"),
    "unodc_persons_prosecuted": ("unodc_glotip", "persons_prosecuted"),
    "tip_convictions": ("tip", "convictions"),
    "unodc_persons_convicted": ("unodc_glotip", "persons_convicted"),
    "kom_convicting_judgments": ("kom", "convicting_judgments"),
    "ssb_sanctions": ("ssb", "sanctions"),
}
"""`reconciliation_tip_justice_norway`: TIP's Norway prosecutions and convictions beside the other sources' nearest
figures of the same year (column prefix -> source, measure)."""
TIP_PAIRS = (("tip_prosecutions", "unodc_persons_prosecuted"), ("tip_convictions", "unodc_persons_convicted"))
TIP_SENTENCES = {
    "tip_prosecutions": {
        "in_words": (
            "TIP oppgir ikke straffeforfølgningene som tall for året, bare i ord",
            "TIP gives the year's prosecutions only in words, not as a number",
        ),
        "equal": (
            "TIPs straffeforfølgninger er lik UNODCs personer straffeforfulgt ({value:g})",
            "TIP's prosecutions equal UNODC's persons prosecuted ({value:g})",
        ),
        "differs": (
            "TIP oppgir {value:g} straffeforfølgninger (saker, slik myndighetene meldte dem til USA), "
            "UNODC {other:g} personer straffeforfulgt",
            "TIP gives {value:g} prosecutions (cases, as the government reported them to the US), "
            "UNODC {other:g} persons prosecuted",
        ),
        "not_exact": (
            "TIP oppgir {value:g} straffeforfølgninger; UNODCs tall er skjult (<5) eller en grense",
            "TIP gives {value:g} prosecutions; UNODC's figure is hidden (<5) or a bound",
        ),
        "no_figure": (
            "TIP oppgir {value:g} straffeforfølgninger (saker); UNODC har ikke tall for året",
            "TIP gives {value:g} prosecutions (cases); UNODC has no figure for the year",
        ),
    },
    "tip_convictions": {
        "in_words": (
            "TIP oppgir ikke domfellelsene som tall for året, bare i ord",
            "TIP gives the year's convictions only in words, not as a number",
        ),
        "equal": (
            "TIPs domfellelser er lik UNODCs personer domfelt ({value:g})",
            "TIP's convictions equal UNODC's persons convicted ({value:g})",
        ),
        "differs": (
            "TIP oppgir {value:g} domfellelser (også etter andre straffebud, som hallikvirksomhet), "
            "UNODC {other:g} personer domfelt for menneskehandel",
            "TIP gives {value:g} convictions (also under other provisions, such as pimping), "
            "UNODC {other:g} persons convicted of trafficking",
        ),
        "not_exact": (
            "TIP oppgir {value:g} domfellelser; UNODCs tall er skjult (<5) eller en grense",
            "TIP gives {value:g} convictions; UNODC's figure is hidden (<5) or a bound",
        ),
        "no_figure": (
            "TIP oppgir {value:g} domfellelser; UNODC har ikke tall for året",
            "TIP gives {value:g} convictions; UNODC has no figure for the year",
        ),
    },
}
"""How a TIP figure relates to UNODC's of the same year, by what each counts (0: Norwegian, 1: English)."""
TIP_DEFINITIONS = (
    "KOM teller fellende dommer (saker) og SSB straffereaksjoner etter hovedlovbrudd; ingen av dem er TIPs begrep.",
    "KOM counts convicting judgments (cases) and SSB sanctions by principal offence; neither is TIP's concept.",
)
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
    source, measure = (SERIES | TIP_SERIES)[prefix]
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
    joined = _by_year(years, frames).with_columns(
        *(relation(a, b).alias(relation_column(a, b)) for a, b in PAIRS),
        *(pl.when(relation(a, b).is_in(["equal", "differs"])).then(pl.col(a) - pl.col(b)).alias(difference_column(a, b))
          for a, b in PAIRS),
    )  # fmt: skip
    return _explained(joined, explanation)


def _by_year(years: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """`years` with each series' columns beside it (empty where a series has no figure that year)."""
    joined = years
    for frame in frames.values():
        joined = joined.join(frame, on="year", how="left")
    return joined


def _explained(joined: pl.DataFrame, explain: Callable[[dict, int], str]) -> pl.DataFrame:
    """`joined` for Norway with each year's explanation in Norwegian and English (`explain(row, 0 or 1)`)."""
    rows = joined.to_dicts()
    return (
        joined.with_columns(
            geo=pl.lit(NORWAY),
            explanation_nb=pl.Series([explain(row, 0) for row in rows], dtype=pl.String),
            explanation_en=pl.Series([explain(row, 1) for row in rows], dtype=pl.String),
        )
        .select("geo", *joined.columns, "explanation_nb", "explanation_en")
        .sort("year")
    )


def tip_relation(a: str, b: str) -> pl.Expr:
    """`in_words` when TIP states the year only in words, else the relation of the module docstring."""
    return pl.when(has_flag("stated_in_words", f"{a}_flags")).then(pl.lit("in_words")).otherwise(relation(a, b))


def tip_explanation(row: dict, language: int) -> str:
    """The year's TIP figures against UNODC's, and what KOM and SSB count instead, in sentences."""
    said = []
    for a, b in TIP_PAIRS:
        code = row[f"{a}_relation"]
        if code == "in_words" or row[a] is not None:
            said.append(TIP_SENTENCES[a][code][language].format(value=row[a] or 0, other=row[b] or 0))
    kom_or_ssb = row["kom_convicting_judgments"] is not None or row["ssb_sanctions"] is not None
    sentences = ["; ".join(said)] if said else []
    return " ".join([f"{text[0].upper()}{text[1:]}." for text in sentences] + [TIP_DEFINITIONS[language]] * kom_or_ssb)


def tip_reconciliation(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year with a TIP figure for Norway's prosecutions or convictions: it, the others' figures, relations, why."""
    frames = {prefix: _figures(facts, prefix) for prefix in TIP_SERIES}
    years = pl.concat([frames[prefix].select("year") for prefix in ("tip_prosecutions", "tip_convictions")]).unique()
    joined = _by_year(years, frames).with_columns(tip_relation(a, b).alias(f"{a}_relation") for a, b in TIP_PAIRS)
    return _explained(joined, tip_explanation)


@dg.asset(
    key_prefix="marts",
    group_name="marts",
    ins={"facts": dg.AssetIn(key=["harmonised", "fact_indicator"])},
    kinds={"duckdb"},
)
def reconciliation_tip_justice_norway(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year with a TIP figure: TIP's Norway prosecutions and convictions beside UNODC's persons prosecuted and
    convicted, KOM's convicting judgments and SSB's sanctions, how TIP's relate to UNODC's, and why, in words."""
    return tip_reconciliation(facts)


reconciliation_tip_justice_norway_unique_key = unique_key_check(
    dg.AssetKey(["marts", "reconciliation_tip_justice_norway"]), ["geo", "year"]
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
