"""The one download helper every source uses.

Where a file comes from, in the order tried:

1. `TRAFFICKING_SOURCE_<SOURCE_ID>` when set (a page or a file, say on 127.0.0.1), else the page
   where the publisher announces its current release, else the file's official address;
2. when that start is a web page, the link on it that matches the source's pattern (the release,
   such as `2025-11`, is read from the link);
3. the known addresses of earlier releases, as fallbacks.

When `TRAFFICKING_MIRROR` is set (and no per-source setting), the file comes from the same
relative path under the mirror (a directory or an http(s) base URL) instead. Each answer is
written to a temporary file, checked to be the kind of file expected, and only then renamed over
the previous copy: a failed, empty or garbled download raises `DownloadError` naming every address
tried and what each answered, and the previous good file stays as it was. Transient HTTP errors
(timeouts, 429, 5xx) are retried with backoff by urllib3's `Retry`.
"""

import errno
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import dagster as dg
import requests
import urllib3
from pydantic import Field
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from core import atomic
from core.checksums import sha256_of
from core.settings import source_start_from_env
from core.sources import register
from core.urls import masked, masked_in

USER_AGENT = "trafficking-statistics-norway/0.1 (+statistics pipeline)"
TIMEOUT_SECONDS = 120
"""How long one request may wait for the server to connect or to send the next bytes."""
DEADLINE_SECONDS = 1800
"""How long one download may take in all, however steadily the bytes trickle in."""
MAX_RETRY_AFTER_SECONDS = 30
"""The longest wait a server's `Retry-After` buys (it may ask for 900 s); with 3 tries, 90 s per request."""
MAX_FILE_BYTES = 1 << 30
"""The largest file a source may send (the largest real one, CTDC's CSV, is about 11 MB); more is refused as
it arrives, so a padded or endless answer fills neither memory nor disk."""
TRANSIENT_STATUSES = (429, 500, 502, 503, 504)
HEAD_REFUSED = (405, 501)
"""A server's answers to a HEAD it does not take (Method Not Allowed, Not Implemented): the same question is then
asked with a GET of the file's first byte (`Range: bytes=0-0`), streamed and closed unread."""
FIRST_BYTE = {"Range": "bytes=0-0"}
PAGE_BYTES_READ = 5 * 1024 * 1024
"""A start page larger than this is not searched for links (it is not a page)."""


@dataclass(frozen=True)
class Limits:
    """What one download may cost: each wait for the server, the whole download, and the bytes it may send."""

    timeout: float = TIMEOUT_SECONDS
    deadline: float = DEADLINE_SECONDS
    max_bytes: int = MAX_FILE_BYTES


class DownloadError(RuntimeError):
    """A download failed or did not bring the file expected; a secret in an address it names is masked."""

    def __init__(self, message: str) -> None:
        super().__init__(masked_in(str(message)))


class NotModified(Exception):
    """The server answered 304: the file is the one the validators describe."""


@dataclass(frozen=True)
class Announcement:
    """The page where a publisher announces its current release, and how that page links the file.

    `link` is a regular expression for the file's address in the page's HTML; its named group
    `release` (if any) identifies the release, e.g. the month in `files/2025-11/data_glotip.xlsx`.
    `downloads`, when the page may link the file only by a generic address (Drupal's `/node/<id>/download`),
    is a regular expression for those addresses: each is asked for the file's name (HEAD, or a GET of the first
    byte where HEAD is refused: `ask_about`), which `link` must then match (from `Content-Disposition`, or the
    address it redirects to).
    """

    page: str
    link: str
    downloads: str | None = None


@dataclass(frozen=True)
class RemoteFile:
    """A file a source publishes.

    `url` is the official address cited in provenance. `mirror_path` is where the file lies under
    a mirror laid out like `../shared/data`. `kinds` lists the file kinds accepted ("xlsx", "csv",
    "zip"): an official zip may be mirrored as the CSV inside it. `announcement` says where the
    current release is found; `known_urls` are addresses of earlier releases, tried after it.
    """

    source_id: str
    publication: str
    url: str
    mirror_path: str
    kinds: tuple[str, ...]
    announcement: Announcement | None = None
    known_urls: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return Path(self.mirror_path).name


