"""The dark figure in words for a reader in `language`: method, model, interval and the comparison with a
published estimate.
"""

from estimation import InputError, MSEResult
from estimation.search import DEFAULT_THRESHOLD
from reporting.dark_figure.examples import Example
from reporting.dark_figure.upload import CLOSE_DELTA
from reporting.figures import number
from reporting.texts import text, texts

RATIO_DECIMALS = 1


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
    stops = [
        ("dark.search_stopped", search.stopped_at_budget),
        ("dark.stepwise_stopped_models", result.stepwise_stopped == "models"),
        ("dark.search_stopped_time", search.stopped_at_time or result.stepwise_stopped == "time"),
    ]
    stopped = "".join(" " + text(key, language) for key, happened in stops if happened)
    said = text(
        key,
        language,
        models=number(search.models, language),
        enumerated=number(search.enumerated, language),
        interactions=search.max_interactions,
        pairs=search.n_pairs,
        refused=number(result.refused_models().height, language),
        seconds=number(result.seconds, language, 1),
    )
    return said + stopped


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


def column_name(key: str, language: str, **values: object) -> str:
    return text(f"dark.col_{key}", language, **values)


def input_error_text(error: InputError, language: str) -> str:
    """Why an uploaded table cannot be used, in the reader's language (the estimator's sentence is English)."""
    key = f"dark.input.{error.kind}"
    if not error.kind or key not in texts():
        return str(error)
    values = dict(error.values)
    if "row" in values:
        line = values.pop("line")
        where_key = "dark.input.where_line" if line is not None else "dark.input.where"
        values["where"] = text(where_key, language, row=values.pop("row"), line=line)
    return text(key, language, **values)
