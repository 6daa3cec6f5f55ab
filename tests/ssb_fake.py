"""A stand-in for SSB's PxWebApi v2 on 127.0.0.1, serving JSON-stat 2.0 documents the tests write.

The documents follow the documented format (`id`, `size`, `dimension.<id>.category.index` as an
object of code to position or as an array, `category.label`, `value` in row-major order, `null`
cells with a symbol in `status`, `role`, `updated`), but every figure in them is INVENTED for the
tests: no real SSB figure is typed in anywhere here. The offence codes are invented too, and
deliberately differ from one table to another, as the real codes may.

The server answers the table search (`/tables?query=…`), each table's metadata and its data for a
selection (`valueCodes[<dimension>]=…` on a GET, or a POST with a `selection` body): every
dimension must be selected (a missing one is a 400, as for a dimension SSB cannot eliminate), and
`*` selects a whole dimension. It can answer a request once with an error first (a 429 with
`Retry-After`, a 503), or always, and it records every request with its time.
"""

from __future__ import annotations

import http.server
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

BASE_PATH = "/api/pxwebapi/v2"
YEARS = ("2012", "2013", "2014", "2015", "2016")


@dataclass
class FakeTable:
    """One invented table: its dimensions (id, label, [(code, label)]) and its cells (codes -> (value, symbol))."""

    table_id: str
    label: str
    updated: str
    dimensions: list[tuple[str, str, list[tuple[str, str]]]]
    cells: dict[tuple[str, ...], tuple[float | None, str | None]]
    array_index: bool = False
    roles: dict[str, list[str]] = field(default_factory=lambda: {"time": ["Tid"], "metric": ["ContentsCode"]})

    def cell(self, codes: tuple[str, ...]) -> tuple[float | None, str | None]:
        """An explicit cell, or an invented filler figure for the other offences and categories."""
        if codes in self.cells:
            return self.cells[codes]
        return float(sum(ord(character) for code in codes for character in code) % 97), None

    def category(self, codes: list[tuple[str, str]]) -> dict:
        index = [code for code, _ in codes] if self.array_index else {code: n for n, (code, _) in enumerate(codes)}
        return {"index": index, "label": dict(codes)}

    def metadata(self) -> dict:
        return {
            "version": "2.0",
            "class": "dataset",
            "label": f"{self.table_id}: {self.label}",
            "source": "Statistisk sentralbyrå",
            "updated": self.updated,
            "id": [dimension_id for dimension_id, _, _ in self.dimensions],
            "size": [len(codes) for _, _, codes in self.dimensions],
            "dimension": {
                dimension_id: {
                    "label": label,
                    "category": self.category(codes),
                    "extension": {"elimination": False},
                }
                for dimension_id, label, codes in self.dimensions
            },
            "role": self.roles,
        }

    def data(self, selection: dict[str, list[str]]) -> dict:
        """The JSON-stat document of a selection; raises `ValueError` (a 400) for a dimension not selected."""
        chosen = []
        for dimension_id, label, codes in self.dimensions:
            if dimension_id not in selection:
                raise ValueError(f"dimension {dimension_id} cannot be eliminated and was not selected")
            wanted = selection[dimension_id]
            kept = codes if wanted == ["*"] else [(code, name) for code, name in codes if code in wanted]
            if not kept:
                raise ValueError(f"no values of {dimension_id} match {wanted}")
            chosen.append((dimension_id, label, kept))
        values, status = [], {}
        for position, combination in enumerate(itertools.product(*(codes for _, _, codes in chosen))):
            value, symbol = self.cell(tuple(code for code, _ in combination))
            values.append(value)
            if symbol is not None:
                status[str(position)] = symbol
        document = {
            **self.metadata(),
            "id": [dimension_id for dimension_id, _, _ in chosen],
            "size": [len(codes) for _, _, codes in chosen],
            "dimension": {
                dimension_id: {"label": label, "category": self.category(codes)}
                for dimension_id, label, codes in chosen
            },
            "value": values,
        }
        if status:
            document["status"] = status
        return document


def with_offence(codes: dict[str, tuple[float | None, str | None]], *prefix: str) -> dict:
    return {(*prefix, year): cell for year, cell in codes.items()}


