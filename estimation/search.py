"""Model choice: the stepwise procedures and the search over all models up to a number of interactions.

Stepwise, rule "poisson" (Chan, Silverman and Vincent 2021, section 3.2; R package SparseMSE,
`stepwisefit`): start from the main effects. For each pair of lists not yet in the model, the
number of people on both lists has, if the pair's interaction is left out, a Poisson distribution
whose mean is the current model's fitted count of the patterns with both lists; its p-value is the
smaller tail of that distribution at the observed number. The pair with the smallest p-value among
those whose model passes the existence and identifiability checks is added while that p-value is
below the threshold (0.02 by default).

Stepwise, rule "aic" (Bales, Hesketh and Silverman 2015, the procedure behind the Home Office's
2013 estimate, Silverman 2014; R package modslavmse, `MSEfit`): start from the main effects; fit
the model with each pair not yet in it; take the pair whose model has the lowest AIC, stop if
none lowers the AIC, and keep it only if the Wald p-value of its interaction is at most the
threshold (0.05 by default), stopping otherwise. An interaction of lists with nobody in common
has no finite coefficient and no Wald test; it counts as not significant.

Criterion: fit every model with up to `max_interactions` pairwise interactions (all of them when
the number of models fits the budget) and rank the admissible ones by BIC or AIC.
"""

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.stats import norm, poisson

from estimation.models import Checker, FitError, Layout, ModelFit, Pair, all_pairs, fit_layout, layout
from estimation.table import CaptureTable

STEPWISE_RULES = ("poisson", "aic")
DEFAULT_THRESHOLD = {"poisson": 0.02, "aic": 0.05}
DEFAULT_MAX_MODELS = 2048
DEFAULT_SECONDS = 300.0
"""The search's time budget by default: a safety net, not the bound a result should rest on. The model budget
(`max_models`) is what keeps a search reproducible; one stopped by the clock depends on the machine's speed, and
the result says so."""


@dataclass(eq=False)
class Evaluation:
    """A model and what became of it: a fit, or the reason it was refused."""

    layout: Layout
    fit: ModelFit | None = None
    reason: str | None = None
    interval: tuple[float | None, float | None] | None = None

    @property
    def pairs(self) -> tuple[Pair, ...]:
        return self.layout.pairs

    @property
    def admissible(self) -> bool:
        return self.fit is not None


class OutOfBudget(Exception):
    """A search phase has used its models or the time is up."""


