"""A figure's flags as a set: the one place the published `;`-separated text is taken apart.

The published file keeps a figure's flags as sorted, `;`-separated text (`pipelines.vocabulary.join_flags`);
readers never search that text for a substring (`"suppressed" in flags` also matches a longer code),
they parse it here: row by row into a frozenset, or in a polars filter into a list.
"""

import polars as pl

SEPARATOR = ";"


def flag_set(flags: str | None) -> frozenset[str]:
    """The flag codes in a published flags text (empty for None or "")."""
    return frozenset(code for code in (flags or "").split(SEPARATOR) if code)


def has_flag(flag: str, column: str = "flags") -> pl.Expr:
    """A polars condition: the row's flags include `flag`."""
    return pl.col(column).fill_null("").str.split(SEPARATOR).list.contains(flag)


def figure_rows(frame: pl.DataFrame) -> list[dict]:
    """The frame's rows as dicts, each with `flags` parsed into a frozenset (the form `figures` and `charts` take)."""
    return [{**row, "flags": flag_set(row.get("flags"))} for row in frame.iter_rows(named=True)]
