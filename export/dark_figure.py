"""A dark-figure estimate made on the dashboard, carried in the pack: its method, its data and its model table.

Given an estimate (`reporting.dark_figure.DarkFigureEstimate`), the pack gains three tables, each a
CSV file, a sheet and a resource of the data package, and a line on the front sheet:

- `dark_figure_estimate`: one row, the method, the chosen model, the estimate, its interval, the
  registered count, the ratio and the range over the admissible models;
- `dark_figure_models`: every model looked at (the estimator's model table);
- `dark_figure_data`: the capture-history table the estimate was made from.

Without an estimate nothing here is written and the pack is what it was before.
"""

import duckdb
import polars as pl

from export.tables import Field, Table
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


def _given(connection: duckdb.DuckDBPyConnection, series: list[str], year_from: int, year_to: int) -> pl.DataFrame:
    """These tables come with the request, not from the published marts."""
    raise TypeError("the dark-figure tables are given with the request, not read from the published marts")


CAVEAT = (
    "The interval is a profile-likelihood interval conditional on the chosen model; the range over the "
    "admissible models shows how much the choice of model moves the estimate (docs/ESTIMATION.md)."
)

ESTIMATE_TABLE = Table(
    "dark_figure_estimate",
    "Dark figure: the estimate made on the dashboard (multiple systems estimation)",
    "One row: an estimate of the population behind an uploaded capture-history table, by the method and model "
    f"named, with the registered count, the ratio and the range over the admissible models. {CAVEAT}",
    (
        Field("file", "string", "Name of the uploaded capture-history file (its rows are in dark_figure_data)"),
        Field("lists", "string", "The lists, separated by ;"),
        Field("registered", "integer", "People on at least one list (the sum of the counts)"),
        Field("method", "string", "How the model was chosen: stepwise or criterion"),
        Field("criterion", "string", "Information criterion of the search and of the criterion method: bic or aic"),
        Field("stepwise_rule", "string", "Stepwise rule: poisson (Chan-Silverman-Vincent 2021) or aic (UK 2013)"),
        Field("threshold", "number", "Stepwise p-value threshold"),
        Field("model", "string", "The chosen model's pairwise interactions ('main effects' when none)"),
        Field("boundary_terms", "string", "Interactions of lists with nobody in common, fixed at minus infinity"),
        Field("estimate", "number", "Estimated population (registered plus the dark figure); empty if none"),
        Field("ci_low", "number", "Lower limit of the profile-likelihood interval of the chosen model"),
        Field("ci_high", "number", "Upper limit of that interval; empty when the likelihood does not bound it"),
        Field("ci_level", "number", "Confidence level of the interval"),
        Field("ci_method", "string", "multinomial (the profile likelihood of N, Cormack 1992) or dark-figure"),
        Field("bootstrap_replicates", "integer", "Bootstrap replicates, each repeating the model choice (empty: none)"),
        Field("bootstrap_seed", "integer", "The bootstrap's seed (the same seed gives the same interval)"),
        Field("bootstrap_percentile_low", "number", "Lower limit of the bootstrap's percentile interval"),
        Field("bootstrap_percentile_high", "number", "Upper limit of the bootstrap's percentile interval"),
        Field("bootstrap_bca_low", "number", "Lower limit of the bootstrap's BCa interval"),
        Field("bootstrap_bca_high", "number", "Upper limit of the bootstrap's BCa interval"),
        Field(
            "bootstrap_stopped_after",
            "integer",
            "Replicates done when the time limit stopped the bootstrap (then it gives no interval); empty: it ended",
        ),
        Field("ratio", "number", "Estimate divided by the registered count"),
        Field("dark_figure", "number", "Estimated number on no list: estimate minus registered"),
        Field("range_low", "number", "Lowest estimate of the admissible models searched"),
        Field("range_high", "number", "Highest estimate of the admissible models searched"),
        Field("close_range_low", "number", "Lowest estimate of the admissible models within 2 of the best criterion"),
        Field("close_range_high", "number", "Highest estimate of the admissible models within 2 of the best criterion"),
        Field("models_searched", "integer", "Models checked and fitted or refused"),
        Field("max_interactions", "integer", "Every model with up to this many interactions was searched"),
        Field("exhaustive", "boolean", "Whether every model with pairwise interactions was searched"),
        Field(
            "stopped_at_model_limit",
            "boolean",
            "Whether the search or the stepwise steps stopped at the limit on the number of models",
        ),
        Field(
            "stopped_at_time_limit",
            "boolean",
            "Whether the search stopped at the time limit (then the result may depend on the machine's speed)",
        ),
        Field("admissible_models", "integer", "Models that passed the existence and identifiability checks"),
        Field("refused_models", "integer", "Models refused (see dark_figure_models.reason)"),
        Field("reason", "string", "Why there is no estimate, when there is none"),
    ),
    (),
    _given,
)

