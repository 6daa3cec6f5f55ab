"""CTDC case records aggregated to canonical facts and profile tables, with disclosure control.

Every count comes from person-level (synthetic) records, so a count from 1 to 4 is never shown:
its value is null, its bounds are [1, 4] and it carries the flag `suppressed`. A count of 0 is
never written (there is no row for it). Every CTDC fact carries the flag `synthetic`.

Years: records without a year of registration are kept in their own period `unknown` (year null);
`period` is part of the fact key, so they never mix with a real year. An all-years figure has the
period `<first>-<last>` (year = last), includes the records without a year and is flagged
`cumulative`.
"""

from __future__ import annotations

import polars as pl

from pipelines import crosswalk
from pipelines.settings import REFERENCE_DIR
from pipelines.vocabulary import conform

SOURCE = "iom_ctdc"
CROSSWALK = "ctdc"
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


def suppress(counts: pl.DataFrame, count: str = "count", name: str = "value") -> pl.DataFrame:
    """Replace a column of record counts by `<name>`, `<name>_low`, `<name>_high` and `<name>_suppressed`.

    A count below 5 gets a null `<name>`, bounds [1, 4] and `<name>_suppressed` true.
    """
    small = pl.col(count) < SMALLEST_SHOWN
    low, high = SUPPRESSED_BOUNDS
    as_float = pl.col(count).cast(pl.Float64)
    return counts.with_columns(
        **{
            name: pl.when(small).then(None).otherwise(as_float),
            f"{name}_low": pl.when(small).then(pl.lit(low)).otherwise(as_float),
            f"{name}_high": pl.when(small).then(pl.lit(high)).otherwise(as_float),
            f"{name}_suppressed": small,
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
    located = _with_world(canonical)
    counts = suppress(pl.concat([_count_by(located, breakdown) for breakdown in BREAKDOWNS], how="diagonal"))
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
    located = _with_regions(canonical.filter(pl.col("period") == all_years))
    flag_columns = [name for name in records.columns if ":" in name]
    frames = [_flag_profile(located, profile, flag_columns) for profile in ("means_of_control", "sector_of_labour")]
    frames.extend(_category_profile(located, profile) for profile in CATEGORY_PROFILES)
    counted = suppress(suppress(pl.concat(frames, how="vertical")), "base", "records_with_information")
    any_suppressed = pl.col("value_suppressed") | pl.col("records_with_information_suppressed")
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
        flags=pl.when(any_suppressed)
        .then(pl.lit("cumulative;suppressed;synthetic"))
        .otherwise(pl.lit("cumulative;synthetic")),
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
