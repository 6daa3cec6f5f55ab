"""Four databases side by side: the comparison the Norad review gave in 2008 ("Tabell 1 … fra fire databaser")
as data (`four_databases.csv`, with its reference), beside the newest number of victims each database
offers now in the shown publication: TIP's victims identified, ILO's estimate, the sum of countries' figures
to UNODC and IOM's CTDC records.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from core.vocabulary import WORLD
from reporting.figures import reader_style, with_shown
from reporting.texts import text
from reporting.tip import unodc_world_sums

Tables = Mapping[str, pl.DataFrame]
FILE = Path(__file__).with_name("four_databases.csv")
DATABASES = ("tip", "ilo", "unodc_glotip", "iom_ctdc")
NEWEST = {
    "tip": "tip.victims_reported_identified",
    "ilo": "ilo.persons_in_forced_labour",
    "iom_ctdc": "iom_ctdc.victims_registered",
}
"""The series whose newest world figure stands for each database now (UNODC's is a sum over countries)."""
MOST_COUNTRIES_SHARE = 0.75
"""UNODC's newest year is the newest in which at least this share of the most countries ever reported did."""


def norad_rows() -> list[dict[str, str]]:
    with FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def norad_table(language: str) -> pl.DataFrame:
    """One row per aspect of the 2008 comparison, one column per database, notes in brackets."""
    cells: dict[str, dict[str, str]] = {}
    for row in norad_rows():
        note = row[f"note_{language}"]
        written = row[f"norad_{language}"] + (f" ({note})" if note else "")
        cells.setdefault(row["aspect"], {})[row["database"]] = written
    return pl.DataFrame(
        [
            {"aspect": text(f"four.aspect.{aspect}", language), **{db: values.get(db, "") for db in DATABASES}}
            for aspect, values in cells.items()
        ]
    )


def _newest_world(tables: Tables, definition_id: str, language: str) -> str:
    rows = tables["series_totals"].filter(
        (pl.col("definition_id") == definition_id)
        & (pl.col("geo") == WORLD)
        & pl.col("period").str.contains(r"^\d{4}(-\d{4})?$")  # a year or a span, not an unknown time
    )
    if rows.is_empty():
        return text("four.none", language)
    # the newest year; a span ending then (CTDC's records since 2002) covers more than the single year
    newest = rows.sort("year", pl.col("period").str.len_chars(), descending=True).head(1)
    shown = with_shown(newest, reader_style(language)).row(0, named=True)
    period = shown["period"].replace("-", "–")
    return text(f"four.now.{definition_id.split('.')[0]}", language, value=shown["shown"], period=period)


def _newest_unodc(tables: Tables, language: str) -> str:
    sums = unodc_world_sums(tables, ["victims_detected"])
    if sums.is_empty():
        return text("four.none", language)
    enough = sums.filter(pl.col("countries") >= MOST_COUNTRIES_SHARE * sums["countries"].max())
    newest = with_shown(enough.sort("year").tail(1), reader_style(language)).row(0, named=True)
    return text(
        "four.now.unodc_glotip", language, value=newest["shown"], year=newest["year"], countries=newest["countries"]
    )


def newest_victims(tables: Tables, language: str) -> dict[str, str]:
    """What each database says now about the number of victims, in a phrase, from the shown publication."""
    now = {source: _newest_world(tables, definition_id, language) for source, definition_id in NEWEST.items()}
    return {database: now.get(database) or _newest_unodc(tables, language) for database in DATABASES}


def comparison(tables: Tables, language: str) -> pl.DataFrame:
    """The 2008 comparison with a last row: the number of victims each database offers now."""
    now = newest_victims(tables, language)
    return pl.concat([norad_table(language), pl.DataFrame([{"aspect": text("four.aspect.now", language), **now}])])