def tables() -> dict[str, FakeTable]:
    """The five known tables and two the search adds, all invented (see the module docstring)."""
    years = [(year, year) for year in YEARS]
    reported = FakeTable(
        "08484",
        "Anmeldte lovbrudd, etter lovbruddstype, statistikkvariabel og år",
        "2026-03-12T07:00:00Z",
        [
            ("Lovbruddstype", "lovbruddstype", [("AAA", "Alle lovbrudd"), ("1B", "Vold og mishandling"),
                                                ("1B07", "Menneskehandel"), ("1B08", "Frihetsberøvelse")]),
            ("ContentsCode", "statistikkvariabel", [("Anmeldte", "Anmeldte lovbrudd"),
                                                    ("Per1000", "Anmeldte lovbrudd per 1 000 innbyggere")]),
            ("Tid", "år", years),
        ],
        {
            **with_offence({"2012": (31.0, None), "2013": (None, ".."), "2014": (44.0, None), "2015": (27.0, None),
                            "2016": (52.0, None)}, "1B07", "Anmeldte"),
        },
    )  # fmt: skip
    decisions = FakeTable(
        "09405",
        "Etterforskede lovbrudd, etter lovbruddstype, politiets avgjørelse og år",
        "2026-05-21T07:00:00Z",
        [
            ("LovbruddKrim", "lovbruddstype", [("0", "Alle lovbrudd"), ("1270", "Menneskehandel"),
                                               ("1280", "Ran")]),
            ("Avgjorelse", "avgjørelse", [("00", "I alt"), ("01", "Tiltale"), ("02", "Forelegg"),
                                          ("03", "Henlagt etter bevisets stilling"), ("09", "Oppklart")]),
            ("ContentsCode", "statistikkvariabel", [("Etterforskede", "Etterforskede lovbrudd")]),
            ("Tid", "år", years),
        ],
        {
            **with_offence({"2012": (20.0, None), "2013": (25.0, None), "2014": (30.0, None),
                            "2015": (22.0, None), "2016": (40.0, None)}, "1270", "00", "Etterforskede"),
            **with_offence({year: (float(5 + n), None) for n, year in enumerate(YEARS)}, "1270", "01", "Etterforskede"),
            **with_offence({year: (None, ".") for year in YEARS}, "1270", "02", "Etterforskede"),
            **with_offence({year: (float(9 + n), None) for n, year in enumerate(YEARS)}, "1270", "03", "Etterforskede"),
        },
        array_index=True,
    )  # fmt: skip
    # the offence under the classification before 2015 and under the 2015 one: two codes, one figure a year;
    # its offences investigated are 09405's, its offences cleared up fewer
    old, new = {}, {}
    for n, year in enumerate(YEARS):
        before = int(year) < 2015
        investigated = decisions.cells[("1270", "00", "Etterforskede", year)][0]
        for content, figure in (("Etterforsk", investigated), ("Oppklart", float(12 + n))):
            old[("G224", content, year)] = (figure, None) if before else (None, ".")
            new[("N257", content, year)] = (None, ".") if before else (figure, None)
    cleared = FakeTable(
        "09406",
        "Etterforskede lovbrudd og oppklaringsprosent, etter lovbruddstype og år",
        "2026-05-21T07:00:00Z",
        [
            ("Lovbruddstype", "lovbruddstype", [("ALLE", "Alle lovbrudd"),
                                                ("G224", "Menneskehandel (klassifisering før 2015)"),
                                                ("N257", "¬¬ Menneskehandel")]),
            ("ContentsCode", "statistikkvariabel", [("Etterforsk", "Etterforskede lovbrudd"),
                                                    ("Oppklart", "Oppklarte lovbrudd"),
                                                    ("Prosent", "Oppklaringsprosent")]),
            ("Tid", "år", years),
        ],
        {**old, **new},
    )  # fmt: skip
    sanctions = FakeTable(
        "10651",
        "Straffereaksjoner, etter type hovedlovbrudd, type reaksjon og år",
        "2026-06-18T07:00:00Z",
        [
            ("Hovedlovbrudd", "type hovedlovbrudd", [("ALLE", "Alle lovbrudd"), ("V17", "Menneskehandel")]),
            ("Reaksjon", "type reaksjon", [("0", "Straffereaksjoner i alt"), ("1", "Ubetinget fengsel"),
                                           ("2", "Betinget fengsel"), ("3", "Samfunnsstraff"), ("4", "Forelegg")]),
            ("ContentsCode", "statistikkvariabel", [("Reaksjoner", "Straffereaksjoner"),
                                                    ("Dager", "Gjennomsnittlig utmålt straff (dager fengsel)")]),
            ("Tid", "år", years),
        ],
        {
            **with_offence({"2012": (6.0, None), "2013": (8.0, None), "2014": (7.0, None), "2015": (11.0, None),
                            "2016": (9.0, None)}, "V17", "0", "Reaksjoner"),
            **with_offence({"2012": (5.0, None), "2013": (6.0, None), "2014": (6.0, None), "2015": (9.0, None),
                            "2016": (7.0, None)}, "V17", "1", "Reaksjoner"),
            **with_offence({year: (None, ":") for year in YEARS}, "V17", "3", "Reaksjoner"),
        },
    )  # fmt: skip
    by_type = FakeTable(
        "13579",
        "Straffereaksjoner og straffbare forhold, etter type reaksjon, undertype reaksjon og type hovedlovbrudd",
        "2026-06-18T07:00:00Z",
        [
            ("Reaksjonstype", "type reaksjon", [("T", "I alt"), ("UF", "Ubetinget fengsel"),
                                                ("BF", "Betinget fengsel")]),
            ("Undertype", "undertype reaksjon", [("T", "I alt")]),
            ("Lovbrudd", "type hovedlovbrudd", [("000", "Alle lovbrudd"), ("170", "Menneskehandel")]),
            ("ContentsCode", "statistikkvariabel", [("Reaksjoner", "Straffereaksjoner"),
                                                    ("Forhold", "Straffbare forhold")]),
            ("Tid", "år", years),
        ],
        {
            # 10651's figures, but for all sanctions in 2016 on purpose: the first known table's figure is published
            **{(kind, "T", "170", "Reaksjoner", year): sanctions.cell(("V17", code, "Reaksjoner", year))
               for kind, code in (("T", "0"), ("UF", "1"), ("BF", "2")) for year in YEARS},
            ("T", "T", "170", "Reaksjoner", "2016"): (10.0, None),
        },
    )  # fmt: skip
    by_region = FakeTable(
        "77777",
        "Anmeldte lovbrudd, etter region og lovbruddstype",
        "2026-03-12T07:00:00Z",
        [
            ("Region", "region", [("0", "Hele landet"), ("03", "Oslo")]),
            ("Lovbruddstype", "lovbruddstype", [("AAA", "Alle lovbrudd"), ("X7", "Menneskehandel")]),
            ("ContentsCode", "statistikkvariabel", [("Anmeldte", "Anmeldte lovbrudd")]),
            ("Tid", "år", years),
        ],
        {},
    )  # fmt: skip
    victims = FakeTable(
        "88888",
        "Ofre for anmeldte lovbrudd, etter alder",
        "2026-03-12T07:00:00Z",
        [
            ("Alder", "alder", [("0", "Alle aldre"), ("1", "Under 18 år")]),
            ("ContentsCode", "statistikkvariabel", [("Ofre", "Ofre")]),
            ("Tid", "år", years),
        ],
        {},
    )  # fmt: skip
    return {table.table_id: table for table in (reported, decisions, cleared, sanctions, by_type, by_region, victims)}


