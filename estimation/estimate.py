"""The estimate with its uncertainty: the chosen model, its interval, and every other model beside it.

`estimate_population(table)` chooses a model by the stepwise procedure or by the information
criterion, and always also fits every model with up to k pairwise interactions (k as large as the
budget allows), so the estimates of the other admissible models and the reasons for refusing the
others are reported with the chosen one.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from estimation.bootstrap import DEFAULT_REPLICATES, DEFAULT_SEED, BootstrapInterval, bootstrap_interval
from estimation.models import multinomial_profile_interval, profile_interval, term_name
from estimation.search import (
    DEFAULT_MAX_MODELS,
    DEFAULT_SECONDS,
    DEFAULT_THRESHOLD,
    STEPWISE_RULES,
    Evaluation,
    Evaluator,
    SearchInfo,
    StepwiseRun,
    criterion_search,
    criterion_value,
    stepwise,
)
from estimation.table import CaptureTable

METHODS = ("stepwise", "criterion")
INTERVALS = {"multinomial": multinomial_profile_interval, "dark-figure": profile_interval}
"""The interval methods: the profile likelihood of N in the multinomial model (Cormack 1992, Rcapture's
`closedpCI.t`; the default), and the profile of the expected dark figure in the Poisson model (narrower where
few people are missing: it leaves out the chance variation of the missing count). See docs/ESTIMATION.md."""
CRITERIA = ("bic", "aic")
# Profile intervals are computed for the chosen model and this many further models, best criterion first.
DEFAULT_INTERVALS = 10

MODEL_SCHEMA = {
    "model": pl.String,
    "terms": pl.List(pl.String),
    "boundary_terms": pl.List(pl.String),
    "n_interactions": pl.Int64,
    "admissible": pl.Boolean,
    "reason": pl.String,
    "aic": pl.Float64,
    "bic": pl.Float64,
    "criterion": pl.Float64,
    "delta": pl.Float64,
    "rank": pl.Int64,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "selected": pl.Boolean,
    "stepwise_step": pl.Int64,
    "stepwise_p_value": pl.Float64,
}


@dataclass(frozen=True, eq=False)
class MSEResult:
    """What the estimator found, for the command line, the dashboard page and the export.

    `estimate`, `ci_low`, `ci_high` and `ratio` are None when no model could be reported (then
    `reason` says why); `ci_high` is also None when the likelihood does not bound the interval
    above. `models` has one row per model looked at (see `MODEL_SCHEMA`): the admissible ones with
    their criterion and estimate (and interval where computed), the refused ones with the reason.
    """

    lists: tuple[str, ...]
    registered: int
    method: str
    criterion: str
    rule: str | None
    threshold: float | None
    model: tuple[str, ...] | None
    boundary_terms: tuple[str, ...]
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    models: pl.DataFrame
    search: SearchInfo
    seconds: float
    reason: str | None = None
    interval_method: str = "multinomial"
    bootstrap: BootstrapInterval | None = None
    stepwise_stopped: str | None = None
    """Why the stepwise steps stopped before their rule said so ("models", "time"), None when they did not."""

    @property
    def ratio(self) -> float | None:
        """Estimated population over the registered count."""
        return None if self.estimate is None else self.estimate / self.registered

    @property
    def dark_figure(self) -> float | None:
        return None if self.estimate is None else self.estimate - self.registered

    def other_models(self) -> pl.DataFrame:
        """The admissible models but the chosen one, best criterion first."""
        return self.models.filter(pl.col("admissible") & ~pl.col("selected")).sort("criterion")

    def refused_models(self) -> pl.DataFrame:
        return self.models.filter(~pl.col("admissible"))

    def estimate_range(self, max_delta: float | None = None) -> tuple[float, float] | None:
        """Lowest and highest estimate of the admissible models (within `max_delta` of the best criterion)."""
        admissible = self.models.filter(pl.col("admissible"))
        if max_delta is not None:
            admissible = admissible.filter(pl.col("delta") <= max_delta)
        if admissible.is_empty():
            return None
        return float(admissible["estimate"].min()), float(admissible["estimate"].max())

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """A JSON-ready summary; `top` limits the other admissible models listed (all by default)."""
        others = self.other_models()
        listed = others if top is None else others.head(top)
        refused = self.refused_models()
        return {
            "registered": self.registered,
            "estimate": _rounded(self.estimate),
            "ci_low": _rounded(self.ci_low),
            "ci_high": _rounded(self.ci_high),
            "ci_level": self.level,
            "ci_method": self.interval_method,
            "bootstrap": None if self.bootstrap is None else self.bootstrap.to_dict(),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "method": self.method,
            "criterion": self.criterion,
            "stepwise_rule": self.rule,
            "threshold": self.threshold,
            "model": None if self.model is None else list(self.model),
            "boundary_terms": list(self.boundary_terms),
            "reason": self.reason,
            "lists": list(self.lists),
            "search": {
                "max_interactions": self.search.max_interactions,
                "pairs": self.search.n_pairs,
                "enumerated": self.search.enumerated,
                "models": self.search.models,
                "exhaustive": self.search.exhaustive,
                "stopped_at_budget": self.search.stopped_at_budget,
                "stopped_at_time": self.search.stopped_at_time,
                "stepwise_stopped": self.stepwise_stopped,
                "seconds": round(self.seconds, 2),
            },
            "estimate_range": {
                "all_admissible_models": _rounded_pair(self.estimate_range()),
                "criterion_within_2_of_best": _rounded_pair(self.estimate_range(2.0)),
            },
            "other_models_total": others.height,
            "other_models": [_model_entry(row) for row in listed.iter_rows(named=True)],
            "refused_models_total": refused.height,
            "refused_models": [
                {"model": row["terms"], "reason": row["reason"]} for row in refused.iter_rows(named=True)
            ],
        }


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _rounded_pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [round(pair[0], 1), round(pair[1], 1)]


def _model_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": row["terms"],
        "criterion": _rounded(row["criterion"], 2),
        "delta": _rounded(row["delta"], 2),
        "estimate": _rounded(row["estimate"]),
        "ci_low": _rounded(row["ci_low"]),
        "ci_high": _rounded(row["ci_high"]),
    }


def _model_label(terms: list[str]) -> str:
    return " + ".join(terms) if terms else "main effects"


def _frame(
    table: CaptureTable,
    evaluations: list[Evaluation],
    chosen: Evaluation | None,
    criterion: str,
    run: StepwiseRun | None,
) -> pl.DataFrame:
    steps: dict[int, tuple[int, float | None]] = {}
    if run is not None:
        for step, (evaluation, p_value) in enumerate(zip(run.path, run.p_values, strict=True)):
            steps[id(evaluation)] = (step, p_value)
    admissible = sorted((e for e in evaluations if e.admissible), key=lambda e: criterion_value(e, criterion))
    best = criterion_value(admissible[0], criterion) if admissible else math.nan
    ranks = {id(e): k + 1 for k, e in enumerate(admissible)}
    rows = []
    for evaluation in evaluations:
        terms = [term_name(table.lists, p) for p in evaluation.pairs]
        fit = evaluation.fit
        value = None if fit is None else criterion_value(evaluation, criterion)
        low, high = evaluation.interval if evaluation.interval is not None else (None, None)
        step, p_value = steps.get(id(evaluation), (None, None))
        rows.append(
            {
                "model": _model_label(terms),
                "terms": terms,
                "boundary_terms": [term_name(table.lists, p) for p in evaluation.layout.boundary],
                "n_interactions": len(terms),
                "admissible": fit is not None,
                "reason": evaluation.reason,
                "aic": None if fit is None else fit.aic,
                "bic": None if fit is None else fit.bic,
                "criterion": value,
                "delta": None if value is None else value - best,
                "rank": ranks.get(id(evaluation)),
                "estimate": None if fit is None else fit.estimate,
                "ci_low": low,
                "ci_high": high,
                "selected": evaluation is chosen,
                "stepwise_step": step,
                "stepwise_p_value": p_value,
            }
        )
    frame = pl.DataFrame(rows, schema=MODEL_SCHEMA)
    return frame.sort(["admissible", "criterion", "n_interactions"], descending=[True, False, False], nulls_last=True)


def estimate_population(
    table: CaptureTable,
    method: str = "stepwise",
    criterion: str = "bic",
    rule: str = "poisson",
    threshold: float | None = None,
    max_models: int = DEFAULT_MAX_MODELS,
    level: float = 0.95,
    intervals: int = DEFAULT_INTERVALS,
    interval: str | None = "multinomial",
    bootstrap: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    seconds: float | None = DEFAULT_SECONDS,
    bootstrap_seconds: float | None = None,
) -> MSEResult:
    """Estimate the population behind a capture-history table, with the other models beside it.

    `method`: "stepwise" (rule "poisson", Chan–Silverman–Vincent 2021, threshold 0.02; or rule
    "aic", Bales–Hesketh–Silverman 2015 as used for the UK 2013 estimate, threshold 0.05) or
    "criterion" (the lowest `criterion`, "bic" or "aic", among the admissible models with up to k
    interactions). Every model with up to k interactions is fitted in both cases, k the largest
    number for which there are at most `max_models` models. Profile-likelihood intervals at `level`
    (`interval`: one of `INTERVALS`; None for none) are computed for the chosen model and the `intervals` next best
    models by the criterion. With `bootstrap` replicates (seeded by `seed`), percentile and BCa intervals that
    repeat the whole estimate, model choice included, in every replicate (`estimation.bootstrap`).

    The chosen method's models are looked at first, then the others; the stepwise steps too look at no more than
    `max_models` models. `seconds` bounds the whole search in time (None: no bound); a search the clock stopped
    says so (`search.stopped_at_time`, `stepwise_stopped`), as its result depends on the machine's speed. The
    bootstrap's replicates are bounded by `max_models` alone, so that the same seed gives the same interval; with
    `bootstrap_seconds`, a bootstrap not done in that time gives no interval, only how far it got.
    """
    _check_choices(method, criterion, rule, interval)
    started = time.perf_counter()
    evaluator = Evaluator(table, seconds)
    run = stepwise(evaluator, rule, threshold, max_models) if method == "stepwise" else None
    info = criterion_search(evaluator, max_models, criterion)
    chosen = run.chosen if run is not None else _lowest_criterion(evaluator, criterion)
    if interval:
        _add_intervals(evaluator, chosen, criterion, intervals, INTERVALS[interval], level)
    resampled = None
    if bootstrap > 0 and chosen is not None and chosen.fit is not None:
        means = np.zeros(len(table.counts))
        means[chosen.layout.keep] = chosen.fit.fitted

        def again(replicate: CaptureTable) -> float | None:
            return estimate_population(
                replicate, method, criterion, rule, threshold, max_models, level, 0, None, seconds=None
            ).estimate

        deadline = None if bootstrap_seconds is None else time.monotonic() + bootstrap_seconds
        resampled = bootstrap_interval(table, means, chosen.fit.estimate, again, bootstrap, seed, level, deadline)
    reason = None
    if chosen is None:
        main = evaluator.evaluate(())
        reason = main.reason or "no model passed the checks"
    models = _frame(table, evaluator.evaluations, chosen, criterion, run)
    low, high = chosen.interval if chosen is not None and chosen.interval is not None else (None, None)
    return MSEResult(
        lists=table.lists,
        registered=table.registered,
        method=method,
        criterion=criterion,
        rule=rule if method == "stepwise" else None,
        threshold=(DEFAULT_THRESHOLD[rule] if threshold is None else threshold) if method == "stepwise" else None,
        model=None if chosen is None else tuple(term_name(table.lists, p) for p in chosen.pairs),
        boundary_terms=() if chosen is None else tuple(term_name(table.lists, p) for p in chosen.layout.boundary),
        estimate=None if chosen is None or chosen.fit is None else chosen.fit.estimate,
        ci_low=low,
        ci_high=high,
        level=level,
        models=models,
        search=info,
        seconds=time.perf_counter() - started,
        reason=reason,
        interval_method=interval or "none",
        bootstrap=resampled,
        stepwise_stopped=None if run is None else run.stopped,
    )


def _check_choices(method: str, criterion: str, rule: str, interval: str | None) -> None:
    """A ValueError naming the choice when a method, criterion, stepwise rule or interval is not one offered."""
    for value, offered, what in (
        (interval, INTERVALS, "interval"),
        (method, METHODS, "method"),
        (criterion, CRITERIA, "criterion"),
        (rule, STEPWISE_RULES, "stepwise rule"),
    ):
        if value is not None and value not in offered:
            raise ValueError(f"unknown {what} {value!r}; use one of {', '.join(offered)}")


def _lowest_criterion(evaluator: Evaluator, criterion: str) -> Evaluation | None:
    """The admissible model with the lowest criterion, or None when no model is admissible."""
    admissible = [e for e in evaluator.evaluations if e.admissible]
    return min(admissible, key=lambda e: criterion_value(e, criterion)) if admissible else None


def _add_intervals(
    evaluator: Evaluator,
    chosen: Evaluation | None,
    criterion: str,
    intervals: int,
    compute: Callable[[object, float], tuple[float, float] | None],
    level: float,
) -> None:
    """Profile intervals for the chosen model and the `intervals` next best by the criterion (once per model)."""
    ranked = sorted((e for e in evaluator.evaluations if e.admissible), key=lambda e: criterion_value(e, criterion))
    for evaluation in ([chosen] if chosen is not None else []) + ranked[:intervals]:
        if evaluation.interval is None and evaluation.fit is not None:
            evaluation.interval = compute(evaluation.fit, level)
