"""Capture-history tables: read one, check it row by row, and lay out every observable pattern.

A capture-history table has one 0/1 column per list and a last column with the number of people
seen with that pattern of lists. Patterns nobody had may be left out; the all-zero pattern (on no
list) cannot be observed and must be left out. Each problem in the input is reported as one
sentence that names the row, so a user can fix the file.
"""

import csv
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import polars as pl

MAX_LISTS = 12
"""The most lists a table may have. The Poisson likelihood has a term for every observable pattern, the empty ones
too (their expected counts), so every fit works on all 2^t - 1 of them: 4,095 at twelve lists, where a search of
2,000 models takes 10-20 s and 250 MB (`benchmarks/bench_estimation.py --large`); each further list doubles that.
More lists are refused at once, with a sentence (20 lists had passed 7 GB within 30 s). See docs/ESTIMATION.md,
"How far the search goes"."""
MAX_COUNT = 10**12
"""The largest count a pattern may have: the fit and its checks are exact to well beyond a table of 10^12 people,
and counts near 2^63 would overflow."""


class InputError(ValueError):
    """The table cannot be used; the message is one sentence that names the row.

    `kind` and `values` say the same for a reader in another language (`reporting.dark_figure.words`):
    the command prints the English sentence, the page the reader's.
    """

    def __init__(self, message: str, kind: str = "", **values: object) -> None:
        super().__init__(message)
        self.kind, self.values = kind, values


@dataclass(frozen=True, eq=False)
class CaptureTable:
    """Every observable pattern of `lists` (all 2^t - 1 of them) with its count.

    `patterns` is a (2^t - 1) x t array of 0/1; `counts` the number of people with each pattern
    (0 where the input left the pattern out).
    """

    lists: tuple[str, ...]
    patterns: np.ndarray
    counts: np.ndarray

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @cached_property
    def registered(self) -> int:
        """People seen on at least one list: the sum of the counts."""
        return round(float(self.counts.sum()))

    def on_both(self, i: int, j: int) -> int:
        """People on list `i` and list `j` (whatever other lists they are on)."""
        both = (self.patterns[:, i] == 1) & (self.patterns[:, j] == 1)
        return round(float(self.counts[both].sum()))

    @cached_property
    def full_design(self) -> np.ndarray:
        """The design of the model with every interaction: for each pattern, 1 (the intercept), one 0/1 column per
        list, then one per pair of lists in `itertools.combinations` order (see `pair_column`). Every model's design
        is a cut of it."""
        bits = self.patterns.astype(np.float64)
        pairs = [bits[:, i] * bits[:, j] for i, j in itertools.combinations(range(self.n_lists), 2)]
        return np.column_stack([np.ones(len(bits)), bits, *pairs])

    def pair_column(self, pair: tuple[int, int]) -> int:
        """The column of `full_design` that holds the interaction of the lists `pair` (i < j)."""
        i, j = pair
        before = i * self.n_lists - i * (i + 1) // 2  # the pairs whose first list comes before i
        return 1 + self.n_lists + before + (j - i - 1)

    def on_list(self, i: int) -> int:
        return round(float(self.counts[self.patterns[:, i] == 1].sum()))

    def to_frame(self) -> pl.DataFrame:
        """The observed patterns (count above zero) as a frame, one column per list and `count`."""
        seen = self.counts > 0
        columns = {name: self.patterns[seen, k].astype(np.int64) for k, name in enumerate(self.lists)}
        return pl.DataFrame({**columns, "count": self.counts[seen].round().astype(np.int64)})


def all_patterns(n_lists: int) -> np.ndarray:
    """Every pattern of `n_lists` lists but the all-zero one, fewest lists first."""
    rows = [bits for bits in itertools.product((0, 1), repeat=n_lists) if any(bits)]
    rows.sort(key=lambda bits: (sum(bits), tuple(-b for b in bits)))
    return np.array(rows, dtype=np.int8)


def _describe_value(value: object) -> str:
    text = str(value).strip()
    return f"'{text}'" if text else "nothing"


def _as_indicator(value: object) -> int | None:
    """0 or 1 from a cell (text "0"/"1", or the integers 0/1); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value) if value in (0, 1) else None
    if isinstance(value, float):
        return int(value) if value in (0.0, 1.0) else None
    text = str(value).strip()
    return int(text) if text in ("0", "1") else None


def _as_count(value: object) -> int | None:
    """A non-negative whole number from a cell ("12", "12.0", 12); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | np.integer):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        return None
    return int(number)


def table_from_rows(header: Sequence[object], rows: Iterable[tuple[int | None, Sequence[object]]]) -> CaptureTable:
    """Check a header and its data rows and build the table; raises `InputError` (one sentence).

    `rows` gives each data row with its line in the file (None when it does not come from a file),
    so that a message can point at the line as well as the row. Blank rows are skipped.
    """
    header = [str(name).strip() for name in header]
    lists = _lists_of(header)
    patterns = all_patterns(len(lists))
    index = {tuple(int(b) for b in row): k for k, row in enumerate(patterns)}
    counts = np.zeros(len(patterns), dtype=np.float64)
    first_row_of: dict[tuple[int, ...], int] = {}
    row_number = 0
    for line, raw in rows:
        values = list(raw)
        if all(value is None or str(value).strip() == "" for value in values):
            continue
        row_number += 1
        pattern, count = _checked_row(lists, values, row_number, line)
        if pattern in first_row_of:
            shown = ",".join(map(str, pattern))
            where = _where(row_number, line)
            raise InputError(
                f"{where} repeats the pattern of row {first_row_of[pattern]} ({shown}).",
                "repeated",
                row=row_number,
                line=line,
                first=first_row_of[pattern],
                pattern=shown,
            )
        first_row_of[pattern] = row_number
        counts[index[pattern]] = count
    if row_number == 0:
        raise InputError("The table has a header row but no data rows.", "no_rows")
    if counts.sum() == 0:
        raise InputError("Every row has the count 0, so no one was registered on any list.", "all_counts_zero")
    return CaptureTable(lists=lists, patterns=patterns, counts=counts)


