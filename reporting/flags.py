"""A figure's flags as a set: the one place the published `;`-separated text is taken apart.

The published file keeps a figure's flags as sorted, `;`-separated text (`core.vocabulary.join_flags`);
nobody searches that text for a substring (`"suppressed" in flags` also matches a longer code): it is
parsed by `core.vocabulary.flag_set` / `has_flag`, re-exported here for readers.
"""

import polars as pl

from core.vocabulary import flag_set, has_flag

__all__ = ["figure_rows", "flag_set", "has_flag"]


def figure_rows(frame: pl.DataFrame) -> list[dict]:
    """The frame's rows as dicts, each with `flags` parsed into a frozenset (the form `figures` and `charts` take)."""
    return [{**row, "flags": flag_set(row.get("flags"))} for row in frame.iter_rows(named=True)]
