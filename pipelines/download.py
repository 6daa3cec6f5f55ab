"""The one download helper every source uses.

A file comes from its official address or, when a mirror is set, from the same relative path
under the mirror (a directory or an http(s) base URL). It is written to a temporary file, checked
to be the kind of file expected, and only then renamed over the previous copy: a failed, empty or
garbled download raises `DownloadError` and the previous good file stays as it was.
"""

import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import dagster as dg

from pipelines.checksums import sha256_of

USER_AGENT = "trafficking-statistics-norway/0.1 (+statistics pipeline)"
TIMEOUT_SECONDS = 120


class DownloadError(RuntimeError):
    """A download failed or did not bring the file expected."""


@dataclass(frozen=True)
class RemoteFile:
    """A file a source publishes.

    `mirror_path` is where the file lies under a mirror laid out like `../shared/data`.
    `kinds` lists the file kinds accepted ("xlsx", "csv", "zip"): an official zip may be
    mirrored as the CSV inside it.
    """

    source_id: str
    publication: str
    url: str
    mirror_path: str
    kinds: tuple[str, ...]

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

    @property
    def provenance_id(self) -> str:
        return f"{self.source_id}:{self.sha256[:12]}"

    def as_record(self) -> dict[str, object]:
        return {
            "provenance_id": self.provenance_id,
            "source_id": self.source_id,
            "publication": self.publication,
            "url": self.url,
            "fetched_from": self.fetched_from,
            "from_mirror": self.from_mirror,
            "retrieved_at": self.retrieved_at,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "file_kind": self.kind,
            "local_path": str(self.path),
        }


def resolve_address(remote: RemoteFile, mirror: str) -> tuple[str, bool]:
    """The address to fetch from, and whether it is a mirror."""
    if not mirror:
        return remote.url, False
    if "://" in mirror:
        return f"{mirror.rstrip('/')}/{remote.mirror_path}", True
    return str(Path(mirror) / remote.mirror_path), True


def fetch(remote: RemoteFile, target_dir: Path, mirror: str = "") -> FetchedFile:
    """Download `remote` into `target_dir`, check it, and swap it into place atomically."""
    address, from_mirror = resolve_address(remote, mirror)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / remote.file_name
    handle, temp_name = tempfile.mkstemp(prefix=f".{remote.file_name}.", dir=target_dir)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as sink:
            _copy_from(address, sink)
        kind = detect_kind(temp, remote, address)
        digest = sha256_of(temp)
        size = temp.stat().st_size
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return FetchedFile(
        source_id=remote.source_id,
        publication=remote.publication,
        path=target,
        url=remote.url,
        fetched_from=address if "://" in address else Path(address).as_uri(),
        from_mirror=from_mirror,
        retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
        size_bytes=size,
        sha256=digest,
        kind=kind,
    )


def _copy_from(address: str, sink) -> None:  # noqa: ANN001 - a binary file object
    if "://" not in address:
        try:
            with open(address, "rb") as source:
                shutil.copyfileobj(source, sink)
        except OSError as error:
            raise DownloadError(f"cannot read {address}: {error.strerror or error}") from error
        return
    request = urllib.request.Request(address, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            _copy_whole_body(response, sink, address)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{address} answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"cannot download {address}: {reason}") from error


def _copy_whole_body(response: http.client.HTTPResponse, sink: BinaryIO, address: str) -> None:
    """Copy the body; raise `DownloadError` when fewer bytes came than the Content-Length stated."""
    stated = response.headers.get("Content-Length", "")
    start = sink.tell()
    shutil.copyfileobj(response, sink)
    received = sink.tell() - start
    if stated.isdigit() and received < int(stated):
        raise DownloadError(
            f"{address}: the download was cut off: {received} bytes arrived of the {int(stated)} "
            "the server's Content-Length stated"
        )


def detect_kind(path: Path, remote: RemoteFile, address: str) -> str:
    """Which accepted kind the file is; raise `DownloadError` saying what it is instead."""
    size = path.stat().st_size
    if size == 0:
        raise DownloadError(f"{address}: the download is empty (0 bytes), expected {_kinds(remote)}")
    with open(path, "rb") as stream:
        head = stream.read(2048)
    if _looks_like_html(head):
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


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and (b"<html" in text or b"<!doctype html" in text)


def _looks_like_text(head: bytes) -> bool:
    return b"\x00" not in head


def _kinds(remote: RemoteFile) -> str:
    return " or ".join(remote.kinds)


class Downloader(dg.ConfigurableResource):
    """Fetches source files from their official addresses, or from `mirror` when it is set."""

    mirror: str = ""

    def fetch(self, remote: RemoteFile, target_dir: Path) -> FetchedFile:
        return fetch(remote, target_dir, self.mirror)
