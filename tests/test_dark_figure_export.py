"""The pack with a dark-figure estimate (its method, data and model table), and what an estimate leaves alone.

An estimate only adds its own parts: every CSV and chart of the pack built without one is, byte for
byte, in the pack built with one, from the same published file. (When the estimate was added, the
pack without one was also compared byte for byte with the pack of the code before it.)
"""

import csv
import json
from pathlib import Path

import pytest
from frictionless import validate
from pack_workbook import table_rows, workbook_of

from export import build_pack
from export.dark_figure import ESTIMATE_TABLE, MODELS_TABLE
from reporting.dark_figure import estimate_upload
from reporting.texts import text

REPO = Path(__file__).resolve().parent.parent
GOOD = b"police,UDI,ROSA,count\n1,0,0,30\n0,1,0,25\n0,0,1,20\n1,1,0,10\n1,0,1,8\n0,1,1,6\n1,1,1,3\n"
ATTACK = b"=cmd,B,n\n1,0,5\n0,1,6\n1,1,2\n"
DARK_TABLES = ("dark_figure_estimate", "dark_figure_models", "dark_figure_data")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def estimate():
    return estimate_upload(GOOD, "kom_overlap.csv")


@pytest.fixture(scope="module")
def pack_with_estimate(refreshed, estimate, tmp_path_factory) -> Path:
    """The session's `pack` (conftest: the same publication and years, 2010–2024) with the estimate."""
    return build_pack(refreshed.published, 2010, 2024, tmp_path_factory.mktemp("dark"), estimate=estimate)


def test_the_pack_carries_the_estimate_its_models_and_its_data(pack_with_estimate, estimate):
    result = estimate.result
    (row,) = read_csv(pack_with_estimate / "csv" / "dark_figure_estimate.csv")
    assert row["file"] == "kom_overlap.csv" and row["lists"] == "police;UDI;ROSA"
    assert (row["method"], row["stepwise_rule"], row["threshold"]) == ("stepwise", "poisson", "0.02")
    assert int(row["registered"]) == result.registered == 102
    assert float(row["estimate"]) == pytest.approx(result.estimate, abs=1e-6)
    assert float(row["ci_low"]) == pytest.approx(result.ci_low, abs=1e-6)
    assert float(row["ratio"]) == pytest.approx(result.ratio, abs=1e-6)
    assert float(row["range_low"]) == pytest.approx(result.estimate_range()[0], abs=1e-6)
    models = read_csv(pack_with_estimate / "csv" / "dark_figure_models.csv")
    assert len(models) == result.models.height and [m["selected"] for m in models].count("True") == 1
    assert list(models[0]) == [field.name for field in MODELS_TABLE.fields]
    data = read_csv(pack_with_estimate / "csv" / "dark_figure_data.csv")
    assert list(data[0]) == ["police", "UDI", "ROSA", "count"]
    assert sum(int(line["count"]) for line in data) == 102


def test_the_estimate_has_sheets_a_front_line_and_described_resources(pack_with_estimate, estimate):
    workbook = workbook_of(pack_with_estimate, "en")
    assert {text(f"pack.sheet.{name}", "en") for name in DARK_TABLES} <= set(workbook.sheetnames)
    (row,) = table_rows(workbook, "dark_figure_estimate", "en")
    assert list(row) == [field.label("en") for field in ESTIMATE_TABLE.fields]
    cover = [cell for (cell,) in workbook[text("pack.sheet.cover", "en")].iter_rows(max_col=1, values_only=True)]
    line = cover[cover.index("Dark figure") + 1]
    assert line.startswith("kom_overlap.csv, stepwise, Poisson rule")
    assert f"estimate {estimate.result.estimate:.0f}" in line and "registered 102" in line
    assert f"CI {estimate.result.ci_low:.0f}–{estimate.result.ci_high:.0f}" in line
    assert f"ratio {estimate.result.ratio:.2f}" in line
    assert "**Mørketall**: kom_overlap.csv, trinnvis, Poisson-regel" in (pack_with_estimate / "LES-MEG.md").read_text()
    report = validate(pack_with_estimate / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    resources = {r["name"]: r for r in json.loads((pack_with_estimate / "datapackage.json").read_text())["resources"]}
    for name in DARK_TABLES:
        assert resources[name]["path"] == f"csv/{name}.csv" and resources[name]["schema"]["fields"]
    assert [field["name"] for field in resources["dark_figure_data"]["schema"]["fields"]] == [
        "police", "UDI", "ROSA", "count"
    ]  # fmt: skip


def test_a_list_name_that_looks_like_a_formula_is_neutralised(refreshed, tmp_path):
    pack = build_pack(refreshed.published, 2016, 2016, tmp_path, estimate=estimate_upload(ATTACK, "x.csv"))
    with (pack / "csv" / "dark_figure_data.csv").open(encoding="utf-8") as handle:
        assert handle.readline().startswith("'=cmd,B,")
    (row,) = read_csv(pack / "csv" / "dark_figure_estimate.csv")
    assert row["lists"] == "'=cmd;B"


def test_an_estimate_that_does_not_exist_goes_in_with_its_reason(refreshed, tmp_path):
    estimate = estimate_upload(b"A,B,n\n1,0,5\n0,1,6\n", "disjoint.csv")
    pack = build_pack(refreshed.published, 2016, 2016, tmp_path, estimate=estimate)
    (row,) = read_csv(pack / "csv" / "dark_figure_estimate.csv")
    assert row["estimate"] == "" and row["reason"] == estimate.result.reason
    assert "no model passed the checks" in (pack / "LES-MEG.md").read_text()


def test_an_estimate_only_adds_its_own_parts_to_the_pack(pack, pack_with_estimate):
    """The same publication and years; the code version is written in neither a CSV nor a chart."""
    without, with_estimate = pack, pack_with_estimate
    plain = sorted(path.relative_to(without) for path in without.rglob("*") if path.suffix in (".csv", ".svg"))
    added = sorted(
        path.relative_to(with_estimate) for path in with_estimate.rglob("*") if path.suffix in (".csv", ".svg")
    )
    assert sorted(set(added) - set(plain)) == [
        Path("csv/dark_figure_data.csv"),
        Path("csv/dark_figure_estimate.csv"),
        Path("csv/dark_figure_models.csv"),
    ]
    for name in plain:
        assert (without / name).read_bytes() == (with_estimate / name).read_bytes(), f"{name} changed"
