"""Every count CTDC publishes, counted once from the staged records and put through disclosure control together.

A cell counts the records of one geo (a country of exploitation, a UN subregion `UN_...`, or
`WORLD`), one period and one category of one dimension. The periods are the years of registration,
`unknown` for records without one, and all years together, `<first>-<last>` (`cumulative`), which
includes the records without a year. The cells are:

- the facts' cells: for countries and WORLD, every period, the `total` and one of `sex`,
  `age_group`, `exploitation_form` and `citizenship` (`unknown` where the cell is empty);
- the profiles' cells: for countries, subregions and WORLD, all years, the `total` (the base of
  the one-category profiles), `age_band`, `age_group`, `sex`, `exploitation_form`, and each flag of
  the flag profiles `means_of_control` and `sector_of_labour` with the profile's base, the records
  with at least one of its flags set (category `_any`).

The records are read once, by one DuckDB query that counts them per combination of geo, period and
categories (and sums their flags); every cell is then summed from those combinations with GROUPING
SETS. No table of records is ever held in memory. A count of 0 is never a cell. The counts
then go through `core.disclosure`, once for every table built from them, so no table gives
away what another hides; only what may be published is kept (no count below 5).
"""

from __future__ import annotations

import duckdb
import polars as pl

from core.disclosure import disclose
from core.vocabulary import ANY_FLAG, WORLD, definition_id
from pipelines import crosswalk
from pipelines.sources.iom_ctdc.records import CROSSWALK, create_canonical_view, flag_columns, regions

SOURCE = "iom_ctdc"
MEASURE = "victims_registered"
UNKNOWN = "unknown"
"""The category of an empty cell (citizenship unknown)."""

FACT_DIMENSIONS = ("sex", "age_group", "exploitation_form", "citizenship")
CATEGORY_PROFILES = ("age_band", "age_group", "sex", "exploitation_form")
"""Profiles with one category per record; their base is the total."""
PARTITIONS = ("sex", "age_group", "exploitation_form", "citizenship", "age_band")
"""Dimensions whose categories add up to the total."""

COUNTRY, REGION = "country_of_exploitation", "region"
COMBINED = (COUNTRY, REGION, "period", *dict.fromkeys(FACT_DIMENSIONS + CATEGORY_PROFILES))
"""The columns of the canonical records the cells are counted by."""
COMBINATIONS = "ctdc_combinations"


def _by_geo_level(country: str, region: str, world: str) -> str:
    """A SQL expression: `country` in a country's group, `region` in a subregion's, else `world`."""
    return (
        f"CASE WHEN GROUPING({COUNTRY}) = 0 THEN {country} WHEN GROUPING({REGION}) = 0 THEN {region} ELSE {world} END"
    )


GEO = _by_geo_level(COUNTRY, REGION, f"'{WORLD}'")
GEO_LEVEL = _by_geo_level("'country'", "'region'", "'world'")
KNOWN_GEO = f"(GROUPING({COUNTRY}) = 1 OR {COUNTRY} IS NOT NULL) AND (GROUPING({REGION}) = 1 OR {REGION} IS NOT NULL)"
"""Records without a country (or outside a named subregion) count in WORLD only."""
COUNTS_SCHEMA = {name: pl.String for name in ("geo", "geo_level", "period", "dimension", "category")} | {
    "count": pl.Int64
}


CELLS_SCHEMA: dict[str, pl.DataType] = {
    **{name: pl.String() for name in ("geo", "geo_level", "period", "dimension", "category")},
    "year": pl.Int32(),
    "cumulative": pl.Boolean(),
    **{name: pl.Float64() for name in ("value", "value_low", "value_high")},
    "suppressed": pl.Boolean(),
    "complementary_hidden": pl.Boolean(),
    **{name: pl.String() for name in ("definition_id", "provenance_id", "source_file")},
}
"""`harmonised/iom_ctdc_cells` (see `count_cells`); with no rows when CTDC is absent from a run."""


