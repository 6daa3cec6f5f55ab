"""Hand-curated source files kept in the repository (KOM, ILO), read through one resource.

Tests and operators can point `CuratedFiles.directory` at another folder laid out like
`data/raw/` (for example a copy with a deliberately broken row).

The files are edited by hand, so `read_rows` reads them the way spreadsheets save them: UTF-8 with
or without a byte-order mark, or Latin-1/Windows-1252; commas or semicolons as separators. Counts
may have spaces or dots between thousands (`parse_number`).
KOM's parser reads through `read_rows`; a new curated source (TIP, GRETA) should too.
"""

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from core.settings import CURATED_DIR

COUNT = re.compile(r"^(\d{1,3}(?:[ \u00a0.]\d{3})+|\d+)(,0+)?$")
"""A count as Norwegian texts and spreadsheets write it: digits, with spaces or dots between thousands
(`1 116`, `1.116`), and at most a decimal comma followed by zeros (`32,0`)."""


class CuratedFiles(dg.ConfigurableResource):
    """Where the curated files lie: `data/raw/` of the repository unless told otherwise."""

    directory: str = str(CURATED_DIR)

    def path(self, *parts: str) -> Path:
        return Path(self.directory).joinpath(*parts)


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), else Windows-1252/Latin-1."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def read_rows(
    path: Path, columns: Sequence[str], error: type[ValueError] = ValueError
) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every non-blank data line; the separator is read from the header.

    A header without one of `columns`, a line with another number of fields, or a file without
    figures raises `error` naming the file and the line.
    """
    text = decode(path.read_bytes())
    header = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [name.strip() for name in next(reader, [])]
    missing = [column for column in columns if column not in names]
    if missing:
        raise error(f"{path.name}, line 1: columns missing from the header: {missing}")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise error(
                f"{path.name}, line {reader.line_num}: {len(cells)} fields where the header has {len(names)} "
                f"(a separator inside an unquoted cell?)"
            )
        rows.append((reader.line_num, {name: cell.strip() for name, cell in zip(names, cells, strict=True)}))
    if not rows:
        raise error(f"{path.name}: no figures below the header")
    return rows


def parse_number(text: str) -> float | None:
    """A whole count: `1116`, `1 116` or `1.116` is 1116; anything else (`26,2`, `1,116`, `1e20`) is None.

    Every curated figure counts persons, cases, reports or judgments, so a decimal is a typing error, never read.
    """
    match = COUNT.match(text)
    if not match:
        return None
    return float(re.sub(r"[ \u00a0.]", "", match[1]))
