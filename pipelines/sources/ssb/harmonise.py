"""SSB's trafficking cells as canonical facts, in SSB's own terms: reported offences, offences investigated
by the police's decision, offences cleared up, sanctions by type.

Each cell's measure comes from the crosswalk `data/reference/crosswalks/ssb.csv`:

- field `contents`: the measured variable's label (`Anmeldte lovbrudd`) gives the measure
  (`offences_reported`), or `excluded` for what is not harmonised (a rate per 1,000 inhabitants, an
  average sentence): kept in staging. 09406's clearance percentage is its own measure
  (`clearance_rate`, unit `percent`): a rate, never summed or made into a count;
- field `category`: a label of any other dimension (the police's decision, the type of sanction) is
  `total` (all of them), a breakdown that is appended to the measure (`Ubetinget fengsel` ->
  `unconditional_prison`, so `sanctions_unconditional_prison`), or `excluded` (a group of other
  categories, or a detail not harmonised);
- field `status`: a cell's symbol gives its flag (`..` -> `not_available`, `...` -> `not_yet_available`,
  `:` -> `confidential`); `exact` is no flag, and `zero` (SSB's nil `-`, which PxWebApi sends as a null
  with the symbol) is the figure 0 without a flag.

Labels are compared without SSB's depth marks (`¬`, `¬¬`; `pipelines.sources.ssb.parse`). Every label of
a known table must be in the crosswalk (a blocking check on staging names the rest); a table only the
table search found is harmonised only when all its labels are known, else it is left out and a warning
says so. The composed measure must be in the vocabulary (`known_codes`).

Where two tables give the same measure and year, the first in the known order is taken (and a
warning check compares them). Where a table holds the offence under two codes (SSB keeps legacy codes
beside those of the Standard for lovbruddstyper 2015), the table's current code is preferred: the one
with a figure in the latest year; an older code fills only the years the current one has no figure for.
A missing cell stays missing (value null, its symbol as a flag): a null is never a zero, except SSB's nil.

The series break is placed per table from the table itself: a year whose offence code differs from the
year before's (the table changes classification there) starts a new segment, as does a year whose figure
comes from another table than the year before's. A table that carries one
code across 2015 (SSB back-casts the 2015 standard in 08484) has no classification break; the new
penal code of 1 October 2015 is carried by every fact's `legal_basis` (2015 is `mixed_2015`). SSB's
table notes are free text, not read for breaks (docs/SOURCES.md). The legal basis comes from
`data/reference/legal_basis.csv`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from core.vocabulary import NORWAY, SERIES_BREAK, TOTAL, conform, definition_id, join_flags
from pipelines import crosswalk
from pipelines.legal_basis import with_legal_basis
from pipelines.sources.ssb.tables import KNOWN_TABLE_IDS, SOURCE_ID

CROSSWALK = SOURCE_ID
EXCLUDED = "excluded"
"""Crosswalk code: kept in staging, not harmonised (the crosswalk's note says why)."""
NO_FLAG = "exact"
"""Crosswalk code of a status symbol that adds no flag (the value as given)."""
ZERO = "zero"
"""Crosswalk code of SSB's nil (`-`): PxWebApi's JSON-stat serializer writes the cell as `null` with the symbol
in `status`; it is a true zero, published as 0 (exact, no flag)."""
UNITS = {
    "offences_reported": "offences",
    "offences_investigated": "offences",
    "offences_cleared": "offences",
    "sanctions": "sanctions",
    "clearance_rate": "percent",
}
"""The unit of each measure the crosswalk's `contents` field gives; a breakdown keeps its measure's unit."""
LABEL_FIELDS = {"contents_label": "contents", "status": "status"}


class SsbHarmoniseError(ValueError):
    """Cells that cannot be made into one fact each; the message names table and cell."""


def _mapping(field: str) -> dict[str, str]:
    return crosswalk.mapping(CROSSWALK, field)


def unknown_labels(staging: pl.DataFrame) -> dict[str, dict[str, list[str]]]:
    """Per table: labels no crosswalk knows, by field (`contents`, `category <dimension>`, `status`)."""
    unknown: dict[str, dict[str, list[str]]] = {}
    if staging.is_empty():
        return unknown
    for table_id in staging["table_id"].unique(maintain_order=True).to_list():
        rows = staging.filter(pl.col("table_id") == table_id)
        found = crosswalk.unknown_labels(rows, CROSSWALK, LABEL_FIELDS)
        found = {f"{LABEL_FIELDS[column]} ({_dimension_of(rows, column)})": labels for column, labels in found.items()}
        categories = rows.select(pl.col("categories").explode()).unnest("categories").unique()
        known = _mapping("category")
        for dimension in categories["dimension"].unique(maintain_order=True).to_list():
            labels = categories.filter(pl.col("dimension") == dimension)["label"].unique().sort().to_list()
            missing = [label for label in labels if label not in known]
            if missing:
                found[f"category ({dimension})"] = missing
        if found:
            unknown[table_id] = found
    return unknown


def _dimension_of(rows: pl.DataFrame, column: str) -> str:
    return rows["contents_dimension"][0] if column == "contents_label" else "cell status"


def describe_unknown(unknown: dict[str, dict[str, list[str]]]) -> str:
    """`table 08484: contents (ContentsCode): ['…']; …` for a check's or an error's message."""
    return "; ".join(
        f"table {table_id}: " + ", ".join(f"{field}: {labels}" for field, labels in fields.items())
        for table_id, fields in unknown.items()
    )


def usable_tables(staging: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The rows that may be harmonised, and what is left out, with why.

    A table only the search found is left out whole when any of its labels is unknown. In a known table only the
    cells with a label no crosswalk knows are left out (kept in SSB's own words in the staging table and named by
    the warning check `labels_known`): a new decision group such as "Henlagt" never costs the table's other
    figures.
    """
    unknown = unknown_labels(staging)
    left_out = {
        table_id: f"labels not in crosswalk {CROSSWALK}: {describe_unknown({table_id: fields})}"
        for table_id, fields in unknown.items()
        if table_id not in KNOWN_TABLE_IDS
    }
    rows = staging.filter(~pl.col("table_id").is_in(list(left_out)))
    return rows.filter(harmonisable(rows)), left_out


def harmonisable(rows: pl.DataFrame) -> pl.Series:
    """Per row: whether every label of the cell (contents, categories, status symbol) is in the crosswalk."""
    contents, categories, statuses = _mapping("contents"), _mapping("category"), _mapping("status")
    return pl.Series(
        [
            row["contents_label"] in contents
            and (not row["status"] or row["status"] in statuses)
            and all(category["label"] in categories for category in row["categories"])
            for row in rows.select("contents_label", "status", "categories").iter_rows(named=True)
        ],
        dtype=pl.Boolean,
    )


def with_measures(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` with `measure` (None where the cell is excluded) and `table_rank` (the known order first)."""
    contents, categories = _mapping("contents"), _mapping("category")
    measures = []
    for row in rows.iter_rows(named=True):
        base = contents[row["contents_label"]]
        codes = [categories[category["label"]] for category in row["categories"]]
        if base == EXCLUDED or EXCLUDED in codes:
            measures.append(None)
            continue
        breakdowns = sorted({code for code in codes if code != TOTAL})
        if len(breakdowns) > 1:
            labels = [category["label"] for category in row["categories"]]
            raise SsbHarmoniseError(
                f"SSB table {row['table_id']}, cell {row['cell']}: the categories {labels} give more than one "
                f"breakdown {breakdowns} of {base}; map all but one to 'total' or '{EXCLUDED}' in crosswalk {CROSSWALK}"
            )
        measures.append(f"{base}_{breakdowns[0]}" if breakdowns else base)
    order = {table_id: rank for rank, table_id in enumerate(KNOWN_TABLE_IDS)}
    discovered = [table_id for table_id in rows["table_id"].unique(maintain_order=True) if table_id not in order]
    order |= {table_id: len(KNOWN_TABLE_IDS) + rank for rank, table_id in enumerate(discovered)}
    return rows.with_columns(
        measure=pl.Series(measures, dtype=pl.String),
        table_rank=pl.col("table_id").replace_strict(order, return_dtype=pl.Int32),
        base=pl.col("contents_label").replace_strict(contents, default=None),
    )


def per_table(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per table, measure and year: SSB's nil as 0, and where a table holds the offence under two codes,
    the current code's figure (the code with a figure in the latest year), else the other's.

    Raises `SsbHarmoniseError` when one table gives two figures for the same code, measure and year.
    """
    measured = with_zeros(rows.filter(pl.col("measure").is_not_null()))
    keys = ["table_id", "measure", "year"]
    with_figures = measured.filter(pl.col("value").is_not_null())
    doubled = with_figures.filter(pl.struct(*keys, "offence_code").is_duplicated())
    if doubled.height:
        first = doubled.sort(keys).head(2).to_dicts()
        raise SsbHarmoniseError(
            f"SSB table {first[0]['table_id']}: cells {first[0]['cell']} and {first[1]['cell']} both give "
            f"{first[0]['measure']} for {first[0]['year']} (offence code {first[0]['offence_code']!r}, "
            f"categories mapped to the same measure)"
        )
    latest = with_figures.group_by("table_id", "measure", "offence_code").agg(latest=pl.col("year").max())
    ranked = measured.join(latest, on=["table_id", "measure", "offence_code"], how="left")
    ordered = ranked.sort(
        [*keys, pl.col("value").is_null(), pl.col("latest").fill_null(-1), "cell"],
        descending=[False, False, False, False, True, False],
    )
    return ordered.unique(keys, keep="first", maintain_order=True).drop("latest")


def with_zeros(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` with SSB's nil (a null whose symbol the crosswalk maps to `zero`) as the figure 0."""
    nil = [symbol for symbol, code in _mapping("status").items() if code == ZERO]
    is_nil = pl.col("value").is_null() & pl.col("status").is_in(nil)
    return rows.with_columns(value=pl.when(is_nil).then(0.0).otherwise(pl.col("value")))


def disagreements(by_table: pl.DataFrame) -> pl.DataFrame:
    """Measures and years two tables both give with different figures: table, figure, cell of each."""
    figures = by_table.filter(pl.col("value").is_not_null()).select("measure", "year", "table_id", "value", "cell")
    pairs = figures.join(figures, on=["measure", "year"], suffix="_other").filter(
        (pl.col("table_id") < pl.col("table_id_other")) & (pl.col("value") != pl.col("value_other"))
    )
    return pairs.sort("measure", "year", "table_id")


def chosen(by_table: pl.DataFrame) -> pl.DataFrame:
    """Per measure and year, the figure of the first table (known order) that has one, else its missing cell."""
    return by_table.sort("measure", "year", pl.col("value").is_null(), "table_rank").unique(
        ["measure", "year"], keep="first", maintain_order=True
    )


def series_breaks(facts: pl.DataFrame) -> pl.Series:
    """Whether each fact starts a new segment: a year whose offence code differs from the year before's (the table
    changes classification there, as its own categories show), or whose figure comes from another table."""
    ordered = facts.with_row_index("row").sort("measure", "year")
    where = pl.concat_str("table_id", "offence_code", separator="/")
    previous = where.shift(1).over("measure")
    code_changed = previous.is_not_null() & (previous != where)
    flagged = ordered.select("row", breaks=code_changed).sort("row")
    return flagged["breaks"].fill_null(False)


def source_location(row: dict) -> str:
    """Table, file, every dimension's code (and SSB's own label), the cell's position in `value` and its symbol."""
    parts = [
        f"{row['offence_dimension']}={row['offence_code']} ({row['offence_label']})",
        f"{row['contents_dimension']}={row['contents_code']} ({row['contents_label_ssb']})",
        *(f"{category['dimension']}={category['code']} ({category['label_ssb']})" for category in row["categories"]),
        f"{row['time_dimension']}={row['time_code']}",
    ]
    symbol = f", status {row['status']!r}" if row["status"] else ""
    return f"SSB table {row['table_id']} ({row['file']}), {', '.join(parts)}, cell {row['cell']}{symbol}"


_OFFENCE_IN_LOCATION = re.compile(r"^SSB table (\S+) \([^)]*\), [^=]+=(\S+) \(")


def offence_definitions(facts: pl.DataFrame) -> dict[str, str]:
    """Per table: the offence codes its facts were read under (`offence code(s) 1B07`), from each fact's
    `source_location`; what `pipelines.checks.shrink` holds when it changes between releases. A label is not
    compared: the metadata and the data answer must each name the offence (`parse.check_offence_labels`), and
    a suffix such as `Menneskehandel mv.` is the same offence."""
    found: dict[str, set[str]] = {}
    for location in facts["source_location"].drop_nulls().to_list():
        match = _OFFENCE_IN_LOCATION.match(location)
        if match:
            found.setdefault(f"table {match[1]}", set()).add(match[2])
    return {table: f"offence code(s) {', '.join(sorted(codes))}" for table, codes in found.items()}


def status_flags(statuses: Iterable[str | None]) -> list[str]:
    """Each cell's flag from its symbol (none for no symbol, the value as given, or SSB's nil)."""
    flags = _mapping("status")
    return [flags[status] if status and flags[status] not in {NO_FLAG, ZERO} else "" for status in statuses]


def to_facts(staging: pl.DataFrame) -> pl.DataFrame:
    """Canonical facts of the usable cells (`usable_tables`); raises `SsbHarmoniseError` naming table and cell."""
    rows, _ = usable_tables(staging)
    figures = chosen(per_table(with_measures(rows)))
    breaks = series_breaks(figures)
    locations = [source_location(row) for row in figures.iter_rows(named=True)]
    flags = [
        join_flags(flag, SERIES_BREAK if brk else None)
        for flag, brk in zip(status_flags(figures["status"]), breaks, strict=True)
    ]
    facts = figures.select(
        source=pl.lit(SOURCE_ID),
        measure="measure",
        geo=pl.lit(NORWAY),
        year="year",
        value="value",
        value_low="value",
        value_high="value",
        unit=pl.col("base").replace_strict(UNITS, default=None),
        flags=pl.Series(flags, dtype=pl.String),
        definition_id=definition_id(SOURCE_ID),
        provenance_id="provenance_id",
        source_location=pl.Series(locations, dtype=pl.String),
    )
    return with_legal_basis(conform(facts.with_columns(period=pl.col("year").cast(pl.String))))
