"""World Bank population: read from the bulk CSV or its zip, published beside the facts, missing years kept missing."""

import re
import zipfile

import polars as pl
import pytest

from pipelines.crosswalk import UnknownLabelError
from pipelines.sources.worldbank_population import harmonise
from pipelines.sources.worldbank_population.parse import WorldBankFormatError, read_population

POPULATION_FILE = ("worldbank", "API_SP.POP.TOTL_DS2_en_csv_v2.csv")


def _file_row(mirror, code: str) -> dict[str, str]:
    """The row for `code` as the file has it, read with the csv module past the four lines above the header."""
    import csv

    with open(mirror.joinpath(*POPULATION_FILE), encoding="utf-8-sig") as stream:
        rows = list(csv.reader(stream))
    header = rows[4]
    return next(dict(zip(header, row, strict=False)) for row in rows[5:] if row[1] == code)


def test_norway_population_published_as_the_file_says(published, mirror):
    row = _file_row(mirror, "NOR")
    expected = {int(year): float(text) for year, text in row.items() if year.isdigit() and text}
    found = dict(published.execute("SELECT year, population FROM population WHERE geo = 'NOR'").fetchall())
    assert found == expected


def test_aggregates_have_named_codes_and_missing_years_stay_missing(published, mirror):
    world = _file_row(mirror, "WLD")
    assert published.execute("SELECT population FROM population WHERE geo = 'WORLD' AND year = 2022").fetchone() == (
        float(world["2022"]),
    )
    assert published.execute("SELECT count(*) FROM population WHERE geo = 'WLD'").fetchone() == (0,)
    missing_in_file = sum(
        1 for code in ("PSE", "INX") for year, text in _file_row(mirror, code).items() if year.isdigit() and not text
    )
    missing_published = published.execute(
        "SELECT count(*) FROM population WHERE geo IN ('PSE', 'WB_INX') AND population IS NULL AND status = 'missing'"
    ).fetchone()[0]
    assert missing_published == missing_in_file > 0


def test_rates_per_100k_only_where_population_is_known(published):
    last_year = published.execute("SELECT max(year) FROM population WHERE status = 'reported'").fetchone()[0]
    beyond = published.execute(
        "SELECT count(*), count(rate), count(population) FROM rates_per_100k WHERE year > ?", [last_year]
    ).fetchone()
    assert beyond[1] == 0 and beyond[2] == 0
    norway = published.execute(
        "SELECT value, population, rate, is_nordic FROM rates_per_100k "
        "WHERE geo = 'NOR' AND measure = 'victims_detected' AND value IS NOT NULL AND population IS NOT NULL"
    ).fetchall()
    assert norway
    for value, population, rate, is_nordic in norway:
        assert is_nordic and abs(rate - value / population * 100_000) < 1e-9
    nordic = {row[0] for row in published.execute("SELECT DISTINCT geo FROM rates_per_100k WHERE is_nordic").fetchall()}
    assert nordic <= {"NOR", "SWE", "DNK", "FIN", "ISL"} and "NOR" in nordic


def test_the_official_zip_is_read_like_the_mirror_csv(tmp_path, mirror):
    source = mirror.joinpath(*POPULATION_FILE)
    archive = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(source, source.name)
        bundle.writestr("Metadata_Country_API_SP.POP.TOTL_DS2_en_csv_v2.csv", "Country Code,Region\n")
    from_zip = read_population(archive).drop("line")
    from_csv = read_population(source).drop("line")
    assert from_zip.equals(from_csv) and from_csv.height > 0
    assert from_csv.filter(pl.col("code") == "NOR")["population"].null_count() == 0


@pytest.mark.parametrize("where", ["mid_value", "after_a_field", "before_the_trailing_comma"])
def test_a_file_cut_off_mid_row_fails_naming_file_and_line(tmp_path, mirror, where):
    """A last row cut anywhere fails: never a silent missing population."""
    text = mirror.joinpath(*POPULATION_FILE).read_bytes().rstrip(b"\r\n")
    last_line = text.count(b"\n") + 1
    start = text.rindex(b"\n") + 1
    after_tenth_comma = [i for i, byte in enumerate(text[start:], start=start) if byte == ord(",")][9] + 1
    end = {"mid_value": (start + len(text)) // 2, "after_a_field": after_tenth_comma}.get(where, len(text) - 1)
    cut = tmp_path / POPULATION_FILE[1]
    cut.write_bytes(text[:end])
    with pytest.raises(WorldBankFormatError, match=f"^{re.escape(cut.name)}, line {last_line}: "):
        read_population(cut)


def test_an_unknown_place_code_is_named_with_file_and_line(tmp_path, mirror):
    text = mirror.joinpath(*POPULATION_FILE).read_bytes()
    lines = text.split(b"\n")
    line = next(number for number, content in enumerate(lines, start=1) if b'"NOR"' in content)
    changed = tmp_path / POPULATION_FILE[1]
    changed.write_bytes(text.replace(b'"NOR"', b'"XNO"'))
    rows = read_population(changed)
    with pytest.raises(UnknownLabelError, match=f"{re.escape(changed.name)}, line {line} \\(Norway\\), code: 'XNO'"):
        harmonise.to_population(rows, "provenance", changed.name)


def test_a_file_with_only_its_header_is_refused(tmp_path, mirror):
    path = tmp_path / "API_header_only.csv"
    lines = mirror.joinpath(*POPULATION_FILE).read_text(encoding="utf-8-sig").splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith('"Country Name"'))
    path.write_text("\n".join(lines[: header + 1]) + "\n", encoding="utf-8")
    with pytest.raises(WorldBankFormatError, match=r"API_header_only.csv: no data lines below the header"):
        read_population(path)


def test_a_copy_saved_as_latin1_is_read_like_the_original(tmp_path, mirror):
    original = mirror.joinpath(*POPULATION_FILE)
    path = tmp_path / "API_latin1.csv"
    path.write_bytes(original.read_text(encoding="utf-8-sig").encode("latin-1", errors="replace"))
    assert read_population(path).equals(read_population(original))


def test_an_impossible_rate_stops_publication():
    import dagster as dg

    from pipelines.marts.world import rates_possible

    @dg.asset(key=["marts", "rates_per_100k"])
    def impossible() -> pl.DataFrame:
        return pl.DataFrame(
            {"geo": ["NOR"], "measure": ["victims_detected"], "year": [2020], "rate": [float("inf")],
             "rate_low": [float("inf")], "rate_high": [float("inf")]}
        )  # fmt: skip

    result = dg.materialize([impossible, rates_possible], raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and "1 rate(s) not finite or above 100,000" in evaluation.description
