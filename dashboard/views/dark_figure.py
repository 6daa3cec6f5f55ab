"""Mørketall: how many the lists never met, from their overlaps (multiple systems estimation), and how uncertain.

The published examples beside our estimates from the same tables, one example in detail, an
estimate from an uploaded capture-history table (kept in the session for the export pack), and
what an estimate for Norway would need. No estimate for Norway is made from aggregates. The page
only composes: the estimator is `estimation`, the tables, words and charts are
`reporting.dark_figure`.
"""

from pathlib import Path

import streamlit as st

from dashboard.i18n import language, number, t, text_labels
from dashboard.ui import ESTIMATE_STATE_KEY, published_tables, reader_table, status_banner
from reporting.charts import CHART_CONFIG
from reporting.dark_figure import (
    CRITERIA,
    MAX_MODELS_CHOICES,
    METHODS,
    PAGE_MAX_MODELS,
    STEPWISE_RULES,
    DarkFigureEstimate,
    InputError,
    MSEResult,
    criterion_figure,
    estimate_upload,
    examples,
    examples_figure,
    examples_folder,
    examples_table,
    input_error_text,
    key_figures,
    model_text,
    models_frame,
    refused_table,
    result_json,
    result_method_text,
    search_text,
    stored_example_results,
)
from reporting.dark_figure import models_table as models_display
from reporting.published import published_path


def _stamp(folder: Path) -> tuple:
    """What renews the cached examples: the tables' names, sizes and modification times."""
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    return tuple((path.name, path.stat().st_size, path.stat().st_mtime_ns) for path in files)


@st.cache_data(show_spinner=False, max_entries=2)
def _example_results(folder: str, stamp: tuple) -> dict[str, MSEResult | None]:
    return stored_example_results(Path(folder))


BOOTSTRAP_CHOICES = (0, 99, 199)
"""Replicates the page offers: each is a whole estimate (three or four lists: seconds in all; six: one to two
minutes; the page stops a bootstrap after `PAGE_BOOTSTRAP_SECONDS`)."""


@st.cache_data(show_spinner=False, max_entries=16)
def _estimate(
    data: bytes, file_name: str, method: str, rule: str, criterion: str, max_models: int, bootstrap: int = 0
) -> DarkFigureEstimate:
    return estimate_upload(
        data, file_name, method=method, rule=rule, criterion=criterion, max_models=max_models, bootstrap=bootstrap
    )


def header() -> None:
    """Title, introduction, and the publication's state (this page reads no published figure, so it goes on
    without the published file)."""
    st.title(t("page.dark_figure"))
    st.markdown(t("dark.intro"))
    path = published_path()
    if not path.exists():
        st.warning(t("data.missing"))
        return
    status_banner(published_tables())


def published_examples() -> dict[str, MSEResult | None]:
    st.subheader(t("dark.examples_title"))
    folder = examples_folder()
    lang = language()
    stamp = _stamp(folder)
    if not stamp:
        st.info(t("dark.examples_missing"))
        results: dict[str, MSEResult | None] = {}
    else:
        st.markdown(t("dark.examples_intro"))
        with st.spinner():
            results = _example_results(str(folder), stamp)
    reader_table(examples_table(results, lang))
    if any(results.values()):
        st.markdown(f"**{t('dark.examples_chart_title')}**")
        st.plotly_chart(examples_figure(results, lang), width="stretch", key="dark_examples_chart", config=CHART_CONFIG)
    return results


def example_detail(results: dict[str, MSEResult | None]) -> None:
    """One example estimated again with the page's search budget, shown as an upload is."""
    available = [example for example in examples() if results.get(example.example) is not None]
    if not available:
        return
    st.subheader(t("dark.detail_title"))
    names = {example.example: t(f"dark.example_{example.example}") for example in available}
    chosen = st.selectbox(
        t("dark.detail_pick"),
        list(names),
        index=None,
        format_func=names.get,
        placeholder=t("dark.detail_placeholder"),
        key="dark_example",
    )
    if chosen is None:
        return
    example = next(example for example in available if example.example == chosen)
    path = examples_folder() / example.lists_file
    with st.spinner():
        estimate = _estimate(
            path.read_bytes(),
            path.name,
            example.method,
            example.rule or "poisson",
            example.criterion,
            max(PAGE_MAX_MODELS, example.max_models),
        )
    show_estimate(estimate, "example")


