"""The whole asset graph, materialised in-process from the mirror: UNODC carried to the published marts."""

import polars as pl

from pipelines.sources.unodc_glotip.parse import read_rows


def test_published_db_has_canonical_tables(published):
    tables = {row[0] for row in published.execute("SHOW TABLES").fetchall()}
    assert {"fact_indicator", "definitions", "provenance", "series_totals", "publication"} <= tables
    columns = [row[0] for row in published.execute("DESCRIBE fact_indicator").fetchall()]
    for column in (
        "source",
        "measure",
        "geo",
        "year",
        "sex",
        "age_group",
        "exploitation_form",
        "value",
        "value_low",
        "value_high",
        "flags",
        "definition_id",
        "provenance_id",
    ):
        assert column in columns


def test_norway_convictions_reach_the_marts_as_the_file_says(published, mirror):
    rows = read_rows(mirror / "unodc" / "data_glotip.xlsx")
    in_file = rows.filter(
        (pl.col("iso3") == "NOR")
        & (pl.col("indicator") == "Persons convicted")
        & (pl.col("dimension") == "Total")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    ).select(pl.col("year").cast(pl.Int32), "value_text")
    published_rows = dict(
        published.execute(
            "SELECT year, coalesce(CAST(CAST(value AS INTEGER) AS VARCHAR), '<5') FROM series_totals "
            "WHERE geo = 'NOR' AND measure = 'persons_convicted' AND source = 'unodc_glotip'"
        ).fetchall()
    )
    assert dict(in_file.iter_rows()) == published_rows


def test_every_fact_resolves_definition_and_provenance(published):
    orphans = published.execute(
        "SELECT count(*) FROM fact_indicator f LEFT JOIN definitions d USING (definition_id) "
        "LEFT JOIN provenance p USING (provenance_id) WHERE d.definition_id IS NULL OR p.provenance_id IS NULL"
    ).fetchone()[0]
    assert orphans == 0
    sha = published.execute("SELECT sha256 FROM provenance WHERE source_id = 'unodc_glotip'").fetchone()[0]
    assert len(sha) == 64


def test_published_file_opens_read_only(refreshed):
    """`open_published`, the readers' one way in, reads the marts and cannot write them."""
    import duckdb
    import pytest

    from reporting.published import open_published

    before = refreshed.published.read_bytes()
    connection = open_published(refreshed.published)
    try:
        assert connection.execute("SELECT count(*) FROM fact_indicator").fetchall()[0][0] > 0
        with pytest.raises(duckdb.Error, match="read-only"):
            connection.execute("CREATE TABLE intruder (x INTEGER)")
    finally:
        connection.close()
    assert refreshed.published.read_bytes() == before
