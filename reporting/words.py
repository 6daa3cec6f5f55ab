"""The register of words for readers: dates, releases and reasons as an official reads them.

What the pipeline records is precise and technical (ISO timestamps in UTC, release tags such as
`2025-11` or `sha256:53d568631dba`, the refresh's own error message); pages and the pack's front
sheet say it in a sentence in the reader's language: "UNODC, utgave november 2025, hentet
2. desember 2026 kl. 17.24", "fikk ikke kontakt med UNODC". The technical text stays available to
analysts, marked as such, on *Definisjoner og kilder* only.

Which sentence a reason gets is data: `reasons.csv` (a pattern of the refresh's message and the
reason it means, first match wins).
"""

import csv
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from core.vocabulary import geo_table
from reporting.texts import text, texts

OSLO = ZoneInfo("Europe/Oslo")
REASONS_FILE = Path(__file__).with_name("reasons.csv")
RELEASE_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
RELEASE_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
RELEASE_YEAR = re.compile(r"^v?(\d{4})$")
RELEASE_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
RELEASE_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
AGE_BAND = re.compile(r"^(\d+)--(\d+)$")
AGE_FROM = re.compile(r"^(\d+)\+$")
CURATED_LINE = re.compile(r"^[\w.-]+\.csv, line \d+: ")
"""How a curated file's figure names where it stands (`kom_figures.csv, line 16: `), before the publication."""


def day_text(day: date, language: str) -> str:
    """`2. desember 2026` / `2 December 2026`."""
    month = text(f"month.{day.month}", language)
    return text("words.day", language, day=day.day, month=month, year=day.year)


def moment_text(moment: str | datetime | None, language: str) -> str:
    """An ISO timestamp as Oslo time: `2. desember 2026 kl. 17.24` / `2 December 2026, 17:24`."""
    if moment is None or moment == "":
        return text("words.unknown_time", language)
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = parsed.astimezone(OSLO) if parsed.tzinfo else parsed
    return text("words.moment", language, day=day_text(local.date(), language), hour=local.hour, minute=local.minute)


def dated_text(value: str | None, language: str) -> str | None:
    """A publisher's date for an edition as a reader writes it: `2023-05-30`, `20210825` or a timestamp as a day,
    `2025-11` as a month, `2023` or `v2024` as a year; None when `value` is no date (a checksum, nothing)."""
    value = (value or "").strip()
    if found := RELEASE_DAY.match(value) or RELEASE_COMPACT_DAY.match(value):
        try:
            return day_text(date(*map(int, found.groups())), language)
        except ValueError:  # digits that are no day (`20219999`)
            return None
    if found := RELEASE_MONTH.match(value):
        year, month = map(int, found.groups())
        return text("words.month", language, month=text(f"month.{month}", language), year=year)
    if found := RELEASE_YEAR.match(value):
        return found.group(1)
    if RELEASE_MOMENT.match(value):
        return day_text(_local_day(value.replace("Z", "+00:00")), language)
    return None


def edition_text(edition: str | None, release: str | None, language: str) -> str:
    """A source's edition as a reader names it: the publisher's own date for it (`edition`, read from the file),
    else the date in its release (`utgave november 2025`); `udatert utgave` when the publisher gives none. The day
    a file was fetched is never its edition."""
    named = dated_text(edition, language) or dated_text(release, language)
    if named is None:
        return text("words.release_undated", language)
    return text("words.release_dated", language, date=named)


def release_text(release: str | None, retrieved_at: str | None, language: str) -> str:
    """A release as a reader names it (`utgave november 2025`); one the publisher gives no date is said to be
    undated, with the day it was retrieved."""
    if named := dated_text(release, language):
        return text("words.release_dated", language, date=named)
    if retrieved_at:
        return text("words.release_retrieved", language, date=day_text(_local_day(retrieved_at), language))
    return text("words.release_unknown", language)


def _local_day(moment: str) -> date:
    parsed = datetime.fromisoformat(moment)
    return (parsed.astimezone(OSLO) if parsed.tzinfo else parsed).date()


@cache
def _reason_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    with REASONS_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple((re.compile(row["pattern"], re.IGNORECASE), row["reason"]) for row in csv.DictReader(handle))


def reason_kind(reason: str | None) -> str:
    """Which of the known reasons (`reasons.csv`) the refresh's message is; `other` when none matches."""
    for pattern, kind in _reason_patterns():
        if reason and pattern.search(reason):
            return kind
    return "other"


def reason_text(reason: str | None, source_id: str, language: str) -> str:
    """Why a source is not current, in a sentence: `fikk ikke kontakt med UNODC`."""
    publisher = text(f"publisher.{source_id}", language)
    return text(f"reason.{reason_kind(reason)}", language, publisher=publisher)


def year_span(first: int, last: int) -> str:
    """`2022–2024` (an en dash), or one year."""
    return str(first) if first == last else f"{first}–{last}"


def year_runs(years: list[int]) -> list[str]:
    """Sorted years with each run of consecutive ones as a span: [2003, 2004, 2005, 2009] -> `2003–2005`, `2009`."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return [year_span(run[0], run[-1]) for run in runs]


def period_text(period: str) -> str:
    """A stored period (`2022-2024`) with an en dash, as a reader writes it."""
    return period.replace("-", "–")


def listing(items: list[str], language: str) -> str:
    """`a, b og c` / `a, b and c`."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text('words.and', language)} {items[-1]}"


def publication_named(location: str | None) -> str:
    """Where a curated figure comes from as a reader names it: the publication and its address, without the
    project's file and line (`kom_figures.csv, line 16: Bergens Tidende: … (https://…)` -> `Bergens Tidende: …`)."""
    return CURATED_LINE.sub("", location or "")


def category_text(dimension: str, code: str, language: str) -> str | None:
    """A category the canonical vocabulary has no label for, as a reader reads it: a source's own category (the
    text `category.<dimension>.<code>`: CTDC's means of control), an age band (`09--17` -> `9–17 år`), an unknown
    one (`ukjent`); None when there is no word for it."""
    if (key := f"category.{dimension}.{code}") in texts():
        return text(key, language)
    if code.lower() in ("unknown", "unresolved"):
        return text(f"category.{code.lower()}", language)
    if found := AGE_BAND.match(code):
        return text("category.age_band", language, low=int(found[1]), high=int(found[2]))
    if found := AGE_FROM.match(code):
        return text("category.age_from", language, low=int(found[1]))
    return None


@cache
def place_names(language: str) -> dict[str, str]:
    """Every geo code (`data/reference/geo.csv`: countries and named areas) -> its name in `language`."""
    return dict(geo_table().select("geo", f"name_{language}").iter_rows())
