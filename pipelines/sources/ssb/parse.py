"""SSB's tables as one staging frame in SSB's own terms: one row per trafficking cell, with codes, labels and symbol.

The raw asset's records come in pairs per table (`<table id>/metadata.json`, `<table id>/data.json`);
the offence is found in the metadata by label (`pipelines.sources.ssb.tables.find_offence`) and its
cells are read from the data. Each row keeps the table, the offence's code and label, the year, the
measured variable (`ContentsCode`, SSB's "statistikkvariabel") and every other dimension's code and
label, the cell's value (None when missing: never 0), its status symbol and its position in `value`.
A problem raises `SsbFormatError` naming the table and file.

SSB marks a category's depth in its hierarchy with `¬` or `¬¬` before the label, in every dimension
(`¬¬ Tiltale`); the labels the crosswalk compares (`contents_label`, a category's `label`) are without
the marks, and SSB's own words are kept beside them (`contents_label_ssb`, a category's `label_ssb`).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from pipelines.sources.ssb.jsonstat import JsonStatError, read_dataset
from pipelines.sources.ssb.tables import (
    KNOWN_TABLE_IDS,
    SOURCE_ID,
    Offence,
    OffenceNotFound,
    find_offence,
    names_the_offence,
)

CATEGORY = pl.Struct({"dimension": pl.String(), "code": pl.String(), "label": pl.String(), "label_ssb": pl.String()})
STAGING_SCHEMA: dict[str, pl.DataType] = {
    "table_id": pl.String(),
    "table_label": pl.String(),
    "known_table": pl.Boolean(),
    "offence_dimension": pl.String(),
    "offence_code": pl.String(),
    "offence_label": pl.String(),
    "time_dimension": pl.String(),
    "time_code": pl.String(),
    "year": pl.Int32(),
    "contents_dimension": pl.String(),
    "contents_code": pl.String(),
    "contents_label": pl.String(),
    "contents_label_ssb": pl.String(),
    "categories": pl.List(CATEGORY),
    "cell": pl.Int64(),
    "value": pl.Float64(),
    "status": pl.String(),
    "updated": pl.String(),
    "file": pl.String(),
    "provenance_id": pl.String(),
}
"""One row per cell of the offence: `categories` holds the dimensions other than offence, time and measured
variable (such as the police's decision or the type of sanction), in the table's order."""
YEAR = re.compile(r"^\d{4}$")
DEPTH_MARKS = re.compile(r"^\s*¬+\s*")
"""SSB's marks of a category's depth in its hierarchy (`¬`, `¬¬`) before the label's words."""


class SsbFormatError(ValueError):
    """A table that cannot be read as SSB's trafficking cells; the message names the table and file."""


def without_depth_marks(label: str) -> str:
    """A label without SSB's depth marks (`¬¬ Tiltale` -> `Tiltale`): the words the crosswalk compares."""
    return DEPTH_MARKS.sub("", label)


def table_files(raw: pl.DataFrame) -> dict[str, dict[str, dict[str, object]]]:
    """The raw asset's records by table id and kind (`metadata`, `data`), in the order the records come."""
    tables: dict[str, dict[str, dict[str, object]]] = {}
    for record in raw.iter_rows(named=True):
        path = Path(str(record["local_path"]))
        tables.setdefault(path.parent.name, {})[path.stem] = record
    return tables


def read_tables(raw: pl.DataFrame) -> pl.DataFrame:
    """The staging frame of every table the raw asset holds (no rows when the source is absent)."""
    if raw.is_empty() or raw["local_path"][0] is None:
        return pl.DataFrame(schema=STAGING_SCHEMA)
    frames = []
    for table_id, files in table_files(raw).items():
        missing = [kind for kind in ("metadata", "data") if kind not in files]
        if missing:
            raise SsbFormatError(f"SSB table {table_id}: the release lacks {' and '.join(missing)}.json")
        frames.append(read_table(table_id, files["metadata"], files["data"]))
    return pl.concat(frames) if frames else pl.DataFrame(schema=STAGING_SCHEMA)


def read_table(table_id: str, metadata_record: dict[str, object], data_record: dict[str, object]) -> pl.DataFrame:
    """One table's trafficking cells, the offence found by label in its metadata."""
    file = f"{SOURCE_ID}/{table_id}/data.json"
    try:
        metadata = read_dataset(Path(str(metadata_record["local_path"])))
        offence = find_offence(metadata, table_id)
        data = read_dataset(Path(str(data_record["local_path"])))
    except (JsonStatError, OffenceNotFound) as error:
        raise SsbFormatError(str(error)) from error
    time, contents = data.role("time"), data.role("metric")
    for role, dimension in (("time", time), ("measured variable (metric)", contents)):
        if dimension is None:
            raise SsbFormatError(f"SSB table {table_id}, {file}: no {role} dimension among {list(data.ids)}")
    if offence.dimension not in data.ids or data.values is None:
        raise SsbFormatError(f"SSB table {table_id}, {file}: no values for the offence's dimension {offence.dimension}")
    wanted = set(offence.codes)
    position = {dimension_id: index for index, dimension_id in enumerate(data.ids)}
    others = [dimension_id for dimension_id in data.ids if dimension_id not in {offence.dimension, time, contents}]
    rows = []
    for cell in data.cells():
        offence_code, offence_label = cell.categories[position[offence.dimension]]
        if offence_code not in wanted:
            continue
        time_code, time_label = cell.categories[position[time]]
        year = time_code if YEAR.match(time_code) else time_label
        if not YEAR.match(year):
            raise SsbFormatError(f"SSB table {table_id}, {file}: time {time_code!r} ({time_label!r}) is not a year")
        contents_code, contents_label = cell.categories[position[contents]]
        others_of_cell = ((other, *cell.categories[position[other]]) for other in others)
        rows.append(
            {
                "offence_code": offence_code,
                "offence_label": offence_label,
                "time_code": time_code,
                "year": int(year),
                "contents_code": contents_code,
                "contents_label": without_depth_marks(contents_label),
                "contents_label_ssb": contents_label,
                "categories": [
                    {"dimension": dimension_id, "code": code, "label": without_depth_marks(label), "label_ssb": label}
                    for dimension_id, code, label in others_of_cell
                ],
                "cell": cell.position,
                "value": cell.value,
                "status": cell.status,
            }
        )
    if not rows:
        raise SsbFormatError(f"SSB table {table_id}, {file}: no cells of the offence's codes {list(offence.codes)}")
    frame = pl.DataFrame(rows, schema={name: STAGING_SCHEMA[name] for name in rows[0]})
    check_finite(frame, table_id, file)
    check_offence_labels(frame, offence, table_id, file)
    return frame.with_columns(
        table_id=pl.lit(table_id),
        table_label=pl.lit(data.label or metadata.label),
        known_table=pl.lit(table_id in KNOWN_TABLE_IDS),
        offence_dimension=pl.lit(offence.dimension),
        time_dimension=pl.lit(time),
        contents_dimension=pl.lit(contents),
        updated=pl.lit(data.updated or metadata.updated, pl.String),
        file=pl.lit(file),
        provenance_id=pl.lit(str(data_record["provenance_id"])),
    ).select(list(STAGING_SCHEMA))


def check_finite(cells: pl.DataFrame, table_id: str, file: str) -> None:
    """Refuse a cell whose value is NaN or infinite (JSON allows neither; a reader that accepts them would publish
    `nan`): SSB writes a missing figure as null with a symbol such as `..`. Names the table, file, cell and labels."""
    bad = cells.filter(pl.col("value").is_not_null() & ~pl.col("value").is_finite())
    if bad.height:
        shown = ", ".join(
            f"cell {row['cell']} ({row['offence_label']}, {row['contents_label']}, {row['year']}: {row['value']})"
            for row in bad.head(5).iter_rows(named=True)
        )
        more = f" and {bad.height - 5} more" if bad.height > 5 else ""
        raise SsbFormatError(f"SSB table {table_id}, {file}: a value is not a finite number: {shown}{more}")


def check_offence_labels(cells: pl.DataFrame, offence: Offence, table_id: str, file: str) -> None:
    """Refuse cells whose offence label in the data answer is not the offence: the metadata found the code by its
    label, and a data answer that calls that code something else (`Frihetsberøvelse`) is another offence's counts."""
    labels = cells.select("offence_code", "offence_label").unique(maintain_order=True)
    wrong = [(code, label) for code, label in labels.iter_rows() if not names_the_offence(label)]
    if wrong:
        said = dict(offence.categories)
        shown = "; ".join(
            f"the metadata labels code {code!r} {said.get(code)!r}, the data answer {label!r}" for code, label in wrong
        )
        raise SsbFormatError(f"SSB table {table_id}, {file}: not read as trafficking: {shown}")
