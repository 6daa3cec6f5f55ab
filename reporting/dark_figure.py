"""The dark figure (multiple systems estimation) for readers: published examples, an uploaded table, and their words.

Shared by the Mørketall page and the export pack; imports neither Streamlit nor Dagster. The
estimator itself is `pipelines.estimation` (see docs/estimation.md); this module

- reads the published examples: the comparison figures and references are `mse_examples.csv`
  beside this file, the capture-history tables are *not* in the repository but read from the
  folder `TRAFFICKING_MSE_EXAMPLES` names (`../shared/reference/mse/` by default), when present;
- reads an uploaded capture-history CSV (`read_uploaded_table`) and estimates from it
  (`estimate_upload`), with every problem reported as the estimator's one sentence (`InputError`);
- writes what a reader sees: the examples table and chart, the chosen estimate's figures, the
  model tables and the estimate-against-criterion chart, numbers in the reader's format;
- gives the flat frames the page's downloads and the pack's `dark_figure_*` tables are written from.

No estimate for Norway is made here or anywhere from aggregate counts: an estimate needs linked
person-level lists (the page says which).
"""

import csv
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from pipelines.estimation import CaptureTable, InputError, MSEResult, criterion_chart, estimate_population
from pipelines.estimation.search import DEFAULT_THRESHOLD
from pipelines.estimation.table import table_from_rows
from pipelines.settings import REPO_ROOT
from reporting.charts import OKABE_ITO, plotly_separators
from reporting.figures import number
from reporting.texts import text

EXAMPLES_FILE = Path(__file__).with_name("mse_examples.csv")
EXAMPLES_ENV = "TRAFFICKING_MSE_EXAMPLES"
DEFAULT_EXAMPLES_DIR = REPO_ROOT.parent / "shared" / "reference" / "mse"
PAGE_MAX_MODELS = 1024
"""The page's default search budget for an uploaded table: every five-list model, six lists up to three
interactions (then downhill); about a second on the project's machine. The reader may choose more."""
MAX_MODELS_CHOICES = (256, 512, 1024, 2048, 4096)
MAX_LISTS = 10
"""An uploaded table with more lists is refused on the page (the command has no such limit)."""
CLOSE_DELTA = 2.0
"""Models within this much of the best criterion are "close" to it (the usual rule of thumb for AIC/BIC)."""
RATIO_DECIMALS = 1
SESSION_KEY = "dark_figure_estimate"
"""Where the dashboard keeps the last estimate made from an upload, for the Eksport page to add to the pack."""


@dataclass(frozen=True)
class Example:
    """One published example: which table, which method, what was published and where."""

    example: str
    lists_file: str
    method: str
    rule: str | None
    criterion: str
    max_models: int
    published_point: float | None
    published_low: float | None
    published_high: float | None
    published_approximate: bool
    note: str | None
    reference: str


def _optional_number(value: str) -> float | None:
    return float(value) if value.strip() else None


@cache
def examples() -> tuple[Example, ...]:
    """The published examples of `mse_examples.csv`, in the file's order."""
    with EXAMPLES_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Example(
                example=row["example"],
                lists_file=row["lists_file"],
                method=row["method"],
                rule=row["rule"] or None,
                criterion=row["criterion"],
                max_models=int(row["max_models"]),
                published_point=_optional_number(row["published_point"]),
                published_low=_optional_number(row["published_low"]),
                published_high=_optional_number(row["published_high"]),
                published_approximate=row["published_approximate"] == "true",
                note=row["note"] or None,
                reference=row["reference"],
            )
            for row in csv.DictReader(handle)
        )


