"""SSB's tables through PxWebApi v2, or from a mirror: each table's metadata first, then its trafficking cells.

Where the tables come from, in the order tried:

1. `TRAFFICKING_SOURCE_SSB` (say a server on 127.0.0.1) replaces the API base `OFFICIAL_API`;
2. with `TRAFFICKING_MIRROR` set (and no per-source setting), the mirror's `ssb/<table id>/metadata.json`
   and `ssb/<table id>/data.json` (a directory or an http(s) base laid out like `../shared/data`);
3. else the official API.

From the API: the table search (`/tables?query=menneskehandel`) may add tables to the known ones
(when it cannot be reached or answers unexpectedly, the known list is used); for each table the
metadata is read (`/tables/{id}/metadata`), the offence's categories found by label
(`pipelines.sources.ssb.tables`), and the data asked for (`/tables/{id}/data`) with the offence's
codes and every other dimension whole (`*`), so no dimension that cannot be eliminated is left out.
A selection whose address would be too long goes as a POST with a `selection` body; one above SSB's
800,000 cells is refused. Requests are paced under SSB's limit (30 a minute per address): at most
`TRAFFICKING_SSB_REQUESTS_PER_MINUTE` (default 25, leaving room for retries) in any minute; 429 and
5xx answers are retried with backoff, waiting out `Retry-After` (`pipelines.download.http_session`).

Every file is checked (JSON-stat 2.0, the offence among its categories) and written to a folder beside
the target, which replaces `<downloads>/ssb/` only when every table has come: a failure leaves the
files before it as they were and raises `SsbError` naming the table, the address and what it answered.
A known table without the offence fails the source; a table only the search found is left out, and
said so.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import requests

from core import atomic
from core.checksums import sha256_of
from core.urls import masked
from pipelines.download import DownloadError, read_capped, registered_max_bytes
from pipelines.sources.ssb.jsonstat import Dataset, JsonStatError, parse_dataset
from pipelines.sources.ssb.tables import (
    KNOWN_TABLE_IDS,
    LICENCE,
    OFFICIAL_API,
    PUBLISHER,
    SEARCH_TERM,
    SOURCE_ID,
    Offence,
    OffenceNotFound,
    find_offence,
)

PACE_SETTING = "TRAFFICKING_SSB_REQUESTS_PER_MINUTE"
DEFAULT_REQUESTS_PER_MINUTE = 25
MAX_CELLS = 800_000
"""SSB's limit on the cells of one data request."""
MAX_ANSWER_BYTES = registered_max_bytes("ssb")
"""The largest answer SSB's API may send, from the register of sources (a full 800,000-cell JSON-stat answer is
a few tens of megabytes); a larger one is refused as it arrives, naming the table, instead of filling memory."""
MAX_GET_ADDRESS = 2000
"""A longer data address goes as a POST (SSB answers 404 to GET addresses beyond about 2,100 characters)."""
MAX_DISCOVERED = 10
"""At most this many tables the search adds to the known ones."""
TABLE_ID = re.compile(r"^[A-Za-z0-9_]{1,20}$")
KINDS = ("metadata", "data")


class SsbError(DownloadError):
    """SSB's tables could not be fetched or are not what they should be; the message names table and address."""


