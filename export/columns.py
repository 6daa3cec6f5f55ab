"""The pack's columns: one table, `columns.csv`, says for each column its type and, in Norwegian and English,
its name and what it holds.

A row with an empty `table` is the column wherever it appears; a row naming a table is that table's own
use of the column (another type or meaning). The workbooks' headers, the column sheet and the data
package's schemas are all read from here.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COLUMNS_FILE = Path(__file__).with_name("columns.csv")
TYPES = ("string", "integer", "number", "boolean")
"""Frictionless types."""


@dataclass(frozen=True)
class Field:
    """One column of a pack table: its code (the CSV header), type, and name and description in each language."""

    name: str
    type: str
    names: tuple[str, str]
    descriptions: tuple[str, str]

    def label(self, language: str) -> str:
        return self.names[language != "nb"]

    def explained(self, language: str) -> str:
        return self.descriptions[language != "nb"]

    @property
    def description(self) -> str:
        """What the column holds, in English (the data package's description)."""
        return self.descriptions[1]


class ColumnError(KeyError):
    """A table names a column `columns.csv` does not describe."""


@cache
def _columns() -> dict[tuple[str, str], Field]:
    with COLUMNS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = {}
    for line, row in enumerate(rows, start=2):
        if row["type"] not in TYPES:
            raise ValueError(f"{COLUMNS_FILE.name}, line {line}: type {row['type']!r} is not one of {TYPES}")
        found[row["table"], row["column"]] = Field(
            row["column"], row["type"], (row["name_nb"], row["name_en"]), (row["description_nb"], row["description_en"])
        )
    return found


def field(table: str, column: str) -> Field:
    """The column as `table` uses it: the table's own row if it has one, else the column's general row."""
    found = _columns().get((table, column)) or _columns().get(("", column))
    if found is None:
        raise ColumnError(f"{COLUMNS_FILE.name} has no row for column {column!r} (table {table!r})")
    return found


def fields(table: str, *columns: str) -> tuple[Field, ...]:
    """The columns of `table`, in order."""
    return tuple(field(table, column) for column in columns)


def described() -> set[tuple[str, str]]:
    """Every (table, column) `columns.csv` has a row for (table empty for a general row)."""
    return set(_columns())