def examples_folder() -> Path:
    """The folder of the published tables: `TRAFFICKING_MSE_EXAMPLES`, else `../shared/reference/mse`."""
    configured = os.environ.get(EXAMPLES_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_EXAMPLES_DIR


def example_result(folder: Path, example: Example) -> MSEResult | None:
    """The estimate for one example by its published method (None when its table is missing or unreadable).

    Only the chosen model's interval is computed: the examples table shows no other.
    """
    path = folder / example.lists_file
    try:
        table = read_uploaded_table(path.read_bytes(), path.name)
    except (OSError, InputError):
        return None
    return estimate_population(
        table,
        method=example.method,
        criterion=example.criterion,
        rule=example.rule or "poisson",
        max_models=example.max_models,
        intervals=0,
    )


# --- an uploaded table ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DarkFigureEstimate:
    """An estimate made from an uploaded table: what the page shows and what the pack can carry."""

    result: MSEResult
    table: CaptureTable
    file_name: str


def _delimiter(first_line: str) -> str:
    """`,` unless the header is plainly separated by `;` (a spreadsheet in Norwegian) or by tabs."""
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                return candidate
    return ","


def read_uploaded_table(data: bytes, file_name: str) -> CaptureTable:
    """A capture-history table from the bytes of an uploaded CSV; raises `InputError` (one sentence).

    The same checks as `pipelines.estimation.read_capture_table`, naming the file rather than a
    path; a header separated by `;` or tabs is read as such.
    """
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"The file {file_name} is not UTF-8 text; save it as CSV (UTF-8).") from None
    lines = content.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise InputError(f"The file {file_name} is empty: it has no header row.")
    try:
        rows = list(enumerate(csv.reader(lines, delimiter=_delimiter(first)), start=1))
    except csv.Error as error:
        raise InputError(f"The file {file_name} cannot be read as CSV ({error}).") from None
    records = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not records:
        raise InputError(f"The file {file_name} is empty: it has no header row.")
    header = records[0][1]
    if len(header) - 1 > MAX_LISTS:
        raise InputError(
            f"The header row has {len(header) - 1} list columns; this page estimates from at most {MAX_LISTS} "
            "lists (use `python -m pipelines.estimation` for more)."
        )
    return table_from_rows(header, records[1:])


def estimate_upload(
    data: bytes,
    file_name: str,
    method: str = "stepwise",
    rule: str = "poisson",
    criterion: str = "bic",
    max_models: int = PAGE_MAX_MODELS,
) -> DarkFigureEstimate:
    """Read an uploaded table and estimate from it; raises `InputError` with one sentence for a bad table."""
    table = read_uploaded_table(data, file_name)
    result = estimate_population(table, method=method, criterion=criterion, rule=rule, max_models=max_models)
    return DarkFigureEstimate(result=result, table=table, file_name=Path(file_name).name)


# --- words and numbers ---------------------------------------------------------------------------


def method_text(method: str, rule: str | None, threshold: float | None, criterion: str, language: str) -> str:
    """The method in a few words: "trinnvis, Poisson-regel, terskel 0,02" or "lavest BIC"."""
    if method == "stepwise":
        rule = rule or "poisson"
        value = DEFAULT_THRESHOLD[rule] if threshold is None else threshold
        return text(f"dark.method_stepwise_{rule}", language, threshold=number(value, language, 2))
    return text("dark.method_criterion", language, criterion=criterion.upper())


def result_method_text(result: MSEResult, language: str) -> str:
    return method_text(result.method, result.rule, result.threshold, result.criterion, language)


def model_text(terms: list[str] | tuple[str, ...] | None, language: str) -> str:
    """A model by its interactions ("LA:NG + NG:GO"), or "main effects only"."""
    if terms is None:
        return ""
    return " + ".join(terms) if terms else text("dark.main_effects", language)


def interval_text(low: float | None, high: float | None, language: str) -> str:
    """`9 908–13 064`; an interval the likelihood does not bound above says so; nothing when not computed."""
    if low is None:
        return ""
    if high is None:
        return text("dark.unbounded", language, low=number(low, language))
    return f"{number(low, language)}–{number(high, language)}"


def range_text(pair: tuple[float, float] | None, language: str) -> str:
    return "" if pair is None else f"{number(pair[0], language)}–{number(pair[1], language)}"


def ratio_text(ratio: float | None, language: str) -> str:
    return "" if ratio is None else number(ratio, language, RATIO_DECIMALS)


def published_text(example: Example, language: str) -> str:
    """What was published: `10 000–13 000`, `1 184 (717–1 657)` or `om lag 37 500`."""
    bounds = range_text(
        (example.published_low, example.published_high)
        if example.published_low is not None and example.published_high is not None
        else None,
        language,
    )
    if example.published_point is None:
        return bounds
    point = number(example.published_point, language)
    if example.published_approximate:
        point = text("value.approximate", language, value=point)
    return f"{point} ({bounds})" if bounds else point


def search_text(result: MSEResult, language: str) -> str:
    """How many models were searched and how, and how many were refused."""
    search = result.search
    key = "dark.search_exhaustive" if search.exhaustive else "dark.search_partial"
    return text(
        key,
        language,
        models=number(search.models, language),
        enumerated=number(search.enumerated, language),
        interactions=search.max_interactions,
        pairs=search.n_pairs,
        refused=number(result.refused_models().height, language),
        seconds=number(result.seconds, language, 1),
    )