@dataclass(frozen=True)
class FetchedFile:
    """A downloaded file and what is known of where it came from."""

    source_id: str
    publication: str
    path: Path
    url: str  # the official address, for citation
    fetched_from: str  # where it was actually fetched (the official address, or the mirror)
    from_mirror: bool
    retrieved_at: str
    size_bytes: int
    sha256: str
    kind: str
    release: str  # the publisher's release (from the link, or the server's Last-Modified date), or the checksum
    validators: dict[str, str] | None = None  # the server's ETag and Last-Modified, to ask next time "changed since?"

    @property
    def provenance_id(self) -> str:
        return f"{self.source_id}:{self.sha256[:12]}"

    def as_record(self) -> dict[str, object]:
        return {
            "provenance_id": self.provenance_id,
            "source_id": self.source_id,
            "publication": self.publication,
            "url": self.url,
            "fetched_from": masked(self.fetched_from),
            "from_mirror": self.from_mirror,
            "retrieved_at": self.retrieved_at,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "file_kind": self.kind,
            "local_path": str(self.path),
            "release": self.release,
        }


@dataclass(frozen=True)
class Candidate:
    """An address to try: a page to search for the file's link, or the file itself."""

    address: str
    from_mirror: bool
    may_be_page: bool


def candidates(remote: RemoteFile, mirror: str = "", start: str = "") -> list[Candidate]:
    """The addresses to try for `remote`, in order (see the module docstring)."""
    if start:
        return [Candidate(start, from_mirror=False, may_be_page=remote.announcement is not None)]
    if mirror:
        address = (
            f"{mirror.rstrip('/')}/{remote.mirror_path}" if "://" in mirror else str(Path(mirror) / remote.mirror_path)
        )
        return [Candidate(address, from_mirror=True, may_be_page=False)]
    tried = []
    if remote.announcement is not None:
        tried.append(Candidate(remote.announcement.page, from_mirror=False, may_be_page=True))
    for address in (*remote.known_urls, remote.url):
        if address not in [candidate.address for candidate in tried]:
            tried.append(Candidate(address, from_mirror=False, may_be_page=False))
    return tried


class BoundedRetry(Retry):
    """urllib3's `Retry`, with a server's `Retry-After` waited out only up to `max_retry_after` seconds."""

    max_retry_after: float = MAX_RETRY_AFTER_SECONDS

    def get_retry_after(self, response: urllib3.BaseHTTPResponse) -> float | None:
        asked = super().get_retry_after(response)
        return None if asked is None else min(asked, self.max_retry_after)


