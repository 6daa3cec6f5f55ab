"""CTDC's staged records in canonical terms, as a DuckDB view: sex, age group, form of exploitation, period, subregion.

The view is temporary (it lives in the connection, not in the warehouse) and the records stay in
the staging table: the cells are counted from the view in one query. Labels go through the
crosswalk `iom_ctdc`; a label it does not map raises `UnknownLabelError` naming it.

Years: records without a year of registration count in their own period `unknown`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from core.vocabulary import geo_table
from pipelines import crosswalk

CROSSWALK = "iom_ctdc"
UNKNOWN_PERIOD = "unknown"
CANONICAL_VIEW = "ctdc_canonical"

LABEL_FIELDS = {"gender": ("sex", "sex"), "age_band": ("age_band", "age_group")}
"""Staging column -> (crosswalk field, canonical column)."""

EXPLOITATION_FORM = """CASE
    WHEN is_sexual_exploit::INTEGER + is_forced_labour::INTEGER + is_other_exploit::INTEGER > 1 THEN 'mixed'
    WHEN is_sexual_exploit THEN 'sexual'
    WHEN is_forced_labour THEN 'forced_labour'
    WHEN is_other_exploit THEN 'other'
    ELSE 'unknown' END"""
"""A record's form of exploitation from its three flags (several set: `mixed`)."""


def labels(connection: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """Every pair of gender and age band label found in the records, `Unknown` for an empty cell."""
    filled = ", ".join(f"coalesce({column}, 'Unknown') AS {column}" for column in LABEL_FIELDS)
    return connection.sql(f"SELECT DISTINCT {filled} FROM {table}").pl()


def unknown_labels(connection: duckdb.DuckDBPyConnection, table: str) -> dict[str, list[str]]:
    """Every sex or age label in the records that the crosswalk does not map, by staging column."""
    fields = {column: field for column, (field, _) in LABEL_FIELDS.items()}
    return crosswalk.unknown_labels(labels(connection, table), CROSSWALK, fields)


def regions() -> pl.DataFrame:
    """ISO3 -> named UN subregion aggregate (`UN_NORTHERN_EUROPE`), from `data/reference/geo.csv`."""
    geo = geo_table()
    return geo.filter(pl.col("un_subregion") != "").select(
        country_of_exploitation="geo",
        region=pl.lit("UN_") + pl.col("un_subregion").str.to_uppercase().str.replace_all(r"[^A-Z]+", "_"),
    )


def flag_columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The profile flag columns of the staging table (`means_of_control:DebtBondage`, ...)."""
    return [name for name in connection.sql(f"SELECT * FROM {table} LIMIT 0").columns if ":" in name]


def create_canonical_view(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """Create the temporary view of the records of `table` in canonical terms; return its name.

    Columns: country_of_exploitation, region (null outside a named subregion), citizenship,
    period, sex, age_group, age_band (`Unknown` where empty), exploitation_form and the profile flags.
    """
    connection.register("ctdc_labels", crosswalk.apply(labels(connection, table), CROSSWALK, LABEL_FIELDS))
    connection.register("ctdc_regions", regions())
    flags = "".join(f', records."{name}"' for name in flag_columns(connection, table))
    connection.execute(
        f"""CREATE OR REPLACE TEMP VIEW {CANONICAL_VIEW} AS
        SELECT records.country_of_exploitation, regions.region, records.citizenship,
            coalesce(CAST(records.year AS VARCHAR), '{UNKNOWN_PERIOD}') AS period,
            labels.sex, labels.age_group, labels.age_band, {EXPLOITATION_FORM} AS exploitation_form{flags}
        FROM {table} AS records
        JOIN ctdc_labels AS labels
            ON labels.gender = coalesce(records.gender, 'Unknown')
            AND labels.age_band = coalesce(records.age_band, 'Unknown')
        LEFT JOIN ctdc_regions AS regions USING (country_of_exploitation)"""
    )
    return CANONICAL_VIEW
