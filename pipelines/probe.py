"""Ask every source what a refresh would read now, without publishing: `python -m pipelines.probe`.

The first thing to run on a new server (and after a publisher moves its files). For each downloaded source it
finds the address the refresh would take (the announcement page's newest link, a `/node/<id>/download` followed
by name, the mirror or the `TRAFFICKING_SOURCE_<ID>` setting) and asks the server about the file (size, date,
the name it gives) without downloading it: with HEAD, or where the server refuses HEAD (405, 501) with a GET of
the first byte, and says which (`asked_with`); for a CSV it reads the first line only (an HTTP Range request)
to list the columns and say which the reader would refuse. For SSB it runs the table search and reads each
table's metadata (never its data): the offence's code per table, and labels no crosswalk knows. Then what the
refresh would do with each source. Exit 0 when a refresh would read every source, 3 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from core.settings import download_retries_from_env, mirror_from_env, source_start_from_env
from core.urls import masked_in
from pipelines import crosswalk
from pipelines.download import (
    PAGE_BYTES_READ,
    DownloadError,
    Limits,
    RemoteFile,
    ask_about,
    candidates,
    detect_kind,
    http_session,
    linked_file,
    looks_like_html,
    named_in,
    size_in,
)
from pipelines.register import downloaded_files
from pipelines.sources.iom_ctdc.assets import CTDC_SYNTHETIC
from pipelines.sources.iom_ctdc.parse import CtdcFormatError, profile_columns, resolve_columns
from pipelines.sources.ssb import harmonise as ssb_harmonise
from pipelines.sources.ssb.api import MAX_DISCOVERED, Client, SsbError, dataset_of, metadata_address, pace_from_env
from pipelines.sources.ssb.parse import without_depth_marks
from pipelines.sources.ssb.tables import KNOWN_TABLE_IDS, OFFICIAL_API, OffenceNotFound, find_offence

HEADER_BYTES = 64 * 1024
EXIT_ALL_READ, EXIT_NOT_ALL = 0, 3


@dataclass
class Finding:
    """What the probe found for one source, and what a refresh would do with it."""

    source_id: str
    would: str = "read it"
    address: str | None = None
    release: str | None = None
    details: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not self.problems


def probe_file(remote: RemoteFile, mirror: str, session: requests.Session, limits: Limits) -> Finding:
    """The address and release a refresh would take for `remote`, asked without downloading the file."""
    finding = Finding(remote.source_id)
    tried = []
    for candidate in candidates(remote, mirror, source_start_from_env(remote.source_id)):
        try:
            address, release = _locate(remote, candidate.address, candidate.may_be_page, session, limits)
            finding.address, finding.release = address, release
            finding.details |= _about(remote, address, session, limits)
            if remote is CTDC_SYNTHETIC:
                _check_ctdc_columns(finding, address, session, limits)
            if finding.problems:
                finding.would = "keep its last good release (the file would be refused)"
            return finding
        except DownloadError as error:
            tried.append(str(error))
    finding.problems = tried
    finding.would = "keep its last good release (no address gave the file)"
    return finding


def _locate(
    remote: RemoteFile, address: str, may_be_page: bool, session: requests.Session, limits: Limits
) -> tuple[str, str | None]:
    if not may_be_page or "://" not in address:
        return address, None
    try:
        with session.get(address, timeout=limits.timeout, stream=True) as answer:
            if answer.status_code >= 400:
                raise DownloadError(f"{address} answered HTTP {answer.status_code} {answer.reason}")
            head = answer.raw.read(PAGE_BYTES_READ)
    except requests.RequestException as error:
        raise DownloadError(f"cannot reach {address}: {type(error).__name__}") from error
    if not looks_like_html(head[:2048]):
        return address, None  # the setting names the file itself
    with tempfile.NamedTemporaryFile() as page:
        page.write(head)
        page.flush()
        return linked_file(remote, address, Path(page.name), session, limits)


def _about(remote: RemoteFile, address: str, session: requests.Session, limits: Limits) -> dict[str, object]:
    if "://" not in address:
        path = Path(address)
        if not path.is_file():
            raise DownloadError(f"{address}: no such file")
        detect_kind(path, remote, address)  # a file of the kind the refresh reads, or the reason it would refuse it
        return {"size_bytes": path.stat().st_size, "file_name": path.name}
    try:
        answer, asked_with = ask_about(address, session, limits)
    except requests.RequestException as error:
        raise DownloadError(f"cannot reach {address}: {type(error).__name__}") from error
    if answer.status_code >= 400:
        raise DownloadError(f"{address} answered HTTP {answer.status_code} {answer.reason} ({asked_with})")
    return {
        "asked_with": asked_with,
        "size_bytes": size_in(answer),
        "last_modified": answer.headers.get("Last-Modified"),
        "file_name": named_in(answer),
    }


def _check_ctdc_columns(finding: Finding, address: str, session: requests.Session, limits: Limits) -> None:
    """The CSV's header (its first bytes only), and whether the reader would take it."""
    if "://" in address:
        answer = session.get(
            address, headers={"Range": f"bytes=0-{HEADER_BYTES - 1}"}, timeout=limits.timeout, stream=True
        )
        first = answer.raw.read(HEADER_BYTES)
        answer.close()
    else:
        with open(address, "rb") as stream:
            first = stream.read(HEADER_BYTES)
    line = first.decode("utf-8-sig", errors="replace").splitlines()[0] if first else ""
    separator = "\t" if line.count("\t") > line.count(",") else ","
    header = [name.strip() for name in next(csv.reader(io.StringIO(line), delimiter=separator), [])]
    finding.details["columns"] = len(header)
    try:
        resolve_columns(header, finding.details.get("file_name") or "the CTDC file")
        profiles = profile_columns(header, finding.details.get("file_name") or "the CTDC file")
        finding.details["profile_columns"] = sorted(profiles)
    except CtdcFormatError as error:
        finding.problems.append(str(error))


