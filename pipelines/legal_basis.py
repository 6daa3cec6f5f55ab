"""The penal provision a justice figure counts under, by country, measure and date.

The rule lives in `data/reference/legal_basis.csv`: one row per provision (`kind` = provision, in
force from `first_day` to `last_day`, blank for open) and per transition year (`kind` =
transition). A fact's period runs from 1 January of its first year to 31 December of its last. It
gets the provision whose time in force holds the whole period; failing that, the transition row
that holds it (Norway 2015: `mixed_2015`); failing that (a cumulative figure over both codes), the
provisions it overlaps, joined by ";" in date order. Facts of other countries or measures keep a
null `legal_basis`.
"""

from datetime import date
from functools import cache

import polars as pl

from core.settings import REFERENCE_DIR

LEGAL_BASIS_FILE = REFERENCE_DIR / "legal_basis.csv"
KINDS = ("provision", "transition")
OPEN_START, OPEN_END = date.min, date.max


@cache
def rules() -> pl.DataFrame:
    """The rule file, typed: one row per geo, code and measure, with its days in force."""
    table = pl.read_csv(LEGAL_BASIS_FILE, infer_schema=False, empty_string_is_null=True)
    bad_kind = table.filter(~pl.col("kind").is_in(KINDS))
    if bad_kind.height:
        raise ValueError(f"{LEGAL_BASIS_FILE.name}: kind must be one of {KINDS}: {bad_kind['legal_basis'].to_list()}")
    return (
        table.with_columns(
            first_day=pl.col("first_day").str.to_date("%Y-%m-%d").fill_null(OPEN_START),
            last_day=pl.col("last_day").str.to_date("%Y-%m-%d").fill_null(OPEN_END),
            measure=pl.col("measures").str.split(";"),
        )
        .explode("measure")
        .select("geo", "measure", "legal_basis", "kind", "first_day", "last_day")
    )


def legal_basis_for(geo: str, measure: str, first_year: int, last_year: int) -> str | None:
    """The legal basis of a figure for `geo` and `measure` covering `first_year`–`last_year`."""
    candidates = rules().filter((pl.col("geo") == geo) & (pl.col("measure") == measure))
    if candidates.is_empty():
        return None
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    holds = candidates.filter((pl.col("first_day") <= start) & (pl.col("last_day") >= end))
    for kind in KINDS:
        found = holds.filter(pl.col("kind") == kind)["legal_basis"].to_list()
        if found:
            return found[0]
    overlapping = candidates.filter(
        (pl.col("kind") == "provision") & (pl.col("first_day") <= end) & (pl.col("last_day") >= start)
    ).sort("first_day")
    return ";".join(overlapping["legal_basis"].to_list()) or None


def with_legal_basis(facts: pl.DataFrame) -> pl.DataFrame:
    """Canonical facts with `legal_basis` set where the rule file covers their country and measure."""
    first_year = pl.col("period").str.split("-").list.first().cast(pl.Int32)
    keys = facts.select("geo", "measure", first_year.alias("first_year"), last_year=pl.col("year")).unique()
    keys = keys.filter(pl.col("last_year").is_not_null()).join(
        rules().select("geo", "measure").unique(), on=["geo", "measure"], how="semi"
    )
    found = keys.with_columns(
        found_basis=pl.struct("geo", "measure", "first_year", "last_year").map_elements(
            lambda key: legal_basis_for(key["geo"], key["measure"], key["first_year"], key["last_year"]),
            return_dtype=pl.String,
        )
    )
    joined = facts.with_columns(first_year.alias("first_year"), last_year=pl.col("year")).join(
        found, on=["geo", "measure", "first_year", "last_year"], how="left"
    )
    return joined.with_columns(legal_basis=pl.coalesce("found_basis", "legal_basis")).select(facts.columns)
