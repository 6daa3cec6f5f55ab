"""IOM CTDC: aggregates equal direct counts on the real file, small counts hidden, older layouts read or refused."""

import csv
from pathlib import Path

import duckdb
import polars as pl
import pytest

from core.vocabulary import GEO_FILE
from pipelines.sources.iom_ctdc.cells import count_cells
from pipelines.sources.iom_ctdc.facts import facts_from_cells
from pipelines.sources.iom_ctdc.parse import CtdcFormatError, stage_records

CTDC_FILE = ("iom", "ctdc_global_synthetic_20210825.csv")


def _shown(count: int, flags: str = "") -> tuple[float | None, float, float | None]:
    """What the disclosure rules say a count is published as: (value, low, high).

    Below 5: hidden with bounds [1, 4]. A count of 5 or more may be hidden to protect another cell
    (flag `complementary_hidden`): lower bound 5, no upper bound.
    """
    if count < 5:
        return (None, 1.0, 4.0)
    if "complementary_hidden" in flags:
        return (None, 5.0, None)
    return (float(count), float(count), float(count))


@pytest.fixture(scope="module")
def raw(mirror) -> pl.DataFrame:
    return pl.read_csv(mirror.joinpath(*CTDC_FILE), infer_schema=False)


def _staged(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the file's records staged in the table `records`."""
    connection = duckdb.connect()
    stage_records(connection, "records", path, "iom_ctdc:test")
    return connection


def test_norway_by_year_equals_direct_counts(published, raw):
    norway = raw.filter(pl.col("CountryOfExploitation") == "NOR")
    direct = norway.group_by(pl.col("yearOfRegistration").fill_null("unknown")).len()
    found = published.execute(
        "SELECT period, value, value_low, value_high, flags FROM fact_indicator WHERE source = 'iom_ctdc' "
        "AND geo = 'NOR' AND sex = 'total' AND age_group = 'total' AND exploitation_form = 'total' "
        "AND counterpart_type = 'none' AND period NOT LIKE '%-%'"
    ).fetchall()
    flags = {period: flag for period, *_, flag in found}
    expected = {period: _shown(count, flags.get(period, "")) for period, count in direct.iter_rows()}
    assert {period: (value, low, high) for period, value, low, high, _ in found} == expected
    assert "unknown" in expected


def test_world_by_sex_and_citizenship_equal_direct_counts(published, raw):
    by_sex = raw.group_by(pl.col("gender").fill_null("Unknown")).len()
    sexes = {"Female": "female", "Male": "male", "Transgender/NonConforming": "other", "Unknown": "unknown"}
    found = published.execute(
        "SELECT sex, value, flags FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'WORLD' AND sex <> 'total' "
        "AND period = (SELECT max(period) FROM fact_indicator WHERE source = 'iom_ctdc' AND period LIKE '%-%')"
    ).fetchall()
    flags = {sex: flag for sex, _, flag in found}
    expected = {sexes[label]: _shown(count, flags.get(sexes[label], ""))[0] for label, count in by_sex.iter_rows()}
    assert {sex: value for sex, value, _ in found} == expected
    norwegians = raw.filter(pl.col("citizenship") == "NOR").height
    citizens = published.execute(
        "SELECT value, value_low, flags FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'WORLD' "
        "AND counterpart_type = 'citizenship' AND counterpart = 'NOR' AND period LIKE '%-%'"
    ).fetchall()
    assert [row[:2] for row in citizens] == ([] if norwegians == 0 else [_shown(norwegians, citizens[0][2])[:2]])


def test_forms_overlapping_flags_are_mixed(published, raw):
    flags = [pl.col(name).fill_null("0").cast(pl.Int32) for name in ("isSexualExploit", "isForcedLabour")]
    flags.append(pl.col("isOtherExploit").fill_null("0").cast(pl.Int32))
    mixed = raw.filter(pl.sum_horizontal(flags) > 1).height
    ((found, flags),) = published.execute(
        "SELECT value, flags FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'WORLD' "
        "AND exploitation_form = 'mixed' AND period LIKE '%-%'"
    ).fetchall()
    assert found == _shown(mixed, flags)[0]


def test_no_small_count_is_published_and_every_fact_is_flagged_synthetic(published):
    small, unflagged = published.execute(
        "SELECT count(*) FILTER (WHERE value BETWEEN 0 AND 4), count(*) FILTER (WHERE flags NOT LIKE '%synthetic%') "
        "FROM fact_indicator WHERE source = 'iom_ctdc'"
    ).fetchone()
    assert (small, unflagged) == (0, 0)
    suppressed = published.execute(
        "SELECT count(*) FROM fact_indicator WHERE source = 'iom_ctdc' AND value IS NULL "
        "AND value_low = 1 AND value_high = 4 AND flags LIKE '%suppressed%'"
    ).fetchone()[0]
    assert suppressed > 0
    profiles_small = published.execute(
        "SELECT count(*) FROM ctdc_profiles WHERE value BETWEEN 0 AND 4 OR records_with_information BETWEEN 0 AND 4"
    ).fetchone()[0]
    assert profiles_small == 0


def _older_layout(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Real rows written as an older k-anonymised release (ISO2, -99, other names), and the rows used."""
    iso2 = {"NOR": "NO", "USA": "US", "PHL": "PH", "UKR": "UA", "MDA": "MD"}
    sample = raw.filter(
        pl.col("CountryOfExploitation").is_in(list(iso2)) & pl.col("citizenship").fill_null("USA").is_in(list(iso2))
    )
    return sample.select(
        yearRegister=pl.col("yearOfRegistration").fill_null("-99"),
        gender=pl.col("gender").fill_null("Unknown"),
        ageBroad=pl.col("ageBroad").str.replace("^09--", "9--").fill_null("-99"),
        citizenship=pl.col("citizenship").replace(iso2).fill_null("-99"),
        countryOfExploitation=pl.col("CountryOfExploitation").replace(iso2),
        isForcedLabour=pl.col("isForcedLabour").fill_null("0"),
        isSexualExploit=pl.col("isSexualExploit").fill_null("0"),
        isOtherExploit=pl.col("isOtherExploit").fill_null("-99"),
        meansOfControlThreatOfLawEnforcement=pl.col("meansOfControlThreatOfLawEnforce").fill_null("0"),
        typeOfLabourAgriculture=pl.col("typeOfLabourAgriculture").fill_null("0"),
    ), sample


def test_older_layout_with_iso2_codes_is_read_like_the_new_one(tmp_path, raw):
    older, sample = _older_layout(raw)
    path = tmp_path / "ctdc_k_anon_old.csv"
    older.write_csv(path)
    with _staged(path) as connection:
        records = connection.sql("SELECT * FROM records").pl()
        facts = facts_from_cells(count_cells(connection, "records", path.name))
    assert records.height == sample.height
    assert records["country_of_exploitation"].value_counts().sort("country_of_exploitation").rows() == (
        sample["CountryOfExploitation"].value_counts().sort("CountryOfExploitation").rows()
    )
    assert records["year"].null_count() == sample["yearOfRegistration"].null_count()
    assert set(records["age_band"].drop_nulls()) <= set(raw["ageBroad"].drop_nulls())
    assert facts.filter(pl.col("geo") == "NO").is_empty()


def test_file_without_country_columns_is_refused_naming_them(tmp_path, raw):
    path = tmp_path / "not_ctdc.csv"
    raw.drop("CountryOfExploitation", "isOtherExploit").head(20).write_csv(path)
    with pytest.raises(CtdcFormatError, match=r"CountryOfExploitation or countryOfExploitation.*isOtherExploit"):
        _staged(path)


def test_year_that_is_not_a_year_is_refused_naming_its_line(tmp_path, raw):
    path = tmp_path / "ctdc_bad_year.csv"
    year = pl.when(pl.int_range(pl.len()) == 6).then(pl.lit("20x9")).otherwise(pl.col("yearOfRegistration"))
    raw.head(20).with_columns(yearOfRegistration=year).write_csv(path)
    with pytest.raises(CtdcFormatError, match=r"ctdc_bad_year.csv: year of registration .*: line 8 \('20x9'\)$"):
        _staged(path)


def test_unknown_iso2_code_is_refused_naming_it(tmp_path, raw):
    older, _ = _older_layout(raw)
    path = tmp_path / "ctdc_unknown_code.csv"
    older.with_columns(countryOfExploitation=pl.lit("QQ")).write_csv(path)
    with pytest.raises(CtdcFormatError, match="'QQ'"):
        _staged(path)


def test_regional_profile_by_sex_equals_direct_counts_of_the_region(published, raw):
    geo = pl.read_csv(GEO_FILE, infer_schema=False)
    northern_europe = geo.filter(pl.col("un_subregion") == "Northern Europe")["geo"].to_list()
    region = raw.filter(pl.col("CountryOfExploitation").is_in(northern_europe))
    direct = region.group_by(pl.col("gender").fill_null("Unknown")).len()
    labels = {"Female": "female", "Male": "male", "Unknown": "unknown"}
    rows = published.execute(
        "SELECT category, value, flags FROM ctdc_profiles WHERE geo = 'UN_NORTHERN_EUROPE' AND profile = 'sex'"
    ).fetchall()
    flags = {category: flag for category, _, flag in rows}
    expected = {labels[gender]: _shown(count, flags.get(labels[gender], ""))[0] for gender, count in direct.iter_rows()}
    assert {category: value for category, value, _ in rows} == expected
    (base,) = published.execute(
        "SELECT DISTINCT records_with_information FROM ctdc_profiles "
        "WHERE geo = 'UN_NORTHERN_EUROPE' AND profile = 'sex'"
    ).fetchall()[0]
    assert base == region.height


def _hidden_cells_per_group(frame: pl.DataFrame, group: list[str]) -> pl.DataFrame:
    return frame.group_by(group).agg(hidden=pl.col("value").is_null().sum(), cells=pl.len())


def test_no_total_with_its_parts_gives_a_hidden_count_back(published):
    """No group of a total and its parts has exactly one hidden cell, which subtraction would give back."""
    facts = published.sql(
        "SELECT geo, period, value, CASE WHEN sex <> 'total' THEN 'sex' WHEN age_group <> 'total' THEN 'age_group' "
        "WHEN exploitation_form <> 'total' THEN 'exploitation_form' WHEN counterpart_type = 'citizenship' "
        "THEN 'citizenship' ELSE 'total' END AS dimension, "
        "concat(sex, age_group, exploitation_form, counterpart) AS category, period LIKE '%-%' AS all_years "
        "FROM fact_indicator WHERE source = 'iom_ctdc'"
    ).pl()
    totals = facts.filter(pl.col("dimension") == "total").drop("dimension")
    by_breakdown = [
        pl.concat(
            [facts.filter(pl.col("dimension") == dimension), totals.with_columns(dimension=pl.lit(dimension))],
            how="diagonal",
        )
        for dimension in ("sex", "age_group", "exploitation_form", "citizenship")
    ]
    leaks = _hidden_cells_per_group(pl.concat(by_breakdown, how="diagonal"), ["geo", "period", "dimension"])
    leaks = pl.concat([leaks, _hidden_cells_per_group(facts, ["geo", "dimension", "category"])], how="diagonal")
    assert leaks.filter(pl.col("cells") > 1, pl.col("hidden") == 1).is_empty()
    assert facts["value"].is_null().sum() > 0, "the real file has small counts to protect"

    profiles = published.sql("SELECT geo, profile, category, value FROM ctdc_profiles").pl()
    geo = pl.read_csv(GEO_FILE, infer_schema=False)
    northern = geo.filter(pl.col("un_subregion") == "Northern Europe")["geo"].to_list()
    region = profiles.filter(pl.col("geo").is_in([*northern, "UN_NORTHERN_EUROPE"]))
    leaks = _hidden_cells_per_group(region, ["profile", "category"])
    assert leaks.filter(pl.col("cells") > 1, pl.col("hidden") == 1).is_empty()


def test_cells_hidden_to_protect_others_are_at_least_five_and_said_so(published, raw):
    hidden = published.execute(
        "SELECT geo, period, value, value_low, value_high FROM fact_indicator WHERE source = 'iom_ctdc' "
        "AND flags LIKE '%complementary_hidden%' AND sex = 'total' AND age_group = 'total' "
        "AND exploitation_form = 'total' AND counterpart_type = 'none' AND period NOT LIKE '%-%'"
    ).fetchall()
    assert hidden, "the real file has totals hidden to protect a small count (e.g. Norway's records without a year)"
    year = pl.col("yearOfRegistration").fill_null("unknown")
    counts = dict(((geo, period), n) for geo, period, n in raw.group_by("CountryOfExploitation", year).len().rows())
    counts |= {("WORLD", period): n for period, n in raw.group_by(year).len().rows()}
    assert all(value is None and low == 5 and high is None for *_, value, low, high in hidden)
    assert all(counts[(geo, period)] >= 5 for geo, period, *_ in hidden)


def test_facts_and_profiles_are_the_published_cells(published, refreshed):
    """Every CTDC figure is one harmonised cell, counted and disclosure-controlled once, shown alike everywhere."""
    key = ["geo", "period", "dimension", "category"]
    with duckdb.connect(str(refreshed.warehouse), read_only=True) as working:
        query = f"SELECT {', '.join(key)}, value, value_low, value_high FROM harmonised.iom_ctdc_cells"
        cells = working.sql(query).pl()
    assert not cells.select(key).is_duplicated().any()
    assert cells.filter(pl.col("value").is_between(0, 4)).is_empty()
    facts = published.sql(
        "SELECT geo, period, CASE WHEN sex <> 'total' THEN 'sex' WHEN age_group <> 'total' THEN 'age_group' "
        "WHEN exploitation_form <> 'total' THEN 'exploitation_form' WHEN counterpart_type = 'citizenship' "
        "THEN 'citizenship' ELSE 'total' END AS dimension, "
        "CASE WHEN sex <> 'total' THEN sex WHEN age_group <> 'total' THEN age_group "
        "WHEN exploitation_form <> 'total' THEN exploitation_form WHEN counterpart_type = 'citizenship' "
        "THEN counterpart ELSE 'total' END AS category, value, value_low, value_high "
        "FROM fact_indicator WHERE source = 'iom_ctdc'"
    ).pl()
    profiles = published.sql(
        "SELECT geo, period, profile AS dimension, category, value, value_low, value_high FROM ctdc_profiles"
    ).pl()
    for table in (facts, profiles):
        matched = table.join(cells, on=key, how="left", suffix="_cell")
        same = [pl.col(column).eq_missing(pl.col(f"{column}_cell")) for column in ("value", "value_low", "value_high")]
        assert matched.filter(~pl.all_horizontal(same)).is_empty()
        assert matched["value_low_cell"].null_count() == 0, "every figure is a cell"


LAYOUT_2024 = (
    "yearOfRegistration gender ageBroad citizenship CountryOfExploitation traffickMonths meansDebtBondageEarnings "
    "meansThreats meansAbusePsyPhySex meansFalsePromises meansDrugsAlcohol meansDenyBasicNeeds "
    "meansExcessiveWorkHours meansWithholdDocs isForcedLabour isSexualExploit isOtherExploit "
    "typeOfLabourAgriculture typeOfLabourConstruction typeOfLabourDomesticWork typeOfLabourHospitality "
    "typeOfSexProstitution typeOfSexPornography recruiterRelationIntimatePartner recruiterRelationFriend "
    "recruiterRelationFamily recruiterRelationOther"
).split()
"""The 27 variables of the Global Synthetic Data Codebook, version 2, February 2024 (section 5)."""


def test_the_2024_layout_is_read_with_its_labels_and_means_of_control(tmp_path):
    """Rows invented for the test, in the 2024 codebook's layout and labels (tab-separated, as the official file)."""
    rows = [
        {"yearOfRegistration": "2022", "gender": "Woman", "ageBroad": "9\u201417", "CountryOfExploitation": "NOR",
         "meansThreats": "1", "isSexualExploit": "1"},
        {"yearOfRegistration": "2021", "gender": "Man", "ageBroad": "30\u201438", "CountryOfExploitation": "SWE",
         "meansDebtBondageEarnings": "1", "isForcedLabour": "1", "typeOfLabourAgriculture": "1"},
        {"yearOfRegistration": "", "gender": "Trans/Transgender/NonConforming", "ageBroad": "", "citizenship": "NOR",
         "CountryOfExploitation": "NOR", "isOtherExploit": "1"},
    ]  # fmt: skip
    path = tmp_path / "CTDC_global_synthetic_data_v2024.tsv"
    lines = ["\t".join(LAYOUT_2024)] + ["\t".join(row.get(name, "") for name in LAYOUT_2024) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with _staged(path) as connection:
        records = connection.sql("SELECT * FROM records ORDER BY year NULLS LAST").pl()
        cells = count_cells(connection, "records", path.name)
    assert records["gender"].to_list() == ["Man", "Woman", "Trans/Transgender/NonConforming"]
    assert records["country_of_exploitation"].to_list() == ["SWE", "NOR", "NOR"]
    means = cells.filter((pl.col("dimension") == "means_of_control") & (pl.col("geo") == "WORLD"))
    assert {"Threats", "DebtBondageEarnings"} <= set(means["category"])
    sexes = cells.filter((pl.col("dimension") == "sex") & (pl.col("geo") == "WORLD"), pl.col("cumulative"))
    assert set(sexes["category"]) == {"female", "male", "other"}
    ages = cells.filter((pl.col("dimension") == "age_group") & (pl.col("geo") == "WORLD"), pl.col("cumulative"))
    assert set(ages["category"]) == {"child", "adult", "unknown"}


def test_a_file_with_only_its_header_is_refused(tmp_path, mirror):
    path = tmp_path / "ctdc_header_only.csv"
    path.write_text(mirror.joinpath(*CTDC_FILE).read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(CtdcFormatError, match=r"ctdc_header_only.csv: no records below the header"):
        _staged(path)


def test_an_all_quoted_file_is_read_like_the_plain_one(tmp_path, mirror):
    lines = mirror.joinpath(*CTDC_FILE).read_text(encoding="utf-8-sig").splitlines(keepends=True)[:300]
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    plain.write_text("".join(lines), encoding="utf-8")
    with quoted.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(csv.reader(lines))
    with _staged(plain) as one, _staged(quoted) as other:
        assert one.sql("SELECT * FROM records").pl().equals(other.sql("SELECT * FROM records").pl())


def _sector_counts(path: Path) -> dict[str, int]:
    """How many records each sector-of-labour flag column marks, as staged."""
    with _staged(path) as connection:
        columns = [
            name for name in connection.sql("SELECT * FROM records LIMIT 0").columns if name.startswith("sector")
        ]
        return {name: connection.execute(f'SELECT count_if("{name}") FROM records').fetchone()[0] for name in columns}


def test_the_newest_layout_names_its_sectors_sector_of_and_is_read_like_the_2021_one(tmp_path, raw):
    """Releases since 2024 write `sectorOfLabourAgriculture` where the 2021 file wrote `typeOfLabourAgriculture`
    (the file is written by the test from the real one: same records, new names)."""
    original, renamed = (
        tmp_path / "ctdc_global_synthetic_20210825.csv",
        tmp_path / "CTDC_global_synthetic_data_v2025.csv",
    )
    raw.head(5000).write_csv(original)
    sectors = {
        name: name.replace("typeOfLabour", "sectorOfLabour") for name in raw.columns if name.startswith("typeOfLabour")
    }
    raw.head(5000).rename(sectors).write_csv(renamed)
    counts = _sector_counts(renamed)
    assert counts == _sector_counts(original) and sum(counts.values()) > 0, "the same categories, the same counts"


def test_a_renamed_profile_column_is_refused_not_made_a_new_category(tmp_path, raw):
    path = tmp_path / "ctdc_renamed.csv"
    raw.head(200).rename({"meansOfControlDebtBondage": "meansOfControlDebt_Bondage"}).write_csv(path)
    with pytest.raises(
        CtdcFormatError,
        match=r"ctdc_renamed\.csv: profile columns the project does not know: \['meansOfControlDebt_Bondage'\]",
    ):
        _staged(path)


def test_a_profile_whose_columns_all_disappeared_is_refused_not_published_empty(tmp_path, raw):
    path = tmp_path / "ctdc_no_sectors.csv"
    sectors = [name for name in raw.columns if name.startswith("typeOfLabour")]
    raw.head(200).rename({name: name.replace("typeOfLabour", "labourSector") for name in sectors}).write_csv(path)
    with pytest.raises(CtdcFormatError, match=r"ctdc_no_sectors\.csv: none of the sector_of_labour columns is present"):
        _staged(path)
