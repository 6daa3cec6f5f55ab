"""CTDC case records aggregated to canonical facts and profile tables, with disclosure control.

Every count comes from person-level (synthetic) records, so a count from 1 to 4 is never shown:
its value is null, its bounds are [1, 4] and it carries the flag `suppressed`. Where a total and
all but one of its parts would still give a hidden count back by subtraction, further cells are
hidden (`pipelines.disclosure`): value null, lower bound 5, flag `complementary_hidden`; the cells of
the facts and of the profiles are protected together, so no table gives away what another hides.
A count of 0 is never written (there is no row for it). Every CTDC fact carries the flag `synthetic`.

Years: records without a year of registration are kept in their own period `unknown` (year null);
`period` is part of the fact key, so they never mix with a real year. An all-years figure has the
period `<first>-<last>` (year = last), includes the records without a year and is flagged
`cumulative`.
"""

from __future__ import annotations

import polars as pl

from pipelines import crosswalk
from pipelines.disclosure import complementary_cells
from pipelines.settings import REFERENCE_DIR
from pipelines.vocabulary import conform

SOURCE = "iom_ctdc"
CROSSWALK = "iom_ctdc"
MEASURE = "victims_registered"
WORLD = "WORLD"
UNKNOWN_PERIOD = "unknown"
SMALLEST_SHOWN = 5
SUPPRESSED_BOUNDS = (1.0, 4.0)
GEO_FILE = REFERENCE_DIR / "geo.csv"

BREAKDOWNS = ("total", "sex", "age_group", "exploitation_form", "citizenship")


LABEL_FIELDS = {"gender": ("sex", "sex"), "age_band": ("age_band", "age_group")}
"""Staging column -> (crosswalk field, canonical column)."""


def _labelled(records: pl.DataFrame) -> pl.DataFrame:
    return records.with_columns(pl.col("gender").fill_null("Unknown"), pl.col("age_band").fill_null("Unknown"))


def unknown_labels(records: pl.DataFrame) -> dict[str, list[str]]:
    """Every sex or age label in the records that the crosswalk does not map, by column."""
    return crosswalk.unknown_labels(
        _labelled(records), CROSSWALK, {column: field for column, (field, _) in LABEL_FIELDS.items()}
    )


def canonical_records(records: pl.DataFrame) -> pl.DataFrame:
    """Records with canonical sex, age group and form, and the period they count in."""
    mapped = crosswalk.apply(_labelled(records), CROSSWALK, LABEL_FIELDS)
    forms = pl.sum_horizontal("is_sexual_exploit", "is_forced_labour", "is_other_exploit")
    return mapped.with_columns(
        period=pl.col("year").cast(pl.String).fill_null(UNKNOWN_PERIOD),
        exploitation_form=pl.when(forms > 1)
        .then(pl.lit("mixed"))
        .when(pl.col("is_sexual_exploit"))
        .then(pl.lit("sexual"))
        .when(pl.col("is_forced_labour"))
        .then(pl.lit("forced_labour"))
        .when(pl.col("is_other_exploit"))
        .then(pl.lit("other"))
        .otherwise(pl.lit("unknown")),
    )


def suppress(
    counts: pl.DataFrame, count: str = "count", name: str = "value", complementary: pl.Expr | None = None
) -> pl.DataFrame:
    """Replace a column of record counts by `<name>`, `<name>_low`, `<name>_high`, `<name>_suppressed`
    and `<name>_complementary`.

    A count below 5 gets a null `<name>`, bounds [1, 4] and `<name>_suppressed` true; a count that
    `complementary` marks (see `pipelines.disclosure`) gets a null `<name>`, the lower bound 5 and
    `<name>_complementary` true.
    """
    small = pl.col(count) < SMALLEST_SHOWN
    extra = (complementary if complementary is not None else pl.lit(False)) & ~small
    low, high = SUPPRESSED_BOUNDS
    as_float = pl.col(count).cast(pl.Float64)
    return counts.with_columns(
        **{
            name: pl.when(small | extra).then(None).otherwise(as_float),
            f"{name}_low": pl.when(small)
            .then(pl.lit(low))
            .when(extra)
            .then(pl.lit(float(SMALLEST_SHOWN)))
            .otherwise(as_float),
            f"{name}_high": pl.when(small).then(pl.lit(high)).when(extra).then(None).otherwise(as_float),
            f"{name}_suppressed": small,
            f"{name}_complementary": extra,
        }
    ).drop(count)


