"""The dark figure for readers (`reporting/dark_figure.py`): the published examples, an uploaded table, the words.

No refresh and no browser: the tables here are small and made up, or the published ones in
`../shared/reference/mse/` (read from beside the repository, never copied into it; a test that
needs them is skipped with the reason when they are missing outside CI).
"""

import csv
import json
import os
from pathlib import Path

import polars as pl
import pytest

from estimation import METHODS, STEPWISE_RULES, InputError, table_from_frame
from estimation.search import DEFAULT_MAX_MODELS
from reporting import dark_figure
from reporting.dark_figure import (
    DEFAULT_EXAMPLES_DIR,
    EXAMPLES_ENV,
    capture_frame,
    count_column,
    criterion_figure,
    estimate_upload,
    example_results,
    examples,
    examples_figure,
    examples_folder,
    examples_table,
    key_figures,
    models_frame,
    models_table,
    read_uploaded_table,
    refused_table,
    result_json,
    search_text,
    summary,
)
from reporting.texts import texts

SMALL = b"A,B,C,n\n1,0,0,30\n0,1,0,25\n0,0,1,20\n1,1,0,10\n1,0,1,8\n0,1,1,6\n1,1,1,3\n"
# Chan, Silverman and Vincent (2021), Table 2: A and B overlap, C overlaps neither; some models are refused.
ARTIFICIAL_3 = b"A,B,C,n\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n"
DISJOINT = b"A,B,n\n1,0,5\n0,1,6\n"


@pytest.fixture(scope="module")
def reference() -> Path:
    """The published tables (the rule of `tests/test_estimation_published.py`)."""
    folder = DEFAULT_EXAMPLES_DIR
    if not (folder / "UKdat.csv").exists():
        message = f"the published MSE tables {folder} are missing: clone the project beside ../shared"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="module")
def results(reference):
    return example_results(reference)


# --- the examples file -----------------------------------------------------------------------


def test_every_example_names_a_method_the_estimator_knows_and_has_its_texts():
    rows = examples()
    assert len(rows) == len({row.example for row in rows}) == 8
    for row in rows:
        assert row.method in METHODS and (row.rule is None or row.rule in STEPWISE_RULES)
        assert row.published_point is not None or (row.published_low is not None and row.published_high is not None)
        assert row.reference and row.lists_file.endswith(".csv")
        assert f"dark.example_{row.example}" in texts()
        assert row.note is None or f"dark.note_{row.note}" in texts()
    labels = [texts()[f"dark.example_{row.example}"][language] for row in rows for language in ("nb", "en")]
    assert len(set(labels)) == len(labels), "every example has its own label (they are the chart's rows)"


def test_the_repository_holds_the_published_figures_not_the_tables():
    """The capture-history tables stay beside the repository; only figures with references are here."""
    repository = Path(__file__).resolve().parents[1]
    names = {row.lists_file for row in examples()}
    copied = [path for path in repository.rglob("*.csv") if path.name in names and ".venv" not in path.parts]
    assert copied == []
    with dark_figure.EXAMPLES_FILE.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert "published_point" in header and "reference" in header


def test_the_examples_folder_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(EXAMPLES_ENV, raising=False)
    assert examples_folder() == DEFAULT_EXAMPLES_DIR
    monkeypatch.setenv(EXAMPLES_ENV, str(tmp_path))
    assert examples_folder() == tmp_path.resolve()


# --- the published examples ----------------------------------------------------------------------


