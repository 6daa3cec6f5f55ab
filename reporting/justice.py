"""The justice chain: Norway's figures from police report to conviction, each with the penal provision it counts under.

`series_totals` does not carry the penal provision; the facts do (`legal_basis`, from
`data/reference/legal_basis.csv`), and a series' figure takes it from its total fact (no breakdown,
no counterpart). The Straffesakskjeden page and the pack's `justice_chain_norway` table both build
the chain here.
"""

from collections.abc import Iterable

import polars as pl

from core.vocabulary import NO_COUNTERPART, NORWAY, TOTAL

JOIN_KEY = ["definition_id", "geo", "period"]


def justice_chain(
    series_totals: pl.DataFrame, facts: pl.DataFrame, definition_ids: Iterable[str], years: tuple[int, int]
) -> pl.DataFrame:
    """Norway's figures of `definition_ids` in `years` (first and last, both included), with `legal_basis`."""
    figures = series_totals.filter(
        (pl.col("geo") == NORWAY)
        & pl.col("definition_id").is_in(list(definition_ids))
        & pl.col("year").is_between(*years)
    )
    return figures.join(legal_bases(facts), on=JOIN_KEY, how="left")


def legal_bases(facts: pl.DataFrame) -> pl.DataFrame:
    """The penal provision of each series' total figure: `definition_id`, `geo`, `period`, `legal_basis`."""
    totals = facts.filter(
        (pl.col("sex") == TOTAL)
        & (pl.col("age_group") == TOTAL)
        & (pl.col("exploitation_form") == TOTAL)
        & (pl.col("counterpart_type") == NO_COUNTERPART)
    )
    return totals.select(*JOIN_KEY, "legal_basis").unique()


AGREEING = ("equal", "differs")
"""Relations between two exact figures (the others say a figure is missing, approximate or a bound)."""


def agreement(reconciliation: pl.DataFrame, relation_column: str) -> dict[str, object]:
    """Over the years the justice reconciliation compares two exact figures (`relation_column`, such as
    `ssb_relation_to_kom`): how many years, in how many they are equal, and the years they differ."""
    if relation_column not in reconciliation.columns:
        return {"shared": 0, "equal": 0, "differing_years": []}
    compared = reconciliation.filter(pl.col(relation_column).is_in(AGREEING))
    differing = compared.filter(pl.col(relation_column) == "differs")["year"].sort().to_list()
    return {"shared": compared.height, "equal": compared.height - len(differing), "differing_years": differing}
