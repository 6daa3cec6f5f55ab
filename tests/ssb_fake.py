"""A stand-in for SSB's PxWebApi 2.x on 127.0.0.1, answering in the shapes that software is on record to send.

Every FIGURE here is INVENTED for the tests (no real SSB figure is typed in anywhere), and so are the
offence codes and the codes and labels marked "assumed" below. The shapes come from these records:

- Metadata answers (`/tables/{id}/metadata`): JSON-stat 2.0 with `version`, `class`, `label`, `source`,
  `updated`, `note` (the table's notes, a list), `role`, `id`, `size`, each dimension's `label`,
  `category.index` as an object of code to position, `category.label`, `category.note` per code, a
  dimension's `extension` (`elimination`, `show`, `codelists`), the root `extension.px` (`tableid`,
  `decimals`, `language`, `contents`, `heading`, `stub`, `matrix`), and **`"value": []`**: github.com/
  PxTools/PxWebApi, `PxWeb/Mappers/DatasetMapper.cs` (`dataset.Value = new List<double?>()`, table notes
  by `AddTableNotes`, category notes by `AddValueNotes`) and its fixture
  `PxWebApi_Mvc.Tests/ExpectedJson/MetadataById_tab004_js2.json`.
- Data answers (`/tables/{id}/data?valueCodes[...]=` or a POST with a `selection`): `value` in row-major
  order, every cell with a data symbol as `null` with the symbol in `status`, an object of position to
  symbol, left out when no cell has one; SSB's nil is the symbol `-`: github.com/PxTools/PCAxis.Serializers,
  `PCAxis.Serializers/JsonStat2/JsonStat2Serializer.cs` (`BuildDataSymbolMap`, `ExtractValueAndStatus`,
  `DATASYMBOL_NIL`). `...` ("not yet available") and `:` (confidential) are SSB's symbols as the issue
  records them from SSB's tables; where the stand-in puts them is invented.
- Errors: a Problem object (`type` "Parameter error", `title`, `status`): 404 "Non-existent table",
  400 "Missing selection for mandantory variable" (sic), 400 "Non-existent value":
  `PxWeb/Helper/Api2/ProblemUtility.cs`. Too many requests: 429 with `Retry-After`, from the
  AspNetCoreRateLimit middleware PxWebApi configures (`PxWeb/Program.cs`; `PxWeb/appsettings.json`
  `IpRateLimiting`: 30 calls per 10 s); the body is the middleware's quota message.
- The table search (`/tables?query=`): `{"language", "tables": [{"id", "label", "updated", "firstPeriod",
  "lastPeriod", ...}]}`: `PxWebApi_Mvc.Tests/ExpectedJson/ListAllTables.json`.
- SSB's tables (public code that called SSB's API for them; see docs/SOURCES.md): 08484's offence
  dimension `LovbruddKrim` with the total "Alle lovbruddsgrupper", range codes such as `AAA-BZZ` and
  legacy codes beside those of the 2015 standard; 09405's decision dimension `PolitiAvgjorelse` with
  codes `AAA-BZZ`, `AAA-AZZ`, `BEA`, `BZH-BZZ`; the measure "Lovbrudd etterforsket"; 09406's count
  beside a clearance percentage ("Oppklaringsprosent"), no count of cleared offences; labels marked
  `¬`/`¬¬` for depth; `ContentsCode` and `Tid`; 13579 from 2019. The decision labels are assumed (the
  crosswalk's), as are 10651's and 13579's dimension ids.

The server records every request with its time and can answer a request once with an error first (a 429
with `Retry-After`, a 503), or always.
"""

from __future__ import annotations

import http.server
import itertools
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

BASE_PATH = "/api/pxwebapi/v2"
YEARS = tuple(str(year) for year in range(2013, 2022))
"""The years of the invented tables (13579 from 2019, as SSB's)."""
PARAMETER_ERROR = "Parameter error"
QUOTA_EXCEEDED = "API calls quota exceeded! maximum admitted 30 per 10s."
NOTE = "Invented note: the stand-in's table note (SSB's notes are free text)."


