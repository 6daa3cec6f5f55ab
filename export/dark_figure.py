"""A dark-figure estimate made on the dashboard, carried in the pack: its method, its data and its model table.

Given an estimate (`reporting.dark_figure.DarkFigureEstimate`), the pack gains three tables, each a
CSV file, a sheet and a resource of the data package, and a line on the front sheet:

- `dark_figure_estimate`: one row, the method, the chosen model, the estimate, its interval, the
  registered count, the ratio and the range over the admissible models;
- `dark_figure_models`: every model looked at (the estimator's model table);
- `dark_figure_data`: the capture-history table the estimate was made from.

Without an estimate nothing here is written and the pack is what it was before.
"""

from dataclasses import replace

import duckdb
import polars as pl

from export.columns import field
from export.tables import Table, table
from export.writers import neutralised
from reporting.dark_figure import (
    DarkFigureEstimate,
    capture_frame,
    count_column,
    method_text,
    model_text,
    models_frame,
    summary,
)
from reporting.figures import number
from reporting.texts import text


def _given(connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int) -> pl.DataFrame:
    """These tables come with the request, not from the published marts."""
    raise TypeError("the dark-figure tables are given with the request, not read from the published marts")


ESTIMATE_TABLE = table(
    "dark_figure_estimate",
    (
        "file",
        "lists",
        "registered",
        "method",
        "criterion",
        "stepwise_rule",
        "threshold",
        "model",
        "boundary_terms",
        "estimate",
        "ci_low",
        "ci_high",
        "ci_level",
        "ci_method",
        "bootstrap_replicates",
        "bootstrap_seed",
        "bootstrap_percentile_low",
        "bootstrap_percentile_high",
        "bootstrap_bca_low",
        "bootstrap_bca_high",
        "bootstrap_stopped_after",
        "ratio",
        "dark_figure",
        "range_low",
        "range_high",
        "close_range_low",
        "close_range_high",
        "models_searched",
        "max_interactions",
        "exhaustive",
        "stopped_at_model_limit",
        "stopped_at_time_limit",
        "admissible_models",
        "refused_models",
        "reason",
    ),
    (),
    _given,
)
MODELS_TABLE = table(
    "dark_figure_models",
    (
        "model", "terms", "boundary_terms", "n_interactions", "admissible", "reason", "aic", "bic", "criterion",
        "delta", "rank", "estimate", "ci_low", "ci_high", "selected", "stepwise_step", "stepwise_p_value",
    ),
    (),
    _given,
)  # fmt: skip


def data_table(lists: tuple[str, ...]) -> Table:
    """The capture-history table: a 0/1 column per list (named as uploaded) and the count."""
    on_list, count = field("dark_figure_data", "list"), field("dark_figure_data", "count")
    columns = tuple(
        replace(
            on_list,
            name=neutralised(name),
            names=(neutralised(name), neutralised(name)),
            descriptions=tuple(f"{said} ({neutralised(name)})" for said in on_list.descriptions),
        )
        for name in lists
    )
    return Table("dark_figure_data", (*columns, replace(count, name=count_column(lists))), (), _given)


def estimate_tables(estimate: DarkFigureEstimate) -> list[tuple[Table, pl.DataFrame]]:
    """The estimate's three tables with their rows, in the order the pack writes them."""
    one_row = pl.DataFrame([summary(estimate)], infer_schema_length=None)
    return [
        (ESTIMATE_TABLE, one_row.select([field.name for field in ESTIMATE_TABLE.fields])),
        (MODELS_TABLE, models_frame(estimate.result).select([field.name for field in MODELS_TABLE.fields])),
        (data_table(estimate.table.lists), capture_frame(estimate.table)),  # its columns: the lists, then the count
    ]


def _plain(value: float | None, decimals: int = 0) -> str:
    return "-" if value is None else f"{value:.{decimals}f}"


def front_page_line(estimate: DarkFigureEstimate, language: str) -> tuple[str, str]:
    """The cover's line in `language`: method, estimate, interval, registered and ratio."""
    result = estimate.result
    method = method_text(result.method, result.rule, result.threshold, result.criterion, language)
    if result.estimate is None:
        said = text(
            "pack.text.dark_figure_none", language, file=estimate.file_name, method=method, reason=result.reason
        )
    else:
        full = result.estimate_range()
        said = text(
            "pack.text.dark_figure",
            language,
            file=estimate.file_name,
            method=method,
            estimate=_plain(result.estimate),
            level=number(result.level * 100, language),
            low=_plain(result.ci_low),
            high=_plain(result.ci_high),
            registered=result.registered,
            ratio=_plain(result.ratio, 2),
            model=model_text(result.model, language),
            range_low=_plain(full[0] if full else None),
            range_high=_plain(full[1] if full else None),
        )
    return text("pack.label.dark_figure", language), said