def upload() -> None:
    """An estimate from the reader's table: the estimate, the model tables, the chart and the downloads."""
    st.subheader(t("dark.upload_title"))
    st.markdown(t("dark.upload_intro"))
    with st.expander(t("dark.options")):
        method = st.radio(
            t("dark.option_method"),
            METHODS,
            format_func=text_labels("dark.method_name", METHODS).get,
            horizontal=True,
            key="dark_method",
        )
        rule = st.radio(
            t("dark.option_rule"),
            STEPWISE_RULES,
            format_func=text_labels("dark.rule_name", STEPWISE_RULES).get,
            key="dark_rule",
        )
        criterion = st.radio(
            t("dark.option_criterion"), CRITERIA, format_func=str.upper, horizontal=True, key="dark_ic"
        )
        budget = st.selectbox(
            t("dark.option_budget"),
            MAX_MODELS_CHOICES,
            index=MAX_MODELS_CHOICES.index(PAGE_MAX_MODELS),
            help=t("dark.budget_help"),
            key="dark_budget",
        )
        replicates = st.selectbox(
            t("dark.option_bootstrap"),
            BOOTSTRAP_CHOICES,
            format_func={count: str(count) if count else t("dark.bootstrap_none") for count in BOOTSTRAP_CHOICES}.get,
            help=t("dark.bootstrap_help"),
            key="dark_bootstrap",
        )
    uploaded = st.file_uploader(t("dark.upload_label"), type=["csv", "txt"], key="dark_upload")
    if uploaded is None:
        kept = st.session_state.get(ESTIMATE_STATE_KEY)
        if kept is not None:
            st.info(t("dark.saved_for_export", file=kept.file_name))
            if st.button(t("dark.forget"), key="dark_forget"):
                del st.session_state[ESTIMATE_STATE_KEY]
                st.rerun()
        return
    try:
        with st.spinner(t("dark.running")):
            estimate = _estimate(
                uploaded.getvalue(), uploaded.name, method, rule, criterion, int(budget), int(replicates)
            )
    except InputError as error:
        st.session_state.pop(ESTIMATE_STATE_KEY, None)
        st.error(t("dark.input_error", message=input_error_text(error, language())))
        return
    st.session_state[ESTIMATE_STATE_KEY] = estimate
    show_estimate(estimate, "upload")
    st.success(t("dark.saved_for_export", file=estimate.file_name))


def show_estimate(estimate: DarkFigureEstimate, key: str) -> None:
    """The chosen estimate with its interval, ratio and range; every admissible and refused model; downloads."""
    result, lang = estimate.result, language()
    if result.estimate is None:
        st.warning(t("dark.no_estimate", reason=result.reason))
    registered, estimated, interval, ratio, spread = key_figures(result, lang)
    for row in ((registered, estimated, ratio), (interval, spread)):
        for column, (label, value, help_text) in zip(st.columns(len(row)), row, strict=True):
            column.metric(label, value, help=help_text, border=True)
    st.markdown(t("dark.chosen", model=model_text(result.model, lang) or "–", method=result_method_text(result, lang)))
    boot = result.bootstrap
    if boot is not None and boot.percentile is not None:
        span = {name: "–".join(number(limit) for limit in pair) if pair else "–"
                for name, pair in (("percentile", boot.percentile), ("bca", boot.bca))}  # fmt: skip
        st.markdown(t("dark.bootstrap_result", replicates=boot.replicates, seed=boot.seed, **span))
    elif boot is not None and boot.stopped_after is not None:
        st.markdown(t("dark.bootstrap_stopped", done=boot.stopped_after, replicates=boot.replicates))
    if result.boundary_terms:
        st.caption(t("dark.boundary", terms=", ".join(result.boundary_terms)))
    st.caption(search_text(result, lang))
    if result.models["admissible"].any():
        st.plotly_chart(criterion_figure(result, lang), width="stretch", key=f"dark_chart_{key}", config=CHART_CONFIG)
    st.markdown(f"**{t('dark.models_title')}**")
    reader_table(models_display(result, lang))
    st.caption(t("dark.models_caption"))
    refused = refused_table(result, lang)
    if refused.is_empty():
        st.caption(t("dark.no_refused"))
    else:
        st.markdown(f"**{t('dark.refused_title')}**")
        reader_table(refused)
        st.caption(t("dark.refused_caption"))
    stem = Path(estimate.file_name).stem
    left, right = st.columns(2)
    left.download_button(
        t("dark.download_models"),
        models_frame(result).write_csv(),
        file_name=f"{stem}-models.csv",
        mime="text/csv",
        key=f"dark_download_models_{key}",
    )
    right.download_button(
        t("dark.download_json"),
        result_json(estimate),
        file_name=f"{stem}-estimate.json",
        mime="application/json",
        key=f"dark_download_json_{key}",
    )


def main() -> None:
    header()
    st.subheader(t("dark.caveats_title"))
    st.markdown(t("dark.caveats"))
    results = published_examples()
    example_detail(results)
    upload()
    st.subheader(t("dark.kom_title"))
    st.markdown(t("dark.kom_text"))


main()