@dataclass
class FakeTable:
    """One invented table: its dimensions (id, label, [(code, label)]) and its cells (codes -> (value, symbol))."""

    table_id: str
    label: str
    updated: str
    dimensions: list[tuple[str, str, list[tuple[str, str]]]]
    cells: dict[tuple[str, ...], tuple[float | None, str | None]]

    def cell(self, codes: tuple[str, ...]) -> tuple[float | None, str | None]:
        """An explicit cell, or an invented filler figure for the other offences and categories."""
        if codes in self.cells:
            return self.cells[codes]
        return float(sum(ord(character) for code in codes for character in code) % 97), None

    def _dimension(self, dimension_id: str, label: str, codes: list[tuple[str, str]], metadata: bool) -> dict:
        category: dict = {"index": {code: n for n, (code, _) in enumerate(codes)}, "label": dict(codes)}
        entry: dict = {"label": label, "category": category}
        if metadata:
            entry["extension"] = {"elimination": False, "show": "value", "codelists": []}
        return entry

    def _document(self, chosen: list[tuple[str, str, list[tuple[str, str]]]], metadata: bool) -> dict:
        ids = [dimension_id for dimension_id, _, _ in chosen]
        return {
            "version": "2.0",
            "class": "dataset",
            "label": f"{self.table_id}: {self.label}",
            "source": "Statistisk sentralbyrå",
            "updated": self.updated,
            "note": [NOTE],
            "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
            "id": ids,
            "size": [len(codes) for _, _, codes in chosen],
            "dimension": {
                dimension_id: self._dimension(dimension_id, label, codes, metadata)
                for dimension_id, label, codes in chosen
            },
            "extension": {
                "px": {"tableid": self.table_id, "decimals": 0, "language": "no", "matrix": self.table_id,
                       "heading": ["ContentsCode", "Tid"], "stub": ids[:-2]},
            },
        }  # fmt: skip

    def metadata(self) -> dict:
        """The metadata answer: every dimension whole, and `"value": []` as PxWebApi 2.x sends it."""
        return {**self._document(self.dimensions, metadata=True), "value": []}

    def data(self, selection: dict[str, list[str]]) -> dict:
        """The data answer of a selection; raises `Problem` (a 400) as PxWebApi does for a bad selection."""
        chosen = []
        for dimension_id, label, codes in self.dimensions:
            if dimension_id not in selection:
                raise Problem(400, "Missing selection for mandantory variable")
            wanted = selection[dimension_id]
            kept = codes if wanted == ["*"] else [(code, name) for code, name in codes if code in wanted]
            if not kept or (wanted != ["*"] and len(kept) != len(wanted)):
                raise Problem(400, "Non-existent value")
            chosen.append((dimension_id, label, kept))
        values, status = [], {}
        for position, combination in enumerate(itertools.product(*(codes for _, _, codes in chosen))):
            value, symbol = self.cell(tuple(code for code, _ in combination))
            values.append(None if symbol is not None else value)
            if symbol is not None:
                status[str(position)] = symbol
        document = {**self._document(chosen, metadata=False), "value": values}
        if status:
            document["status"] = status
        return document


class Problem(Exception):
    """An error answer as PxWebApi's `ProblemUtility` makes it."""

    def __init__(self, status: int, title: str) -> None:
        super().__init__(title)
        self.status, self.title = status, title

    def body(self) -> bytes:
        return json.dumps({"type": PARAMETER_ERROR, "title": self.title, "status": self.status}).encode()


def series(cells: dict[str, tuple[float | None, str | None]], *prefix: str) -> dict:
    """A series of cells by year under `prefix` (the codes before the year)."""
    return {(*prefix, year): cell for year, cell in cells.items()}


def counts(first: int, step: int, years: tuple[str, ...] = YEARS) -> dict[str, tuple[float, None]]:
    """Invented counts, one a year."""
    return {year: (float(first + step * n), None) for n, year in enumerate(years)}