def count_cells(connection: duckdb.DuckDBPyConnection, table: str, source_file: str) -> pl.DataFrame:
    """Every published cell of the records in `table`, disclosure-controlled.

    Columns: geo, geo_level (`country`, `region`, `world`), period, year (the last one for all
    years, null for `unknown`), cumulative, dimension, category, value, value_low, value_high,
    suppressed, complementary_hidden, definition_id, provenance_id, source_file.
    """
    flag_counts = _create_combinations(connection, table)
    counts = pl.concat([_category_counts(connection), _flag_counts(connection, flag_counts)])
    ((first, last, provenance_id),) = connection.sql(
        f"SELECT min(year), max(year), any_value(provenance_id) FROM {table}"
    ).fetchall()
    cells = _with_periods(counts, f"{first}-{last}", last)
    cells = disclose(cells, _additive_groups(cells, f"{first}-{last}")).drop("cell")
    return (
        cells.with_columns(
            definition_id=definition_id(SOURCE, pl.lit(MEASURE)),
            provenance_id=pl.lit(provenance_id),
            source_file=pl.lit(source_file),
        )
        .select(list(CELLS_SCHEMA))
        .cast(CELLS_SCHEMA)
        .sort("geo", "period", "dimension", "category")
    )


def _create_combinations(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Count the canonical records of `table` once per combination of geo, period and categories.

    Writes the temporary table `COMBINATIONS`: the columns of `COMBINED`, `records`, and per profile
    flag the records with it set, per flag profile the records with any of its flags set (the base,
    `<profile>:_any`). Returns the names of those flag counts. Every grouping set is then summed
    from this table, which is far smaller than the records.
    """
    view = create_canonical_view(connection, table)
    by_profile: dict[str, list[str]] = {}
    for name in flag_columns(connection, table):
        by_profile.setdefault(name.split(":")[0], []).append(name)
    flag_counts = {name: f'"{name}"' for names in by_profile.values() for name in names}
    flag_counts |= {
        f"{profile}:{ANY_FLAG}": " OR ".join(f'"{name}"' for name in names) for profile, names in by_profile.items()
    }
    counted = "".join(f', count_if({condition}) AS "{name}"' for name, condition in flag_counts.items())
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {COMBINATIONS} AS "
        f"SELECT {', '.join(COMBINED)}, count(*) AS records{counted} FROM {view} GROUP BY ALL"
    )
    return list(flag_counts)


def _grouping_sets() -> list[tuple[str, ...]]:
    """The groups counted: geo (country, region or WORLD), period (or all years) and one dimension (or the total)."""
    fact_sets = [
        (*geo, *period, *dimension)
        for geo in ((COUNTRY,), ())
        for period in (("period",), ())
        for dimension in ((), *((name,) for name in FACT_DIMENSIONS))
    ]
    profile_sets = [
        (*geo, *dimension)
        for geo in ((COUNTRY,), (REGION,), ())
        for dimension in ((), *((name,) for name in CATEGORY_PROFILES))
    ]
    return list(dict.fromkeys(fact_sets + profile_sets))


def _category_counts(connection: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The cells of every grouping set: geo, geo_level, period (null: all years), dimension, category, count."""
    dimensions = dict.fromkeys(FACT_DIMENSIONS + CATEGORY_PROFILES)
    dimension = " ".join(f"WHEN GROUPING({name}) = 0 THEN '{name}'" for name in dimensions)
    category = " ".join(f"WHEN GROUPING({name}) = 0 THEN coalesce({name}, '{UNKNOWN}')" for name in dimensions)
    sets = ", ".join(f"({', '.join(columns)})" for columns in _grouping_sets())
    return connection.sql(
        f"""SELECT {GEO} AS geo, {GEO_LEVEL} AS geo_level, CASE WHEN GROUPING(period) = 0 THEN period END AS period,
            CASE {dimension} ELSE 'total' END AS dimension, CASE {category} ELSE 'total' END AS category,
            sum(records)::BIGINT AS count
        FROM {COMBINATIONS} GROUP BY GROUPING SETS ({sets}) HAVING {KNOWN_GEO}"""
    ).pl()


def _flag_counts(connection: duckdb.DuckDBPyConnection, flag_counts: list[str]) -> pl.DataFrame:
    """All years, per geo: the records with each profile flag set, and with any flag of each profile set."""
    if not flag_counts:
        return pl.DataFrame(schema=COUNTS_SCHEMA)
    sums = ", ".join(f'sum("{name}")::BIGINT AS "{name}"' for name in flag_counts)
    wide = connection.sql(
        f"""SELECT {GEO} AS geo, {GEO_LEVEL} AS geo_level, {sums} FROM {COMBINATIONS}
        GROUP BY GROUPING SETS (({COUNTRY}), ({REGION}), ()) HAVING {KNOWN_GEO}"""
    ).pl()
    long = wide.unpivot(index=["geo", "geo_level"], variable_name="flag", value_name="count")
    return long.filter(pl.col("count") > 0).select(
        "geo",
        "geo_level",
        period=pl.lit(None, pl.String),
        dimension=pl.col("flag").str.split(":").list.first(),
        category=pl.col("flag").str.split(":").list.last(),
        count="count",
    )


def _with_periods(counts: pl.DataFrame, all_years: str, last_year: int) -> pl.DataFrame:
    """Counts with their period named (`all_years` for all years together), year, cumulative and cell id."""
    cumulative = pl.col("period").is_null()
    return counts.with_columns(
        period=pl.col("period").fill_null(all_years),
        year=pl.when(cumulative).then(pl.lit(last_year)).otherwise(pl.col("period").cast(pl.Int32, strict=False)),
        cumulative=cumulative,
    ).with_columns(cell=pl.concat_str("geo", "period", "dimension", "category", separator="|"))


def _group(parts: pl.DataFrame, totals: pl.DataFrame, keys: list[str], name: str) -> pl.DataFrame:
    """Groups `name|<keys>`: the parts and the total that share the keys."""
    group = pl.concat_str(pl.lit(name), *keys, separator="|")
    members = [
        parts.select(group=group, cell=pl.col("cell"), is_total=pl.lit(False)),
        totals.select(group=group, cell=pl.col("cell"), is_total=pl.lit(True)),
    ]
    return pl.concat(members)


def _additive_groups(cells: pl.DataFrame, all_years: str) -> pl.DataFrame:
    """Every total with the parts that add up to it, among the cells."""
    totals = cells.filter(pl.col("dimension") == "total")
    groups = [
        _group(cells.filter(pl.col("dimension") == dimension), totals, ["geo", "period"], f"by {dimension}")
        for dimension in PARTITIONS
    ]
    bands = pl.DataFrame(
        list(crosswalk.mapping(CROSSWALK, "age_band").items()), schema=["category", "age_group"], orient="row"
    )
    band_parts = cells.filter(pl.col("dimension") == "age_band").join(bands, on="category")
    age_totals = cells.filter(pl.col("dimension") == "age_group").rename({"category": "age_group"})
    groups.append(_group(band_parts, age_totals, ["geo", "period", "age_group"], "bands of"))
    years = cells.filter(pl.col("period") != all_years)
    groups.append(_group(years, cells.filter(pl.col("period") == all_years), ["geo", "dimension", "category"], "years"))
    countries = cells.join(regions(), left_on="geo", right_on="country_of_exploitation").drop("geo")
    region_totals = cells.join(regions().select(region="region").unique(), left_on="geo", right_on="region")
    region_totals = region_totals.with_columns(region=pl.col("geo"))
    groups.append(_group(countries, region_totals, ["region", "period", "dimension", "category"], "countries of"))
    return pl.concat(groups)
