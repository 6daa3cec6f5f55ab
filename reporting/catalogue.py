"""Which series each dashboard page, pack table and pack chart shows: `catalogue.csv`, read by both.

Each row of `catalogue.csv` puts one series (source, measure, `definition_id`) into a block of a view
at a position; the views are the dashboard's pages (`overview`, `victims`, `justice`, `world`) and
the export pack's `pack_tables` and `pack_charts`, a block is a chart, table or key-figure list of
that view, and the position is the order the series are offered, drawn and coloured in. `table_column`
names the columns holding the series in a wide table (`reconciliation_norway`: `<column>`,
`<column>_low`, `<column>_high`, `<column>_flags`). Adding a series to a chart is a row here, not code.

Besides the series, the breakdowns and areas the pages offer are named here.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.vocabulary import NORTHERN_EUROPE, NORWAY, WORLD

CATALOGUE_FILE = Path(__file__).with_name("catalogue.csv")

BREAKDOWN_DIMENSIONS = ("sex", "age_group", "exploitation_form")
"""The breakdowns of Norway's victim figures the Ofre page offers (dimensions of the canonical vocabulary)."""
CTDC_AREAS = (NORWAY, NORTHERN_EUROPE, WORLD)
"""The areas the CTDC profiles are offered for."""
CTDC_PROFILES = ("exploitation_form", "sex", "age_group", "means_of_control", "age_band", "sector_of_labour")
CANONICAL_PROFILES = ("exploitation_form", "sex", "age_group")
"""The CTDC profiles whose categories are canonical codes with labels in the vocabulary."""


@dataclass(frozen=True)
class Series:
    """One series as a block shows it."""

    source: str
    measure: str
    definition_id: str
    table_column: str | None


@cache
def catalogue() -> dict[tuple[str, str], tuple[Series, ...]]:
    """Every block, `(view, block)`, with its series in position order."""
    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["view"], row["block"], int(row["position"])))
    blocks: dict[tuple[str, str], tuple[Series, ...]] = {}
    for row in rows:
        entry = Series(row["source"], row["measure"], row["definition_id"], row["table_column"] or None)
        blocks[row["view"], row["block"]] = (*blocks.get((row["view"], row["block"]), ()), entry)
    return blocks


def series(view: str, block: str) -> tuple[Series, ...]:
    """The series of one block, in position order."""
    try:
        return catalogue()[view, block]
    except KeyError:
        raise KeyError(f"{CATALOGUE_FILE.name} has no block {block!r} in view {view!r}") from None


def definition_ids(view: str, block: str) -> tuple[str, ...]:
    """The `definition_id` of each series of one block, in position order."""
    return tuple(entry.definition_id for entry in series(view, block))
