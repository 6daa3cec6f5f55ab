"""A bootstrap that repeats the model choice in every replicate, so the interval carries the uncertainty of
choosing the model as well as that of the counts (Chan, Silverman and Vincent 2021; Silverman 2020).

Parametric: each replicate draws every observable pattern's count from a Poisson distribution with the chosen
model's fitted mean (boundary patterns, fitted at zero, stay zero), and runs the same estimate on it: the same
method, criterion, rule and search budget, so a replicate may choose another model. Seeded (numpy's PCG64), so the
same table, settings and seed give the same interval. Two intervals from the replicates' estimates:

- percentile: the quantiles at (1 - level) / 2 and (1 + level) / 2;
- BCa (Efron 1987): the percentile interval corrected for bias (z0, from the share of replicates below the
  estimate) and skewness (the acceleration a, from a grouped jackknife that takes one person out of each pattern
  in turn, weighted by the pattern's count).

A replicate that gives no estimate (no admissible model) is counted (`failed`) and left out. With a deadline, a
bootstrap the clock stops before its last replicate (and jackknife) gives no interval at all, only how far it got:
an interval from however many replicates a machine managed would not be the same on the next one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from estimation.table import CaptureTable

DEFAULT_REPLICATES = 0
"""No bootstrap unless asked: each replicate is a whole estimate (for six lists, about a second)."""
DEFAULT_SEED = 20261203


@dataclass(frozen=True)
class BootstrapInterval:
    """The bootstrap's intervals at `level`, from `replicates` replicates drawn with `seed`."""

    replicates: int
    seed: int
    level: float
    percentile: tuple[float, float] | None
    bca: tuple[float, float] | None
    failed: int
    stopped_after: int | None = None
    """The replicates done when the deadline stopped the bootstrap (then there is no interval); None if it ended."""

    def to_dict(self) -> dict[str, object]:
        def rounded(pair: tuple[float, float] | None) -> list[int] | None:
            return None if pair is None else [round(pair[0]), round(pair[1])]

        return {
            "replicates": self.replicates,
            "seed": self.seed,
            "level": self.level,
            "percentile": rounded(self.percentile),
            "bca": rounded(self.bca),
            "failed_replicates": self.failed,
            "stopped_at_time_after": self.stopped_after,
        }


def bootstrap_interval(
    table: CaptureTable,
    fitted_means: np.ndarray,
    estimate: float,
    estimator: Callable[[CaptureTable], float | None],
    replicates: int,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
    deadline: float | None = None,
) -> BootstrapInterval:
    """Percentile and BCa intervals for the population from `replicates` parametric replicates of `table`.

    `fitted_means` are the chosen model's expected counts of every observable pattern (in `table.patterns`
    order); `estimator` makes the whole estimate, model choice included, from a table (None when it gives none).
    `deadline` (a `time.monotonic()` value): past it, the bootstrap stops and gives no interval (`stopped_after`).
    """
    generator = np.random.Generator(np.random.PCG64(seed))
    estimates = []
    for done in range(replicates):
        if deadline is not None and time.monotonic() >= deadline:
            return BootstrapInterval(replicates, seed, level, None, None, done - len(estimates), stopped_after=done)
        counts = generator.poisson(fitted_means).astype(np.int64)
        found = estimator(CaptureTable(table.lists, table.patterns, counts)) if counts.sum() > 0 else None
        if found is not None and np.isfinite(found):
            estimates.append(found)
    failed = replicates - len(estimates)
    if len(estimates) < 2:
        return BootstrapInterval(replicates, seed, level, None, None, failed)
    values = np.sort(np.asarray(estimates))
    tail = (1 - level) / 2
    percentile = (float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail)))
    try:
        bca = _bca(table, values, estimate, estimator, tail, deadline)
    except _PastDeadline:
        return BootstrapInterval(replicates, seed, level, None, None, failed, stopped_after=replicates)
    return BootstrapInterval(replicates, seed, level, percentile, bca, failed)


class _PastDeadline(Exception):
    """The jackknife was stopped by the bootstrap's deadline."""


def _bca(
    table: CaptureTable,
    values: np.ndarray,
    estimate: float,
    estimator: Callable[[CaptureTable], float | None],
    tail: float,
    deadline: float | None,
) -> tuple[float, float] | None:
    """The BCa limits; None when the replicates or the jackknife do not allow them (`_PastDeadline` past the
    deadline)."""
    below = float(np.mean(values < estimate))
    if not 0 < below < 1:
        return None
    bias = float(norm.ppf(below))
    acceleration = _acceleration(table, estimator, deadline)
    if acceleration is None:
        return None
    bounds = []
    for z in (norm.ppf(tail), norm.ppf(1 - tail)):
        adjusted = norm.cdf(bias + (bias + z) / (1 - acceleration * (bias + z)))
        bounds.append(float(np.quantile(values, min(max(adjusted, 0.0), 1.0))))
    return bounds[0], bounds[1]


def _acceleration(
    table: CaptureTable, estimator: Callable[[CaptureTable], float | None], deadline: float | None
) -> float | None:
    """The grouped jackknife's acceleration: one person out of each pattern with anyone, weighted by its count."""
    weights, leave_one_out = [], []
    for index in np.flatnonzero(table.counts > 0):
        if deadline is not None and time.monotonic() >= deadline:
            raise _PastDeadline
        counts = table.counts.copy()
        counts[index] -= 1
        found = estimator(CaptureTable(table.lists, table.patterns, counts))
        if found is None or not np.isfinite(found):
            return None
        weights.append(float(table.counts[index]))
        leave_one_out.append(found)
    weight, values = np.asarray(weights), np.asarray(leave_one_out)
    mean = float(np.sum(weight * values) / np.sum(weight))
    spread = mean - values
    denominator = 6 * float(np.sum(weight * spread**2)) ** 1.5
    return 0.0 if denominator == 0 else float(np.sum(weight * spread**3)) / denominator