def _years(years: tuple[str, ...] = YEARS) -> list[tuple[str, str]]:
    return [(year, year) for year in years]


def reported() -> FakeTable:
    """08484: the 2015 code back-cast over every year, a legacy code beside it until 2014; a `-` and a `...`."""
    current = {**counts(31, 3), "2017": (None, "-"), "2021": (None, "...")}
    legacy = {year: ((30.0, None) if year < "2015" else (None, ".")) for year in YEARS}
    return FakeTable(
        "08484",
        "Anmeldte lovbrudd, etter lovbruddstype, statistikkvariabel og år",
        "2026-03-12T07:00:00Z",
        [
            ("LovbruddKrim", "lovbruddstype", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                               ("1BAAAA-1BZZZZ", "¬ Vold og mishandling"),
                                               ("1BM100", "¬¬ Menneskehandel"),
                                               ("1BM200", "¬¬ Frihetsberøvelse"),
                                               ("X1224", "Menneskehandel (gammel klassifisering)")]),
            ("ContentsCode", "statistikkvariabel", [("AnmeldteLovbrudd", "Anmeldte lovbrudd"),
                                                    ("AnmLovbrPer1000", "Anmeldte lovbrudd per 1 000 innbyggere")]),
            ("Tid", "år", _years()),
        ],
        {**series(current, "1BM100", "AnmeldteLovbrudd"), **series(legacy, "X1224", "AnmeldteLovbrudd")},
    )  # fmt: skip


def decisions() -> FakeTable:
    """09405: the police's decisions with range codes and depth marks (labels assumed: the crosswalk's)."""
    return FakeTable(
        "09405",
        "Etterforskede lovbrudd, etter lovbruddstype, politiets avgjørelse, statistikkvariabel og år",
        "2026-05-21T07:00:00Z",
        [
            ("LovbruddKrim", "lovbruddstype", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                               ("1BM100", "¬¬ Menneskehandel"), ("1BR100", "¬¬ Ran")]),
            ("PolitiAvgjorelse", "politiets avgjørelse", [("AAA-BZZ", "Alle avgjørelser"),
                                                          ("AAA-AZZ", "¬ Oppklart"), ("AAB", "¬¬ Tiltale"),
                                                          ("AAC", "¬¬ Forelegg"), ("BAA-BZZ", "¬ Ikke oppklart"),
                                                          ("BEA", "¬¬ Henlagt etter bevisets stilling"),
                                                          ("BZH-BZZ", "¬¬ Henlagt av andre grunner")]),
            ("ContentsCode", "statistikkvariabel", [("LovbrEtterforsket", "Lovbrudd etterforsket")]),
            ("Tid", "år", _years()),
        ],
        {
            **series(counts(20, 2), "1BM100", "AAA-BZZ", "LovbrEtterforsket"),
            **series(counts(5, 1), "1BM100", "AAB", "LovbrEtterforsket"),
            **series({year: (None, ".") for year in YEARS}, "1BM100", "AAC", "LovbrEtterforsket"),
            **series(counts(9, 1), "1BM100", "BEA", "LovbrEtterforsket"),
        },
    )  # fmt: skip


def cleared() -> FakeTable:
    """09406: offences investigated and the clearance percentage, no count of cleared offences; the offence under a
    legacy code until 2014 and under the 2015 code from 2015 (two codes, one figure a year)."""
    cells: dict[tuple[str, ...], tuple[float | None, str | None]] = {}
    for n, year in enumerate(YEARS):
        before = year < "2015"
        for content, figure in (("LovbrEtterforsket", float(20 + 2 * n)), ("Oppklaringsprosent", 40.0 + n)):
            cells[("X1224", content, year)] = (figure, None) if before else (None, ".")
            cells[("1BM100", content, year)] = (None, ".") if before else (figure, None)
    return FakeTable(
        "09406",
        "Etterforskede lovbrudd og oppklaringsprosent, etter lovbruddstype, statistikkvariabel og år",
        "2026-05-21T07:00:00Z",
        [
            ("LovbruddKrim", "lovbruddstype", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                               ("X1224", "Menneskehandel (gammel klassifisering)"),
                                               ("1BM100", "¬¬ Menneskehandel")]),
            ("ContentsCode", "statistikkvariabel", [("LovbrEtterforsket", "Lovbrudd etterforsket"),
                                                    ("Oppklaringsprosent", "Oppklaringsprosent")]),
            ("Tid", "år", _years()),
        ],
        cells,
    )  # fmt: skip


