"""Checks on canonical fact frames, shared by every source's asset checks.

Each function takes a frame and returns `(passed, description, metadata)`; `fact_checks` turns
them into Dagster asset checks for one facts asset. Failures of schema, negative counts,
duplicate keys, unknown codes and year coverage block everything downstream (nothing is
published); totals that differ from the sum of their parts are reported as warnings, because the
sources themselves are not always consistent.
"""

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from core.vocabulary import CANONICAL_DIMENSIONS, FACT_KEY, FACT_SCHEMA, codes, flag_set, has_flag

CheckOutcome = tuple[bool, str, dict[str, object]]

MAX_LISTED = 20
MAX_LOCATIONS = 5
"""How many `source_location`s a failed check's description names before "and N more"."""


def check_schema(facts: pl.DataFrame) -> CheckOutcome:
    expected = {name: str(dtype) for name, dtype in FACT_SCHEMA.items()}
    actual = {name: str(dtype) for name, dtype in facts.schema.items()}
    passed = list(expected.items()) == list(actual.items())
    differences = {
        name: f"{actual.get(name)} (expected {kind})" for name, kind in expected.items() if actual.get(name) != kind
    }
    extra = sorted(set(actual) - set(expected))
    found = [f"{name}: {difference}" for name, difference in differences.items()]
    found += [f"extra column {name}" for name in extra]
    return (
        passed,
        "columns and types are the canonical fact schema" if passed else "schema differs: " + "; ".join(found),
        {"differences": differences, "extra_columns": extra},
    )


def check_no_negative(facts: pl.DataFrame) -> CheckOutcome:
    negative = facts.filter(
        (pl.col("value") < 0)
        | (pl.col("value_low") < 0)
        | (pl.col("value_high") < 0)
        | (pl.col("value_low") > pl.col("value_high"))
    )
    found = f"{negative.height} rows with a negative value or bound, or a lower bound above its upper bound"
    return (
        negative.height == 0,
        f"{found}, at {locations(negative)}" if negative.height else "no negative value or bound",
        {
            "offending_rows": negative.height,
            "examples": _examples(negative, ["source_location", "value", "value_low", "value_high"]),
        },
    )


NOT_COUNTS = frozenset({"per_1000_population", "usd_billion_per_year"})
"""Units that are not counts (a rate, an amount of money): their figures need not be whole. Every other unit counts
people, offences, sanctions, judgments or reports, so a figure of 31.4 is a broken cell, not a count."""


def check_finite_counts(facts: pl.DataFrame) -> CheckOutcome:
    """Every value and bound finite (NaN and infinity are never figures), and whole where the unit is a count."""
    columns = ("value", "value_low", "value_high")
    not_finite = pl.any_horizontal(pl.col(column).is_not_null() & ~pl.col(column).is_finite() for column in columns)
    fraction = pl.any_horizontal(pl.col(column) != pl.col(column).round() for column in columns).fill_null(False)
    counted = ~pl.col("unit").is_in(list(NOT_COUNTS)).fill_null(False)
    bad = facts.filter(not_finite | (counted & fraction))
    found = f"{bad.height} figure(s) not finite, or a count that is not whole, at {locations(bad)}"
    return (
        bad.height == 0,
        found if bad.height else "every figure finite, every count whole",
        {"offending_rows": bad.height, "examples": _examples(bad, ["source_location", "unit", *columns])},
    )


def check_unique_key(facts: pl.DataFrame) -> CheckOutcome:
    duplicated = facts.filter(pl.struct(FACT_KEY).is_duplicated())
    rule = f"no two facts share the key ({', '.join(FACT_KEY)})"
    found = f"{duplicated.height} rows share a key ({', '.join(FACT_KEY)}), at {locations(duplicated)}"
    return (
        duplicated.height == 0,
        found if duplicated.height else rule,
        {"duplicated_rows": duplicated.height, "examples": _examples(duplicated, [*FACT_KEY[:4], "source_location"])},
    )


