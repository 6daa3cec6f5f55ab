"""Multiple systems estimation: how many were met by no list, from the overlaps between lists.

Log-linear Poisson models (main effects plus chosen pairwise interactions) are fitted by
iteratively reweighted least squares (checked against statsmodels' GLM in the tests) to a
capture-history table; the model is chosen by a stepwise procedure or by an
information criterion; a model is reported only after its estimate is shown to exist and be
identifiable; the interval is a profile-likelihood one; and the estimates of the other admissible
models are reported beside the chosen one. See docs/ESTIMATION.md.

This package imports neither dagster nor streamlit, so the dashboard and the export can use it.
"""

from estimation.chart import criterion_chart
from estimation.estimate import CRITERIA, METHODS, MSEResult, estimate_population
from estimation.models import (
    Checker,
    FitError,
    Layout,
    ModelFit,
    fit_layout,
    layout,
    profile_interval,
    wald_interval,
)
from estimation.search import STEPWISE_RULES, Evaluator, SearchInfo, criterion_search, stepwise
from estimation.table import CaptureTable, InputError, read_capture_table, table_from_frame, table_from_rows

__all__ = [
    "CRITERIA",
    "METHODS",
    "STEPWISE_RULES",
    "CaptureTable",
    "Checker",
    "Evaluator",
    "FitError",
    "InputError",
    "Layout",
    "MSEResult",
    "ModelFit",
    "SearchInfo",
    "criterion_chart",
    "criterion_search",
    "estimate_population",
    "fit_layout",
    "layout",
    "profile_interval",
    "read_capture_table",
    "stepwise",
    "table_from_frame",
    "table_from_rows",
    "wald_interval",
]
