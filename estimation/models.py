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
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import statsmodels.api as sm
from scipy.optimize import brentq, linprog, minimize_scalar
from scipy.stats import chi2, norm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

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
    the model's interactions of lists with nobody in common (fixed at minus infinity).
    """

    pairs: tuple[Pair, ...]
    estimable: tuple[Pair, ...]
    boundary: tuple[Pair, ...]
    keep: np.ndarray
    design: np.ndarray
    counts: np.ndarray

    @property
    def n_params(self) -> int:
        """All parameters of the model, the boundary ones included (as in the information criteria)."""
        return self.design.shape[1] + len(self.boundary)

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
    kept = patterns[keep].astype(np.float64)
    columns = [np.ones(len(kept)), *(kept[:, k] for k in range(table.n_lists))]
    columns += [kept[:, i] * kept[:, j] for i, j in estimable]
    return Layout(
        pairs=pairs,
        estimable=estimable,
        boundary=boundary,
        keep=keep,
        design=np.column_stack(columns),
        counts=table.counts[keep],
    )


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
            self._top[boundary] = (self._exists(top), top.rank == top.design.shape[1])
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
        full_rank = top_full_rank or model.rank == model.design.shape[1]
        if not full_rank:
            return (
                f"the model is not identifiable: its design has rank {model.rank} for {model.design.shape[1]} "
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


def _glm(
    counts: np.ndarray, design: np.ndarray, offset: np.ndarray | None = None, start: np.ndarray | None = None
) -> sm.regression.linear_model.RegressionResults:
    model = sm.GLM(counts, design, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # statsmodels warns of "perfect prediction" whenever the fitted counts equal the data, which
        # is what a saturated model (as many parameters as patterns left) does; the rank and LP
        # checks have already said whether the parameters are identified and finite.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = model.fit(start_params=start, maxiter=100, tol=1e-8)
        except (ConvergenceWarning, np.linalg.LinAlgError, ValueError) as error:
            raise FitError(f"the Poisson fit did not converge ({error.__class__.__name__})") from None
    if not result.converged:
        raise FitError("the Poisson fit did not converge")
    return result


def fit_layout(table: CaptureTable, model: Layout, start: np.ndarray | None = None) -> ModelFit:
    """Fit the Poisson log-linear model with statsmodels' GLM; raises `FitError` when it fails."""
    result = _glm(model.counts, model.design, start=start)
    params = np.asarray(result.params, dtype=np.float64)
    if not np.all(np.isfinite(params)):
        raise FitError("the fitted parameters are not finite")
    fit = ModelFit(
        layout=model,
        params=params,
        std_errors=np.asarray(result.bse, dtype=np.float64),
        loglik=float(result.llf),
        fitted=np.asarray(result.fittedvalues, dtype=np.float64),
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
        result = _glm(model.counts, rest, offset=np.full(len(model.counts), b), start=start["params"])
        start["params"] = np.asarray(result.params)
        return 2.0 * (fit.loglik - float(result.llf)) - target

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
    unobserved = np.zeros((1, model.design.shape[1]))
    unobserved[0, 0] = 1.0  # the pattern on no list: the intercept alone
    design = np.vstack([unobserved, model.design])
    observed = np.asarray(model.counts, dtype=np.float64)
    start = {"params": fit.params}

    def loglik(log_missing: float) -> float:
        missing = math.exp(log_missing)
        counts = np.concatenate([[missing], observed])
        result = _glm(counts, design, start=start["params"])
        start["params"] = np.asarray(result.params)
        total = n + missing
        probabilities = np.asarray(result.fittedvalues, dtype=np.float64) / float(np.sum(result.fittedvalues))
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
