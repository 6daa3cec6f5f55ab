"""Test helper: the tables a page drew for readers (`dashboard.ui.reader_table`, plain HTML), read back as text."""

from html.parser import HTMLParser

import polars as pl
from streamlit.testing.v1 import AppTest


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def reader_tables(app: AppTest) -> list[pl.DataFrame]:
    """Every reader table on the page, as text: its header row names the columns."""
    found = []
    for element in app.get("html"):
        if 'class="reader"' not in element.proto.body:
            continue
        parser = _Cells()
        parser.feed(element.proto.body)
        header, *rows = parser.rows
        found.append(pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row"))
    return found
