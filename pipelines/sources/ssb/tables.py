"""Which SSB tables hold trafficking, and how the trafficking rows are found in each: by label, never by code.

The known tables (Statistikkbanken, detailed offence types): reported offences, offences
investigated by the police's decision, offences investigated and cleared up, and sanctions by
principal offence. The table search (`/tables?query=menneskehandel`) may add to them
(`pipelines.sources.ssb.api`).

'Menneskehandel' is an offence type of its own in SSB's Standard for lovbruddstyper 2015 (group
'Vold og mishandling'); no public code gives its code in the tables' offence dimension, so it is
found in each table's metadata by its label, Norwegian or English, and the code is read from there.
The code may differ from one table to another, and a table may hold the offence under the
classification before 2015 and under the 2015 one (two categories): both are kept, with code and label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.sources.ssb.jsonstat import Dataset

SOURCE_ID = "ssb"
OFFICIAL_API = "https://data.ssb.no/api/pxwebapi/v2"
"""PxWebApi v2 (the `/v2-beta/` path has answered 503 since September 2026). `TRAFFICKING_SOURCE_SSB` replaces it."""
PUBLISHER = "Statistisk sentralbyrå"
LICENCE = "CC BY 4.0"

KNOWN_TABLES: tuple[tuple[str, str], ...] = (
    ("08484", "Anmeldte lovbrudd, etter lovbruddstype (reported offences)"),
    ("09405", "Etterforskede lovbrudd, etter politiets avgjørelse (offences investigated, by the police's decision)"),
    ("09406", "Etterforskede lovbrudd og oppklaring (offences investigated and cleared up)"),
    ("10651", "Straffereaksjoner (utvalgte) og gjennomsnittlig utmålt straff, etter type hovedlovbrudd og type "
              "reaksjon (sanctions by principal offence)"),
    ("13579", "Straffereaksjoner og straffbare forhold, etter type reaksjon, undertype reaksjon og type hovedlovbrudd "
              "(sanctions by principal offence)"),
)  # fmt: skip
"""The tables read whatever the table search answers, in the order their figures are preferred (titles as SSB's
statistics pages name them; the API's own label is recorded with each file)."""
KNOWN_TABLE_IDS = tuple(table_id for table_id, _ in KNOWN_TABLES)

OFFENCE_NAMES: dict[str, tuple[str, ...]] = {
    "nb": ("menneskehandel",),
    "en": ("human trafficking", "trafficking in human beings", "trafficking in persons"),
}
"""The offence's name in SSB's Norwegian and English labels (compared without case)."""
SEARCH_TERM = "menneskehandel"
MAX_LISTED_LABELS = 60
"""How many of a dimension's labels an error names before "and N more"."""

_PREFIX = re.compile(r"^[\s.¬·•*>\-–—]*(?:\d[\d.]*\s+)?")
"""Hierarchy markers and a leading classification number before a label's words (`¬¬ 1234 Menneskehandel`)."""


_NOTE = r"(?:\s*\(.*\)|\s*,\s*(?:straffeloven|strl\.?|penal code|§).*|\s+(?:mv|m\.v|etc)\.?)?"
"""What may follow the offence's name in a label: a note in brackets, a statute after a comma
(`Menneskehandel, straffeloven § 257`), or "mv." (`Menneskehandel mv.`: and the like)."""


class OffenceNotFound(ValueError):
    """A table whose labels do not name the offence; the message names the table and the labels it has."""


@dataclass(frozen=True)
class Offence:
    """Where the offence stands in one table: the dimension and the matching categories (code, label)."""

    table_id: str
    dimension: str
    categories: tuple[tuple[str, str], ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.categories)


def names_the_offence(label: str) -> bool:
    """Whether a category label is the offence: its name in Norwegian or English, alone or with a note
    (`Menneskehandel`, `¬¬ Human trafficking`, `Menneskehandel (strl. §§ 257-258)`, `Menneskehandel mv.`,
    `Menneskehandel, straffeloven § 257`), and nothing else (`Grov menneskehandel` and `Menneskehandel og
    slaveri` are other categories)."""
    text = _PREFIX.sub("", label).strip().casefold()
    names = [name for language in OFFENCE_NAMES.values() for name in language]
    return any(re.fullmatch(rf"{re.escape(name)}{_NOTE}", text) for name in names)


def find_offence(dataset: Dataset, table_id: str) -> Offence:
    """The offence's categories in `dataset` (a table's metadata or data), found by label.

    Raises `OffenceNotFound` naming the table and the labels of its dimensions when no label matches,
    or when two dimensions do.
    """
    skipped = {dataset.role("time"), dataset.role("metric")}
    found = [
        (dimension, tuple((code, label) for code, label in zip(dimension.codes, dimension.labels, strict=True)
                          if names_the_offence(label)))
        for dimension in dataset.dimensions
        if dimension.id not in skipped
    ]  # fmt: skip
    matching = [(dimension, categories) for dimension, categories in found if categories]
    if len(matching) == 1:
        dimension, categories = matching[0]
        return Offence(table_id, dimension.id, categories)
    names = " or ".join(repr(language[0].capitalize()) for language in OFFENCE_NAMES.values())
    if matching:
        where = ", ".join(f"{dimension.id} {list(categories)}" for dimension, categories in matching)
        raise OffenceNotFound(f"SSB table {table_id}: {names} is a category of more than one dimension: {where}")
    listed = "; ".join(f"{dimension.id} ({dimension.label}): {_listed(dimension.labels)}" for dimension, _ in found)
    raise OffenceNotFound(
        f"SSB table {table_id}: no category is labelled {names} (Norwegian or English) in any dimension; "
        f"the table's labels are {listed or 'none'}"
    )


def _listed(labels: tuple[str, ...]) -> str:
    shown = ", ".join(repr(label) for label in labels[:MAX_LISTED_LABELS])
    more = len(labels) - MAX_LISTED_LABELS
    return f"[{shown}{f' and {more} more' if more > 0 else ''}]"
