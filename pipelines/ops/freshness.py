"""Source freshness: a warning when a source's newest figure or its release is older than its cadence allows.

The cadences are data (the register of sources, `data/reference/sources.csv`): a source is overdue when its newest
year lies more than `max_years_behind` years before the current year, or when the release it was
read from is older than `max_release_age_years`. The release's date is the publisher's (the month
in UNODC's dated folder, a server's Last-Modified date) or else when that release was first
retrieved, never the time of this run: a source kept at its last good release ages. Overdue is a
warning, never a failure: an old release is still the best figure there is.
"""

import re
from datetime import UTC, date, datetime

import dagster as dg
import polars as pl

from core.sources import Source, register


def overdue_by(newest_year: int | None, max_years_behind: int, current_year: int) -> int:
    """Years past what the cadence allows (0 when the source is fresh enough)."""
    if newest_year is None:
        return max_years_behind + 1
    return max(0, current_year - max_years_behind - newest_year)


def release_date(release: str | None, retrieved_at: str | None) -> date | None:
    """The date of a release: from its name (`2025-11`, `2025-11-03`, or a time such as SSB's
    `2025-03-14T07:00:00Z`), else when it was first retrieved."""
    named = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)?", release or "")
    if named:
        return date(int(named[1]), int(named[2]), int(named[3] or 1))
    return datetime.fromisoformat(retrieved_at).date() if retrieved_at else None


def _freshness_check(entry: Source) -> dg.AssetChecksDefinition:
    allowed = entry.max_years_behind or 0
    max_age = entry.max_release_age_years or allowed
    source = entry.source_id

    @dg.asset_check(
        asset=dg.AssetKey(["harmonised", f"facts_{source}"]),
        name="source_freshness",
        description=f"{source} ({entry.cadence('en')}): newest figure at most {allowed} years old, release at most "
        f"{max_age} years old. {entry.note}",
        additional_ins={"raw": dg.AssetIn(key=["raw", source])},
    )
    def _check(facts: pl.DataFrame, raw: pl.DataFrame) -> dg.AssetCheckResult:
        today = datetime.now(UTC).date()
        newest = facts["year"].max()
        late = overdue_by(newest, allowed, today.year)
        released = release_date(raw["release"][0], raw["retrieved_at"][0])
        age = (today - released).days / 365.25 if released else None
        problems = [f"overdue by {late} year(s)"] if late else []
        if age is not None and age > max_age:
            problems.append(f"release {raw['release'][0]} of {released} is {age:.1f} years old")
        return dg.AssetCheckResult(
            passed=not problems,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{source}: newest figure {newest}, release {raw['release'][0]} ({released})"
            + (f"; {'; '.join(problems)}" if problems else ""),
            metadata={
                "newest_year": newest,
                "release": raw["release"][0],
                "release_date": str(released),
                "status": raw["status"][0],
                "cadence": entry.cadence("en"),
                "max_years_behind": allowed,
            },
        )

    return _check


freshness_checks = [_freshness_check(entry) for entry in register().values() if entry.checks_freshness]
