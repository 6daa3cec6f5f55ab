"""The reader's language (the sidebar's switch, kept in Streamlit's session state), bound to the reporting layer.

The texts, number formats and the rule for writing a figure live in `reporting`, which takes the
language as an argument; these helpers pass it the reader's choice.
"""

from collections.abc import Iterable

import polars as pl
import streamlit as st

from reporting import figures
from reporting.texts import DEFAULT_LANGUAGE, text


def language() -> str:
    """The language the reader chose in the sidebar (Norwegian until they switch)."""
    return st.session_state.get("language", DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    """The text `key` in the reader's language, with `{placeholders}` filled in."""
    return text(key, language(), **values)


def text_labels(prefix: str, codes: Iterable[str]) -> dict[str, str]:
    """`{code: text of "prefix.code"}`: labels for a widget's options, fixed when the page runs."""
    return {code: t(f"{prefix}.{code}") for code in codes}


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the reader's format (`1 116` and `2,5` in Norwegian)."""
    return figures.number(value, language(), decimals)


def shown_value(row: dict, decimals: int = 0) -> str:
    """A figure (a row of `reporting.flags.figure_rows`) as the reader sees it: `<5`, `20–30`, `om lag 200`…"""
    return figures.shown(row, figures.reader_style(language(), decimals))


def with_shown_values(frame: pl.DataFrame, decimals: int = 0) -> pl.DataFrame:
    """`frame` with a column `shown` holding each row's figure as the reader sees it."""
    return figures.with_shown(frame, figures.reader_style(language(), decimals))