def http_session(
    retries: int = 3,
    backoff_seconds: float = 0.5,
    methods: tuple[str, ...] = ("GET", "HEAD"),
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS,
) -> requests.Session:
    """A session that retries connection errors, timeouts, 429 and 5xx with exponential backoff.

    A `Retry-After` header (429, 503) is waited out, up to `max_retry_after` seconds a time. `methods` are the
    requests retried: an API that takes a long query as a POST which changes nothing (SSB's PxWebApi) adds
    "POST".
    """
    bounded = type("BoundedRetry", (BoundedRetry,), {"max_retry_after": max_retry_after})
    retry = bounded(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_seconds,
        status_forcelist=TRANSIENT_STATUSES,
        allowed_methods=methods,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def fetch(
    remote: RemoteFile,
    target_dir: Path,
    mirror: str = "",
    start: str = "",
    session: requests.Session | None = None,
    timeout: float = TIMEOUT_SECONDS,
    validators: dict[str, str] | None = None,
    deadline: float = DEADLINE_SECONDS,
    max_bytes: int | None = None,
) -> FetchedFile:
    """Find `remote`'s current release, download it into `target_dir`, check it, and swap it into place.

    `start` replaces where discovery starts (the `TRAFFICKING_SOURCE_<SOURCE_ID>` setting). `max_bytes` defaults to
    the source's limit in the register of sources (`max_megabytes`), else `MAX_FILE_BYTES`.
    `validators` (an earlier answer's `FetchedFile.validators`) makes the request conditional on the
    file having changed since; a server that answers 304 raises `NotModified` and nothing is written.
    """
    session = session or http_session()
    target_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    limits = Limits(timeout, deadline, max_bytes or registered_max_bytes(remote.source_id))
    for candidate in candidates(remote, mirror, start):
        try:
            return _fetch_candidate(remote, candidate, target_dir, session, limits, validators or {})
        except DownloadError as error:
            failures.append(str(error))
    if len(failures) == 1:
        raise DownloadError(failures[0])
    raise DownloadError(f"{remote.source_id}: no address gave {remote.file_name}: " + "; ".join(failures))


def registered_max_bytes(source_id: str) -> int:
    """How large a file of this source may be: the register's `max_megabytes`, else `MAX_FILE_BYTES`."""
    entry = register().get(source_id)
    return (entry.max_bytes if entry else None) or MAX_FILE_BYTES


def _fetch_candidate(
    remote: RemoteFile,
    candidate: Candidate,
    target_dir: Path,
    session: requests.Session,
    limits: Limits,
    validators: dict[str, str],
) -> FetchedFile:
    target = target_dir / remote.file_name
    with atomic.replacing_file(target) as temp:
        conditional = validators if validators.get("address") == candidate.address else {}
        answer = _download(candidate.address, temp, session, limits, conditional)
        address, release = candidate.address, None
        if candidate.may_be_page and looks_like_html(_head(temp)):
            address, release = linked_file(remote, candidate.address, temp, session, limits)
            conditional = validators if validators.get("address") == address else {}
            answer = _download(address, temp, session, limits, conditional)
        kind = detect_kind(temp, remote, address)
        digest, size = sha256_of(temp), temp.stat().st_size
    official = remote.announcement is not None and candidate.address == remote.announcement.page
    return FetchedFile(
        source_id=remote.source_id,
        publication=remote.publication,
        path=target,
        url=address if official or candidate.address in remote.known_urls else remote.url,
        fetched_from=address if "://" in address else Path(address).as_uri(),
        from_mirror=candidate.from_mirror,
        retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
        size_bytes=size,
        sha256=digest,
        kind=kind,
        release=release or _release_date(answer.get("last_modified")) or f"sha256:{digest[:12]}",
        validators={"address": address, **answer},
    )


def linked_file(
    remote: RemoteFile, page: str, body: Path, session: requests.Session, limits: Limits
) -> tuple[str, str | None]:
    """The address of the file the announcement page links, and the release named in the link (or, for a
    generic download address, in the file name the server gives it)."""
    assert remote.announcement is not None
    with open(body, "rb") as stream:
        html = stream.read(PAGE_BYTES_READ).decode("utf-8", errors="replace")
    matches = list(re.finditer(remote.announcement.link, html))
    if not matches and remote.announcement.downloads:
        return _named_download(remote, page, html, session, limits)
    if not matches:
        raise DownloadError(f"{page}: the page links no file matching {remote.announcement.link!r}")
    found = newest_release(matches, page)
    link = found.group(0) if "url" not in found.groupdict() else found.group("url")
    release = found.groupdict().get("release")
    return on_the_page_s_host(page, urljoin(page, link.replace("&amp;", "&"))), release


def on_the_page_s_host(page: str, address: str) -> str:
    """`address`, when it is on the host and port of the `page` that links it; else `DownloadError`: a publisher's
    page links its own files, and a link elsewhere (another host, another port) is not followed."""

    def origin(url: str) -> tuple[str | None, int | None]:
        parts = urlsplit(url)
        return parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)

    if origin(page) != origin(address):
        host, port = origin(address)
        raise DownloadError(
            f"{page}: the page links the file on another host or port ({host}:{port}); not followed "
            "(a publisher's page links its own files)"
        )
    return address


