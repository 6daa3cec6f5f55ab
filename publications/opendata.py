"""A kept publication as open data: every published table as Parquet and CSV, described as a Frictionless Data Package.

`<data dir>/publications/<publication id>/data/` holds `<table>.parquet`, `<table>.csv` and
`datapackage.json`: one resource per file. The CSV resource is named after the table and carries its
schema (names, Frictionless types from the frame's types, descriptions), its sha256 and the sources
its rows cite. The Parquet resource, `<table>-parquet`, holds the same rows with their types (Parquet
carries its own schema; `x_schema_of` names the CSV resource whose schema describes it) and is
declared a file resource with its sha256: frictionless 5 reads Parquet as a table through pandas,
which turns an integer column with empty cells into floats, so a typed check of it fails for no fault
of the file. The package has `x_publication` (id, time, content hash, run, code version, the
publication before it) and `x_source_status`. The definitions are the
`definitions` resource; the input files are the package's `sources` and the `provenance` resource.
Another program can read a given release with polars, DuckDB or any Frictionless reader, without the
DuckDB file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from core.checksums import sha256_of

LICENSE = {
    "name": "other-at",
    "title": "Each figure stays under its publisher's terms of use (UNODC, ILO, IOM, World Bank, KOM); "
    "cite the source, the definition and source_location of every figure",
}

TABLE_DESCRIPTIONS = {
    "fact_indicator": "Every source's figures in the canonical fact schema: one row per source, measure, place, "
    "period and breakdown",
    "series_totals": "One series per source, measure and place: the totals (all sexes, ages and forms)",
    "breakdowns": "Figures broken down by one of sex, age group or form of exploitation (the others at total)",
    "reconciliation_norway": "Per year, KOM's two victim counts beside UNODC's figure for Norway, and how they relate",
    "population": "World Bank population by country and year",
    "rates_per_100k": "UNODC counts per 100,000 inhabitants (World Bank population)",
    "ilo_estimates": "The ILO's global estimates as each edition published them",
    "ctdc_profiles": "CTDC victim profiles (form, sex, age, means of control, sector) by area; synthetic records",
    "definitions": "Every definition (Norwegian and English): name, description, counting unit, scope, breaks",
    "provenance": "Every input file: publication, official address, where fetched, retrieval time, size, sha256",
    "source_status": "Each source's status in this publication: current, stale (its last good release) or absent",
    "canonical_vocabulary": "The canonical codes with Norwegian and English labels",
    "crosswalks": "How each source's labels map to canonical codes",
    "legal_bases": "The penal provisions figures count under",
    "asset_check_results": "Every check the publishing run evaluated before publication",
    "publication": "This publication: id, time, run, content hash, code version, the publication before it",
    "revisions": "Figures new, revised or withdrawn since the publication before, with values before and after",
    "figure_history": "Every value each figure has had across the kept publications",
}

COLUMN_DESCRIPTIONS = {
    "source": "The source (its source id)",
    "measure": "What is counted (a canonical code)",
    "geo": "The place: ISO 3166-1 alpha-3 code, or a canonical region code",
    "year": "The year the figure refers to (the last year of its period)",
    "period": "The year, or a span such as 2003-2024 for a figure covering several years",
    "value": "The figure; empty where the source suppressed it or gave no single number (see the bounds and flags)",
    "value_low": "The lower bound of the figure (equal to value for an exact figure; 1 for a suppressed <5 cell)",
    "value_high": "The upper bound of the figure (4 for a suppressed <5 cell)",
    "flags": "Qualifiers of the figure, sorted and ;-separated (suppressed, approximate, cumulative, series_break…)",
    "definition_id": "The definition, in the definitions resource",
    "provenance_id": "The input file, in the provenance resource and the package's sources",
    "source_location": "Where in the source publication the figure stands (sheet and row, or line and publication)",
    "breakdown": "The figure's breakdown written out (total for none)",
    "publication_id": "A kept publication's id (time of publication and the start of its content hash)",
    "previous_publication_id": "The kept publication before it",
    "change": "new, revised or withdrawn (first for a figure's value in the first kept publication)",
    "release": "The release of the figure's source in this publication",
    "release_before": "The release of the figure's source in the publication before",
}

FRICTIONLESS_TYPES = {
    pl.String: "string",
    pl.Boolean: "boolean",
    pl.Float32: "number",
    pl.Float64: "number",
    pl.Date: "date",
    pl.Datetime: "datetime",
}


def field_type(dtype: pl.DataType) -> str:
    """The Frictionless type of a polars column type."""
    if dtype.is_integer():
        return "integer"
    return FRICTIONLESS_TYPES.get(dtype.base_type(), "any")


def schema(frame: pl.DataFrame) -> dict:
    """A Table Schema for `frame`: each column with its type and, where known, a description."""
    fields = []
    for name, dtype in frame.schema.items():
        field = {"name": name, "type": field_type(dtype)}
        description = COLUMN_DESCRIPTIONS.get(name) or COLUMN_DESCRIPTIONS.get(name.removesuffix("_before"))
        if description:
            field["description"] = description + (" (in the publication before)" if name.endswith("_before") else "")
        fields.append(field)
    return {"fields": fields}


def write_data_package(folder: Path, tables: Mapping[str, pl.DataFrame], publication: Mapping[str, object]) -> Path:
    """Write every table as `<table>.parquet` and `<table>.csv` into `folder` with `datapackage.json`; return it.

    `publication` is what `x_publication` says (id, time, content hash, run, code version, previous id).
    """
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    provenance = tables.get("provenance")
    cited = _cited_sources(provenance)
    for name, frame in sorted(tables.items()):
        frame.write_csv(folder / f"{name}.csv")
        frame.write_parquet(folder / f"{name}.parquet", compression="zstd", statistics=True)
        common = {
            "title": name,
            "description": TABLE_DESCRIPTIONS.get(name, f"The published table {name}"),
            "schema": schema(frame),
            **_resource_sources(frame, cited),
        }
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{sha256_of(folder / f'{name}.csv')}",
                "bytes": (folder / f"{name}.csv").stat().st_size,
                **common,
            }
        )
        resources.append(
            {
                "name": f"{name}-parquet",
                "path": f"{name}.parquet",
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "title": name,
                "description": f"{common['description']} (Parquet: the same rows, typed; schema: resource {name})",
                "type": "file",
                "hash": f"sha256:{sha256_of(folder / f'{name}.parquet')}",
                "bytes": (folder / f"{name}.parquet").stat().st_size,
                "x_schema_of": name,
                **{key: value for key, value in common.items() if key == "sources"},
            }
        )
    status = tables.get("source_status")
    descriptor = {
        "name": f"trafficking-norway-{str(publication['publication_id']).lower()}",
        "id": publication["publication_id"],
        "title": f"Menneskehandel i Norge / Human trafficking in Norway: publication {publication['publication_id']}",
        "description": "Every table of one publication of the trafficking statistics for Norway, as CSV and Parquet. "
        "Each figure keeps its source, definition (resource definitions) and place in the source "
        "(source_location); a suppressed cell has no value and the bounds 1 and 4, never 0.",
        "created": publication["published_at"],
        "version": publication["publication_id"],
        "licenses": [LICENSE],
        "sources": list(cited.values()),
        "resources": resources,
        "x_publication": dict(publication),
        "x_source_status": status.sort("source_id").to_dicts() if status is not None else [],
    }
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _cited_sources(provenance: pl.DataFrame | None) -> dict[str, dict]:
    """Each input file as a Data Package source, by provenance id."""
    if provenance is None:
        return {}
    return {
        row["provenance_id"]: {"title": f"{row['publication']} ({row['source_id']})", "path": row["url"]}
        for row in provenance.sort("provenance_id").iter_rows(named=True)
    }


def _resource_sources(frame: pl.DataFrame, cited: Mapping[str, dict]) -> dict:
    """`{"sources": [...]}`: the input files a table's rows cite (none for a table without provenance columns)."""
    columns = [column for column in ("provenance_id", "population_provenance_id") if column in frame.columns]
    used = sorted({value for column in columns for value in frame[column].drop_nulls().unique()} & cited.keys())
    return {"sources": [cited[provenance_id] for provenance_id in used]} if used else {}