def key_figures(result: MSEResult, language: str) -> list[tuple[str, str, str | None]]:
    """(label, figure, help) for the tiles above an estimate: registered, estimate, interval, ratio, range."""
    level = number(result.level * 100, language)
    close = result.estimate_range(CLOSE_DELTA)
    criterion = result.criterion.upper()
    return [
        (text("dark.metric_registered", language), number(result.registered, language), None),
        (text("dark.metric_estimate", language), number(result.estimate, language) or "–", None),
        (
            text("dark.metric_interval", language, level=level),
            interval_text(result.ci_low, result.ci_high, language) or "–",
            text("dark.interval_help", language),
        ),
        (text("dark.metric_ratio", language), ratio_text(result.ratio, language) or "–", None),
        (
            text("dark.metric_range", language, models=number(result.models["admissible"].sum(), language)),
            range_text(result.estimate_range(), language) or "–",
            text(
                "dark.range_help",
                language,
                delta=number(CLOSE_DELTA, language),
                criterion=criterion,
                close=range_text(close, language) or "–",
            ),
        ),
    ]


def _column(key: str, language: str, **values: object) -> str:
    return text(f"dark.col_{key}", language, **values)


def models_table(result: MSEResult, language: str) -> pl.DataFrame:
    """The admissible models for a reader, best criterion first: model, Δcriterion, estimate, interval, ratio."""
    admissible = result.models.filter(pl.col("admissible")).sort("criterion")
    criterion = result.criterion.upper()
    rows = admissible.to_dicts()
    return pl.DataFrame(
        {
            _column("chosen", language): ["✔" if row["selected"] else "" for row in rows],
            _column("model", language): [model_text(row["terms"], language) for row in rows],
            _column("delta", language, criterion=criterion): [number(row["delta"], language, 1) for row in rows],
            _column("estimate", language): [number(row["estimate"], language) for row in rows],
            _column("interval", language): [interval_text(row["ci_low"], row["ci_high"], language) for row in rows],
            _column("ratio", language): [ratio_text(row["estimate"] / result.registered, language) for row in rows],
            _column("boundary", language): [", ".join(row["boundary_terms"]) for row in rows],
        },
        schema={name: pl.String for name in _model_columns(language, criterion)},
    )


def _model_columns(language: str, criterion: str) -> list[str]:
    return [
        _column("chosen", language),
        _column("model", language),
        _column("delta", language, criterion=criterion),
        _column("estimate", language),
        _column("interval", language),
        _column("ratio", language),
        _column("boundary", language),
    ]


def refused_table(result: MSEResult, language: str) -> pl.DataFrame:
    """The refused models with the estimator's reason (in English: it is the estimator's sentence)."""
    refused = result.refused_models()
    return pl.DataFrame(
        {
            _column("model", language): [model_text(terms, language) for terms in refused["terms"].to_list()],
            _column("reason", language): refused["reason"].to_list(),
        },
        schema={_column("model", language): pl.String, _column("reason", language): pl.String},
    )


def criterion_figure(result: MSEResult, language: str) -> go.Figure:
    """The estimator's estimate-against-criterion chart with the reader's words and number format."""
    criterion = result.criterion.upper()
    registered = text("dark.chart_registered", language)
    figure = criterion_chart(
        result,
        title=text("dark.chart_title", language, criterion=criterion),
        x_title=text("dark.chart_x", language, criterion=criterion),
        y_title=text("dark.chart_y", language),
        chosen_label=text("dark.chart_chosen", language),
        others_label=text("dark.chart_others", language),
        registered_label=registered,
    )
    figure.update_layout(separators=plotly_separators(language))
    for annotation in figure.layout.annotations:
        annotation.text = f"{registered} {number(result.registered, language)}"
    return figure


# --- the published examples -------------------------------------------------------------------------


def example_results(folder: Path) -> dict[str, MSEResult | None]:
    """Every example's estimate (None where its table is missing from `folder`)."""
    return {example.example: example_result(folder, example) for example in examples()}