def _named_download(
    remote: RemoteFile, page: str, html: str, session: requests.Session, limits: Limits
) -> tuple[str, str | None]:
    """Of the page's generic download addresses, the one whose file name matches `link`, newest release first."""
    assert remote.announcement is not None and remote.announcement.downloads
    addresses = dict.fromkeys(
        on_the_page_s_host(page, urljoin(page, found.replace("&amp;", "&")))
        for found in re.findall(remote.announcement.downloads, html)
    )
    named = []
    for address in addresses:
        name = served_file_name(address, session, limits)
        match = re.search(remote.announcement.link, name or "")
        if match:
            named.append((address, match))
    if not named:
        asked = f"{len(addresses)} download address(es) asked" if addresses else "no download address either"
        raise DownloadError(f"{page}: the page links no file matching {remote.announcement.link!r} ({asked})")
    newest = newest_release([match for _, match in named], page)
    address = next(address for address, match in named if match is newest)
    return address, newest.groupdict().get("release")


def served_file_name(address: str, session: requests.Session, limits: Limits) -> str | None:
    """The name a server gives the file at `address`: its `Content-Disposition` file name, else the last part of
    the address it redirects to; None when the server cannot be asked."""
    try:
        answer, _ = ask_about(address, session, limits)
    except requests.RequestException:
        return None
    return None if answer.status_code >= 400 else named_in(answer)


def ask_about(address: str, session: requests.Session, limits: Limits) -> tuple[requests.Response, str]:
    """The server's answer about the file at `address`, without its body, and how it was asked: with HEAD, or where
    the server refuses HEAD (405, 501) with a GET of the first byte, streamed and closed unread (a server that
    ignores the range sends the whole file, of which nothing is read). Raises `requests.RequestException`."""
    answer = session.head(address, allow_redirects=True, timeout=limits.timeout)
    if answer.status_code not in HEAD_REFUSED:
        return answer, "HEAD"
    with session.get(address, headers=FIRST_BYTE, allow_redirects=True, stream=True, timeout=limits.timeout) as ranged:
        return ranged, f"GET of the first byte (HEAD answered HTTP {answer.status_code})"


def size_in(answer: requests.Response) -> int | None:
    """The file's size an answer states: the total of its `Content-Range` (a ranged answer), else its
    `Content-Length`; None when it states none."""
    total = answer.headers.get("Content-Range", "").rpartition("/")[2]
    if answer.status_code == 206 and total.isdigit():
        return int(total)
    stated = answer.headers.get("Content-Length", "")
    return int(stated) if answer.status_code != 206 and stated.isdigit() else None


def named_in(answer: requests.Response) -> str | None:
    """The file name an answer gives: its `Content-Disposition` file name, else the last part of its address."""
    disposition = answer.headers.get("Content-Disposition")
    if disposition:
        header = Message()
        header["Content-Disposition"] = disposition
        if name := header.get_filename():
            return name
    return Path(urlsplit(answer.url).path).name or None


def newest_release(matches: list[re.Match[str]], page: str) -> re.Match[str]:
    """The link to the newest release a page offers, not the first it lists; a release dated after this
    month is refused (a folder `2099-12` is a mistake or a trap, not a release)."""
    if "release" not in matches[0].groupdict():
        return matches[0]
    this_month = datetime.now(UTC).strftime("%Y-%m")
    dated = [match for match in matches if not _in_the_future(match.group("release"), this_month)]
    if not dated:
        future = sorted({match.group("release") for match in matches})
        raise DownloadError(f"{page}: every release the page links is dated in the future: {future}")
    return max(dated, key=lambda match: release_order(match.group("release")))


def release_order(release: str | None) -> tuple[int, ...]:
    """A release's place in time, from the numbers in its name (`2025-11` -> (2025, 11); `v2024` -> (2024,)); a
    date written without separators is read as one (`20250301` -> (2025, 3, 1), `202503` -> (2025, 3))."""
    order: list[int] = []
    for number in re.findall(r"\d+", release or ""):
        order += _compact_date(number) or [int(number)]
    return tuple(order)