def _lists_of(header: list[str]) -> tuple[str, ...]:
    """The list names of a header row (every column but the last, the count); raises `InputError`."""
    if len(header) < 3:
        lists = ", ".join(header[:-1]) or "none"
        raise InputError(
            f"The header row has {max(len(header) - 1, 0)} list column(s) ({lists}) before the count column; "
            "at least two lists are needed.",
            "too_few_lists",
            count=max(len(header) - 1, 0),
            lists=lists,
        )
    lists = tuple(header[:-1])
    if len(lists) > MAX_LISTS:
        raise InputError(
            f"The header row has {len(lists)} list columns; this estimator takes at most {MAX_LISTS}: every fit works "
            f"on all 2^{len(lists)} patterns of lists, which does not end in reasonable time or memory. "
            "Merge lists, as the published estimates do.",
            "too_many_lists_for_search",
            count=len(lists),
            most=MAX_LISTS,
        )
    for k, name in enumerate(lists):
        if not name:
            raise InputError(f"The header row has no name for list column {k + 1}.", "list_unnamed", column=k + 1)
        if name in lists[:k]:
            raise InputError(f"The header row names the list '{name}' twice.", "list_twice", name=name)
    return lists


def _where(row_number: int, line: int | None) -> str:
    return f"Row {row_number}" + (f" (line {line})" if line is not None else "")


def _checked_row(
    lists: tuple[str, ...], values: list[object], row_number: int, line: int | None
) -> tuple[tuple[int, ...], int]:
    """One data row's pattern of lists and its count; raises `InputError` naming the row (and line)."""
    where, at = _where(row_number, line), {"row": row_number, "line": line}
    if len(values) != len(lists) + 1:
        raise InputError(
            f"{where} has {len(values)} fields where the header has {len(lists) + 1}.",
            "fields",
            **at,
            fields=len(values),
            expected=len(lists) + 1,
        )
    bits = []
    for name, value in zip(lists, values[:-1], strict=True):
        bit = _as_indicator(value)
        if bit is None:
            raise InputError(
                f"{where} has {_describe_value(value)} in list column '{name}', where only 0 or 1 is allowed.",
                "not_indicator",
                **at,
                value=str(value).strip(),
                name=name,
            )
        bits.append(bit)
    count = _checked_count(values[-1], where, at)
    if not any(bits):
        raise InputError(
            f"{where} is the all-zero pattern (on no list), which cannot be observed; leave it out.", "all_zero", **at
        )
    return tuple(bits), count


def _checked_count(value: object, where: str, at: dict[str, int | None]) -> int:
    count = _as_count(value)
    if count is None:
        raise InputError(
            f"{where} has the count {_describe_value(value)}, which is not a whole number of zero or more.",
            "not_count",
            **at,
            value=str(value).strip(),
        )
    if count > MAX_COUNT:
        raise InputError(
            f"{where} has the count {count:,}, above the largest this estimator takes ({MAX_COUNT:,}): "
            "counts that large lose precision in the fit.",
            "count_too_large",
            **at,
            value=f"{count:,}",
            most="10¹²",
        )
    return count


SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
"""The separators a capture-history file may use, by name: what Norwegian Excel saves is `;`."""


def separator_of(first_line: str) -> str:
    """`,` unless the header is plainly separated by `;` (a spreadsheet in Norwegian) or by tabs."""
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                return candidate
    return ","


def capture_records(text: str, name: str) -> tuple[list[tuple[int, list[str]]], str]:
    """The non-empty rows of a capture-history text with their line numbers, and the separator they use (one of
    `SEPARATORS`); raises `InputError` naming `name` when there is no header row or it is not CSV."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise InputError(f"The file {name} is empty: it has no header row.", "empty")
    separator = separator_of(first)
    try:
        rows = list(enumerate(csv.reader(lines, delimiter=separator), start=1))
    except csv.Error as error:
        raise InputError(f"The file {name} cannot be read as CSV ({error}).", "not_csv") from None
    return [(line, row) for line, row in rows if any(cell.strip() for cell in row)], separator


def read_capture_table(path: Path | str) -> CaptureTable:
    """Read a capture-history file (header: the lists, then the count column); raises `InputError`."""
    return read_capture_file(path)[0]


def read_capture_file(path: Path | str) -> tuple[CaptureTable, str]:
    """Read a capture-history file (header: the lists, then the count column; comma, semicolon or tab separated, as
    the dashboard reads an upload); returns the table and the name of the separator it saw. Raises `InputError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"The file {path} cannot be read ({error.__class__.__name__}).") from None
    records, separator = capture_records(text, str(path))
    return table_from_rows(records[0][1], records[1:]), SEPARATORS[separator]


def table_from_frame(frame: pl.DataFrame) -> CaptureTable:
    """The same checks for a frame: one 0/1 column per list, the count column last."""
    return table_from_rows(frame.columns, ((None, row) for row in frame.rows()))
