"""Disclosure control of counts of person-level records: small counts hidden, and what would give them back.

A count from 1 to 4 is never shown: its value is null, its bounds are [1, 4] (`suppressed`).
Complementary suppression: no additive group of published cells may have exactly one hidden cell.
A group is a total and the parts that add up to it (the sexes to all victims, the years to all
years, the age bands to their age group, the countries to their region). Hiding a small count is
not enough when its group is published otherwise: total minus the shown parts gives it back. So
while some group has exactly one hidden cell, the smallest shown part of that group is hidden too
(the total, if no part is left), and the groups are looked at again until none has one hidden cell.
The choice is deterministic (smallest count, then cell id), so every table built from the same
cells hides the same ones. A cell hidden so has a null value, the lower bound 5 and no upper bound
(`complementary_hidden`).
"""

import polars as pl

SMALLEST_SHOWN = 5
SUPPRESSED_BOUNDS = (1.0, 4.0)


def disclose(cells: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """`cells` (`cell` id, `count`, ...) with `count` replaced by what may be published.

    Adds `value`, `value_low`, `value_high` (floats), `suppressed` (a count below 5) and
    `complementary_hidden` (hidden to protect another cell of one of `groups`, as in `complementary_cells`).
    """
    small = pl.col("count") < SMALLEST_SHOWN
    protecting = complementary_cells(cells.select("cell", "count", hidden=small), groups)["cell"].implode()
    extra = pl.col("cell").is_in(protecting)
    low, high = SUPPRESSED_BOUNDS
    count = pl.col("count").cast(pl.Float64)
    return cells.with_columns(
        value=pl.when(small | extra).then(None).otherwise(count),
        value_low=pl.when(small).then(pl.lit(low)).when(extra).then(pl.lit(float(SMALLEST_SHOWN))).otherwise(count),
        value_high=pl.when(small).then(pl.lit(high)).when(extra).then(None).otherwise(count),
        suppressed=small,
        complementary_hidden=extra,
    ).drop("count")


def complementary_cells(cells: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """The cells to hide besides the small ones.

    `cells`: `cell` (id), `count`, `hidden` (the primary suppression). `groups`: `group`, `cell`,
    `is_total` (one total per group, the rest its parts). Returns `cell` and `count` of every cell
    that must be hidden as well, so that no group has exactly one hidden cell.
    """
    hidden = cells.filter(pl.col("hidden")).select("cell")
    members = groups.join(cells.select("cell", "count"), on="cell", how="inner")
    members = members.filter(pl.len().over("group") > 1)
    added = pl.DataFrame(schema={"cell": pl.String})
    while True:
        state = members.with_columns(hidden=pl.col("cell").is_in(hidden["cell"].implode()))
        leaking = state.group_by("group").agg(pl.col("hidden").sum().alias("hidden_cells"))
        leaking = leaking.filter(pl.col("hidden_cells") == 1).select("group")
        if leaking.is_empty():
            break
        candidates = state.join(leaking, on="group").filter(~pl.col("hidden"))
        picked = candidates.sort("group", "is_total", "count", "cell").group_by("group", maintain_order=True).first()
        new = picked.select("cell").unique()
        hidden = pl.concat([hidden, new])
        added = pl.concat([added, new])
    return added.unique().join(cells.select("cell", "count"), on="cell").sort("cell")