def test_the_examples_table_shows_the_published_figures_beside_ours(results):
    """Our estimates by the published methods: Home Office (2014) 10,000–13,000 (six lists, stepwise,
    AIC rule); Silverman, Chan and Vincent (2024) 12,350 and 22,991 (BIC); Chan, Silverman and Vincent
    (2021) 1,184, 1,034 and 2,483. The Netherlands' published figure came from covariate models."""
    table = examples_table(results, "nb")
    rows = {row["Eksempel"]: row for row in table.to_dicts()}
    uk = rows["Storbritannia 2013, 6 lister, trinnvis"]
    assert (uk["Publisert"], uk["Vårt anslag"]) == ("10\u00a0000–13\u00a0000", "11\u00a0418")
    assert uk["Registrert"] == "2\u00a0744"
    assert uk["Intervall (95 %)"] == "9\u00a0982–13\u00a0182"  # the multinomial profile interval (issue 23)
    assert rows["Storbritannia 2013, 6 lister, BIC"]["Vårt anslag"] == "12\u00a0350"
    uk_bic = rows["Storbritannia 2013, 5 lister, BIC"]
    assert uk_bic["Publisert"] == uk_bic["Vårt anslag"] == "22\u00a0991"
    assert rows["New Orleans, 8 lister"]["Publisert"] == "1\u00a0184 (717–1\u00a0657)"
    assert rows["New Orleans, 8 lister"]["Vårt anslag"] == "1\u00a0184"
    assert rows["New Orleans, 5 lister"]["Vårt anslag"] == "1\u00a0034"
    assert rows["Et vestlig område i USA, 5 lister"]["Vårt anslag"] == "2\u00a0483"
    dutch = rows["Nederland 2010–2015, 6 lister"]
    assert dutch["Publisert"] == "om lag 37\u00a0500" and "kovariater" in dutch["Merknad"]
    english = {row["Example"]: row for row in examples_table(results, "en").to_dicts()}
    assert english["United Kingdom 2013, 6 lists, stepwise"]["Our estimate"] == "11,418"
    assert english["United Kingdom 2013, 5 lists, BIC"]["Range over admissible models"] == "5,289–29,426 (1,024 models)"


def test_the_examples_chart_draws_registered_published_and_ours(results):
    figure = examples_figure(results, "en")
    registered, published, ours = figure.data
    assert registered.x[0] == 2744 and round(ours.x[0]) == 11418
    assert published.error_x.array[0] is not None, "the published range is drawn"
    assert figure.layout.xaxis.type == "log"


def test_without_the_tables_only_the_published_figures_are_shown(tmp_path):
    results = example_results(tmp_path)
    assert set(results.values()) == {None}
    table = examples_table(results, "en")
    assert table.height == 8
    assert table["Published"].to_list()[0] == "10,000–13,000" and set(table["Our estimate"]) == {""}
    assert len(examples_figure(results, "en").data[0].x) == 0


# --- an uploaded table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (b"", "The file t.csv is empty: it has no header row."),
        (b"\xff\xfeA", "The file t.csv is not UTF-8 text; save it as CSV (UTF-8)."),
        (b"A,B,n\n1,0,5\n0,x,3\n", "Row 2 (line 3) has 'x' in list column 'B', where only 0 or 1 is allowed."),
        (b"A,B,n\n1,0,5\n1,0,3\n", "Row 2 (line 3) repeats the pattern of row 1 (1,0)."),
        (
            b"A,B,n\n0,0,5\n",
            "Row 1 (line 2) is the all-zero pattern (on no list), which cannot be observed; leave it out.",
        ),
        (
            b"A;n\n1;4\n",
            "The header row has 1 list column(s) (A) before the count column; at least two lists are needed.",
        ),
    ],
)
def test_a_bad_upload_gives_the_one_sentence(data, sentence):
    with pytest.raises(InputError) as raised:
        estimate_upload(data, "t.csv")
    assert str(raised.value) == sentence


def test_more_lists_than_the_page_takes_are_refused_in_one_sentence():
    header = ",".join(f"L{k}" for k in range(11)) + ",n\n"
    with pytest.raises(InputError, match=r"^The header row has 11 list columns; this page estimates from at most 10"):
        read_uploaded_table((header + "1" + ",0" * 10 + ",3\n").encode(), "wide.csv")


def test_a_semicolon_separated_upload_reads_like_a_comma_separated_one():
    semicolons = SMALL.replace(b",", b";")
    commas = read_uploaded_table(SMALL, "t.csv")
    assert read_uploaded_table(semicolons, "t.csv").counts.tolist() == commas.counts.tolist()
    with_bom = b"\xef\xbb\xbf" + SMALL
    assert read_uploaded_table(with_bom, "t.csv").lists == ("A", "B", "C")


def test_an_upload_gives_the_estimate_its_interval_ratio_range_and_model_tables():
    estimate = estimate_upload(SMALL, "folder/small.csv")
    result = estimate.result
    assert estimate.file_name == "small.csv" and result.registered == 102
    assert result.estimate > result.registered and result.ci_low <= result.estimate <= result.ci_high
    labels = [label for label, _, _ in key_figures(result, "en")]
    assert labels[:4] == ["Registered (on at least one list)", "Estimated in all", "95% confidence interval",
                          "Estimated / registered"]  # fmt: skip
    figures = {label: value for label, value, _ in key_figures(result, "en")}
    assert figures["Estimated in all"] == f"{result.estimate:,.0f}"
    assert figures["Estimated / registered"] == f"{result.ratio:.1f}"
    low, high = result.estimate_range()
    assert figures[labels[4]] == f"{low:,.0f}–{high:,.0f}"
    shown = models_table(result, "nb")
    assert shown.height == result.models["admissible"].sum() == 8, "every model of three lists is searched"
    assert shown["Valgt"].to_list().count("✔") == 1
    assert refused_table(result, "nb").is_empty()