class Evaluator:
    """Checks and fits the models of one table, each once, within an optional time budget (`seconds`)."""

    def __init__(self, table: CaptureTable, seconds: float | None = None) -> None:
        self.table = table
        self.checker = Checker(table)
        self.fits = 0
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.cut_by_time = False
        """A model was left out because the time was up."""
        self._done: dict[tuple[Pair, ...], Evaluation] = {}
        self._start: np.ndarray | None = None
        main = self.evaluate(())
        self._start = None if main.fit is None else main.fit.params

    def _start_for(self, model: Layout) -> np.ndarray | None:
        """Start values for the IRLS: the fit of the model without its last pair, else the main effects.

        The search adds one pair at a time, so that fit is usually at hand and close; its
        coefficients are kept and the new interaction starts at zero.
        """
        if self._start is None:
            return None
        parent = self._done.get(model.pairs[:-1]) if model.pairs else None
        if parent is None or parent.fit is None:
            return np.concatenate([self._start, np.zeros(len(model.estimable))])
        previous = dict(zip(parent.layout.estimable, parent.fit.params[1 + self.table.n_lists :], strict=True))
        head = parent.fit.params[: 1 + self.table.n_lists]
        return np.concatenate([head, [previous.get(pair, 0.0) for pair in model.estimable]])

    def evaluate(self, pairs: tuple[Pair, ...] | list[Pair]) -> Evaluation:
        key = tuple(sorted(set(pairs)))
        if key in self._done:
            return self._done[key]
        model = layout(self.table, key)
        evaluation = Evaluation(layout=model, reason=self.checker.refusal(model))
        if evaluation.reason is None:
            self.fits += 1
            try:
                evaluation.fit = fit_layout(self.table, model, start=self._start_for(model))
            except FitError as error:
                evaluation.reason = str(error)
        self._done[key] = evaluation
        return evaluation

    @property
    def evaluations(self) -> list[Evaluation]:
        return list(self._done.values())

    def time_is_up(self) -> bool:
        """Whether the time budget has run out (asked only where a model would otherwise be looked at)."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.cut_by_time = True
        return self.cut_by_time

    def evaluate_within(self, pairs: tuple[Pair, ...], limit: int | None) -> Evaluation:
        """`evaluate`, unless the evaluator already holds `limit` models or the time is up (`OutOfBudget`); a model
        already evaluated is always returned."""
        key = tuple(sorted(set(pairs)))
        if key not in self._done and ((limit is not None and len(self._done) >= limit) or self.time_is_up()):
            raise OutOfBudget
        return self.evaluate(key)


@dataclass(eq=False)
class StepwiseRun:
    """The models the stepwise procedure went through, the last one chosen."""

    rule: str
    threshold: float
    path: list[Evaluation] = field(default_factory=list)
    p_values: list[float | None] = field(default_factory=list)
    stopped: str | None = None
    """Why the steps stopped before the rule said so: "models" (the model budget) or "time" (the time budget)."""

    @property
    def chosen(self) -> Evaluation | None:
        return self.path[-1] if self.path and self.path[-1].admissible else None


def overlap_p_value(table: CaptureTable, fit: ModelFit, pair: Pair) -> float:
    """The smaller Poisson tail of the observed number on both lists of `pair` under `fit`."""
    kept = table.patterns[fit.layout.keep]
    both = (kept[:, pair[0]] == 1) & (kept[:, pair[1]] == 1)
    expected = float(fit.fitted[both].sum())
    observed = table.on_both(*pair)
    return float(min(poisson.cdf(observed, expected), poisson.sf(observed - 1, expected)))


def stepwise(
    evaluator: Evaluator, rule: str = "poisson", threshold: float | None = None, max_models: int | None = None
) -> StepwiseRun:
    """Forward stepwise choice of pairwise interactions (see the module docstring for the rules), looking at no more
    than `max_models` models it has not seen yet and stopping when the evaluator's time is up; the chosen model is
    then the last step reached, and `stopped` says why."""
    if rule not in STEPWISE_RULES:
        raise ValueError(f"unknown stepwise rule {rule!r}; use one of {', '.join(STEPWISE_RULES)}")
    threshold = DEFAULT_THRESHOLD[rule] if threshold is None else threshold
    table = evaluator.table
    run = StepwiseRun(rule=rule, threshold=threshold)
    limit = None if max_models is None else len(evaluator.evaluations) + max_models
    current = evaluator.evaluate(())
    run.path.append(current)
    run.p_values.append(None)
    if current.fit is None:
        return run
    take_step = _poisson_step if rule == "poisson" else _aic_step
    while True:
        remaining = [p for p in all_pairs(table.n_lists) if p not in current.pairs]
        if not remaining:
            return run
        try:
            step = take_step(evaluator, current, remaining, threshold, limit)
        except OutOfBudget:
            run.stopped = "time" if evaluator.time_is_up() else "models"
            return run
        if step is None:
            return run
        current, p_value = step
        run.path.append(current)
        run.p_values.append(p_value)


def _poisson_step(
    evaluator: Evaluator, current: Evaluation, remaining: list[Pair], threshold: float, limit: int | None
) -> tuple[Evaluation, float] | None:
    assert current.fit is not None
    scored = sorted(
        ((overlap_p_value(evaluator.table, current.fit, pair), k, pair) for k, pair in enumerate(remaining)),
    )
    for p_value, _, pair in scored:
        if p_value >= threshold:
            return None
        candidate = evaluator.evaluate_within((*current.pairs, pair), limit)
        if candidate.admissible:
            return candidate, p_value
    return None


def _aic_step(
    evaluator: Evaluator, current: Evaluation, remaining: list[Pair], threshold: float, limit: int | None
) -> tuple[Evaluation, float] | None:
    assert current.fit is not None
    best: tuple[float, Evaluation, Pair] | None = None
    for pair in remaining:
        candidate = evaluator.evaluate_within((*current.pairs, pair), limit)
        if candidate.fit is not None and (best is None or candidate.fit.aic < best[0]):
            best = (candidate.fit.aic, candidate, pair)
    if best is None or best[0] >= current.fit.aic:
        return None
    _, candidate, pair = best
    assert candidate.fit is not None
    if pair in candidate.layout.boundary:
        return None
    column = 1 + evaluator.table.n_lists + candidate.layout.estimable.index(pair)
    z = candidate.fit.params[column] / candidate.fit.std_errors[column]
    p_value = float(2 * norm.sf(abs(z))) if math.isfinite(z) else 1.0
    if p_value > threshold:
        return None
    return candidate, p_value


def models_up_to(n_pairs: int, max_models: int) -> int:
    """The largest number of interactions k such that all models with at most k of them fit in `max_models`."""
    total, k = 0, -1
    while k < n_pairs:
        more = math.comb(n_pairs, k + 1)
        if total + more > max_models:
            break
        total += more
        k += 1
    return max(k, 0)


def candidate_models(n_lists: int, max_interactions: int) -> Iterator[tuple[Pair, ...]]:
    pairs = all_pairs(n_lists)
    for size in range(max_interactions + 1):
        yield from combinations(pairs, size)


@dataclass(frozen=True)
class SearchInfo:
    """What the search over models covered.

    `enumerated` models are all those with at most `max_interactions` interactions (all models when
    `exhaustive`); `models` counts every model the search fitted or refused, the downhill steps
    beyond the enumeration included: at most `max_models` of them, so `--max-models` bounds every phase of the
    criterion search (before, 60 still fitted 1,896 models on six lists).
    """

    max_interactions: int
    n_pairs: int
    enumerated: int
    models: int
    exhaustive: bool
    stopped_at_budget: bool = False
    """The downhill steps stopped when they had looked at `max_models` models beyond the enumeration."""
    stopped_at_time: bool = False
    """The time budget ran out before the search was done (the enumeration or the downhill steps)."""


def criterion_value(evaluation: Evaluation, criterion: str) -> float:
    assert evaluation.fit is not None
    return evaluation.fit.bic if criterion == "bic" else evaluation.fit.aic


def neighbours(pairs: tuple[Pair, ...], n_lists: int) -> list[tuple[Pair, ...]]:
    """The models one interaction away: each pair dropped if in the model, added if not."""
    return [tuple(q for q in pairs if q != pair) if pair in pairs else (*pairs, pair) for pair in all_pairs(n_lists)]


def downhill(evaluator: Evaluator, start: Evaluation, criterion: str, limit: int | None = None) -> Evaluation:
    """From `start`, move to the best model one interaction away (added or dropped) while it is better; stop when
    the evaluator holds `limit` models (the search's budget) or its time is up, at the best model reached so far."""
    current = start
    while True:
        around = []
        try:
            for pairs in neighbours(current.pairs, evaluator.table.n_lists):
                around.append(evaluator.evaluate_within(pairs, limit))
        except OutOfBudget:
            pass
        here = criterion_value(current, criterion)
        better = [n for n in around if n.admissible and criterion_value(n, criterion) < here]
        if not better:
            return current
        current = min(better, key=lambda n: criterion_value(n, criterion))


def criterion_search(evaluator: Evaluator, max_models: int = DEFAULT_MAX_MODELS, criterion: str = "bic") -> SearchInfo:
    """Evaluate every model with up to k interactions (k as large as `max_models` allows), then go
    downhill by `criterion` from the best of them and from the main effects, so that a better model
    with more interactions is not missed when the enumeration stops short. Stops where the evaluator's time is up."""
    n_pairs = len(all_pairs(evaluator.table.n_lists))
    k = models_up_to(n_pairs, max_models)
    enumerated = 0
    for pairs in candidate_models(evaluator.table.n_lists, k):
        if evaluator.time_is_up():
            break
        evaluator.evaluate(pairs)
        enumerated += 1
    before = len(evaluator.evaluations)
    limit = before + max_models  # the downhill steps may look at as many models again as the enumeration, no more
    admissible = [e for e in evaluator.evaluations if e.admissible]
    if k < n_pairs and admissible:
        best = min(admissible, key=lambda e: criterion_value(e, criterion))
        for start in {id(e): e for e in (best, evaluator.evaluate(()))}.values():
            if start.admissible:
                downhill(evaluator, start, criterion, limit)
    return SearchInfo(
        max_interactions=k,
        n_pairs=n_pairs,
        enumerated=enumerated,
        models=enumerated + len(evaluator.evaluations) - before,
        exhaustive=k == n_pairs and enumerated == 2**n_pairs,
        stopped_at_budget=len(evaluator.evaluations) >= limit,
        stopped_at_time=evaluator.cut_by_time,
    )