SEARCH_HITS = ("08484", "09405", "77777", "88888")
"""What the fake table search answers for `menneskehandel`: two known tables and two it adds."""


def served_figure(table: FakeTable, *codes: str) -> float | None:
    return table.cell(codes)[0]


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
            status, headers = failure
            return status, headers, json.dumps({"title": "try again later"}).encode()
        path = url.path.removeprefix(BASE_PATH)
        query = dict(parse_qsl(url.query))
        if path == "/tables" and method == "GET":
            if self.search_body is not None:
                return 200, {}, self.search_body
            hits = self.search_hits or []
            document = {"language": "no", "tables": [{"id": hit, "label": self.tables[hit].label} for hit in hits]}
            return 200, {}, json.dumps(document).encode()
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "tables" or parts[1] not in self.tables:
            return 404, {}, b'{"title": "not found"}'
        table = self.tables[parts[1]]
        if parts[2] == "metadata" and method == "GET":
            return 200, {}, json.dumps(table.metadata()).encode()
        if parts[2] == "data":
            if method == "POST":
                selection = {
                    entry["variableCode"]: entry["valueCodes"] for entry in json.loads(body or b"{}")["selection"]
                }
            else:
                selection = {
                    key[len("valueCodes[") : -1]: value.split(",")
                    for key, value in query.items()
                    if key.startswith("valueCodes[") and key.endswith("]")
                }
            try:
                return 200, {}, json.dumps(table.data(selection)).encode()
            except ValueError as error:
                return 400, {}, json.dumps({"title": str(error)}).encode()
        return 405, {}, b'{"title": "method not allowed"}'


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