def _compact_date(number: str) -> list[int] | None:
    """`20250301` or `202503` as year, month (and day) when it is a real date; None otherwise."""
    if len(number) not in (6, 8) or not 1900 < int(number[:4]) < 2200:
        return None
    try:
        moment = datetime.strptime(number, "%Y%m%d" if len(number) == 8 else "%Y%m")
    except ValueError:
        return None
    return [moment.year, moment.month, moment.day][: 3 if len(number) == 8 else 2]


def _in_the_future(release: str | None, this_month: str) -> bool:
    order = release_order(release)
    return bool(order) and 1900 < order[0] and order[:2] > release_order(this_month)[: len(order[:2])]


def _download(
    address: str, temp: Path, session: requests.Session, limits: Limits, validators: dict[str, str]
) -> dict[str, str]:
    """Write what `address` holds into `temp`; return the server's validators (`etag`, `last_modified`).

    With `validators` from an earlier answer the request asks "changed since?" (If-None-Match,
    If-Modified-Since) and a 304 raises `NotModified`.
    """
    try:
        with open(temp, "wb") as sink:
            if "://" not in address:
                try:
                    if Path(address).stat().st_size > limits.max_bytes:
                        raise DownloadError(_too_large(address, Path(address).stat().st_size, limits.max_bytes))
                    with open(address, "rb") as source:
                        shutil.copyfileobj(source, sink)
                except OSError as error:
                    raise DownloadError(
                        _write_problem(error, temp) or f"cannot read {address}: {error.strerror or error}"
                    ) from error
                return {}
            headers = {}
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]
            try:
                with session.get(address, stream=True, timeout=limits.timeout, headers=headers) as response:
                    if response.status_code == 304:
                        raise NotModified(address)
                    if response.status_code >= 400:
                        raise DownloadError(f"{address} answered HTTP {response.status_code} {response.reason}")
                    _copy_whole_body(response, sink, address, limits, temp)
                    answer = {
                        "etag": response.headers.get("ETag"),
                        "last_modified": response.headers.get("Last-Modified"),
                    }
                    return {name: value for name, value in answer.items() if value}
            except requests.RequestException as error:
                raise DownloadError(f"cannot download {address}: {_reason(error)}") from error
    except OSError as error:  # closing the file can be where a full disk shows
        raise DownloadError(
            _write_problem(error, temp) or f"cannot write the download into {temp.parent}: {error}"
        ) from error


def _reason(error: Exception) -> str:
    """The innermost cause of a requests error, in one line."""
    cause: BaseException = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__


def _release_date(last_modified: str | None) -> str | None:
    if not last_modified:
        return None
    try:
        return parsedate_to_datetime(last_modified).date().isoformat()
    except (TypeError, ValueError):
        return None


