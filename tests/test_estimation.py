"""Multiple systems estimation: input checks, the existence and identifiability checks, the fit, the command.

Tables here are small and made up (or copied from a paper's worked example, cited); the published
data sets are in `test_estimation_published.py`.
"""

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from estimation import (
    Checker,
    InputError,
    MSEResult,
    criterion_chart,
    estimate_population,
    fit_layout,
    layout,
    profile_interval,
    read_capture_table,
    table_from_frame,
    table_from_rows,
    wald_interval,
)
from estimation.__main__ import main
from estimation.estimate import MODEL_SCHEMA
from estimation.models import poisson_regression
from estimation.search import candidate_models, models_up_to

REPO = Path(__file__).resolve().parents[1]


def table(header: list[str], rows: list[list[int]]):
    return table_from_rows(header, [(None, row) for row in rows])


# Chan, Silverman and Vincent (2021), Table 2 ("Artificial_3" in the R package SparseMSE): three
# lists, A and B overlap, C overlaps neither. Their Table 3: the model with all three interactions
# is not identifiable; any model with AB has no MLE; main effects, AC, BC and AC+BC pass.
ARTIFICIAL_3 = (["A", "B", "C", "n"], [[1, 0, 0, 40], [0, 1, 0, 30], [0, 0, 1, 20], [1, 1, 0, 6]])
AB, AC, BC = (0, 1), (0, 2), (1, 2)


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lists.csv"
    path.write_text(text, encoding="utf-8")
    return path


# --- the table -------------------------------------------------------------------------------


def test_table_lays_out_every_observable_pattern():
    capture = table(["A", "B", "C", "n"], [[1, 0, 0, 5], [1, 1, 1, 2]])
    assert capture.lists == ("A", "B", "C")
    assert capture.patterns.shape == (7, 3)
    assert capture.registered == 7
    assert capture.on_both(0, 1) == 2 and capture.on_both(0, 2) == 2 and capture.on_list(0) == 7
    assert capture.counts.sum() == 7 and (capture.counts == 0).sum() == 5