def test_refused_models_are_shown_with_the_reason():
    estimate = estimate_upload(ARTIFICIAL_3, "artificial.csv")
    refused = refused_table(estimate.result, "en")
    assert refused.height == estimate.result.refused_models().height > 0
    assert all(reason for reason in refused["Reason"].to_list())


def test_no_estimate_when_no_model_passes_the_checks():
    estimate = estimate_upload(DISJOINT, "disjoint.csv")
    assert estimate.result.estimate is None and estimate.result.reason
    figures = dict((label, value) for label, value, _ in key_figures(estimate.result, "nb"))
    assert figures["Anslått i alt"] == "–"
    assert summary(estimate)["reason"] == estimate.result.reason


def test_the_page_keeps_the_search_modest():
    assert dark_figure.PAGE_MAX_MODELS < DEFAULT_MAX_MODELS
    assert dark_figure.PAGE_MAX_MODELS in dark_figure.MAX_MODELS_CHOICES


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_search_stopped_by_the_clock_or_the_model_limit_is_said_on_the_page(reference, language):
    """Each stop is one sentence from the text catalogue in the reader's language, in the pack's row as flags."""
    from estimation import estimate_population, read_capture_table

    table = read_capture_table(reference / "UKdat.csv")
    clock = estimate_population(table, method="criterion", intervals=0, seconds=0.0)
    steps = estimate_population(table, rule="aic", intervals=0, max_models=20)
    free = estimate_population(table, intervals=0)
    time_said, models_said = (
        texts()[key][language] for key in ("dark.search_stopped_time", "dark.stepwise_stopped_models")
    )
    assert time_said in search_text(clock, language) and time_said not in search_text(free, language)
    assert models_said in search_text(steps, language) and models_said not in search_text(free, language)
    as_packed = dark_figure.DarkFigureEstimate(result=clock, table=table, file_name="UKdat.csv")
    assert summary(as_packed)["stopped_at_time_limit"] is True
    assert summary(as_packed)["stopped_at_model_limit"] is False


def test_the_chart_speaks_the_readers_language():
    estimate = estimate_upload(SMALL, "small.csv")
    norwegian = criterion_figure(estimate.result, "nb")
    assert norwegian.layout.annotations[0].text == "registrert 102"
    assert norwegian.layout.separators == ", "
    assert norwegian.layout.title.text == texts()["dark.chart_title"]["nb"].format(criterion="BIC")
    assert {trace.name for trace in norwegian.data} == {"valgt modell", "andre gyldige modeller"}


# --- the downloads -------------------------------------------------------------------------------------


def test_the_model_table_download_is_flat_and_complete():
    estimate = estimate_upload(ARTIFICIAL_3, "artificial.csv")
    frame = models_frame(estimate.result)
    assert frame.columns == estimate.result.models.columns
    assert all(dtype != pl.List for dtype in frame.dtypes)
    back = pl.read_csv(frame.write_csv().encode())
    assert back.height == estimate.result.models.height


def test_the_json_download_is_the_estimators_summary_with_the_file():
    estimate = estimate_upload(SMALL, "small.csv")
    payload = json.loads(result_json(estimate))
    assert payload["file"] == "small.csv"
    assert payload["estimate"] == round(estimate.result.estimate, 1)
    assert payload["other_models_total"] == 7


def test_the_capture_table_goes_back_as_it_came():
    estimate = estimate_upload(SMALL, "small.csv")
    frame = capture_frame(estimate.table)
    assert frame.columns == ["A", "B", "C", "count"]
    assert table_from_frame(frame).counts.tolist() == estimate.table.counts.tolist()
    assert count_column(("count", "count_", "B")) == "count__"
    named_count = estimate_upload(b"count,B,n\n1,0,4\n0,1,3\n1,1,2\n", "c.csv")
    assert capture_frame(named_count.table).columns == ["count", "B", "count_"]