def sanctions() -> FakeTable:
    """10651: sanctions by principal offence and type (dimension ids assumed); a confidential `:` series."""
    return FakeTable(
        "10651",
        "Straffereaksjoner, etter type hovedlovbrudd, type reaksjon, statistikkvariabel og år",
        "2026-06-18T07:00:00Z",
        [
            ("Hovedlovbrudd", "type hovedlovbrudd", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                                     ("1BM100", "¬¬ Menneskehandel")]),
            ("Reaksjon", "type reaksjon", [("0", "Straffereaksjoner i alt"), ("1", "¬ Ubetinget fengsel"),
                                           ("2", "¬ Betinget fengsel"), ("3", "¬ Samfunnsstraff"),
                                           ("4", "¬ Forelegg")]),
            ("ContentsCode", "statistikkvariabel", [("Reaksjoner", "Straffereaksjoner"),
                                                    ("Dager", "Gjennomsnittlig utmålt straff (dager fengsel)")]),
            ("Tid", "år", _years()),
        ],
        {
            **series(counts(6, 1), "1BM100", "0", "Reaksjoner"),
            **series(counts(5, 1), "1BM100", "1", "Reaksjoner"),
            **series({year: (None, ":") for year in YEARS}, "1BM100", "3", "Reaksjoner"),
        },
    )  # fmt: skip


def by_type(sanctioned: FakeTable) -> FakeTable:
    """13579, from 2019 (dimension ids assumed): 10651's figures, but for all sanctions in 2020 on purpose (the first
    known table's figure is published and the tables are compared)."""
    years = tuple(year for year in YEARS if year >= "2019")
    cells = {
        (kind, "T", "1BM100", "Reaksjoner", year): sanctioned.cell(("1BM100", code, "Reaksjoner", year))
        for kind, code in (("T", "0"), ("UF", "1"), ("BF", "2"))
        for year in years
    }
    cells[("T", "T", "1BM100", "Reaksjoner", "2020")] = (99.0, None)
    return FakeTable(
        "13579",
        "Straffereaksjoner og straffbare forhold, etter type reaksjon, undertype reaksjon og type hovedlovbrudd",
        "2026-06-18T07:00:00Z",
        [
            ("Reaksjonstype", "type reaksjon", [("T", "I alt"), ("UF", "¬ Ubetinget fengsel"),
                                                ("BF", "¬ Betinget fengsel")]),
            ("Undertype", "undertype reaksjon", [("T", "I alt")]),
            ("Lovbrudd", "type hovedlovbrudd", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                                ("1BM100", "¬¬ Menneskehandel")]),
            ("ContentsCode", "statistikkvariabel", [("Reaksjoner", "Straffereaksjoner"),
                                                    ("Forhold", "Straffbare forhold")]),
            ("Tid", "år", _years(years)),
        ],
        cells,
    )  # fmt: skip


def found_by_search() -> list[FakeTable]:
    """Two tables only the search finds: one by region (a label no crosswalk knows), one without the offence."""
    return [
        FakeTable(
            "77777", "Anmeldte lovbrudd, etter region og lovbruddstype", "2026-03-12T07:00:00Z",
            [("Region", "region", [("0", "Hele landet"), ("03", "¬ Oslo")]),
             ("LovbruddKrim", "lovbruddstype", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                                ("1BM100", "¬¬ Menneskehandel")]),
             ("ContentsCode", "statistikkvariabel", [("AnmeldteLovbrudd", "Anmeldte lovbrudd")]),
             ("Tid", "år", _years())],
            {},
        ),
        FakeTable(
            "88888", "Ofre for anmeldte lovbrudd, etter alder", "2026-03-12T07:00:00Z",
            [("Alder", "alder", [("0", "Alle aldre"), ("1", "¬ Under 18 år")]),
             ("ContentsCode", "statistikkvariabel", [("Ofre", "Ofre")]),
             ("Tid", "år", _years())],
            {},
        ),
    ]  # fmt: skip