def check_known_codes(facts: pl.DataFrame) -> CheckOutcome:
    """Every dimension and flag a canonical code, and no null geo; a failure names the codes and where they stand."""
    unknown: dict[str, list[str]] = {}
    where: list[str] = []
    for dimension in CANONICAL_DIMENSIONS:
        outside = sorted(set(facts[dimension].drop_nulls().unique().to_list()) - codes(dimension))
        nulls = facts[dimension].null_count()
        if outside or nulls:
            unknown[dimension] = outside + ([f"<{nulls} nulls>"] if nulls else [])
            bad = facts.filter(pl.col(dimension).is_in(outside) | pl.col(dimension).is_null())
            where.append(f"{dimension} {_listed(unknown[dimension])} at {locations(bad)}")
    flags = {flag for text in facts["flags"].unique().to_list() for flag in flag_set(text)}
    if flags - codes("flag"):
        unknown["flags"] = sorted(flags - codes("flag"))
        has_unknown = pl.any_horizontal(has_flag(flag) for flag in unknown["flags"])
        where.append(f"flags {_listed(unknown['flags'])} at {locations(facts.filter(has_unknown))}")
    if facts["geo"].null_count():
        unknown["geo"] = [f"<{facts['geo'].null_count()} nulls>"]
        where.append(f"geo {_listed(unknown['geo'])} at {locations(facts.filter(pl.col('geo').is_null()))}")
    text = "unknown codes: " + "; ".join(where) if where else "every dimension holds canonical codes only"
    return not unknown, text, {"unknown": unknown}


def check_year_coverage(facts: pl.DataFrame, first_year: int, last_year: int) -> CheckOutcome:
    years = facts["year"].drop_nulls().unique().sort().to_list()
    outside = [year for year in years if not first_year <= year <= last_year]
    coverage = facts.group_by("measure").agg(
        first=pl.col("year").min(), last=pl.col("year").max(), years=pl.col("year").n_unique()
    )
    text = f"facts exist, all years within {first_year}-{last_year}"
    if not years:
        text = "no facts with a year"
    elif outside:
        where = locations(facts.filter(pl.col("year").is_in(outside)))
        text = f"years outside {first_year}-{last_year}: {outside} at {where}"
    return (
        bool(years) and not outside,
        text,
        {
            "years": f"{years[0]}-{years[-1]}" if years else "none",
            "outside": outside,
            "by_measure": {
                row["measure"]: f"{row['first']}-{row['last']} ({row['years']} years)" for row in coverage.to_dicts()
            },
        },
    )


def check_totals_against_parts(
    facts: pl.DataFrame, dimensions: Sequence[str] = ("sex", "age_group", "exploitation_form")
) -> CheckOutcome:
    """No total may be smaller than the least its parts add up to.

    Parts may be incomplete (a breakdown need not cover every category), so only a total below the
    sum of its parts' lower bounds is a gap. Gaps are warnings: the sources are not always consistent.
    """
    gaps: list[str] = []
    gap_count = 0
    where: list[str] = []
    context = [column for column in FACT_KEY if column not in dimensions]
    only_counterpart_none = facts.filter(pl.col("counterpart_type") == "none")
    for dimension in dimensions:
        others = [d for d in dimensions if d != dimension]
        scope = only_counterpart_none.filter(pl.all_horizontal(pl.col(other) == "total" for other in others))
        totals = scope.filter(pl.col(dimension) == "total")
        parts = (
            scope.filter(pl.col(dimension) != "total")
            .group_by([c for c in context if c != "counterpart_label"])
            .agg(parts_low=pl.col("value_low").sum(), parts_high=pl.col("value_high").sum(), parts=pl.len())
        )
        joined = totals.join(parts, on=[c for c in context if c != "counterpart_label"], how="inner")
        bad = joined.filter(pl.col("value_high") < pl.col("parts_low"))
        gap_count += bad.height
        gaps.extend(
            f"{dimension}: {row['geo']} {row['measure']} {row['period']}: "
            f"total {row['value_low']:g}-{row['value_high']:g}, parts at least {row['parts_low']:g}"
            for row in bad.head(MAX_LISTED).to_dicts()
        )
        where.extend(bad["source_location"].unique(maintain_order=True).to_list())
    return (
        gap_count == 0,
        f"{gap_count} totals below the sum of their parts, e.g. {gaps[0]}; at {_listed(where)}"
        if gap_count
        else "no total is smaller than the sum of its parts",
        {"gaps": gaps[:MAX_LISTED], "gap_count": gap_count},
    )


