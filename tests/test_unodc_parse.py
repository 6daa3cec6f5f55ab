"""The GLOTIP parser on the real workbook: header finding, text values, suppression, summed parts."""

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.sources.unodc_glotip.parse import COLUMNS, SHEET, GlotipFormatError, read_glotip, read_rows


@pytest.fixture(scope="module")
def workbook(mirror: Path) -> Path:
    return mirror / "unodc" / "data_glotip.xlsx"


@pytest.fixture(scope="module")
def staging(workbook: Path) -> pl.DataFrame:
    return read_glotip(workbook)


@pytest.fixture(scope="module")
def sheet_cells(workbook: Path) -> list[tuple]:
    """The sheet as openpyxl reads it: an independent reader to check the parser against."""
    book = openpyxl.load_workbook(workbook, read_only=True)
    rows = list(book[SHEET].iter_rows(values_only=True))
    book.close()
    return rows


def _cell_rows(sheet_cells: list[tuple], **where: str) -> list[tuple[int, tuple]]:
    header_index = next(i for i, row in enumerate(sheet_cells) if row and "txtVALUE" in row)
    header = sheet_cells[header_index]
    position = {name: header.index(name) for name in header if name}
    return [
        (number, row)
        for number, row in enumerate(sheet_cells[header_index + 1 :], start=header_index + 2)
        if all(str(row[position[column]]) == value for column, value in where.items())
    ], position


def test_norway_total_detected_victims_match_the_sheet(staging, sheet_cells):
    matches, position = _cell_rows(
        sheet_cells,
        Iso3_code="NOR",
        Indicator="Detected trafficking victims",
        Dimension="Total",
        Sex="Total",
        Age="Total",
    )
    expected = {
        int(row[position["Year"]]): float(str(row[position["txtVALUE"]]).replace(",", "")) for _, row in matches
    }
    parsed = staging.filter(
        (pl.col("iso3") == "NOR")
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") == "Total")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    )
    assert expected and dict(parsed.select("year", "value").iter_rows()) == expected


def test_thousands_separator_is_read_as_a_number(staging, sheet_cells):
    header_index = next(i for i, row in enumerate(sheet_cells) if row and "txtVALUE" in row)
    value_at = sheet_cells[header_index].index("txtVALUE")
    number, row = next(
        (n, r) for n, r in enumerate(sheet_cells[header_index + 1 :], start=header_index + 2) if "," in str(r[value_at])
    )
    parsed = staging.filter(pl.col("sheet_rows") == str(number))
    assert parsed["value"].to_list() == [float(str(row[value_at]).replace(",", ""))]


def test_suppressed_cell_is_null_with_bounds_one_to_four(staging, sheet_cells):
    matches, position = _cell_rows(
        sheet_cells, Iso3_code="NOR", Indicator="Persons convicted", Dimension="Total", Sex="Total", Age="Total"
    )
    suppressed_rows = [str(number) for number, row in matches if row[position["txtVALUE"]] == "<5"]
    assert suppressed_rows, "the file has suppressed Norway convictions"
    parsed = staging.filter(pl.col("sheet_rows").is_in(suppressed_rows))
    assert parsed.height == len(suppressed_rows)
    assert parsed["value"].is_null().all()
    assert parsed["value_low"].to_list() == [1.0] * parsed.height
    assert parsed["value_high"].to_list() == [4.0] * parsed.height
    assert parsed["suppressed"].all()


def test_duplicated_key_is_summed_values_and_bounds(workbook, staging):
    rows = read_rows(workbook)
    key = ["iso3", "country", "indicator", "dimension", "category", "sex", "age", "year"]
    duplicated = rows.filter(pl.struct(key).is_duplicated())
    assert duplicated.height, "the real file repeats keys"
    # A key whose parts are all numbers, and one that mixes numbers with <5.
    groups = duplicated.group_by(key).agg(pl.col("value_text"), pl.col("sheet_row"))
    known = groups.filter(pl.col("value_text").list.eval(pl.element() != "<5").list.all()).row(0, named=True)
    mixed = groups.filter(
        pl.col("value_text").list.contains("<5") & pl.col("value_text").list.eval(pl.element() != "<5").list.any()
    ).row(0, named=True)
    for group in (known, mixed):
        summed = staging.filter(pl.col("sheet_rows") == ",".join(map(str, sorted(group["sheet_row"]))))
        assert summed.height == 1 and summed["parts"][0] == len(group["value_text"])
        numbers = [float(text.replace(",", "")) for text in group["value_text"] if text != "<5"]
        hidden = sum(1 for text in group["value_text"] if text == "<5")
        assert summed["value_low"][0] == sum(numbers) + hidden * 1
        assert summed["value_high"][0] == sum(numbers) + hidden * 4
        assert summed["value"][0] == (sum(numbers) if hidden == 0 else None)


def test_release_without_title_rows_gives_the_same_result(workbook, staging, tmp_path):
    rows = read_rows(workbook).drop("sheet_row").rename({target: source for source, target in COLUMNS.items()})
    bare = tmp_path / "data_glotip.xlsx"
    rows.write_excel(bare, worksheet=SHEET, autofit=False)
    reread = read_glotip(bare)
    assert reread.drop("sheet_rows").equals(staging.drop("sheet_rows"))


def test_workbook_without_the_header_is_refused_naming_the_file(tmp_path):
    broken = tmp_path / "data_glotip.xlsx"
    pl.DataFrame({"Country": ["Norway"], "Value": ["3"]}).write_excel(broken, worksheet=SHEET)
    with pytest.raises(GlotipFormatError, match=r"data_glotip\.xlsx.*no header row"):
        read_glotip(broken)
