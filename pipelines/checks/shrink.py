"""A new release may revise figures, never lose them in silence.

Each downloaded source's new figures are compared with what the current publication holds for it
(its last good release): a measure or a place that disappears, any figure for Norway that
disappears, more than `MAX_LOST_SHARE` of the figures gone, or a measure's total over all places
and years falling by more than `MAX_TOTAL_FALL` is refused by a blocking check, so the source stays
at its last good release. Publishers restate earlier years; they do not drop a country or half
their records. A source may also say what defines its figures (`definitions`: SSB's offence codes per
table): a definition that changes between releases is held the same way, so another offence's counts are
never published under the old name in silence. An operator who knows a shrink or a change is real accepts it for one
refresh:
`python -m pipelines.refresh --accept-shrink unodc_glotip` (the run tag `trafficking/accept_shrink`).
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from core.vocabulary import NORWAY, is_all_breakdowns_total
from pipelines.warehouse import Warehouse

ACCEPT_TAG = "trafficking/accept_shrink"
MAX_LOST_SHARE = 0.02
MAX_TOTAL_FALL = 0.10
SHOWN = 5
MAX_POPULATION_REVISION = 0.10
"""A population revised by more than this share is held: censuses revise by a few per cent, not tenfold."""
JUMP_FACTOR = 10.0
JUMP_FLOOR = 10.0
"""A count of at least `JUMP_FLOOR` that becomes `JUMP_FACTOR` times larger or smaller is held: an order of
magnitude is a unit or a misplaced digit, not a revision."""


def accepted_sources(tags: dict[str, str]) -> set[str]:
    """The sources whose shrink an operator accepted for this run."""
    return {source for source in tags.get(ACCEPT_TAG, "").split(",") if source}


def losses(old: pl.DataFrame, new: pl.DataFrame, key: Sequence[str]) -> list[str]:
    """What the new figures lost against the old, one sentence each (empty when nothing beyond a revision)."""
    if old.is_empty():
        return []
    problems = []
    lost = old.join(new, on=list(key), how="anti", nulls_equal=True)
    if "measure" in key:
        gone = sorted(set(old["measure"]) - set(new["measure"]))
        if gone:
            problems.append(f"measures gone: {gone}")
    places = sorted(set(old["geo"].drop_nulls()) - set(new["geo"].drop_nulls()))
    if places:
        problems.append(f"{len(places)} place(s) gone: {places[:SHOWN]}{' …' if len(places) > SHOWN else ''}")
    norway = lost.filter(pl.col("geo") == NORWAY)
    if norway.height:
        examples = norway.select(key).head(SHOWN).to_dicts()
        problems.append(f"{norway.height} figure(s) for Norway gone, e.g. {examples}")
    if lost.height > MAX_LOST_SHARE * old.height:
        problems.append(f"{lost.height} of {old.height} figures gone (more than {MAX_LOST_SHARE:.0%})")
    problems += _emptied_and_jumped(old, new, key)
    if "measure" in key and "value_low" in old.columns:
        problems += _fallen_totals(old, new)
    return problems


def _emptied_and_jumped(old: pl.DataFrame, new: pl.DataFrame, key: Sequence[str]) -> list[str]:
    """Figures that became empty (a value where there is none now: a loss, though the key stays), and figures
    revised beyond any plausible revision (a population by more than 10 %, a count by an order of magnitude)."""
    column = "population" if "population" in old.columns else "value"
    if column not in old.columns or column not in new.columns:
        return []
    pairs = old.select(*key, before=pl.col(column)).join(
        new.select(*key, after=pl.col(column)), on=list(key), how="inner", nulls_equal=True
    )
    problems = []
    emptied = pairs.filter(pl.col("before").is_not_null() & pl.col("after").is_null())
    if emptied.height:
        examples = emptied.select(key).head(SHOWN).to_dicts()
        problems.append(f"{emptied.height} figure(s) became empty, e.g. {examples}")
    ratio = pl.col("after") / pl.col("before")
    if column == "population":
        jumped = pairs.filter(pl.col("before") > 0, (ratio - 1).abs() > MAX_POPULATION_REVISION)
        limit = f"more than {MAX_POPULATION_REVISION:.0%}"
    else:
        jumped = pairs.filter(pl.col("before") >= JUMP_FLOOR, (ratio >= JUMP_FACTOR) | (ratio <= 1 / JUMP_FACTOR))
        limit = f"{JUMP_FACTOR:.0f} times or more"
    if jumped.height:
        examples = [
            {**{name: row[name] for name in key}, "before": row["before"], "after": row["after"]}
            for row in jumped.head(SHOWN).to_dicts()
        ]
        problems.append(f"{jumped.height} figure(s) revised by {limit}, e.g. {examples}")
    return problems


def _fallen_totals(old: pl.DataFrame, new: pl.DataFrame) -> list[str]:
    """Measures whose total over every place and year (all breakdowns) fell by more than `MAX_TOTAL_FALL`."""

    def totals(frame: pl.DataFrame) -> dict[str, float]:
        rows = frame.filter(is_all_breakdowns_total(), pl.col("period") == pl.col("year").cast(pl.String))
        return dict(rows.group_by("measure").agg(pl.col("value_low").sum()).iter_rows())

    before, after = totals(old), totals(new)
    return [
        f"total of {measure} fell from {before[measure]:,.0f} to {after.get(measure, 0):,.0f}"
        for measure in sorted(before)
        if before[measure] and after.get(measure, 0) < (1 - MAX_TOTAL_FALL) * before[measure]
    ]


def published_rows(published: Path, query: str, parameters: list) -> pl.DataFrame | None:
    """Rows of the current publication, or None when there is none (the first refresh)."""
    if not published.exists():
        return None
    with duckdb.connect(str(published), read_only=True) as connection:
        return connection.sql(query, params=parameters).pl()


Definitions = Callable[[pl.DataFrame], dict[str, str]]
"""What defines a source's figures, from its facts: {what (`table 08484`): its definition (`offence code(s) 1B07`)}."""


