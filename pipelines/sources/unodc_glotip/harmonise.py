"""UNODC GLOTIP staging rows in canonical terms."""

from __future__ import annotations

import polars as pl

from core.vocabulary import conform, definition_id
from pipelines import crosswalk
from pipelines.legal_basis import with_legal_basis

SOURCE = "unodc_glotip"
CROSSWALK = "unodc_glotip"
COUNTRY_CROSSWALK = "unodc_glotip_country_labels"
BLANK_LABEL = "(blank)"
COUNTERPART_DIMENSIONS = ("citizenship", "repatriation")

LABEL_FIELDS = {"indicator": "indicator", "dimension": "dimension", "sex": "sex", "age": "age", "unit": "unit"}
"""Staging column -> crosswalk field, for the columns every row maps."""


def unknown_labels(staging: pl.DataFrame) -> dict[str, list[str]]:
    """Every label in the staging frame that no crosswalk maps, by column."""
    unknown = crosswalk.unknown_labels(staging, CROSSWALK, LABEL_FIELDS)
    forms = staging.filter(pl.col("dimension") == "by form of exploitation")
    unknown |= crosswalk.unknown_labels(forms, CROSSWALK, {"category": "form"})
    countries = _with_counterpart_label(staging).filter(pl.col("counterpart_label").is_not_null())
    unknown |= {
        f"category ({COUNTRY_CROSSWALK})": labels
        for labels in crosswalk.unknown_labels(
            countries, COUNTRY_CROSSWALK, {"counterpart_label": "country_label"}
        ).values()
    }
    miswritten = staging.filter(pl.col("iso3").fill_null("").str.contains(r"^[A-Za-z]{3}$"), ~_is_iso3())
    if miswritten.height:
        unknown["iso3 (not an upper-case ISO3 code)"] = miswritten["iso3"].unique().sort().to_list()
    missing_geo = _without_iso3(staging.filter(~pl.col("iso3").fill_null("").str.contains(r"^[A-Za-z]{3}$")))
    unknown |= crosswalk.unknown_labels(
        missing_geo.filter(pl.col("country").is_null()), CROSSWALK, {"iso3": "geo_code"}
    )
    unknown |= crosswalk.unknown_labels(
        missing_geo.filter(pl.col("country").is_not_null()), CROSSWALK, {"country": "geo_name"}
    )
    return {column: labels for column, labels in unknown.items() if labels}


def _is_iso3() -> pl.Expr:
    return pl.col("iso3").fill_null("").str.contains(r"^[A-Z]{3}$")


def _without_iso3(staging: pl.DataFrame) -> pl.DataFrame:
    """Rows whose `Iso3_code` is not a country's ISO3 code (aggregates, Sark)."""
    return staging.filter(pl.col("country").is_null() | ~pl.col("iso3").fill_null("").str.contains(r"^[A-Z]{3}$"))


def _with_counterpart_label(staging: pl.DataFrame) -> pl.DataFrame:
    is_country_dimension = pl.col("dimension").is_in(["by citizenship", "by country of repatriation"])
    return staging.with_columns(
        counterpart_label=pl.when(is_country_dimension).then(pl.col("category").fill_null(BLANK_LABEL))
    )


def to_facts(staging: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Canonical facts; raises `crosswalk.UnknownLabelError` naming any label no crosswalk knows."""
    provenance_id = staging["provenance_id"][0]
    unknown = unknown_labels(staging)
    if unknown:
        raise crosswalk.UnknownLabelError(f"{CROSSWALK}/{COUNTRY_CROSSWALK}", unknown)
    fields = {column: (field, f"canonical_{column}") for column, field in LABEL_FIELDS.items()}
    mapped = crosswalk.apply(_with_counterpart_label(staging), CROSSWALK, fields)
    forms = crosswalk.mapping(CROSSWALK, "form")
    countries = crosswalk.mapping(COUNTRY_CROSSWALK, "country_label")
    geo_codes = crosswalk.mapping(CROSSWALK, "geo_code")
    geo_names = crosswalk.mapping(CROSSWALK, "geo_name")
    has_iso3 = pl.col("country").is_not_null() & pl.col("iso3").fill_null("").str.contains(r"^[A-Z]{3}$")
    is_counterpart = pl.col("canonical_dimension").is_in(COUNTERPART_DIMENSIONS)
    facts = mapped.select(
        source=pl.lit(SOURCE),
        measure=pl.col("canonical_indicator"),
        geo=pl.when(has_iso3)
        .then(pl.col("iso3"))
        .when(pl.col("country").is_null())
        .then(pl.col("iso3").replace_strict(geo_codes, default=None))
        .otherwise(pl.col("country").replace_strict(geo_names, default=None)),
        year=pl.col("year"),
        sex=pl.col("canonical_sex"),
        age_group=pl.col("canonical_age"),
        exploitation_form=pl.when(pl.col("dimension") == "by form of exploitation")
        .then(pl.col("category").replace_strict(forms, default=None))
        .otherwise(pl.lit("total")),
        counterpart_type=pl.when(is_counterpart).then(pl.col("canonical_dimension")).otherwise(pl.lit("none")),
        counterpart=pl.when(is_counterpart)
        .then(pl.col("counterpart_label").replace_strict(countries, default=None))
        .otherwise(pl.lit("none")),
        counterpart_label=pl.col("counterpart_label"),
        value=pl.col("value"),
        value_low=pl.col("value_low"),
        value_high=pl.col("value_high"),
        unit=pl.lit("persons"),
        flags=pl.concat_str(
            pl.when(pl.col("parts") > 1).then(pl.lit("summed_parts")).otherwise(pl.lit("")),
            pl.when(pl.col("suppressed")).then(pl.lit("suppressed")).otherwise(pl.lit("")),
            pl.when(pl.col("counterpart_label").is_not_null())
            .then(
                pl.when(pl.col("counterpart_label").replace_strict(countries, default="") == "unresolved")
                .then(pl.lit("unresolved_counterpart"))
                .otherwise(pl.lit(""))
            )
            .otherwise(pl.lit("")),
            separator=";",
        )
        .str.replace_all(r";+", ";")
        .str.strip_chars(";"),
        definition_id=definition_id(SOURCE, pl.col("canonical_indicator")),
        provenance_id=pl.lit(provenance_id),
        source_location=pl.lit(f"{file_name}, sheet data_glotip_1, row ") + pl.col("sheet_rows"),
    )
    facts = facts.with_columns(
        unit=pl.when(pl.col("measure") == "offences_recorded").then(pl.lit("offences")).otherwise(pl.col("unit"))
    )
    return with_legal_basis(conform(facts.with_columns(period=pl.col("year").cast(pl.String))))
