"""The release calendar: when each source's next edition is expected, and whether that month has passed.

The expected month is data the analysts keep in the register of sources (`data/reference/sources.csv`,
`next_expected`, `YYYY-MM`; empty when the publisher has not said). A month that has passed without
the register being moved on is overdue: either the publisher is late or the register needs updating.
"""

from dataclasses import dataclass
from datetime import date

from core.sources import Source, of_kind
from reporting.texts import text

PUBLISHED_KINDS = ("curated", "download", "api")
"""The sources a publisher releases (the project's own reference tables have no calendar)."""
STATES = ("overdue", "this_month", "ahead", "not_announced")


@dataclass(frozen=True)
class Expected:
    """One source in the calendar: the month its next edition is expected in (None when not announced), and
    where that month stands against today (one of `STATES`)."""

    source: Source
    month: tuple[int, int] | None
    state: str


def release_calendar(today: date) -> list[Expected]:
    """Every publisher's source, in the register's order, with its expected next edition as of `today`."""
    now = (today.year, today.month)
    calendar = []
    for source in of_kind(*PUBLISHED_KINDS):
        if not source.next_expected:
            calendar.append(Expected(source, None, "not_announced"))
            continue
        year, month = map(int, source.next_expected.split("-"))
        state = "overdue" if (year, month) < now else "this_month" if (year, month) == now else "ahead"
        calendar.append(Expected(source, (year, month), state))
    return calendar


def expected_text(entry: Expected, language: str) -> str:
    """`desember 2026`, or that the publisher has not announced its next edition."""
    if entry.month is None:
        return text("calendar.not_announced", language)
    year, month = entry.month
    return text("words.month", language, month=text(f"month.{month}", language), year=year)


def state_text(entry: Expected, language: str) -> str:
    """Where the expected month stands: passed (`forsinket`), this month, still ahead, or not announced."""
    return text(f"calendar.state_{entry.state}", language)