def tables() -> dict[str, FakeTable]:
    """The five known tables and two the search adds, all invented (see the module docstring)."""
    sanctioned = sanctions()
    known = [reported(), decisions(), cleared(), sanctioned, by_type(sanctioned)]
    return {table.table_id: table for table in (*known, *found_by_search())}


SEARCH_HITS = ("08484", "09405", "77777", "88888")
"""What the fake table search answers for `menneskehandel`: two known tables and two it adds."""


def served_figure(table: FakeTable, *codes: str) -> float | None:
    """The figure the stand-in serves for a cell (None for a cell with a symbol, as PxWebApi sends it)."""
    value, symbol = table.cell(codes)
    return None if symbol is not None else value


class FakeSsb:
    """The server's state: the tables it serves, the errors it gives once, and every request it saw."""

    def __init__(self) -> None:
        self.tables = tables()
        self.search_hits: list[str] | None = list(SEARCH_HITS)
        self.search_body: bytes | None = None
        self.fail_once: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
        self.fail_always: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
        self.requests: list[tuple[float, str, str]] = []
        self.padding: dict[str, int] = {}
        """{path: bytes of white space added to that answer}: a padded answer, still valid JSON."""
        self.lock = threading.Lock()

    def answer(self, method: str, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        status, headers, payload = self._answer(method, target, body)
        return status, headers, payload + b" " * self.padding.get(urlsplit(target).path, 0)

    def _answer(self, method: str, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        with self.lock:
            self.requests.append((time.monotonic(), method, target))
            failure = self.fail_once.pop((method, url.path), None) or self.fail_always.get((method, url.path))
        if failure is not None:
            return self._failure(*failure)
        path = url.path.removeprefix(BASE_PATH)
        if path == "/tables" and method == "GET":
            return 200, {}, self.search_body if self.search_body is not None else self._search()
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "tables" or parts[1] not in self.tables:
            return 404, {}, Problem(404, "Non-existent table").body()
        table = self.tables[parts[1]]
        if parts[2] == "metadata" and method == "GET":
            return 200, {}, json.dumps(table.metadata()).encode()
        if parts[2] != "data":
            return 404, {}, Problem(404, "Non-existent table").body()
        try:
            return 200, {}, json.dumps(table.data(_selection(method, url.query, body))).encode()
        except Problem as problem:
            return problem.status, {}, problem.body()

    def _failure(self, status: int, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if status == 429:
            return status, headers, QUOTA_EXCEEDED.encode()
        if status == 404:
            return status, headers, Problem(404, "Non-existent table").body()
        return status, headers, b"Service Unavailable"

    def _search(self) -> bytes:
        entries = []
        for hit in self.search_hits or []:
            table = self.tables[hit]
            years = [code for code, _ in table.dimensions[-1][2]]
            entries.append({"id": hit, "label": table.label, "updated": table.updated,
                            "firstPeriod": years[0], "lastPeriod": years[-1], "category": "public"})  # fmt: skip
        return json.dumps({"language": "no", "tables": entries}).encode()


def _selection(method: str, query: str, body: bytes) -> dict[str, list[str]]:
    if method == "POST":
        return {entry["variableCode"]: entry["valueCodes"] for entry in json.loads(body or b"{}")["selection"]}
    return {
        key[len("valueCodes[") : -1]: value.split(",")
        for key, value in parse_qsl(query)
        if key.startswith("valueCodes[") and key.endswith("]")
    }


def serve(fake: FakeSsb) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `fake` on 127.0.0.1 (a free port) in a daemon thread; returns the server and the API base."""

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 10

        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = fake.answer(method, self.path, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"