def _with_all_periods(records: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """Records once in their own period and once in the all-years period."""
    years = records["year"].drop_nulls()
    all_years = f"{years.min()}-{years.max()}"
    return pl.concat([records, records.with_columns(period=pl.lit(all_years))]), all_years


def _with_world(records: pl.DataFrame) -> pl.DataFrame:
    """Records once under their country of exploitation (if known) and once under WORLD."""
    by_country = records.filter(pl.col("country_of_exploitation").is_not_null()).with_columns(
        geo=pl.col("country_of_exploitation")
    )
    return pl.concat([by_country, records.with_columns(geo=pl.lit(WORLD))])


def _count_by(records: pl.DataFrame, breakdown: str) -> pl.DataFrame:
    keys = ["geo", "period"]
    neutral = {"sex": "total", "age_group": "total", "exploitation_form": "total"}
    if breakdown in neutral:
        keys.append(breakdown)
        neutral.pop(breakdown)
    if breakdown == "citizenship":
        keys.append("citizenship")
    counts = records.group_by(keys).agg(count=pl.len(), filter_text=pl.lit(_filter_text(breakdown)))
    counts = counts.with_columns(**{name: pl.lit(code) for name, code in neutral.items()})
    if breakdown == "citizenship":
        return counts.with_columns(
            counterpart_type=pl.lit("citizenship"),
            counterpart=pl.col("citizenship").fill_null("unknown"),
            counterpart_label=pl.col("citizenship").fill_null("(blank)"),
        ).drop("citizenship")
    return counts.with_columns(
        counterpart_type=pl.lit("none"), counterpart=pl.lit("none"), counterpart_label=pl.lit(None, pl.String)
    )


def _filter_text(breakdown: str) -> str:
    return {
        "total": "",
        "sex": ", by gender",
        "age_group": ", by ageBroad (child 0-17, adult 18+)",
        "exploitation_form": ", by isSexualExploit/isForcedLabour/isOtherExploit (several: mixed)",
        "citizenship": ", by citizenship",
    }[breakdown]


def to_facts(records: pl.DataFrame, provenance_id: str, file_name: str) -> pl.DataFrame:
    """`victims_registered` by country of exploitation (and WORLD), period, and one of sex, age, form, citizenship."""
    canonical, all_years = _with_all_periods(canonical_records(records))
    counts, profile_counts = _fact_counts(canonical), _profile_counts(canonical, all_years)
    hidden = _complementary(counts, profile_counts, all_years)["cell"].implode()
    counts = suppress(counts, complementary=_fact_cell().is_in(hidden))
    place = (
        pl.when(pl.col("geo") == WORLD)
        .then(pl.lit("all records"))
        .otherwise(pl.lit("records with CountryOfExploitation = ") + pl.col("geo"))
    )
    when = (
        pl.when(pl.col("period") == UNKNOWN_PERIOD)
        .then(pl.lit(", yearOfRegistration empty"))
        .when(pl.col("period") == all_years)
        .then(pl.lit(", all years (records without a year included)"))
        .otherwise(pl.lit(", yearOfRegistration = ") + pl.col("period"))
    )
    facts = counts.select(
        source=pl.lit(SOURCE),
        measure=pl.lit(MEASURE),
        geo="geo",
        year=pl.when(pl.col("period") == all_years)
        .then(pl.lit(int(all_years[-4:])))
        .otherwise(pl.col("period").cast(pl.Int32, strict=False)),
        period="period",
        sex="sex",
        age_group="age_group",
        exploitation_form="exploitation_form",
        counterpart_type="counterpart_type",
        counterpart="counterpart",
        counterpart_label="counterpart_label",
        value="value",
        value_low="value_low",
        value_high="value_high",
        unit=pl.lit("persons"),
        flags=pl.concat_str(
            pl.when(pl.col("period") == all_years).then(pl.lit("cumulative")),
            pl.when(pl.col("value_suppressed")).then(pl.lit("suppressed")),
            pl.when(pl.col("value_complementary")).then(pl.lit("complementary_hidden")),
            pl.lit("synthetic"),
            separator=";",
            ignore_nulls=True,
        ),
        definition_id=pl.lit(f"{SOURCE}.{MEASURE}"),
        provenance_id=pl.lit(provenance_id),
        source_location=pl.lit(f"{file_name}: ") + place + when + pl.col("filter_text"),
    )
    return conform(facts)


def regions() -> pl.DataFrame:
    """ISO3 -> named UN subregion aggregate (`UN_NORTHERN_EUROPE`), from `data/reference/geo.csv`."""
    geo = pl.read_csv(GEO_FILE, infer_schema=False, empty_string_is_null=False)
    return geo.filter(pl.col("un_subregion") != "").select(
        country_of_exploitation="geo",
        region=pl.lit("UN_") + pl.col("un_subregion").str.to_uppercase().str.replace_all(r"[^A-Z]+", "_"),
    )


def profiles(records: pl.DataFrame, provenance_id: str, file_name: str) -> pl.DataFrame:
    """Means of control, sector of labour, age band, age group, sex and form, all years, by country, subregion, WORLD.

    Regions and the world are counted from the records themselves (never by adding up countries'
    suppressed cells), and suppressed by the same rule.

    `records_with_information` counts the records with at least one flag of the profile set (the
    base for shares); a record can have several means of control, so categories overlap.
    """
    canonical, all_years = _with_all_periods(canonical_records(records))
    counts = _profile_counts(canonical, all_years)
    hidden = _complementary(_fact_counts(canonical), counts, all_years)["cell"].implode()
    counted = suppress(counts, complementary=_profile_cell(all_years).is_in(hidden))
    counted = suppress(counted, "base", "records_with_information", _base_cell(all_years).is_in(hidden))
    any_suppressed = pl.col("value_suppressed") | pl.col("records_with_information_suppressed")
    any_complementary = pl.col("value_complementary") | pl.col("records_with_information_complementary")
    return counted.select(
        "geo",
        period=pl.lit(all_years),
        profile="profile",
        category="category",
        value="value",
        value_low="value_low",
        value_high="value_high",
        records_with_information="records_with_information",
        records_with_information_low="records_with_information_low",
        records_with_information_high="records_with_information_high",
        flags=pl.concat_str(
            pl.lit("cumulative"),
            pl.when(any_complementary).then(pl.lit("complementary_hidden")),
            pl.when(any_suppressed).then(pl.lit("suppressed")),
            pl.lit("synthetic"),
            separator=";",
            ignore_nulls=True,
        ),
        definition_id=pl.lit(f"{SOURCE}.{MEASURE}"),
        provenance_id=pl.lit(provenance_id),
        source_location=pl.lit(f"{file_name}: all years, ") + pl.col("source_column"),
    ).sort("geo", "profile", "category")


def _flag_profile(records: pl.DataFrame, profile: str, flag_columns: list[str]) -> pl.DataFrame:
    """Per geo: records with each flag of `profile` set, and records with any of them set."""
    columns = [name for name in flag_columns if name.startswith(f"{profile}:")]
    base = records.group_by("geo").agg(base=pl.any_horizontal(columns).sum().cast(pl.UInt32))
    long = records.select("geo", *columns).unpivot(index="geo", variable_name="column", value_name="is_set")
    counts = long.filter(pl.col("is_set")).group_by("geo", "column").agg(count=pl.len())
    prefix = {"means_of_control": "meansOfControl", "sector_of_labour": "typeOfLabour"}[profile]
    return counts.join(base, on="geo").select(
        "geo",
        profile=pl.lit(profile),
        category=pl.col("column").str.split(":").list.last(),
        count=pl.col("count"),
        base=pl.col("base"),
        source_column=pl.lit(f"records with {prefix}") + pl.col("column").str.split(":").list.last() + pl.lit(" = 1"),
    )


CATEGORY_PROFILES = {
    "age_band": ("age_band", "ageBroad"),
    "age_group": ("age_group", "ageBroad (child/adult)"),
    "sex": ("sex", "gender"),
    "exploitation_form": ("exploitation_form", "isSexualExploit/isForcedLabour/isOtherExploit"),
}
"""Profiles with one category per record: profile -> (records' column, what it comes from in the file)."""


def _category_profile(records: pl.DataFrame, profile: str) -> pl.DataFrame:
    """Per geo: records in each category of `profile` (unknown kept); the base is every record."""
    column, source_column = CATEGORY_PROFILES[profile]
    base = records.group_by("geo").agg(base=pl.len())
    counts = records.group_by("geo", column).agg(count=pl.len())
    return counts.join(base, on="geo").select(
        "geo",
        profile=pl.lit(profile),
        category=pl.col(column),
        count=pl.col("count"),
        base=pl.col("base"),
        source_column=pl.lit(f"records by {source_column} = ") + pl.col(column),
    )


def _with_regions(records: pl.DataFrame) -> pl.DataFrame:
    by_region = records.join(regions(), on="country_of_exploitation", how="inner").with_columns(geo=pl.col("region"))
    return pl.concat([_with_world(records), by_region.drop("region")], how="vertical")


FLAG_PROFILES = ("means_of_control", "sector_of_labour")
ANY_FLAG = "_any"
"""The category of a flag profile's base: records with at least one flag of the profile set."""


def _fact_counts(canonical: pl.DataFrame) -> pl.DataFrame:
    """Record counts for every fact: by geo (countries and WORLD), period, and one breakdown."""
    located = _with_world(canonical)
    return pl.concat([_count_by(located, breakdown) for breakdown in BREAKDOWNS], how="diagonal")


def _profile_counts(canonical: pl.DataFrame, all_years: str) -> pl.DataFrame:
    """Record counts (`count`) and bases (`base`) of every profile cell, all years together."""
    located = _with_regions(canonical.filter(pl.col("period") == all_years))
    flag_columns = [name for name in canonical.columns if ":" in name]
    present = [profile for profile in FLAG_PROFILES if any(name.startswith(f"{profile}:") for name in flag_columns)]
    frames = [_flag_profile(located, profile, flag_columns) for profile in present]
    frames.extend(_category_profile(located, profile) for profile in CATEGORY_PROFILES)
    return pl.concat(frames, how="vertical")


def _cell_id(*parts: pl.Expr) -> pl.Expr:
    return pl.concat_str(*parts, separator="|")


def _fact_dimension() -> tuple[pl.Expr, pl.Expr]:
    """A fact count's breakdown and category (`total`, `total` for the all-records count)."""
    dimension, category = pl.lit("total"), pl.lit("total")
    for column in ("exploitation_form", "age_group", "sex"):
        dimension = pl.when(pl.col(column) != "total").then(pl.lit(column)).otherwise(dimension)
        category = pl.when(pl.col(column) != "total").then(pl.col(column)).otherwise(category)
    citizenship = pl.col("counterpart_type") == "citizenship"
    return (
        pl.when(citizenship).then(pl.lit("citizenship")).otherwise(dimension),
        pl.when(citizenship).then(pl.col("counterpart")).otherwise(category),
    )


def _fact_cell() -> pl.Expr:
    dimension, category = _fact_dimension()
    return _cell_id(pl.col("geo"), pl.col("period"), dimension, category)


def _profile_cell(all_years: str) -> pl.Expr:
    return _cell_id(pl.col("geo"), pl.lit(all_years), pl.col("profile"), pl.col("category"))


def _base_cell(all_years: str) -> pl.Expr:
    """A category profile's base is all records (the total cell); a flag profile's has its own cell."""
    flagged = pl.col("profile").is_in(FLAG_PROFILES)
    dimension = pl.when(flagged).then(pl.col("profile")).otherwise(pl.lit("total"))
    category = pl.when(flagged).then(pl.lit(ANY_FLAG)).otherwise(pl.lit("total"))
    return _cell_id(pl.col("geo"), pl.lit(all_years), dimension, category)


def _cells(facts: pl.DataFrame, profiles: pl.DataFrame, all_years: str) -> pl.DataFrame:
    """Every published count once: `cell`, `geo`, `period`, `dimension`, `category`, `count`, `hidden`."""
    dimension, category = _fact_dimension()
    fact_cells = facts.select("geo", "period", dimension=dimension, category=category, count=pl.col("count"))
    profile_cells = profiles.select(
        "geo", period=pl.lit(all_years), dimension="profile", category="category", count=pl.col("count")
    )
    flagged = pl.col("profile").is_in(FLAG_PROFILES)
    base_cells = profiles.select(
        "geo",
        period=pl.lit(all_years),
        dimension=pl.when(flagged).then(pl.col("profile")).otherwise(pl.lit("total")),
        category=pl.when(flagged).then(pl.lit(ANY_FLAG)).otherwise(pl.lit("total")),
        count=pl.col("base"),
    )
    cells = pl.concat([fact_cells, profile_cells, base_cells], how="vertical_relaxed")
    cells = cells.with_columns(count=pl.col("count").cast(pl.Int64)).unique(["geo", "period", "dimension", "category"])
    return cells.with_columns(
        cell=_cell_id(pl.col("geo"), pl.col("period"), pl.col("dimension"), pl.col("category")),
        hidden=pl.col("count") < SMALLEST_SHOWN,
    )


def _group(parts: pl.DataFrame, totals: pl.DataFrame, keys: list[str], name: str) -> pl.DataFrame:
    """Groups `name|<keys>`: the parts and the total that share the keys."""
    group = pl.concat_str(pl.lit(name), *keys, separator="|")
    members = [
        parts.select(group=group, cell=pl.col("cell"), is_total=pl.lit(False)),
        totals.select(group=group, cell=pl.col("cell"), is_total=pl.lit(True)),
    ]
    return pl.concat(members)


def _additive_groups(cells: pl.DataFrame, all_years: str) -> pl.DataFrame:
    """Every total with the parts that add up to it, among the published cells."""
    partitions = ("sex", "age_group", "exploitation_form", "citizenship", "age_band")
    totals = cells.filter(pl.col("dimension") == "total")
    groups = []
    for dimension in partitions:
        parts = cells.filter(pl.col("dimension") == dimension)
        groups.append(_group(parts, totals, ["geo", "period"], f"by {dimension}"))
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


def _complementary(fact_counts: pl.DataFrame, profile_counts: pl.DataFrame, all_years: str) -> pl.DataFrame:
    """The cells hidden besides the small counts, for the facts and the profiles alike."""
    cells = _cells(fact_counts, profile_counts, all_years)
    return complementary_cells(cells.select("cell", "count", "hidden"), _additive_groups(cells, all_years))