class Pace:
    """At most `max_requests` requests in any `per_seconds` (a sliding window): `wait()` before each request."""

    def __init__(
        self,
        max_requests: int,
        per_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests < 1 or per_seconds <= 0:
            raise ValueError(f"a pace needs a request or more in a positive window, not {max_requests}/{per_seconds}")
        self.max_requests, self.per_seconds = max_requests, per_seconds
        self.clock, self.sleep = clock, sleep
        self.sent: list[float] = []

    def wait(self) -> None:
        """Return when one more request keeps the window's count at most `max_requests`."""
        now = self.clock()
        self.sent = [moment for moment in self.sent if moment > now - self.per_seconds]
        if len(self.sent) >= self.max_requests:
            self.sleep(self.sent[-self.max_requests] + self.per_seconds - now)
            now = self.clock()
        self.sent.append(now)


def pace_from_env() -> Pace:
    """The pace `TRAFFICKING_SSB_REQUESTS_PER_MINUTE` sets (default 25 a minute)."""
    configured = os.environ.get(PACE_SETTING, "").strip()
    try:
        per_minute = int(configured) if configured else DEFAULT_REQUESTS_PER_MINUTE
    except ValueError:
        per_minute = 0
    if per_minute < 1:
        raise ValueError(f"{PACE_SETTING}={configured!r} is not a whole number of requests a minute (1 or more)")
    return Pace(per_minute, 60.0)


@dataclass(frozen=True)
class Table:
    """One table as fetched: its files' provenance records and where the offence stands in it."""

    table_id: str
    label: str
    known: bool
    offence: Offence
    records: tuple[dict[str, object], ...]


@dataclass
class Fetched:
    """What a fetch brought: the tables, the provenance records (metadata and data per table) and notes."""

    tables: list[Table] = field(default_factory=list)
    search: str = ""
    left_out: dict[str, str] = field(default_factory=dict)
    """Tables the table search found that could not be read or used: id -> why (they are not published)."""
    failed_known: dict[str, str] = field(default_factory=dict)
    """Known tables that could not be read this time: id -> why (each keeps its last good release)."""

    @property
    def records(self) -> list[dict[str, object]]:
        return [record for table in self.tables for record in table.records]


def metadata_address(base: str, table_id: str) -> str:
    return f"{base.rstrip('/')}/tables/{table_id}/metadata?lang=no&outputFormat=json-stat2"


def data_address(base: str, table_id: str, selection: dict[str, list[str]] | None = None) -> str:
    """The data address of a table, with its selection as `valueCodes[<dimension>]=<codes>` (none for a POST)."""
    address = f"{base.rstrip('/')}/tables/{table_id}/data?lang=no&outputFormat=json-stat2"
    for dimension, codes in (selection or {}).items():
        address += f"&valueCodes[{quote(dimension, safe='')}]={quote(','.join(codes), safe='*,()')}"
    return address


def selection_for(metadata: Dataset, offence: Offence) -> dict[str, list[str]]:
    """Every dimension selected: the offence's codes, and every other dimension whole (`*`)."""
    return {dimension: list(offence.codes) if dimension == offence.dimension else ["*"] for dimension in metadata.ids}


def cells_selected(metadata: Dataset, offence: Offence) -> int:
    return len(offence.codes) * math.prod(
        len(dimension.codes) for dimension in metadata.dimensions if dimension.id != offence.dimension
    )


class Client:
    """Reads SSB's tables from `api` (a PxWebApi v2 base), or from `mirror` when `api` is empty."""

    def __init__(
        self,
        api: str,
        mirror: str,
        session: requests.Session,
        pace: Pace,
        timeout: float = 120.0,
    ) -> None:
        self.api, self.mirror = api.rstrip("/"), mirror.rstrip("/")
        self.session, self.pace, self.timeout = session, pace, timeout

    @property
    def from_mirror(self) -> bool:
        return not self.api

    # -- requests ---------------------------------------------------------------------------------------------

    def request(self, address: str, body: dict | None = None) -> bytes:
        """The body `address` answers (a POST of `body` as JSON when given); raises `SsbError` saying what came."""
        self.pace.wait()
        try:
            if body is None:
                response = self.session.get(address, timeout=self.timeout, stream=True)
            else:
                response = self.session.post(address, json=body, timeout=self.timeout, stream=True)
            with response:
                if response.status_code >= 400:
                    said = read_capped(response, address, 4096).decode("utf-8", "replace").strip().replace("\n", " ")
                    raise SsbError(
                        f"{address} answered HTTP {response.status_code} {response.reason}"
                        + (f": {said[:200]}" if said else "")
                    )
                return read_capped(response, address, MAX_ANSWER_BYTES)
        except requests.RequestException as error:
            raise SsbError(f"cannot reach {address}: {_reason(error)}") from error
        except DownloadError as error:
            raise SsbError(str(error)) from error

    def mirrored(self, table_id: str, kind: str) -> tuple[bytes, str] | None:
        """The mirror's `ssb/<table id>/<kind>.json` and where it was read, or None when the mirror has none."""
        relative = f"{SOURCE_ID}/{table_id}/{kind}.json"
        if "://" not in self.mirror:
            path = Path(self.mirror) / relative
            if not path.is_file():
                return None
            if path.stat().st_size > MAX_ANSWER_BYTES:
                raise SsbError(f"{path}: larger than an answer of SSB's may be ({MAX_ANSWER_BYTES:,} bytes)")
            return path.read_bytes(), path.resolve().as_uri()
        address = f"{self.mirror}/{relative}"
        try:
            with self.session.get(address, timeout=self.timeout, stream=True) as response:
                if response.status_code == 404:
                    return None
                if response.status_code >= 400:
                    raise SsbError(f"{address} answered HTTP {response.status_code} {response.reason}")
                return read_capped(response, address, MAX_ANSWER_BYTES), address
        except requests.RequestException as error:
            raise SsbError(f"cannot reach {address}: {_reason(error)}") from error
        except DownloadError as error:
            raise SsbError(str(error)) from error

    # -- the table search -------------------------------------------------------------------------------------

    def search(self) -> tuple[list[str], str]:
        """The ids the table search finds for the offence, and a sentence on how it went (no ids when it failed)."""
        address = f"{self.api}/tables?query={SEARCH_TERM}&lang=no&pageSize=100"
        try:
            document = json.loads(self.request(address))
        except (SsbError, ValueError) as error:
            return [], f"the table search failed ({error}); the known tables are read"
        found = document.get("tables") if isinstance(document, dict) else None
        if not isinstance(found, list) or not all(
            isinstance(entry, dict) and TABLE_ID.match(str(entry.get("id", ""))) for entry in found
        ):
            return [], f"the table search at {address} answered unexpectedly (no list of tables with ids); " + (
                "the known tables are read"
            )
        ids = list(dict.fromkeys(str(entry["id"]) for entry in found))
        return ids, f"the table search found {len(ids)} tables: {', '.join(ids) or 'none'}"

    # -- one table --------------------------------------------------------------------------------------------

    def _table_from_api(self, table_id: str, folder: Path, known: bool) -> Table:
        address = metadata_address(self.api, table_id)
        metadata_body = self.request(address)
        metadata = dataset_of(metadata_body, table_id, "metadata", address)
        offence = find_offence(metadata, table_id)
        cells = cells_selected(metadata, offence)
        if cells > MAX_CELLS:
            raise SsbError(
                f"SSB table {table_id}: the offence's cells number {cells}, above SSB's limit of {MAX_CELLS} a request"
            )
        selection = selection_for(metadata, offence)
        address_get = data_address(self.api, table_id, selection)
        if len(address_get) <= MAX_GET_ADDRESS:
            fetched_from, data_body = address_get, self.request(address_get)
        else:
            fetched_from = data_address(self.api, table_id)
            body = {"selection": [{"variableCode": code, "valueCodes": values} for code, values in selection.items()]}
            data_body = self.request(fetched_from, body)
        data = dataset_of(data_body, table_id, "data", fetched_from)
        _check_data(data, offence, table_id, fetched_from)
        files = (metadata_body, address), (data_body, fetched_from)
        return self._kept(table_id, known, offence, metadata, data, folder, *files)

    def _table_from_mirror(self, table_id: str, folder: Path) -> Table | None:
        metadata_file = self.mirrored(table_id, "metadata")
        if metadata_file is None:
            return None
        data_file = self.mirrored(table_id, "data")
        if data_file is None:
            raise SsbError(f"the mirror {self.mirror} has {SOURCE_ID}/{table_id}/metadata.json but no data.json")
        metadata = dataset_of(metadata_file[0], table_id, "metadata", metadata_file[1])
        offence = find_offence(metadata, table_id)
        data = dataset_of(data_file[0], table_id, "data", data_file[1])
        _check_data(data, offence, table_id, data_file[1])
        return self._kept(table_id, True, offence, metadata, data, folder, metadata_file, data_file)

    def _kept(
        self,
        table_id: str,
        known: bool,
        offence: Offence,
        metadata: Dataset,
        data: Dataset,
        folder: Path,
        metadata_file: tuple[bytes, str],
        data_file: tuple[bytes, str],
    ) -> Table:
        """Write both files into `folder/<table id>/` and make their provenance records."""
        target = folder / table_id
        target.mkdir(parents=True)
        label = data.label or metadata.label or table_id
        release = data.updated or metadata.updated
        official = {
            "metadata": metadata_address(OFFICIAL_API, table_id),
            "data": data_address(OFFICIAL_API, table_id, selection_for(data, offence)),
        }
        records = []
        for kind, (body, fetched_from) in zip(KINDS, (metadata_file, data_file), strict=True):
            path = target / f"{kind}.json"
            path.write_bytes(body)
            digest = sha256_of(path)
            records.append(
                {
                    "provenance_id": f"{SOURCE_ID}/{table_id}/{kind}:{digest[:12]}",
                    "source_id": SOURCE_ID,
                    "publication": f"{PUBLISHER} (SSB), Statistikkbanken table {label} ({kind}, JSON-stat 2.0, "
                    f"licence {LICENCE})",
                    "url": official[kind],
                    "fetched_from": masked(fetched_from),
                    "from_mirror": self.from_mirror,
                    "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "size_bytes": path.stat().st_size,
                    "sha256": digest,
                    "file_kind": "json",
                    "local_path": str(path),
                    "release": release or f"sha256:{digest[:12]}",
                }
            )
        return Table(table_id, label, known, offence, tuple(records))

    # -- every table ------------------------------------------------------------------------------------------

    def fetch(self, target: Path) -> Fetched:
        """Every table into `target` (`<downloads>/ssb`), replacing what was there only when all have come."""
        with atomic.replacing_folder(target) as staging:
            fetched = self._fetch_mirror(staging) if self.from_mirror else self._fetch_api(staging)
        for table in fetched.tables:
            for record in table.records:
                record["local_path"] = str(target / Path(str(record["local_path"])).relative_to(staging))
        return fetched

    def _fetch_api(self, staging: Path) -> Fetched:
        found, said = self.search()
        discovered = [table_id for table_id in found if table_id not in KNOWN_TABLE_IDS][:MAX_DISCOVERED]
        fetched = Fetched(search=said)
        for table_id in KNOWN_TABLE_IDS:
            try:
                fetched.tables.append(self._table_from_api(table_id, staging, known=True))
            except (SsbError, OffenceNotFound, JsonStatError) as error:
                fetched.failed_known[table_id] = str(error)
                shutil.rmtree(staging / table_id, ignore_errors=True)
        if not fetched.tables:
            raise SsbError("no SSB table could be read: " + "; ".join(fetched.failed_known.values()))
        for table_id in discovered:
            try:
                fetched.tables.append(self._table_from_api(table_id, staging, known=False))
            except (SsbError, OffenceNotFound, JsonStatError) as error:
                fetched.left_out[table_id] = str(error)
                shutil.rmtree(staging / table_id, ignore_errors=True)
        return fetched

    def _fetch_mirror(self, staging: Path) -> Fetched:
        fetched = Fetched(search="from the mirror: the known tables (no table search)")
        missing = []
        for table_id in KNOWN_TABLE_IDS:
            try:
                table = self._table_from_mirror(table_id, staging)
            except (OffenceNotFound, JsonStatError) as error:
                raise SsbError(str(error)) from error
            if table is None:
                missing.append(table_id)
            else:
                fetched.tables.append(table)
        if len(missing) == len(KNOWN_TABLE_IDS):
            raise SsbError(f"the mirror {self.mirror} has no SSB tables ({SOURCE_ID}/<table id>/metadata.json)")
        if missing:
            raise SsbError(f"the mirror {self.mirror} lacks SSB tables {', '.join(missing)} ({SOURCE_ID}/<table id>/)")
        return fetched


def dataset_of(body: bytes, table_id: str, kind: str, address: str) -> Dataset:
    """The JSON-stat dataset in an answer; `SsbError` naming the table and the address when it is not one."""
    try:
        return parse_dataset(json.loads(body), f"SSB table {table_id} {kind} ({address})")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        start = body[:60].decode("utf-8", errors="replace").strip()
        raise SsbError(f"SSB table {table_id} {kind} ({address}): not JSON ({error}); it starts {start!r}") from error
    except JsonStatError as error:
        raise SsbError(str(error)) from error


def _check_data(data: Dataset, offence: Offence, table_id: str, address: str) -> None:
    """The data holds the offence's dimension, with its categories, and values."""
    if data.values is None:
        raise SsbError(f"SSB table {table_id} data ({address}): the answer has no values")
    if offence.dimension not in data.ids:
        raise SsbError(f"SSB table {table_id} data ({address}): no dimension {offence.dimension!r} of the offence")
    codes = set(data.dimension(offence.dimension).codes)
    if not codes & set(offence.codes):
        raise SsbError(
            f"SSB table {table_id} data ({address}): none of the offence's codes {list(offence.codes)} "
            f"among its {offence.dimension} categories {sorted(codes)}"
        )


def _reason(error: Exception) -> str:
    cause: BaseException = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__
