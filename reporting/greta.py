"""GRETA (the Council of Europe's Group of Experts on Action against Trafficking in Human Beings) and Norway:
the convention's dates and the evaluation rounds as on record (`greta_norway.csv`), each with the address it
was checked at. Dates and document ids only: no GRETA figure for Norway could be checked at an address.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from reporting.texts import text
from reporting.words import day_text

FILE = Path(__file__).with_name("greta_norway.csv")


def events(language: str) -> pl.DataFrame:
    """Every event in date order, written for a reader: day, round, what happened, document id, address."""
    rows = pl.read_csv(FILE, infer_schema=False).fill_null("").sort("date")
    return rows.select(
        pl.col("date")
        .map_elements(lambda day: day_text(date.fromisoformat(day), language), pl.String)
        .alias(text("greta.column_day", language)),
        pl.col("round")
        .map_elements(lambda number: text("greta.round", language, round=number) if number else "", pl.String)
        .alias(text("greta.column_round", language)),
        pl.col(f"event_{language}").alias(text("greta.column_event", language)),
        pl.col("document").alias(text("greta.column_document", language)),
        pl.col("address").alias(text("greta.column_address", language)),
    )