def definition_changes(old: pl.DataFrame, new: pl.DataFrame, definitions: Definitions | None) -> list[str]:
    """One sentence per definition that changed since the last good release (none when `definitions` is None)."""
    if definitions is None or old.is_empty() or new.is_empty():
        return []
    before, after = definitions(old), definitions(new)
    changed = [
        f"{what}: {before[what]} -> {after[what]}"
        for what in sorted(before)
        if what in after and after[what] != before[what]
    ]
    return [f"definition changed since the last good release: {'; '.join(changed)}"] if changed else []


def shrink_check(
    asset_key: dg.AssetKey,
    source_id: str,
    published_query: str,
    key: Sequence[str],
    definitions: Definitions | None = None,
) -> dg.AssetChecksDefinition:
    """A blocking check of `asset_key` against the current publication's rows for `source_id` (see the module)."""

    @dg.asset_check(
        asset=asset_key,
        name="no_unexplained_loss",
        blocking=True,
        description=f"{source_id}: nothing lost or emptied since the last good release, nothing revised beyond reason.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: Warehouse, table: pl.DataFrame
    ) -> dg.AssetCheckResult:
        old = published_rows(warehouse.paths.published, published_query, [source_id])
        if old is None or table.is_empty():
            return dg.AssetCheckResult(passed=True, description="nothing to compare with (no earlier publication)")
        problems = losses(old, table, key) + definition_changes(old, table, definitions)
        accepted = source_id in accepted_sources(context.run.tags)
        said = "; ".join(problems)
        if problems and accepted:
            return dg.AssetCheckResult(
                passed=True, description=f"shrink accepted by the operator for this refresh: {said}"
            )
        return dg.AssetCheckResult(
            passed=not problems,
            description=f"{source_id}'s new release lost figures its last good release had: {said} "
            f"(accept it for one refresh with --accept-shrink {source_id})"
            if problems
            else "nothing lost beyond a revision",
            metadata={"problems": dg.MetadataValue.json(problems)},
        )

    return _check
