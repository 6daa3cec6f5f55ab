"""ILO curated estimates: carried to the published marts unchanged, parts checked against totals."""

import csv
import io
import re

import polars as pl
import pytest

from core.settings import CURATED_DIR
from pipelines.sources.ilo import harmonise
from pipelines.sources.ilo.parse import IloFormatError, read_estimates

CURATED = CURATED_DIR / "ilo" / "ilo_estimates.csv"


def test_every_curated_figure_reaches_the_published_marts_unchanged(published):
    curated = pl.read_csv(CURATED, infer_schema=False)
    expected = sorted(
        (row["edition"], row["region_label"], row["measure"], row["sex"], row["age_group"],
         row["exploitation_form"], float(row["value"]))
        for row in curated.to_dicts()
    )  # fmt: skip
    mart = published.execute(
        "SELECT edition, region_label, measure, sex, age_group, exploitation_form, value_low FROM ilo_estimates"
    ).fetchall()
    assert sorted(mart) == expected
    in_facts = published.execute("SELECT count(*), sum(value_low) FROM fact_indicator WHERE source = 'ilo'").fetchone()
    assert in_facts == (curated.height, pytest.approx(sum(float(v) for v in curated["value"])))


def test_mart_flags_are_the_facts_flags_and_a_lower_bound_is_flagged(published):
    curated = pl.read_csv(CURATED, infer_schema=False).with_row_index("line", offset=2)
    lower_lines = {row["line"] for row in curated.to_dicts() if row["bound"] == "lower_bound"}
    mart = published.execute(
        "SELECT CAST(split_part(source_location, 'row ', 2) AS INTEGER), flags, value FROM ilo_estimates"
    ).fetchall()
    assert lower_lines and {line for line, flags, _ in mart if "lower_bound" in flags.split(";")} == lower_lines
    assert all(value is None for line, _, value in mart if line in lower_lines)
    facts = published.execute(
        "SELECT CAST(regexp_extract(source_location, 'row (\\d+):', 1) AS INTEGER), flags "
        "FROM fact_indicator WHERE source = 'ilo'"
    ).fetchall()
    assert sorted(facts) == sorted((line, flags) for line, flags, _ in mart)


def test_world_forced_labour_by_edition_in_series_totals(published):
    curated = pl.read_csv(CURATED, infer_schema=False).filter(
        (pl.col("region_label") == "World")
        & (pl.col("measure") == "persons_in_forced_labour")
        & (pl.col("sex") == "total")
        & (pl.col("age_group") == "total")
        & (pl.col("exploitation_form") == "total")
    )
    expected = {row["period"]: float(row["value"]) for row in curated.to_dicts()}
    found = dict(
        published.execute(
            "SELECT period, value FROM series_totals WHERE source = 'ilo' AND geo = 'WORLD' "
            "AND measure = 'persons_in_forced_labour'"
        ).fetchall()
    )
    assert found == expected and len(expected) == 4


def test_each_edition_keeps_its_own_regions(published):
    regions = published.execute(
        "SELECT DISTINCT edition, geo FROM ilo_estimates WHERE geo <> 'WORLD' ORDER BY 1, 2"
    ).fetchall()
    assert regions
    assert all(geo.startswith("ILO") for _, geo in regions)
    prefixes = {edition: {geo.split("_")[0] for e, geo in regions if e == edition} for edition, _ in regions}
    assert all(len(found) == 1 for found in prefixes.values())


def test_parts_add_up_on_the_curated_file_and_a_broken_part_is_caught():
    estimates = read_estimates(CURATED)
    assert harmonise.parts_against_totals(estimates) == []
    female_2012 = (pl.col("edition") == "2012") & (pl.col("sex") == "female")
    broken = estimates.with_columns(value=pl.when(female_2012).then(pl.col("value") * 2).otherwise(pl.col("value")))
    problems = harmonise.parts_against_totals(broken)
    assert any("2012 persons_in_forced_labour WORLD by sex" in problem for problem in problems)


def test_a_curated_file_without_references_is_refused(tmp_path):
    broken = tmp_path / "ilo_estimates.csv"
    pl.read_csv(CURATED, infer_schema=False).drop("reference").write_csv(broken)
    with pytest.raises(IloFormatError, match="reference"):
        read_estimates(broken)


@pytest.mark.parametrize(
    ("column", "bad"),
    [
        ("measure", "persons_guessed"),
        ("sex", "both"),
        ("age_group", "teen"),
        ("exploitation_form", "sexual_and_labour"),
        ("unit", "persons_thousand"),
        ("region_label", "Oceania"),
    ],
)
def test_an_unknown_code_is_refused_naming_file_line_and_code(tmp_path, column, bad):
    with open(CURATED, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    header, line = rows[0], len(rows) // 2 + 1
    rows[line - 1][header.index(column)] = bad
    broken = tmp_path / CURATED.name
    with open(broken, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    with pytest.raises(IloFormatError, match=f"^{CURATED.name}, line {line}: unknown {column} '{bad}'"):
        read_estimates(broken)


def test_a_profit_edition_takes_the_reference_year_of_the_estimate_it_is_based_on():
    """'based on 2012 estimate' names an edition: its year and period; 'based on 2021 estimates' a reference year."""
    estimates = read_estimates(CURATED)
    editions = {
        row["edition"]: (row["year"], row["period"])
        for row in estimates.filter(~pl.col("edition").str.ends_with("profits")).to_dicts()
    }
    based = [(row, re.search(r"based on (\d{4}) estimates?", row["publication"])) for row in estimates.to_dicts()]
    checked = [(row["year"], row["period"], editions.get(m[1], (int(m[1]), m[1]))) for row, m in based if m]
    assert checked and all((year, period) == expected for year, period, expected in checked)


@pytest.mark.parametrize("bad", ["NaN", "inf", "-inf"])
def test_an_estimate_that_is_not_a_finite_number_is_refused_naming_its_row(tmp_path, bad):
    rows = CURATED.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = next(csv.reader([rows[5]]))
    cells[header.index("value")] = bad
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    rows[5] = buffer.getvalue()
    broken = tmp_path / "ilo_estimates.csv"
    broken.write_text("\n".join(rows) + "\n", encoding="utf-8")
    expected = r"ilo_estimates.csv: value is not a finite non-negative number: rows \[6\]"
    with pytest.raises(IloFormatError, match=expected):
        read_estimates(broken)
