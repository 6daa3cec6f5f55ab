"""IOM CTDC: aggregates equal direct counts on the real file, small counts hidden, older layouts read or refused."""

import polars as pl
import pytest

from pipelines.sources.ctdc import harmonise
from pipelines.sources.ctdc.parse import CtdcFormatError, read_ctdc

CTDC_FILE = ("iom", "ctdc_global_synthetic_20210825.csv")


def _shown(count: int) -> tuple[float | None, float, float]:
    """What the <5 rule says a count is published as: (value, low, high)."""
    return (None, 1.0, 4.0) if count < 5 else (float(count), float(count), float(count))


@pytest.fixture(scope="module")
def raw(mirror) -> pl.DataFrame:
    return pl.read_csv(mirror.joinpath(*CTDC_FILE), infer_schema=False)


def test_norway_by_year_equals_direct_counts(published, raw):
    norway = raw.filter(pl.col("CountryOfExploitation") == "NOR")
    direct = norway.group_by(pl.col("yearOfRegistration").fill_null("unknown")).len()
    expected = {period: _shown(count) for period, count in direct.iter_rows()}
    found = published.execute(
        "SELECT period, value, value_low, value_high FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'NOR' "
        "AND sex = 'total' AND age_group = 'total' AND exploitation_form = 'total' AND counterpart_type = 'none' "
        "AND period NOT LIKE '%-%'"
    ).fetchall()
    assert {period: (value, low, high) for period, value, low, high in found} == expected
    assert "unknown" in expected


def test_world_by_sex_and_citizenship_equal_direct_counts(published, raw):
    by_sex = raw.group_by(pl.col("gender").fill_null("Unknown")).len()
    sexes = {"Female": "female", "Male": "male", "Transgender/NonConforming": "other", "Unknown": "unknown"}
    expected = {sexes[label]: _shown(count)[0] for label, count in by_sex.iter_rows()}
    found = published.execute(
        "SELECT sex, value FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'WORLD' AND sex <> 'total' "
        "AND period = (SELECT max(period) FROM fact_indicator WHERE source = 'iom_ctdc' AND period LIKE '%-%')"
    ).fetchall()
    assert dict(found) == expected
    norwegians = raw.filter(pl.col("citizenship") == "NOR").height
    citizens = published.execute(
        "SELECT value, value_low FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'WORLD' "
        "AND counterpart_type = 'citizenship' AND counterpart = 'NOR' AND period LIKE '%-%'"
    ).fetchall()
    assert citizens == ([] if norwegians == 0 else [_shown(norwegians)[:2]])


def test_forms_overlapping_flags_are_mixed(published, raw):
    flags = [pl.col(name).fill_null("0").cast(pl.Int32) for name in ("isSexualExploit", "isForcedLabour")]
    flags.append(pl.col("isOtherExploit").fill_null("0").cast(pl.Int32))
    mixed = raw.filter(pl.sum_horizontal(flags) > 1).height
    found = published.execute(
        "SELECT value FROM fact_indicator WHERE source = 'iom_ctdc' AND geo = 'WORLD' "
        "AND exploitation_form = 'mixed' AND period LIKE '%-%'"
    ).fetchone()[0]
    assert found == _shown(mixed)[0]


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
    ), sample


def test_older_layout_with_iso2_codes_is_read_like_the_new_one(tmp_path, raw):
    older, sample = _older_layout(raw)
    path = tmp_path / "ctdc_k_anon_old.csv"
    older.write_csv(path)
    records = read_ctdc(path)
    assert records.height == sample.height
    assert records["country_of_exploitation"].value_counts().sort("country_of_exploitation").rows() == (
        sample["CountryOfExploitation"].value_counts().sort("CountryOfExploitation").rows()
    )
    assert records["year"].null_count() == sample["yearOfRegistration"].null_count()
    assert set(records["age_band"].drop_nulls()) <= set(raw["ageBroad"].drop_nulls())
    facts = harmonise.to_facts(records, "iom_ctdc:test", path.name)
    assert facts.filter(pl.col("geo") == "NO").is_empty()


def test_file_without_country_columns_is_refused_naming_them(tmp_path, raw):
    path = tmp_path / "not_ctdc.csv"
    raw.drop("CountryOfExploitation", "isOtherExploit").head(20).write_csv(path)
    with pytest.raises(CtdcFormatError, match=r"CountryOfExploitation or countryOfExploitation.*isOtherExploit"):
        read_ctdc(path)


def test_unknown_iso2_code_is_refused_naming_it(tmp_path, raw):
    older, _ = _older_layout(raw)
    path = tmp_path / "ctdc_unknown_code.csv"
    older.with_columns(countryOfExploitation=pl.lit("QQ")).write_csv(path)
    with pytest.raises(CtdcFormatError, match="'QQ'"):
        read_ctdc(path)


def test_regional_profile_by_sex_equals_direct_counts_of_the_region(published, raw):
    geo = pl.read_csv(harmonise.GEO_FILE, infer_schema=False)
    northern_europe = geo.filter(pl.col("un_subregion") == "Northern Europe")["geo"].to_list()
    region = raw.filter(pl.col("CountryOfExploitation").is_in(northern_europe))
    direct = region.group_by(pl.col("gender").fill_null("Unknown")).len()
    labels = {"Female": "female", "Male": "male", "Unknown": "unknown"}
    expected = {labels[gender]: _shown(count)[0] for gender, count in direct.iter_rows()}
    found = dict(
        published.execute(
            "SELECT category, value FROM ctdc_profiles WHERE geo = 'UN_NORTHERN_EUROPE' AND profile = 'sex'"
        ).fetchall()
    )
    assert found == expected
    (base,) = published.execute(
        "SELECT DISTINCT records_with_information FROM ctdc_profiles "
        "WHERE geo = 'UN_NORTHERN_EUROPE' AND profile = 'sex'"
    ).fetchall()[0]
    assert base == region.height