def _write_problem(error: OSError, temp: Path) -> str | None:
    """A failure to write the download (a full disk, a read-only folder), said as such, or None for any other."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return f"cannot write the download into {temp.parent}: {error.strerror}"
    return None


def _too_large(address: str, size: int, max_bytes: int) -> str:
    return f"{address}: the answer is larger than allowed ({size:,} bytes or more; at most {max_bytes:,})"


def read_capped(response: requests.Response, address: str, max_bytes: int) -> bytes:
    """The body of a streamed `response` (`stream=True`), refused with `DownloadError` as soon as it passes
    `max_bytes`: for answers read into memory (an API's JSON), which must not grow without bound."""
    stated = response.headers.get("Content-Length", "")
    if stated.isdigit() and int(stated) > max_bytes:
        raise DownloadError(_too_large(address, int(stated), max_bytes))
    body = bytearray()
    for block in response.iter_content(1 << 20):
        body += block
        if len(body) > max_bytes:
            raise DownloadError(_too_large(address, len(body), max_bytes))
    return bytes(body)


def _copy_whole_body(response: requests.Response, sink: BinaryIO, address: str, limits: Limits, temp: Path) -> None:
    """Copy the body; raise `DownloadError` when fewer bytes came than the Content-Length stated, when more
    came than `limits.max_bytes` (or the Content-Length says more will), or when the download is still going
    after `limits.deadline` seconds."""
    stated = response.headers.get("Content-Length", "")
    if stated.isdigit() and int(stated) > limits.max_bytes:
        raise DownloadError(_too_large(address, int(stated), limits.max_bytes))
    received = 0
    response.raw.enforce_content_length = False  # counted here, to say how much arrived
    deadline = limits.deadline
    give_up_at = time.monotonic() + deadline
    try:
        while block := response.raw.read1(1 << 20, decode_content=True):  # as HTTP says; the deadline seen in time
            sink.write(block)
            received += len(block)
            if received > limits.max_bytes:
                raise DownloadError(_too_large(address, received, limits.max_bytes))
            if time.monotonic() > give_up_at:
                raise DownloadError(
                    f"{address}: the download was still going after its deadline of {deadline:g} s "
                    f"({received} bytes arrived); gave up"
                )
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        written = _write_problem(error, temp) if isinstance(error, OSError) else None
        if written:
            raise DownloadError(written) from error
        if not (stated.isdigit() and received < int(stated)):
            raise DownloadError(f"cannot download {address}: the connection broke ({_reason(error)})") from error
    if stated.isdigit() and received < int(stated) and "gzip" not in response.headers.get("Content-Encoding", ""):
        raise DownloadError(
            f"{address}: the download was cut off: {received} bytes arrived of the {int(stated)} "
            "the server's Content-Length stated"
        )


def _head(path: Path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(2048)


def detect_kind(path: Path, remote: RemoteFile, address: str) -> str:
    """Which accepted kind the file is; raise `DownloadError` saying what it is instead."""
    size = path.stat().st_size
    if size == 0:
        raise DownloadError(f"{address}: the download is empty (0 bytes), expected {_kinds(remote)}")
    with open(path, "rb") as stream:
        head = stream.read(2048)
    if looks_like_html(head):
        raise DownloadError(
            f"{address}: the download is an HTML page, not the expected {_kinds(remote)} (an error or login page?)"
        )
    if head.startswith(b"PK\x03\x04"):
        return _check_zip(path, remote, address)
    if "csv" in remote.kinds and _looks_like_text(head):
        return "csv"
    raise DownloadError(
        f"{address}: the download is not a valid {_kinds(remote)} file (starts with {head[:16]!r}, {size} bytes)"
    )


def _check_zip(path: Path, remote: RemoteFile, address: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        raise DownloadError(
            f"{address}: the download is a truncated or damaged {_kinds(remote)} file ({error})"
        ) from error
    if broken is not None:
        raise DownloadError(f"{address}: member {broken} of the archive is damaged")
    kind = "xlsx" if "xl/workbook.xml" in names else "zip"
    if kind not in remote.kinds:
        raise DownloadError(f"{address}: got a {kind} archive, expected {_kinds(remote)}")
    return kind


def looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and (b"<html" in text or b"<!doctype html" in text)


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head


def _kinds(remote: RemoteFile) -> str:
    return " or ".join(remote.kinds)


class Downloader(dg.ConfigurableResource):
    """Finds and fetches source files: from where each release is announced, or from `mirror` when it is set.

    `starts` maps a source id to the address its discovery starts from instead (the
    `TRAFFICKING_SOURCE_<SOURCE_ID>` settings); for that source it wins over `mirror`.
    """

    mirror: str = ""
    starts: dict[str, str] = Field(default_factory=dict)
    retries: int = 3
    backoff_seconds: float = 0.5
    timeout_seconds: float = TIMEOUT_SECONDS
    deadline_seconds: float = DEADLINE_SECONDS

    def fetch(self, remote: RemoteFile, target_dir: Path, validators: dict[str, str] | None = None) -> FetchedFile:
        """`pipelines.download.fetch` with this resource's settings; may raise `NotModified` given `validators`."""
        start = self.starts.get(remote.source_id) or source_start_from_env(remote.source_id)
        session = http_session(self.retries, self.backoff_seconds)
        return fetch(
            remote, target_dir, self.mirror, start, session, self.timeout_seconds, validators, self.deadline_seconds
        )