def test_table_from_frame_and_back():
    frame = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [30, 20, 10]})
    capture = table_from_frame(frame)
    assert capture.registered == 60
    assert capture.to_frame().sort("A", "B").rows() == frame.sort("A", "B").rows()


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("A,B,n\n1,0,5\n0,2,3\n", "Row 2 (line 3) has '2' in list column 'B', where only 0 or 1 is allowed."),
        ("A,B,n\n1,0,5\n0,x,3\n", "Row 2 (line 3) has 'x' in list column 'B', where only 0 or 1 is allowed."),
        ("A,B,n\n1,0,-5\n", "Row 1 (line 2) has the count '-5', which is not a whole number of zero or more."),
        ("A,B,n\n1,0,2.5\n", "Row 1 (line 2) has the count '2.5', which is not a whole number of zero or more."),
        ("A,B,n\n1,0,\n", "Row 1 (line 2) has the count nothing, which is not a whole number of zero or more."),
        ("A,B,n\n1,0,5\n0,1,4\n1,0,2\n", "Row 3 (line 4) repeats the pattern of row 1 (1,0)."),
        (
            "A,B,n\n1,0,5\n0,0,7\n",
            "Row 2 (line 3) is the all-zero pattern (on no list), which cannot be observed; leave it out.",
        ),
        (
            "A,n\n1,5\n",
            "The header row has 1 list column(s) (A) before the count column; at least two lists are needed.",
        ),
        ("A,B,n\n1,0,5,1\n", "Row 1 (line 2) has 4 fields where the header has 3."),
        ("A,A,n\n1,0,5\n", "The header row names the list 'A' twice."),
        ("A,B,n\n\n1,0,5\n\n1,1,x\n", "Row 2 (line 5) has the count 'x', which is not a whole number of zero or more."),
        ("", None),
    ],
)
def test_bad_input_gets_one_sentence_naming_the_row(tmp_path, capsys, text, sentence):
    path = write_csv(tmp_path, text)
    assert main([str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0
    if sentence is not None:
        assert message == sentence
    with pytest.raises(InputError):
        read_capture_table(path)


def test_a_whole_number_written_as_a_decimal_is_a_count(tmp_path):
    capture = read_capture_table(write_csv(tmp_path, "A,B,count\n1,0,12.0\n0,1,3\n1,1,1\n"))
    assert capture.registered == 16


def test_bad_input_from_the_command_line_prints_only_the_sentence(tmp_path):
    path = write_csv(tmp_path, "A,B,n\n1,0,5\n0,1,-1\n")
    done = subprocess.run(
        [sys.executable, "-m", "estimation", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "Row 2 (line 3) has the count '-1', which is not a whole number of zero or more.\n"


# --- existence and identifiability ------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "verdict"),
    [
        ((), None),
        ((AC,), None),
        ((BC,), None),
        ((AC, BC), None),
        ((AB,), "does not exist"),
        ((AB, AC), "does not exist"),
        ((AB, BC), "does not exist"),
        ((AB, AC, BC), "not identifiable"),
    ],
)
def test_checks_reproduce_chan_silverman_vincent_table_3(pairs, verdict):
    capture = table(*ARTIFICIAL_3)
    reason = Checker(capture).refusal(layout(capture, pairs))
    if verdict is None:
        assert reason is None
    else:
        assert verdict in reason


@pytest.mark.parametrize("scale", [1000, 10**6])
def test_existence_verdict_does_not_change_with_the_size_of_the_counts(scale):
    header, rows = ARTIFICIAL_3
    capture = table(header, [[*row[:-1], row[-1] * scale] for row in rows])
    checker = Checker(capture)
    assert "does not exist" in checker.refusal(layout(capture, (AB,)))
    assert checker.refusal(layout(capture, (AC, BC))) is None


def test_interactions_of_lists_with_nobody_in_common_sit_on_the_boundary():
    capture = table(*ARTIFICIAL_3)
    model = layout(capture, (AC, BC))
    assert model.boundary == (AC, BC) and model.estimable == ()
    assert model.keep.sum() == 4  # A, B, C and AB: every pattern with A and C or B and C is fixed at zero
    assert model.n_params == 4 + 2  # the boundary interactions count in AIC and BIC


def test_a_model_whose_estimate_does_not_exist_is_refused_not_reported():
    result = estimate_population(table(*ARTIFICIAL_3), method="criterion")
    refused = result.refused_models()
    assert set(map(tuple, refused["terms"].to_list())) == {
        ("A:B",),
        ("A:B", "A:C"),
        ("A:B", "B:C"),
        ("A:B", "A:C", "B:C"),
    }
    assert refused["estimate"].null_count() == refused.height
    assert all(reason for reason in refused["reason"].to_list())
    assert result.estimate is not None and math.isfinite(result.estimate)


def test_a_list_nobody_is_on_gives_no_estimate_and_says_why():
    capture = table(["A", "B", "C", "n"], [[1, 0, 0, 10], [0, 1, 0, 8], [1, 1, 0, 3], [0, 0, 1, 0]])
    result = estimate_population(capture)
    assert result.estimate is None and result.ci_low is None and result.ratio is None
    assert "nobody is on list C" in result.reason
    assert result.models["admissible"].sum() == 0
    assert json.loads(json.dumps(result.to_dict()))["estimate"] is None


# --- the fit and the interval -----------------------------------------------------------------


def test_two_lists_main_effects_is_the_lincoln_petersen_estimate():
    capture = table(["A", "B", "n"], [[1, 0, 30], [0, 1, 20], [1, 1, 10]])
    fit = fit_layout(capture, layout(capture, ()))
    assert fit.estimate == pytest.approx(40 * 30 / 10)
    saturated = Checker(capture).refusal(layout(capture, ((0, 1),)))
    assert "not identifiable" in saturated


REFERENCE = REPO.parent / "shared" / "reference" / "mse"


@pytest.mark.parametrize(
    ("name", "pairs"),
    [("UKdat", ()), ("UKdat", ((0, 1), (1, 4), (2, 3))), ("NewOrl", ((0, 3), (3, 4))), ("Western", ((0, 4),))],
)
def test_the_poisson_fit_is_statsmodels_glm_to_eight_digits(name, pairs):
    """The search's own IRLS (Cholesky of the normal equations) gives what statsmodels' Poisson GLM gives on the
    published tables: coefficients, standard errors, log-likelihood and fitted counts; with an offset too (the
    profile interval's refits)."""
    capture = read_capture_table(REFERENCE / f"{name}.csv")
    model = layout(capture, pairs)
    ours = poisson_regression(model.counts, model.design)
    theirs = sm.GLM(model.counts, model.design, family=sm.families.Poisson()).fit(tol=1e-12)
    assert ours.params == pytest.approx(theirs.params, rel=1e-8, abs=1e-8)
    assert ours.std_errors == pytest.approx(theirs.bse, rel=1e-6)
    assert ours.loglik == pytest.approx(theirs.llf, rel=1e-10)
    assert ours.fitted == pytest.approx(theirs.fittedvalues, rel=1e-7)
    offset = np.full(len(model.counts), ours.params[0] + 0.3)
    ours_fixed = poisson_regression(model.counts, model.design[:, 1:], offset=offset)
    theirs_fixed = sm.GLM(model.counts, model.design[:, 1:], family=sm.families.Poisson(), offset=offset).fit(tol=1e-12)
    assert ours_fixed.loglik == pytest.approx(theirs_fixed.llf, rel=1e-10)
    assert ours_fixed.loglik < ours.loglik


def test_profile_interval_holds_the_estimate_and_reaches_the_chi_square_drop():
    capture = table(["A", "B", "C", "n"], [[1, 0, 0, 60], [0, 1, 0, 50], [0, 0, 1, 40], [1, 1, 0, 12], [1, 0, 1, 9]])
    capture_fit = fit_layout(capture, layout(capture, ((0, 1),)))
    low, high = profile_interval(capture_fit)
    assert low < capture_fit.estimate < high
    wald_low, wald_high = wald_interval(capture_fit)
    # the two intervals agree to first order; the profile one is skewed upward like the likelihood
    assert low == pytest.approx(wald_low, rel=0.15) and high == pytest.approx(wald_high, rel=0.15)
    assert high - capture_fit.estimate > capture_fit.estimate - low


def test_profile_interval_reports_an_unbounded_side_as_such(monkeypatch):
    # When the likelihood has not dropped enough within PROFILE_SPAN on the log scale, the upper
    # limit is None (no bound) and the lower one the registered count (the dark figure may be 0).
    monkeypatch.setattr("estimation.models.PROFILE_SPAN", 1e-3)
    capture = table(["A", "B", "n"], [[1, 0, 300], [0, 1, 200], [1, 1, 3]])
    fit = fit_layout(capture, layout(capture, ()))
    assert profile_interval(fit) == (capture.registered, None)


def test_two_lists_with_nobody_in_common_have_no_estimate():
    capture = table(["A", "B", "n"], [[1, 0, 300], [0, 1, 200]])
    result = estimate_population(capture)
    assert result.estimate is None
    assert "does not exist" in result.reason


# --- the search ------------------------------------------------------------------------------


def test_budget_sets_the_largest_number_of_interactions():
    assert models_up_to(10, 1024) == 10
    assert models_up_to(15, 2048) == 4  # 1 + 15 + 105 + 455 + 1365 = 1941 models
    assert models_up_to(28, 2048) == 2  # 1 + 28 + 378 = 407; three interactions would make 3683
    assert sum(1 for _ in candidate_models(6, 4)) == 1941


def test_result_frame_has_the_schema_the_page_and_export_read():
    capture = table(["A", "B", "C", "n"], [[1, 0, 0, 60], [0, 1, 0, 50], [0, 0, 1, 40], [1, 1, 0, 12], [1, 0, 1, 9]])
    result = estimate_population(capture, method="criterion", criterion="aic")
    assert isinstance(result, MSEResult)
    assert dict(result.models.schema) == MODEL_SCHEMA
    assert result.models.height == 8 and result.models["selected"].sum() == 1
    chosen = result.models.filter(pl.col("selected")).row(0, named=True)
    assert chosen["estimate"] == pytest.approx(result.estimate)
    assert chosen["delta"] == 0 and chosen["rank"] == 1
    assert result.ratio == pytest.approx(result.estimate / result.registered)
    assert (result.ci_low, result.ci_high) == (chosen["ci_low"], chosen["ci_high"])
    low, high = result.estimate_range()
    assert low <= result.estimate <= high
    near_low, near_high = result.estimate_range(2.0)
    assert low <= near_low <= result.estimate <= near_high <= high
    summary = result.to_dict(top=2)
    assert summary["estimate_range"]["all_admissible_models"] == [round(low, 1), round(high, 1)]
    assert len(summary["other_models"]) == 2 and summary["other_models_total"] == result.other_models().height


def test_chart_has_a_point_per_admissible_model_and_the_registered_line():
    capture = table(["A", "B", "C", "n"], [[1, 0, 0, 60], [0, 1, 0, 50], [0, 0, 1, 40], [1, 1, 0, 12], [1, 0, 1, 9]])
    result = estimate_population(capture, method="criterion")
    figure = criterion_chart(result)
    points = sum(len(trace.x) for trace in figure.data)
    assert points == result.models["admissible"].sum()
    assert [trace.name for trace in figure.data] == ["other admissible models", "chosen model"]
    assert figure.layout.shapes[0].y0 == result.registered


def test_command_prints_the_estimate_as_json(tmp_path, capsys):
    path = write_csv(tmp_path, "A,B,C,n\n1,0,0,60\n0,1,0,50\n0,0,1,40\n1,1,0,12\n1,0,1,9\n")
    chart = tmp_path / "chart.html"
    assert main([str(path), "--method", "criterion", "--chart", str(chart)]) == 0
    printed = json.loads(capsys.readouterr().out)
    for key in ("registered", "estimate", "ci_low", "ci_high", "method", "model", "other_models", "refused_models"):
        assert key in printed
    assert printed["registered"] == 171 and printed["method"] == "criterion"
    assert printed["estimate"] > 171 and printed["ci_low"] < printed["estimate"] < printed["ci_high"]
    assert chart.read_text(encoding="utf-8").count("plotly") > 0


@pytest.mark.parametrize(("separator", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_the_command_reads_what_the_page_reads_and_says_which_separator(tmp_path, capsys, separator, name):
    """A semicolon-separated file (what Norwegian Excel saves) gave "The header row has 0 list column(s)"."""
    rows = ["A,B,C,n", "1,0,0,60", "0,1,0,50", "0,0,1,40", "1,1,0,12", "1,0,1,9"]
    path = write_csv(tmp_path, "\n".join(row.replace(",", separator) for row in rows) + "\n")
    assert main([str(path), "--method", "criterion"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["separator"] == name and printed["registered"] == sum(int(row.split(",")[-1]) for row in rows[1:])
    assert printed["ci_method"] == "multinomial"


def test_existence_is_judged_right_however_large_the_counts():
    """A table whose MLE exists, scaled to about 10^12 people with one cell of 1: still admissible (the check used a
    tolerance relative to the people in the fit and called such a table "MLE does not exist")."""
    rows = [[1, 0, 0, 60], [0, 1, 0, 50], [0, 0, 1, 40], [1, 1, 0, 12], [1, 0, 1, 9], [0, 1, 1, 7], [1, 1, 1, 3]]
    scale = 10**10
    scaled = table(["A", "B", "C", "n"], [[*row[:3], row[3] * scale] for row in rows[:-1]] + [[1, 1, 1, 1]])
    model = layout(scaled, ((0, 1), (0, 2), (1, 2)))  # every cell positive: the MLE exists
    assert Checker(scaled).refusal(model) is None
    assert scaled.registered > 10**11


def test_a_count_above_the_bound_is_refused_with_a_sentence():
    with pytest.raises(InputError, match=r"Row 1 .* above the largest this estimator takes") as refused:
        table(["A", "B", "n"], [[1, 0, 2**63], [0, 1, 20], [1, 1, 10]])
    assert refused.value.kind == "count_too_large"


def test_twenty_lists_are_refused_at_once_with_a_sentence(tmp_path, capsys):
    """20 lists passed 7 GB of memory within 30 s (every pattern built); now refused before anything is built."""
    header = ",".join(f"L{k}" for k in range(20)) + ",n"
    rows = [",".join("1" if k == j else "0" for k in range(20)) + ",5" for j in range(20)]
    path = write_csv(tmp_path, "\n".join([header, *rows]) + "\n")
    started = time.perf_counter()
    assert main([str(path)]) == 1
    assert time.perf_counter() - started < 10
    assert "20 list columns; this estimator takes at most" in capsys.readouterr().err


def test_estimation_imports_neither_dagster_nor_streamlit():
    code = (
        "import sys\n"
        "import estimation, estimation.__main__\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'streamlit'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO)},
        check=True,
    )
    assert done.stdout.strip() == ""
