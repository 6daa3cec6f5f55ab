"""The reader's language, every text of the dashboard, and figures written as the reader expects them.

Texts live in `texts.csv` (`key, nb, en`). Outside a Streamlit run (the export pack draws the
dashboard's charts) the language is Norwegian.
"""

import csv
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

TEXTS_FILE = Path(__file__).with_name("texts.csv")
LANGUAGES = ("nb", "en")


@cache
def texts() -> dict[str, dict[str, str]]:
    """Every label, title and footnote of the dashboard, by key and language, from `texts.csv`."""
    with TEXTS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: {lang: row[lang] for lang in LANGUAGES} for row in csv.DictReader(handle)}


def language() -> str:
    """The language the reader chose in the sidebar (Norwegian until they switch, and outside Streamlit)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return "nb"
    return st.session_state.get("language", "nb")


def t(key: str, **values: object) -> str:
    """The text `key` in the reader's language, with `{placeholders}` filled in."""
    text = texts()[key][language()]
    return text.format(**values) if values else text


def text_labels(prefix: str, codes: Iterable[str]) -> dict[str, str]:
    """`{code: text of "prefix.code"}`: labels for a widget's options, fixed when the page runs."""
    return {code: t(f"{prefix}.{code}") for code in codes}


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the reader's format: `1 116` and `2,5` in Norwegian, `1,116` and `2.5` in English."""
    if value is None:
        return ""
    formatted = f"{value:,.{decimals}f}"
    if language() == "nb":
        formatted = formatted.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")
    return formatted


def plotly_separators() -> str:
    """Plotly's decimal and thousands separators for the reader's language."""
    return ", " if language() == "nb" else ".,"


def shown_value(row: dict, decimals: int = 0) -> str:
    """A figure as a reader should see it: `<5` for a suppressed cell, `20–30` for a range, `about 200`…

    `row` has `value`, `value_low`, `value_high` and `flags` (`;`-separated) as in the marts.
    """
    flags = set((row.get("flags") or "").split(";"))
    value, low, high = row.get("value"), row.get("value_low"), row.get("value_high")
    if value is not None:
        shown = number(value, decimals)
        return t("value.approximate", value=shown) if "approximate" in flags else shown
    if "suppressed" in flags:
        return "<5"
    if low is not None and high is not None:
        return f"{number(low, decimals)}–{number(high, decimals)}"
    if low is not None:
        return t("value.at_least", value=number(low, decimals))
    if high is not None:
        return t("value.under", value=number(high, decimals))
    return t("value.missing")


def with_shown_values(frame: pl.DataFrame, decimals: int = 0) -> pl.DataFrame:
    """`frame` with a column `shown` holding each row's figure as the reader sees it."""
    shown = [shown_value(row, decimals) for row in frame.iter_rows(named=True)]
    return frame.with_columns(pl.Series("shown", shown, dtype=pl.String))
