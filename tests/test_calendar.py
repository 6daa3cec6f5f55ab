"""The release calendar (`reporting.calendar`): each publisher's source with the month the register of sources
expects its next edition in, and whether that month has passed, is this month or is still ahead of a given day."""

from datetime import date

import pytest

from core.sources import register
from reporting.calendar import expected_text, release_calendar, state_text
from reporting.texts import texts

ANNOUNCED = {source_id: entry.next_expected for source_id, entry in register().items() if entry.next_expected}


def month_of(expected: str) -> tuple[int, int]:
    year, month = expected.split("-")
    return int(year), int(month)


def test_every_publishers_source_is_in_the_calendar_and_the_projects_own_tables_are_not():
    listed = [entry.source.source_id for entry in release_calendar(date(2026, 12, 6))]
    assert listed == [source_id for source_id, entry in register().items() if entry.kind != "reference"]
    assert ANNOUNCED, "the register announces some editions"


@pytest.mark.parametrize("source_id", sorted(ANNOUNCED))
def test_a_month_is_overdue_after_it_this_month_in_it_and_ahead_before_it(source_id):
    year, month = month_of(ANNOUNCED[source_id])
    states = {}
    for label, day in {
        "before": date(year - 1, month, 1),
        "in": date(year, month, 28),
        "after": date(year + (month == 12), month % 12 + 1, 1),
    }.items():
        (entry,) = [entry for entry in release_calendar(day) if entry.source.source_id == source_id]
        states[label] = entry.state
        assert entry.month == (year, month)
    assert states == {"before": "ahead", "in": "this_month", "after": "overdue"}


def test_the_calendar_is_said_in_words():
    entries = {entry.source.source_id: entry for entry in release_calendar(date(2026, 12, 6))}
    unannounced = [entry for entry in entries.values() if entry.month is None]
    assert unannounced, "the register has a source without an announced edition (CTDC is irregular)"
    assert expected_text(unannounced[0], "nb") == "ikke varslet"
    assert state_text(unannounced[0], "en") == "the publisher has not announced its next edition"
    announced = next(entry for entry in entries.values() if entry.month is not None)
    year, month = announced.month
    assert expected_text(announced, "nb") == f"{texts()[f'month.{month}']['nb']} {year}"
    assert state_text(announced, "nb") in {
        "forsinket: den ventede måneden er passert",
        "ventes denne måneden",
        "ventes senere",
    }