def examples_table(results: Mapping[str, MSEResult | None], language: str) -> pl.DataFrame:
    """The published figures beside ours for every example, for a reader of `language`."""
    rows = []
    for example in examples():
        result = results.get(example.example)
        estimate_range = None if result is None else result.estimate_range()
        searched = None if result is None else int(result.models["admissible"].sum())
        rows.append(
            {
                _column("example", language): text(f"dark.example_{example.example}", language),
                _column("lists", language): "" if result is None else str(len(result.lists)),
                _column("registered", language): "" if result is None else number(result.registered, language),
                _column("method", language): method_text(
                    example.method, example.rule, None, example.criterion, language
                ),
                _column("published", language): published_text(example, language),
                _column("ours", language): "" if result is None else number(result.estimate, language),
                _column("interval", language): ""
                if result is None
                else interval_text(result.ci_low, result.ci_high, language),
                _column("ratio", language): "" if result is None else ratio_text(result.ratio, language),
                _column("range", language): ""
                if estimate_range is None
                else text(
                    "dark.range_of_models",
                    language,
                    range=range_text(estimate_range, language),
                    models=number(searched, language),
                ),
                _column("note", language): text(f"dark.note_{example.note}", language) if example.note else "",
                _column("reference", language): example.reference,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


EXAMPLE_OFFSET = 0.22
"""How far the published figure sits above, and ours below, an example's row, so that neither hides the other."""


def examples_figure(results: Mapping[str, MSEResult | None], language: str) -> go.Figure:
    """For each example with a table: registered, the published figure (and range) and ours (and interval).

    One row per example, the published figure just above the registered count and ours just below;
    a logarithmic axis, since the examples run from about 200 to over 100,000 people.
    """
    shown = [(example, results[example.example]) for example in examples() if results.get(example.example)]
    labels = [text(f"dark.example_{example.example}", language) for example, _ in shown]
    rows = list(range(len(shown)))
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[result.registered for _, result in shown],
            y=rows,
            mode="markers",
            name=text("dark.chart_examples_registered", language),
            marker={"color": OKABE_ITO[7], "symbol": "circle", "size": 10},
            hovertemplate="%{x:,.0f}<extra></extra>",
        )
    )
    centres = [_published_centre(example) for example, _ in shown]
    figure.add_trace(
        go.Scatter(
            x=centres,
            y=[row - EXAMPLE_OFFSET for row in rows],
            mode="markers",
            name=text("dark.chart_examples_published", language),
            marker={"color": OKABE_ITO[0], "symbol": "square", "size": 10},
            error_x=_bars(centres, [(example.published_low, example.published_high) for example, _ in shown]),
            text=[published_text(example, language) for example, _ in shown],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    ours = [result.estimate for _, result in shown]
    figure.add_trace(
        go.Scatter(
            x=ours,
            y=[row + EXAMPLE_OFFSET for row in rows],
            mode="markers",
            name=text("dark.chart_examples_ours", language),
            marker={"color": OKABE_ITO[4], "symbol": "diamond", "size": 12},
            error_x=_bars(ours, [(result.ci_low, result.ci_high) for _, result in shown]),
            hovertemplate="%{x:,.0f}<extra></extra>",
        )
    )
    figure.update_layout(
        separators=plotly_separators(language),
        template="plotly_white",
        height=140 + 55 * len(shown),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02},
        margin={"t": 40, "l": 20, "r": 20, "b": 50},
        xaxis_title=text("dark.chart_examples_x", language),
    )
    figure.update_xaxes(type="log", tickformat=",d")
    figure.update_yaxes(tickvals=rows, ticktext=labels, autorange="reversed", zeroline=False)
    return figure


def _published_centre(example: Example) -> float | None:
    if example.published_point is not None:
        return example.published_point
    if example.published_low is not None and example.published_high is not None:
        return (example.published_low * example.published_high) ** 0.5  # the middle on a log axis
    return None


def _bars(centres: list[float | None], bounds: list[tuple[float | None, float | None]]) -> dict:
    def above(centre: float | None, high: float | None) -> float | None:
        return None if centre is None or high is None else high - centre

    def below(centre: float | None, low: float | None) -> float | None:
        return None if centre is None or low is None else centre - low

    return {
        "type": "data",
        "symmetric": False,
        "array": [above(centre, high) for centre, (_, high) in zip(centres, bounds, strict=True)],
        "arrayminus": [below(centre, low) for centre, (low, _) in zip(centres, bounds, strict=True)],
        "thickness": 1.5,
    }


# --- flat frames for downloads and the pack -----------------------------------------------------------


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
        "ratio": result.ratio,
        "dark_figure": result.dark_figure,
        "range_low": None if full is None else full[0],
        "range_high": None if full is None else full[1],
        "close_range_low": None if close is None else close[0],
        "close_range_high": None if close is None else close[1],
        "models_searched": result.search.models,
        "max_interactions": result.search.max_interactions,
        "exhaustive": result.search.exhaustive,
        "admissible_models": int(result.models["admissible"].sum()),
        "refused_models": result.refused_models().height,
        "reason": result.reason,
    }


def result_json(estimate: DarkFigureEstimate) -> str:
    """The estimate as JSON: the estimator's summary (every model) with the file it came from."""
    return json.dumps({"file": estimate.file_name, **estimate.result.to_dict()}, indent=2, ensure_ascii=False)
