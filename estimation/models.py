"""One log-linear model: its design, the checks before it may be reported, its fit and its interval.

A model is the main effects of every list plus a set of pairwise interactions. The counts of the
observable patterns are Poisson with log-mean linear in the model's terms; the intercept is the log
of the expected number of people on no list (the dark figure), so the estimate of the population
is the registered count plus exp(intercept).

Sparse tables (Chan, Silverman and Vincent 2021): when two lists have nobody in common, the
maximum likelihood value of their interaction is minus infinity (an extended MLE). The model then
fixes every pattern with both lists at an expected count of zero: those patterns leave the fit,
and the interaction keeps its place in the parameter count (its term is reported as a boundary
term). What remains must pass two checks before the model is fitted:

- existence: the linear program of Fienberg and Rinaldo (2012) as used by Chan, Silverman and
  Vincent: maximise s subject to A x = A y (the model's sufficient statistics), x >= s. The MLE
  exists (is finite) exactly when some strictly positive table has the observed sufficient
  statistics, i.e. when the optimum s is above zero;
- identifiability: the design of the remaining patterns must have full column rank.

A model that fails either check, whose fit does not converge, or whose estimate is not finite is
refused with the reason; it is never reported as a number.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import brentq, linprog, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2, norm

from estimation.table import CaptureTable

Pair = tuple[int, int]

# The LP optimum (the smallest cell of the best strictly positive table) counts as zero below this. The LP is
# solved on the table's support (1 for every pattern with anyone, 0 else): whether the MLE exists depends only on
# which cells are positive (the observed margins lie in the relative interior of the marginal cone exactly when
# those of the support do), so the answer no longer depends on the size of the counts, where the simplex's noise
# grew with them (a valid table of 10^9 people with a cell of 1 was called "does not exist").
EXISTENCE_TOLERANCE = 1e-9
# A profile limit further than this from the estimate's log dark figure is reported as unbounded.
PROFILE_SPAN = 25.0


def all_pairs(n_lists: int) -> tuple[Pair, ...]:
    return tuple((i, j) for i in range(n_lists) for j in range(i + 1, n_lists))


def term_name(lists: tuple[str, ...], pair: Pair) -> str:
    return f"{lists[pair[0]]}:{lists[pair[1]]}"


@dataclass(frozen=True, eq=False)
class Layout:
    """The Poisson regression a model comes to once boundary interactions are taken out.

    `keep` marks the patterns that stay in the fit; `design` has, for those patterns, the
    intercept, one column per list and one per estimable interaction (`estimable`); `boundary` are
    the model's interactions of lists with nobody in common (fixed at minus infinity). The design is cut from the
    table's `full_design` when asked for, not kept: a search holds thousands of models, and a kept design each
    took a 12-list search past 2 GB.
    """

    table: CaptureTable
    pairs: tuple[Pair, ...]
    estimable: tuple[Pair, ...]
    boundary: tuple[Pair, ...]
    keep: np.ndarray

    @property
    def columns(self) -> np.ndarray:
        """The model's columns of the table's `full_design`."""
        return np.array([0, *range(1, 1 + self.table.n_lists), *map(self.table.pair_column, self.estimable)])

    @property
    def design(self) -> np.ndarray:
        return self.table.full_design[np.ix_(self.keep, self.columns)]

    @property
    def counts(self) -> np.ndarray:
        return self.table.counts[self.keep]

    @property
    def n_columns(self) -> int:
        """The columns of the design: the intercept, the lists and the estimable interactions."""
        return 1 + self.table.n_lists + len(self.estimable)

    @property
    def n_params(self) -> int:
        """All parameters of the model, the boundary ones included (as in the information criteria)."""
        return self.n_columns + len(self.boundary)

    @cached_property
    def rank(self) -> int:
        return int(np.linalg.matrix_rank(self.design))


def layout(table: CaptureTable, pairs: Iterable[Pair]) -> Layout:
    pairs = tuple(sorted(set(pairs)))
    boundary = tuple(p for p in pairs if table.on_both(*p) == 0)
    estimable = tuple(p for p in pairs if p not in boundary)
    patterns = table.patterns
    keep = np.ones(len(patterns), dtype=bool)
    for i, j in boundary:
        keep &= ~((patterns[:, i] == 1) & (patterns[:, j] == 1))
    return Layout(table=table, pairs=pairs, estimable=estimable, boundary=boundary, keep=keep)


def positive_table_margin(design: np.ndarray, counts: np.ndarray) -> float:
    """The largest s such that some table x >= s has the observed sufficient statistics A'x = A'y.

    The MLE of the Poisson log-linear model with this design exists (is finite) exactly when the
    result is above zero (Fienberg and Rinaldo 2012; Chan, Silverman and Vincent 2021, section 2.6).
    Written with x = s + u (u >= 0) so that the program has only the equality rows: maximise s
    subject to A'u + s A'1 = A'y, u >= 0, s >= 0. Solved with HiGHS through scipy's `linprog`.
    """
    n_cells = design.shape[0]
    objective = np.zeros(n_cells + 1)
    objective[-1] = -1.0
    equalities = np.hstack([design.T, design.T.sum(axis=1, keepdims=True)])
    solution = linprog(objective, A_eq=equalities, b_eq=design.T @ counts, bounds=(0, None), method="highs")
    if solution.status != 0:
        return 0.0
    return float(-solution.fun)


class Checker:
    """The existence and identifiability checks for the models of one table, with what can be reused.

    Existence and full rank both carry over from a model to every model with fewer of the same
    table's estimable interactions and the same boundary interactions (the kept patterns are the
    same and the design loses columns). So the model with every overlapping pair and a given set
    of boundary pairs is checked once, and only when it fails is the smaller model checked itself.
    """

    def __init__(self, table: CaptureTable) -> None:
        self.table = table
        self.overlapping = tuple(p for p in all_pairs(table.n_lists) if table.on_both(*p) > 0)
        self._top: dict[tuple[Pair, ...], tuple[bool, bool]] = {}
        self.linear_programs = 0
        empty = [name for k, name in enumerate(table.lists) if table.on_list(k) == 0]
        self._empty_lists = empty

    def _exists(self, model: Layout) -> bool:
        self.linear_programs += 1
        support = (np.asarray(model.counts) > 0).astype(np.float64)
        return positive_table_margin(model.design, support) > EXISTENCE_TOLERANCE

    def _top_model(self, boundary: tuple[Pair, ...]) -> tuple[bool, bool]:
        if boundary not in self._top:
            top = layout(self.table, (*self.overlapping, *boundary))
            self._top[boundary] = (self._exists(top), top.rank == top.n_columns)
        return self._top[boundary]

    def refusal(self, model: Layout) -> str | None:
        """Why the model cannot give an estimate, or None when it passes both checks."""
        if self._empty_lists:
            names = ", ".join(self._empty_lists)
            return (
                f"the maximum likelihood estimate does not exist: nobody is on list {names}, so its main effect "
                "is minus infinity"
            )
        top_exists, top_full_rank = self._top_model(model.boundary)
        full_rank = top_full_rank or model.rank == model.n_columns
        if not full_rank:
            return (
                f"the model is not identifiable: its design has rank {model.rank} for {model.n_columns} "
                "parameters once the boundary interactions are taken out"
            )
        if not (top_exists or self._exists(model)):
            return (
                "the maximum likelihood estimate does not exist: no table with only positive cells has the "
                "observed margins of the model (Fienberg–Rinaldo linear program), so some fitted counts go to zero"
            )
        return None


@dataclass(frozen=True, eq=False)
class ModelFit:
    """A fitted model: its estimate of the population and what the criteria need."""

    layout: Layout
    params: np.ndarray
    std_errors: np.ndarray
    loglik: float
    fitted: np.ndarray
    registered: int

    @property
    def cov_intercept(self) -> float:
        return float(self.std_errors[0] ** 2)

    @property
    def log_dark(self) -> float:
        return float(self.params[0])

    @property
    def dark(self) -> float:
        """Estimated number of people on no list."""
        return math.exp(self.log_dark)

    @property
    def estimate(self) -> float:
        return self.registered + self.dark

    @property
    def n_params(self) -> int:
        return self.layout.n_params

    @property
    def aic(self) -> float:
        return 2 * self.n_params - 2 * self.loglik

    @property
    def bic(self) -> float:
        """BIC with the number of people registered as sample size (the Rcapture convention)."""
        return self.n_params * math.log(self.registered) - 2 * self.loglik


class FitError(RuntimeError):
    """The fit did not give a usable estimate; the message says why."""


@dataclass(frozen=True, eq=False)
class PoissonRegression:
    """A converged Poisson regression: coefficients, their standard errors, the log-likelihood, the fitted means."""

    params: np.ndarray
    std_errors: np.ndarray
    loglik: float
    fitted: np.ndarray


MAX_ITERATIONS = 100
DEVIANCE_TOLERANCE = 1e-8
"""The fit has converged when an iteration changes the deviance by at most this (statsmodels' GLM rule)."""


def poisson_regression(
    counts: np.ndarray, design: np.ndarray, offset: np.ndarray | None = None, start: np.ndarray | None = None
) -> PoissonRegression:
    """Fit log E[counts] = design @ params (+ offset) by iteratively reweighted least squares; raises `FitError`.

    The same algorithm, start and convergence rule as statsmodels' Poisson GLM (which the tests compare it with),
    but each step solves the p x p normal equations by Cholesky instead of a least-squares SVD of the whole
    design: the search fits thousands of models of one table, and statsmodels' per-fit setup and SVD took 90% of
    a 12-list search (docs/ESTIMATION.md, "Speed"). Where the normal equations are not positive definite the
    step falls back to least squares.
    """
    counts = np.asarray(counts, dtype=np.float64)
    offset = np.zeros(len(counts)) if offset is None else np.asarray(offset, dtype=np.float64)
    if start is None:
        mu = (counts + counts.mean()) / 2.0
        eta = np.log(mu)
    else:
        eta = design @ start + offset
        mu = np.exp(eta)
    deviance = _deviance(counts, mu)
    params = start
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(MAX_ITERATIONS):
            working = eta - offset + (counts - mu) / mu
            params = _weighted_least_squares(design, working, mu)
            eta = design @ params + offset
            mu = np.exp(eta)
            previous, deviance = deviance, _deviance(counts, mu)
            if not math.isfinite(deviance):
                raise FitError("the Poisson fit did not converge (the fitted counts overflowed)")
            if abs(deviance - previous) <= DEVIANCE_TOLERANCE:
                break
        else:
            raise FitError("the Poisson fit did not converge")
        information = design.T @ (design * mu[:, None])
        try:
            covariance = np.linalg.inv(information)
        except np.linalg.LinAlgError:
            covariance = np.linalg.pinv(information)
    assert params is not None
    loglik = float(np.sum(counts * eta - mu - _log_factorial(counts)))
    return PoissonRegression(params, np.sqrt(np.abs(np.diag(covariance))), loglik, mu)


def _deviance(counts: np.ndarray, mu: np.ndarray) -> float:
    ratio = np.where(counts > 0, counts / np.where(mu > 0, mu, 1.0), 1.0)
    return float(2.0 * np.sum(np.where(counts > 0, counts * np.log(ratio), 0.0) - (counts - mu)))


def _log_factorial(counts: np.ndarray) -> np.ndarray:
    return gammaln(counts + 1.0)


def _weighted_least_squares(design: np.ndarray, response: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The coefficients minimising sum(weights * (response - design @ b)^2): Cholesky of the normal equations,
    least squares when they are not positive definite."""
    if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(response))):
        raise FitError("the Poisson fit did not converge (the fitted counts left the range of numbers)")
    weighted = design * weights[:, None]
    normal = design.T @ weighted
    right = weighted.T @ response
    try:
        factor = cho_factor(normal, check_finite=False)
        solution = cho_solve(factor, right, check_finite=False)
        if np.all(np.isfinite(solution)):
            return solution
    except np.linalg.LinAlgError:
        pass
    root = np.sqrt(weights)
    return np.linalg.lstsq(design * root[:, None], response * root, rcond=None)[0]


def fit_layout(table: CaptureTable, model: Layout, start: np.ndarray | None = None) -> ModelFit:
    """Fit the Poisson log-linear model (`poisson_regression`); raises `FitError` when it fails."""
    result = poisson_regression(model.counts, model.design, start=start)
    if not np.all(np.isfinite(result.params)):
        raise FitError("the fitted parameters are not finite")
    fit = ModelFit(
        layout=model,
        params=result.params,
        std_errors=result.std_errors,
        loglik=result.loglik,
        fitted=result.fitted,
        registered=table.registered,
    )
    if not (math.isfinite(fit.loglik) and fit.log_dark < 700 and math.isfinite(fit.estimate)):
        raise FitError("the estimate is not finite")
    return fit


def profile_interval(fit: ModelFit, level: float = 0.95) -> tuple[float | None, float | None]:
    """Profile-likelihood interval for the population at `level`.

    The intercept (log dark figure) is fixed at a value b and the other parameters refitted with b
    as an offset; the interval is every b whose likelihood-ratio statistic is at most the chi-square
    quantile with one degree of freedom, turned into registered + exp(b). A side whose limit lies
    more than PROFILE_SPAN away on the log scale is unbounded: the registered count below, None
    above. A side where a refit fails is None as well.
    """
    model = fit.layout
    target = float(chi2.ppf(level, df=1))
    rest = model.design[:, 1:]
    best = fit.log_dark
    start = {"params": fit.params[1:]}

    def excess(b: float) -> float:
        result = poisson_regression(model.counts, rest, offset=np.full(len(model.counts), b), start=start["params"])
        start["params"] = result.params
        return 2.0 * (fit.loglik - result.loglik) - target

    low, high = _limits(excess, best, fit, lambda: start.update(params=fit.params[1:]), xtol=1e-6)
    return (
        None if low is None else fit.registered + math.exp(low),
        None if high is None else fit.registered + math.exp(high),
    )


def _limits(
    excess: Callable[[float], float], center: float, fit: ModelFit, restart: Callable[[], None], xtol: float
) -> tuple[float | None, float | None]:
    """The two roots of `excess` (the likelihood-ratio statistic minus its quantile) around `center`, on the log
    scale of the dark figure: stepping out by doubling, then Brent's method; `restart` resets the refits' start
    before each side. A side where the likelihood does not fall far enough within PROFILE_SPAN is -inf below (the
    dark figure may be as good as nobody: the limit is the registered count) and None above (no limit); a side
    whose refit fails is None."""
    step = max(math.sqrt(max(fit.cov_intercept, 0.0)), 0.02)
    limits: list[float | None] = []
    for direction in (-1.0, 1.0):
        restart()
        inner, outer = center, center + direction * step
        limit: float | None = None
        try:
            while abs(outer - center) <= PROFILE_SPAN:
                if excess(outer) > 0:
                    limit = brentq(excess, min(inner, outer), max(inner, outer), xtol=xtol)
                    break
                inner, outer = outer, center + 2 * (outer - center)
            else:
                limit = -math.inf if direction < 0 else None
        except FitError:
            limit = None
        limits.append(limit)
    return limits[0], limits[1]


def multinomial_profile_interval(fit: ModelFit, level: float = 0.95) -> tuple[float | None, float | None]:
    """Profile-likelihood interval for the population N in the multinomial model (Cormack 1992; Rcapture's
    `closedpCI.t`): the default.

    For a given N the unobserved cell holds N - n people; the log-linear model is fitted to that completed table
    (its Poisson fit gives the multinomial cell probabilities, mu / N), and the profile log-likelihood is
    log N! - log (N - n)! + sum over cells of count x log(probability). The interval is every N whose
    likelihood-ratio statistic is at most the chi-square quantile with one degree of freedom. Unlike
    `profile_interval`, which profiles the expected dark figure, it includes the chance variation of the missing
    count itself, so it is wider where few people are missing (on a table of 201 people, 203-217 against
    206-214). Below, a limit at or under the registered count is the registered count; above, a limit further
    than PROFILE_SPAN on the log scale of the dark figure is None, as is a side whose refit fails.
    """
    model = fit.layout
    target = float(chi2.ppf(level, df=1))
    n = float(fit.registered)
    unobserved = np.zeros((1, model.n_columns))
    unobserved[0, 0] = 1.0  # the pattern on no list: the intercept alone
    design = np.vstack([unobserved, model.design])
    observed = np.asarray(model.counts, dtype=np.float64)
    start = {"params": fit.params}

    def loglik(log_missing: float) -> float:
        missing = math.exp(log_missing)
        counts = np.concatenate([[missing], observed])
        result = poisson_regression(counts, design, start=start["params"])
        start["params"] = result.params
        total = n + missing
        probabilities = result.fitted / float(np.sum(result.fitted))
        return float(math.lgamma(total + 1) - math.lgamma(missing + 1) + np.sum(counts * np.log(probabilities)))

    best = minimize_scalar(lambda b: -loglik(b), bracket=(fit.log_dark - 0.5, fit.log_dark + 0.5))
    peak_at, peak = float(best.x), -float(best.fun)

    def excess(b: float) -> float:
        return 2.0 * (peak - loglik(b)) - target

    low, high = _limits(excess, peak_at, fit, lambda: start.update(params=fit.params), xtol=1e-8)
    return (
        None if low is None else n + math.exp(low),
        None if high is None else n + math.exp(high),
    )


def wald_interval(fit: ModelFit, level: float = 0.95) -> tuple[float, float]:
    """The normal interval for the log dark figure, turned into the population: registered + exp(b ± z se).

    This is the interval SparseMSE's `estimatepopulation.0` reports; the profile interval is the
    one this package reports, this one is kept to compare with results published that way.
    """
    z = float(norm.ppf(0.5 + level / 2))
    spread = z * math.sqrt(fit.cov_intercept)
    return fit.registered + math.exp(fit.log_dark - spread), fit.registered + math.exp(fit.log_dark + spread)