def probe_ssb(session: requests.Session, limits: Limits) -> Finding:
    """The table search and each table's metadata: the offence's code(s) and labels no crosswalk knows."""
    start = source_start_from_env("ssb")
    mirror = "" if start else mirror_from_env()
    try:
        pace = pace_from_env()
    except ValueError as error:
        return Finding("ssb", would="keep its last good release (a setting is wrong)", problems=[str(error)])
    client = Client(start or ("" if mirror else OFFICIAL_API), mirror, session, pace, limits.timeout)
    finding = Finding("ssb", address=client.api or mirror)
    if client.from_mirror:
        present = [table_id for table_id in KNOWN_TABLE_IDS if client.mirrored(table_id, "metadata") is not None]
        finding.details["tables"] = present
        if not present:
            finding.problems.append(f"the mirror {mirror} has no SSB tables (ssb/<table id>/metadata.json)")
            finding.would = "be absent, or keep its last good release"
        return finding
    found, said = client.search()
    finding.details["search"] = said
    tables = {}
    for table_id in (*KNOWN_TABLE_IDS, *[t for t in found if t not in KNOWN_TABLE_IDS][:MAX_DISCOVERED]):
        address = metadata_address(client.api, table_id)
        try:
            metadata = dataset_of(client.request(address), table_id, "metadata", address)
            offence = find_offence(metadata, table_id)
        except (SsbError, OffenceNotFound) as error:
            tables[table_id] = {"problem": str(error)}
            continue
        tables[table_id] = {
            "updated": metadata.updated,
            "offence": f"{offence.dimension}={list(offence.codes)}",
            "labels_not_in_crosswalk": _unknown_labels(metadata, offence.dimension),
        }
    finding.details["tables"] = tables
    failed = [table_id for table_id in KNOWN_TABLE_IDS if "problem" in tables.get(table_id, {})]
    if len(failed) == len(KNOWN_TABLE_IDS):
        finding.problems.append("no known table could be read")
        finding.would = "keep its last good release"
    elif failed:
        finding.would = f"read it; tables {', '.join(failed)} keep their last good release"
    return finding


def _unknown_labels(metadata, offence_dimension: str) -> list[str]:  # noqa: ANN001 - a JSON-stat Dataset
    contents = crosswalk.mapping(ssb_harmonise.CROSSWALK, "contents")
    categories = crosswalk.mapping(ssb_harmonise.CROSSWALK, "category")
    skipped = {offence_dimension, metadata.role("time")}
    unknown = []
    for dimension in metadata.dimensions:
        if dimension.id in skipped:
            continue
        known = contents if dimension.id == metadata.role("metric") else categories
        unknown += [f"{dimension.id}: {label}" for label in dimension.labels if without_depth_marks(label) not in known]
    return unknown


def probe_all() -> list[Finding]:
    limits = Limits()
    session = http_session(min(download_retries_from_env(), 1), 0.5, methods=("GET", "HEAD", "POST"))
    mirror = mirror_from_env()
    return [*(probe_file(remote, mirror, session, limits) for remote in downloaded_files()), probe_ssb(session, limits)]


def report_lines(findings: list[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"{finding.source_id}: would {finding.would}")
        if finding.address:
            lines.append(f"  address  {finding.address}")
        if finding.release:
            lines.append(f"  release  {finding.release}")
        for key, value in finding.details.items():
            if value is None:
                continue
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
            lines.append(f"  {key:<8} {shown}")
        lines += [f"  problem  {problem}" for problem in finding.problems]
    return lines


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.probe", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    options = parser.parse_args(arguments)
    findings = probe_all()
    if options.json:
        print(masked_in(json.dumps([asdict(finding) for finding in findings], indent=1, ensure_ascii=False)))
    else:
        print(masked_in("\n".join(report_lines(findings))))
    return EXIT_ALL_READ if all(finding.readable for finding in findings) else EXIT_NOT_ALL


if __name__ == "__main__":
    sys.exit(main())
