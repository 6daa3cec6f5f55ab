"""`python -m pipelines.probe` on stand-ins: what a refresh would read, without downloading whole files or publishing.

UNODC and World Bank come from the mirror, CTDC from a resource page that links its files only as
`/node/<id>/download` (the files named by `Content-Disposition`), SSB from the stand-in API (`ssb_fake`, invented
figures) with a decision group the crosswalk does not know and a table that answers 404.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from named_files import named_files_site
from ssb_fake import FakeSsb, serve

from pipelines.download import Limits, http_session
from pipelines.probe import EXIT_ALL_READ, EXIT_NOT_ALL, probe_file, probe_ssb
from pipelines.sources.iom_ctdc.assets import CTDC_SYNTHETIC
from pipelines.sources.ssb.tables import KNOWN_TABLE_IDS, names_the_offence

REPO = Path(__file__).resolve().parent.parent


def probe(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.probe", "--json"], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), "TRAFFICKING_DOWNLOAD_RETRIES": "0", **environment},
    )  # fmt: skip


def test_from_the_mirror_every_file_is_found_and_ssb_is_said_to_be_missing(mirror):
    done = probe({"TRAFFICKING_MIRROR": str(mirror)})
    assert done.returncode == EXIT_NOT_ALL, done.stderr
    found = {finding["source_id"]: finding for finding in json.loads(done.stdout)}
    for source_id in ("unodc_glotip", "iom_ctdc", "worldbank_population"):
        assert found[source_id]["problems"] == [] and Path(found[source_id]["address"]).is_file()
    assert found["iom_ctdc"]["details"]["columns"] == len(
        (mirror / "iom" / "ctdc_global_synthetic_20210825.csv").open(encoding="utf-8").readline().split(",")
    )
    assert "has no SSB tables" in found["ssb"]["problems"][0]


@pytest.fixture
def ctdc_site(mirror):
    records = (mirror / "iom" / "ctdc_global_synthetic_20210825.csv").read_bytes()
    page = b'<!DOCTYPE html><html><body><a href="/node/7/download">Codebook</a><a href="/node/8/download">Data</a>'
    files = {
        "/resource/microdata": (None, page),
        "/node/7/download": ("Codebook_CTDC_global_synthetic_data_v2025.pdf", b"%PDF-1.7"),
        "/node/8/download": ("CTDC_global_synthetic_data_v2025_0.csv", records),
    }
    with named_files_site(files) as site:
        yield site


def test_on_stand_ins_the_probe_names_the_release_the_offence_and_what_it_does_not_know(mirror, ctdc_site):
    fake = FakeSsb()
    groups = fake.tables["09405"].dimensions[1]
    fake.tables["09405"].dimensions[1] = (groups[0], groups[1], [*groups[2], ("BZZ", "¬¬ Henlagt")])
    fake.fail_always[("GET", "/api/pxwebapi/v2/tables/09406/metadata")] = (404, {})
    server, base = serve(fake)
    try:
        done = probe({"TRAFFICKING_MIRROR": str(mirror), "TRAFFICKING_SOURCE_SSB": base,
                      "TRAFFICKING_SOURCE_IOM_CTDC": f"{ctdc_site}/resource/microdata"})  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == EXIT_ALL_READ, done.stdout + done.stderr
    found = {finding["source_id"]: finding for finding in json.loads(done.stdout)}
    ctdc = found["iom_ctdc"]
    assert ctdc["address"] == f"{ctdc_site}/node/8/download" and ctdc["release"] == "v2025"
    assert ctdc["details"]["file_name"] == "CTDC_global_synthetic_data_v2025_0.csv" and not ctdc["problems"]
    tables = found["ssb"]["details"]["tables"]
    dimension, _, categories = fake.tables["09405"].dimensions[0]
    offence = [code for code, label in categories if names_the_offence(label)]
    assert tables["09405"]["offence"] == f"{dimension}={offence}"
    assert tables["09405"]["labels_not_in_crosswalk"] == ["PolitiAvgjorelse: ¬¬ Henlagt"], "SSB's own words"
    assert all(tables[table_id]["labels_not_in_crosswalk"] == [] for table_id in ("08484", "10651", "13579"))
    assert "HTTP 404" in tables["09406"]["problem"]
    assert found["ssb"]["would"] == "read it; tables 09406 keep their last good release"
    assert not any(request[1] == "GET" and "/data" in request[2] for request in fake.requests), "no data asked"


@pytest.mark.parametrize("refuse_head", [405, 501])
def test_a_ctdc_server_refusing_head_is_asked_with_a_ranged_get_and_the_probe_says_so(mirror, refuse_head, monkeypatch):
    records = (mirror / "iom" / "ctdc_global_synthetic_20210825.csv").read_bytes()
    page = b'<!DOCTYPE html><html><body><a href="/node/8/download">Data</a></body></html>'
    files = {
        "/resource/microdata": (None, page),
        "/node/8/download": ("CTDC_global_synthetic_data_v2025_0.csv", records),
    }
    with named_files_site(files, refuse_head) as site:
        monkeypatch.setenv("TRAFFICKING_SOURCE_IOM_CTDC", f"{site}/resource/microdata")
        finding = probe_file(CTDC_SYNTHETIC, "", http_session(retries=0), Limits())
    assert finding.readable and finding.release == "v2025", finding.problems
    assert finding.details["asked_with"] == f"GET of the first byte (HEAD answered HTTP {refuse_head})"
    assert finding.details["size_bytes"] == len(records) and finding.details["file_name"].endswith("v2025_0.csv")


def test_on_the_pxwebapi_stand_in_the_probe_reads_every_known_table_and_knows_every_label(monkeypatch):
    fake = FakeSsb()
    server, base = serve(fake)
    monkeypatch.setenv("TRAFFICKING_SOURCE_SSB", base)
    try:
        finding = probe_ssb(http_session(retries=0), Limits())
    finally:
        server.shutdown()
        server.server_close()
    tables = finding.details["tables"]
    assert finding.readable and finding.would == "read it"
    assert all("problem" not in tables[table_id] for table_id in KNOWN_TABLE_IDS), tables
    assert all(tables[table_id]["labels_not_in_crosswalk"] == [] for table_id in KNOWN_TABLE_IDS), tables
