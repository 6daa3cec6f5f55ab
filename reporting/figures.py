"""How a figure is written: one rule for the dashboard (tables, tiles, charts, downloads) and the export pack.

`kind` sorts a figure into one of a few kinds: a small cell, an exact or an approximate value, a
cell hidden to protect another, a range, a lower or an upper bound, or nothing. A small cell is one
whose flags say `suppressed`, one kept as the bounds [1, 4] without a value (how a source's `<5` is
stored) or a count below 5 from person-level records; it is written `<5`, never 0. A `Style` says
how each kind is written:

| kind | reader (`reader_style`, nb / en) | pack's value column (`PACK_VALUE`) | pack's wide cells (`PACK_CELL`) |
|---|---|---|---|
| small | `<5` | `<5` | `<5` |
| exact | `1 116` / `1,116` | `1116` | `1116` |
| approximate | `om lag 200` / `about 200` | `200` | `200` |
| hidden | `minst 5` / `at least 5` | `>=5` | `>=5` |
| range | `120–160` | empty (the bounds have columns) | `120-160` |
| lower bound | `minst 51` / `at least 51` | empty | `>=51` |
| upper bound | `under 100` | empty | `<100` |
| in words | `ikke oppgitt som tall – færre enn året før` / `not stated as a number – fewer …` | empty | empty |
| nothing | `mangler` / `missing` | empty | empty |
| not yet available (`...`) | `ikke tilgjengelig ennå` / `not yet available` | empty | empty |

A rate computed from a small count is written `<5` with the rate's bounds (`rate_style`). "Not yet
available" is nothing with the flag `not_yet_available` (SSB's `...`): said so, never as hidden.
A year a source describes only in words (flag `stated_in_words`) is never 0 and never `mangler`: the reader
sees the words (the vocabulary's label of its `words_…` flag); the pack leaves the value empty and keeps the flags.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache

import polars as pl

from core.vocabulary import (
    APPROXIMATE,
    COMPLEMENTARY_HIDDEN,
    NOT_YET_AVAILABLE,
    STATED_IN_WORDS,
    SUPPRESSED,
    WORDS_FLAGS,
    vocabulary,
)
from reporting.flags import figure_rows
from reporting.texts import text

SMALL_CELL = 5
"""Counts below this are never shown."""
PERSON_LEVEL_SOURCES = frozenset({"iom_ctdc"})
"""Sources whose figures count persons from person-level records: any count below 5 is small."""
DECIMALS = 6
"""The pack writes a number that is not whole rounded to this many decimals, the same way on every run."""


class Kind(StrEnum):
    """What a figure is, as far as writing it goes (see the table above)."""

    SMALL = "small"
    EXACT = "exact"
    APPROXIMATE = "approximate"
    HIDDEN = "hidden"
    """Hidden to protect another small cell (`complementary_hidden`): at least its lower bound."""
    RANGE = "range"
    AT_LEAST = "at_least"
    UNDER = "under"
    IN_WORDS = "in_words"
    """The source gives no number for the year, only words (`stated_in_words`)."""
    MISSING = "missing"
    NOT_YET_AVAILABLE = "not_yet_available"
    """No figure yet (the publisher says it will come, SSB's `...`): not hidden, not a zero."""


def kind(row: Mapping[str, object]) -> Kind:
    """The kind of the figure in `row` (`value`, `value_low`, `value_high`, parsed `flags`, and `source` if known)."""
    flags = row["flags"]
    if not isinstance(flags, frozenset):
        raise TypeError("a row's flags must be parsed first (reporting.flags.figure_rows)")
    value, low, high = row.get("value"), row.get("value_low"), row.get("value_high")
    if _is_small(row, flags):
        return Kind.SMALL
    if STATED_IN_WORDS in flags and value is None:
        return Kind.IN_WORDS
    if value is not None:
        return Kind.APPROXIMATE if APPROXIMATE in flags else Kind.EXACT
    if COMPLEMENTARY_HIDDEN in flags and low is not None:
        return Kind.HIDDEN
    if low is not None and high is not None:
        return Kind.RANGE
    if low is not None:
        return Kind.AT_LEAST
    if high is not None:
        return Kind.UNDER
    return Kind.NOT_YET_AVAILABLE if NOT_YET_AVAILABLE in flags else Kind.MISSING


def _is_small(row: Mapping[str, object], flags: frozenset[str]) -> bool:
    value, low, high = row.get("value"), row.get("value_low"), row.get("value_high")
    kept_as_below_five = value is None and low == 1 and high == SMALL_CELL - 1
    person_level = row.get("source") in PERSON_LEVEL_SOURCES and value is not None and value < SMALL_CELL
    return SUPPRESSED in flags or kept_as_below_five or person_level


@dataclass(frozen=True)
class Style:
    """How each kind of figure is written: a template over `{value}`, `{low}` and `{high}`, or None for empty."""

    number: Callable[[float | None], str]
    templates: Mapping[Kind, str | None]
    words: Callable[[frozenset[str]], str] = lambda flags: ""
    """What a year stated only in words says, from its flags (`{words}` in the `IN_WORDS` template)."""


def shown(row: Mapping[str, object], style: Style) -> str | None:
    """The figure in `row` as `style` writes it (None where the style leaves it empty)."""
    template = style.templates[kind(row)]
    if template is None:
        return None
    return template.format(
        value=style.number(row.get("value")),
        low=style.number(row.get("value_low")),
        high=style.number(row.get("value_high")),
        words=style.words(row["flags"]),
    )


def with_shown(frame: pl.DataFrame, style: Style, column: str = "shown") -> pl.DataFrame:
    """`frame` (the marts' value columns and `flags`) with `column` holding each row's figure as `style` writes it."""
    written = [shown(row, style) for row in figure_rows(frame)]
    return frame.with_columns(pl.Series(column, written, dtype=pl.String))


def number(value: float | None, language: str, decimals: int = 0) -> str:
    """A number as a reader of `language` writes it: `1 116` and `2,5` in Norwegian, `1,116` and `2.5` in English."""
    if value is None:
        return ""
    formatted = f"{value:,.{decimals}f}"
    if language == "nb":
        formatted = formatted.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")
    return formatted


def plain_number(value: float | None) -> str:
    """A number as the pack writes it: a whole number without `.0`, any other rounded to `DECIMALS` places."""
    if value is None:
        return ""
    if value == round(value):
        return str(int(value))
    return f"{round(value, DECIMALS):.{DECIMALS}f}".rstrip("0").rstrip(".")


def stated_words(flags: frozenset[str], language: str) -> str:
    """The words a source gave instead of a number, as the vocabulary labels its `words_…` flag (lower case)."""
    said_by = sorted(flags & set(WORDS_FLAGS))
    labels = vocabulary().filter((pl.col("dimension") == "flag") & pl.col("code").is_in(said_by))
    said = ", ".join(labels[f"label_{language}"].to_list())
    return said[:1].lower() + said[1:]


@cache
def reader_style(language: str, decimals: int = 0) -> Style:
    """How the dashboard shows a figure to a reader of `language`, numbers with `decimals` places."""
    at_least = text("value.at_least", language)
    return Style(
        number=lambda value: number(value, language, decimals),
        templates={
            Kind.SMALL: f"<{SMALL_CELL}",
            Kind.EXACT: "{value}",
            Kind.APPROXIMATE: text("value.approximate", language),
            Kind.HIDDEN: at_least,
            Kind.RANGE: "{low}–{high}",
            Kind.AT_LEAST: at_least,
            Kind.UNDER: text("value.under", language),
            Kind.IN_WORDS: text("value.in_words", language),
            Kind.MISSING: text("value.missing", language),
            Kind.NOT_YET_AVAILABLE: text("value.not_yet_available", language),
        },
        words=lambda flags: stated_words(flags, language),
    )


@cache
def rate_style(language: str) -> Style:
    """A rate per 100,000 for a reader of `language`, two decimals; a small count's rate is `<5` with its bounds."""
    style = reader_style(language, 2)
    return replace(style, templates={**style.templates, Kind.SMALL: f"<{SMALL_CELL} ({{low}}–{{high}})"})


@cache
def percent_style(language: str) -> Style:
    """A share in per cent for a reader of `language`: `35 %` in Norwegian, `35%` in English."""
    style = reader_style(language)
    sign = "\u00a0%" if language == "nb" else "%"
    return replace(style, templates={**style.templates, Kind.EXACT: "{value}" + sign})


PACK_VALUE = Style(
    number=plain_number,
    templates={
        Kind.SMALL: f"<{SMALL_CELL}",
        Kind.EXACT: "{value}",
        Kind.APPROXIMATE: "{value}",
        Kind.HIDDEN: ">={low}",
        Kind.RANGE: None,
        Kind.AT_LEAST: None,
        Kind.UNDER: None,
        Kind.IN_WORDS: None,
        Kind.MISSING: None,
        Kind.NOT_YET_AVAILABLE: None,
    },
)
"""The pack's `value` column: the figure, `<5` or `>=5`; a range or a bound is left to `value_low`/`value_high`."""

PACK_CELL = replace(
    PACK_VALUE,
    templates={**PACK_VALUE.templates, Kind.RANGE: "{low}-{high}", Kind.AT_LEAST: ">={low}", Kind.UNDER: "<{high}"},
)
"""A figure of the pack's wide tables, which have no bound columns: bounds are written into the text."""


def wide_series(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """One series of a wide table (`<column>`, `<column>_low`, `<column>_high`, `<column>_flags`) as
    `value`, `value_low`, `value_high` and `flags`, ready for `with_shown`."""
    return frame.select(
        value=pl.col(column),
        value_low=pl.col(f"{column}_low"),
        value_high=pl.col(f"{column}_high"),
        flags=pl.col(f"{column}_flags"),
    )
