"""Source freshness: a warning when a source's newest figure is older than its cadence allows.

The cadences are data (`data/reference/source_freshness.csv`): a source is overdue when its newest
year lies more than `max_years_behind` years before the current year. Overdue is a warning, never
a failure: an old release is still the best figure there is.
"""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from pipelines.settings import REFERENCE_DIR

FRESHNESS_FILE = REFERENCE_DIR / "source_freshness.csv"


def overdue_by(newest_year: int | None, max_years_behind: int, current_year: int) -> int:
    """Years past what the cadence allows (0 when the source is fresh enough)."""
    if newest_year is None:
        return max_years_behind + 1
    return max(0, current_year - max_years_behind - newest_year)


def _freshness_check(row: dict[str, str]) -> dg.AssetChecksDefinition:
    allowed = int(row["max_years_behind"])

    @dg.asset_check(
        asset=dg.AssetKey(["harmonised", f"facts_{row['source']}"]),
        name="source_freshness",
        description=f"{row['source']} ({row['cadence']}): newest figure at most {allowed} years old. {row['note']}",
    )
    def _check(facts: pl.DataFrame) -> dg.AssetCheckResult:
        current_year = datetime.now(UTC).year
        newest = facts["year"].max()
        late = overdue_by(newest, allowed, current_year)
        return dg.AssetCheckResult(
            passed=late == 0,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{row['source']}: newest figure {newest}; overdue by {late} year(s)"
            if late
            else f"{row['source']}: newest figure {newest}",
            metadata={"newest_year": newest, "cadence": row["cadence"], "max_years_behind": allowed},
        )

    return _check


freshness_checks = [_freshness_check(row) for row in pl.read_csv(FRESHNESS_FILE, infer_schema=False).to_dicts()]
