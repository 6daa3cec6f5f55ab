"""An uploaded capture-history table: read (comma or semicolon separated, as Norwegian Excel saves),
estimated, and flattened into the frames the page's downloads and the pack's `dark_figure_*` tables use.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from estimation import CaptureTable, InputError, MSEResult, estimate_population
from estimation.table import capture_records, table_from_rows

CLOSE_DELTA = 2.0
"""Models within this much of the best criterion are "close" to it (the usual rule of thumb for AIC/BIC)."""
PAGE_MAX_MODELS = 1024
"""The page's default search budget for an uploaded table: every five-list model, six lists up to three
interactions (then downhill); about a second on the project's machine. The reader may choose more."""


MAX_MODELS_CHOICES = (256, 512, 1024, 2048, 4096)
PAGE_SECONDS = 60.0
"""The page's time budget for one estimate's search: a search the clock stopped says so."""
PAGE_BOOTSTRAP_SECONDS = 180.0
"""The page's time budget for the bootstrap: one not done by then gives no interval and says how far it got."""


MAX_LISTS = 10
"""An uploaded table with more lists is refused on the page (the command has no such limit)."""


@dataclass(frozen=True, eq=False)
class DarkFigureEstimate:
    """An estimate made from an uploaded table: what the page shows and what the pack can carry."""

    result: MSEResult
    table: CaptureTable
    file_name: str


def read_uploaded_table(data: bytes, file_name: str) -> CaptureTable:
    """A capture-history table from the bytes of an uploaded CSV; raises `InputError` (one sentence).

    The same checks as `estimation.read_capture_table`, naming the file rather than a
    path; a header separated by `;` or tabs is read as such.
    """
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"The file {file_name} is not UTF-8 text; save it as CSV (UTF-8).", "not_utf8") from None
    records, _ = capture_records(content, file_name)
    header = records[0][1]
    if len(header) - 1 > MAX_LISTS:
        raise InputError(
            f"The header row has {len(header) - 1} list columns; this page estimates from at most {MAX_LISTS} "
            "lists (use `python -m estimation` for more).",
            "too_many_lists",
            count=len(header) - 1,
            most=MAX_LISTS,
        )
    return table_from_rows(header, records[1:])


def estimate_upload(
    data: bytes,
    file_name: str,
    method: str = "stepwise",
    rule: str = "poisson",
    criterion: str = "bic",
    max_models: int = PAGE_MAX_MODELS,
    bootstrap: int = 0,
) -> DarkFigureEstimate:
    """Read an uploaded table and estimate from it (with `bootstrap` replicates that repeat the model choice, none
    by default); raises `InputError` with one sentence for a bad table."""
    table = read_uploaded_table(data, file_name)
    result = estimate_population(
        table,
        method=method,
        criterion=criterion,
        rule=rule,
        max_models=max_models,
        bootstrap=bootstrap,
        seconds=PAGE_SECONDS,
        bootstrap_seconds=PAGE_BOOTSTRAP_SECONDS,
    )
    return DarkFigureEstimate(result=result, table=table, file_name=Path(file_name).name)


def models_frame(result: MSEResult) -> pl.DataFrame:
    """Every model looked at, machine-readable: the estimator's `models` with the term lists joined by `;`."""
    return result.models.with_columns(
        pl.col("terms").list.join(";"),
        pl.col("boundary_terms").list.join(";"),
    )


def count_column(lists: tuple[str, ...]) -> str:
    """The name of the count column beside `lists`: `count`, unless a list has that name."""
    name = "count"
    while name in lists:
        name += "_"
    return name


def capture_frame(table: CaptureTable) -> pl.DataFrame:
    """The capture-history table as read: one 0/1 column per list and the count, patterns with anyone in them."""
    seen = table.counts > 0
    columns = {name: table.patterns[seen, k].astype("int64") for k, name in enumerate(table.lists)}
    return pl.DataFrame({**columns, count_column(table.lists): table.counts[seen].round().astype("int64")})


def bootstrap_summary(result: MSEResult) -> dict[str, object]:
    """The bootstrap's replicates, seed and intervals (empty when none was asked for)."""
    boot = result.bootstrap
    percentile = boot.percentile if boot is not None and boot.percentile else (None, None)
    bca = boot.bca if boot is not None and boot.bca else (None, None)
    return {
        "bootstrap_replicates": None if boot is None else boot.replicates,
        "bootstrap_seed": None if boot is None else boot.seed,
        "bootstrap_percentile_low": percentile[0],
        "bootstrap_percentile_high": percentile[1],
        "bootstrap_bca_low": bca[0],
        "bootstrap_bca_high": bca[1],
        "bootstrap_stopped_after": None if boot is None else boot.stopped_after,
    }


def summary(estimate: DarkFigureEstimate) -> dict[str, object]:
    """One row describing the estimate (method, model, figures, search), for the pack and the JSON download.

    Leaves out the seconds the search took, so that the same table gives the same pack.
    """
    result = estimate.result
    full = result.estimate_range()
    close = result.estimate_range(CLOSE_DELTA)
    return {
        "file": estimate.file_name,
        "lists": ";".join(result.lists),
        "registered": result.registered,
        "method": result.method,
        "criterion": result.criterion,
        "stepwise_rule": result.rule,
        "threshold": result.threshold,
        "model": None if result.model is None else (" + ".join(result.model) or "main effects"),
        "boundary_terms": ";".join(result.boundary_terms),
        "estimate": result.estimate,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "ci_level": result.level,
        "ci_method": result.interval_method,
        **bootstrap_summary(result),
        "ratio": result.ratio,
        "dark_figure": result.dark_figure,
        "range_low": None if full is None else full[0],
        "range_high": None if full is None else full[1],
        "close_range_low": None if close is None else close[0],
        "close_range_high": None if close is None else close[1],
        "models_searched": result.search.models,
        "max_interactions": result.search.max_interactions,
        "exhaustive": result.search.exhaustive,
        "stopped_at_model_limit": result.search.stopped_at_budget or result.stepwise_stopped == "models",
        "stopped_at_time_limit": result.search.stopped_at_time or result.stepwise_stopped == "time",
        "admissible_models": int(result.models["admissible"].sum()),
        "refused_models": result.refused_models().height,
        "reason": result.reason,
    }


def result_json(estimate: DarkFigureEstimate) -> str:
    """The estimate as JSON: the estimator's summary (every model) with the file it came from."""
    return json.dumps({"file": estimate.file_name, **estimate.result.to_dict()}, indent=2, ensure_ascii=False)