MODELS_TABLE = Table(
    "dark_figure_models",
    "Dark figure: every model looked at",
    "One row per log-linear model checked: admissible models with their criterion and estimate (and profile "
    "interval for the chosen one and the ten best), refused ones with the reason. Best criterion first.",
    (
        Field("model", "string", "The model's pairwise interactions joined by ' + ' ('main effects' when none)"),
        Field("terms", "string", "The interactions, separated by ;"),
        Field("boundary_terms", "string", "Interactions fixed at minus infinity (lists with nobody in common)"),
        Field("n_interactions", "integer", "Number of interactions"),
        Field("admissible", "boolean", "Whether the model passed the existence and identifiability checks and fit"),
        Field("reason", "string", "Why the model was refused"),
        Field("aic", "number", "Akaike information criterion"),
        Field("bic", "number", "Bayesian information criterion (n = people registered)"),
        Field("criterion", "number", "The criterion the models are ranked by"),
        Field("delta", "number", "Criterion minus the lowest criterion"),
        Field("rank", "integer", "Rank by the criterion (1 = lowest)"),
        Field("estimate", "number", "Estimated population by this model"),
        Field("ci_low", "number", "Lower limit of the profile-likelihood interval (where computed)"),
        Field("ci_high", "number", "Upper limit of the profile-likelihood interval (where computed and bounded)"),
        Field("selected", "boolean", "Whether this is the chosen model"),
        Field("stepwise_step", "integer", "Step of the stepwise procedure that reached this model (0 = main effects)"),
        Field("stepwise_p_value", "number", "p-value of the interaction the stepwise step added"),
    ),
    (),
    _given,
)


def data_table(lists: tuple[str, ...]) -> Table:
    """The capture-history table's description: a 0/1 field per list (named as uploaded) and the count."""
    fields = tuple(Field(neutralised(name), "integer", f"1 if the person is on list {name}, else 0") for name in lists)
    return Table(
        "dark_figure_data",
        "Dark figure: the capture-history table the estimate was made from",
        "One row per pattern of lists with anyone in it: which lists (1 = on the list) and how many people had "
        "exactly that pattern.",
        (*fields, Field(count_column(lists), "integer", "Number of people with this pattern")),
        (),
        _given,
    )


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


def front_page_line(estimate: DarkFigureEstimate) -> tuple[str, str]:
    """The front sheet's line: method, estimate, interval, registered and ratio, in both languages."""
    result = estimate.result
    method = " / ".join(
        method_text(result.method, result.rule, result.threshold, result.criterion, language)
        for language in ("nb", "en")
    )
    if result.estimate is None:
        said = f"ingen modell besto kontrollene / no model passed the checks: {result.reason}"
    else:
        level = number(result.level * 100, "en")
        full = result.estimate_range()
        said = (
            f"anslag / estimate {_plain(result.estimate)} ({level} % KI / CI {_plain(result.ci_low)}–"
            f"{_plain(result.ci_high)}), registrert / registered {result.registered}, "
            f"forhold / ratio {_plain(result.ratio, 2)}; modell / model {model_text(result.model, 'en')}; "
            f"spenn over gyldige modeller / range over admissible models "
            f"{_plain(full[0] if full else None)}–{_plain(full[1] if full else None)}"
        )
    return (
        "Mørketall / Dark figure",
        f"{estimate.file_name}, {method}: {said}. Se / see dark_figure_estimate, dark_figure_models, dark_figure_data.",
    )