def locations(frame: pl.DataFrame) -> str:
    """Up to `MAX_LOCATIONS` distinct `source_location`s of `frame`, then "and N more"."""
    return _listed(frame["source_location"].unique(maintain_order=True).to_list())


def _listed(items: Sequence[object]) -> str:
    shown = ", ".join(map(repr, items[:MAX_LOCATIONS]))
    return shown + (f" and {len(items) - MAX_LOCATIONS} more" if len(items) > MAX_LOCATIONS else "")


def _examples(frame: pl.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    return frame.select(columns).head(MAX_LISTED).to_dicts()


def latest_year() -> int:
    """The latest year any figure may refer to: this year (one rule for every source; no figure is from the future)."""
    return datetime.now(UTC).year


def fact_checks(asset_key: dg.AssetKey, first_year: int) -> list[dg.AssetChecksDefinition]:
    """The standard checks for a facts asset `harmonised/facts_<source id>`, in one step that loads the facts once.

    All block publication on failure, except totals against parts, which warns. A source that is
    absent from this run (`raw/<source id>` has no release) has no facts, and nothing fails for that.
    """
    evaluations: list[tuple[str, str, Callable[[pl.DataFrame], CheckOutcome], bool]] = [
        ("schema", "Canonical columns and types.", check_schema, True),
        ("no_negative_counts", "No negative value or bound.", check_no_negative, True),
        ("finite_whole_counts", "Every figure finite; every count whole.", check_finite_counts, True),
        ("unique_canonical_key", "No duplicate canonical keys.", check_unique_key, True),
        ("known_codes", "Only canonical codes in every dimension.", check_known_codes, True),
        (
            "year_coverage",
            f"Years within {first_year} and this year.",
            lambda facts: check_year_coverage(facts, first_year, latest_year()),
            True,
        ),
        (
            "totals_against_parts",
            "Totals not below the sum of their parts (warning).",
            check_totals_against_parts,
            False,
        ),
    ]
    source_id = asset_key.path[-1].removeprefix("facts_")
    raw_key = dg.AssetKey(["raw", source_id])
    specs = [
        dg.AssetCheckSpec(name, asset=asset_key, description=description, blocking=blocking, additional_deps=[raw_key])
        for name, description, _, blocking in evaluations
    ]

    ins = {"facts": asset_key, "raw": raw_key}

    @dg.multi_asset_check(specs=specs, name=f"{asset_key.path[-1]}_standard_checks", ins=ins)
    def _checks(facts: pl.DataFrame, raw: pl.DataFrame) -> Iterator[dg.AssetCheckResult]:
        absent = raw["status"][0] == "absent"
        nothing_to_check = (True, f"{source_id} is absent: no facts to check", {})
        for name, _, evaluate, blocking in evaluations:
            passed, text, metadata = nothing_to_check if absent else evaluate(facts)
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=name,
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
                description=text,
                metadata={
                    key: dg.MetadataValue.json(value) if isinstance(value, dict | list) else value
                    for key, value in metadata.items()
                },
            )

    return [_checks]


def unique_key_check(asset_key: dg.AssetKey, key: Sequence[str]) -> dg.AssetChecksDefinition:
    """A blocking check that no two rows of a table share `key`, naming the first keys given twice."""

    @dg.asset_check(
        asset=asset_key, name="unique_key", blocking=True, description=f"No two rows share ({', '.join(key)})."
    )
    def _check(table: pl.DataFrame) -> dg.AssetCheckResult:
        repeated = table.filter(pl.struct(list(key)).is_duplicated()).select(key).unique(maintain_order=True)
        shown = [dict(row) for row in repeated.head(MAX_LOCATIONS).iter_rows(named=True)]
        return dg.AssetCheckResult(
            passed=repeated.is_empty(),
            description=f"{repeated.height} key(s) given more than once, e.g. {shown}"
            if repeated.height
            else f"every ({', '.join(key)}) is given once",
            metadata={"keys_repeated": repeated.height},
        )

    return _check
