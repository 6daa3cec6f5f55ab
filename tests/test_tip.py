"""The US TIP report (curated): the validator, newest print and revisions, words never numbers, and every
row of the curated file carried to the published facts."""

import csv
import io

import polars as pl
import pytest

from core.settings import CURATED_DIR
from pipelines import crosswalk
from pipelines.sources.tip import harmonise
from pipelines.sources.tip.parse import FIRST_EDITION, TipFormatError, read_figures

CURATED = CURATED_DIR / "tip" / "tip_figures.csv"
FACT_KEY = ("measure", "geo", "period", "sex", "age_group", "exploitation_form")
"""The fact columns `series_key` gives, in its order."""
CANONICAL = {"measure": "measure", "exploitation": "exploitation", "age": "age", "sex": "sex"}


def curated_rows() -> list[dict[str, str]]:
    with CURATED.open(encoding="utf-8", newline="") as handle:
        return [{**row, "line": str(number)} for number, row in enumerate(csv.DictReader(handle), start=2)]


def series_key(row: dict[str, str]) -> tuple[str, ...]:
    """The fact a curated row belongs to, in canonical codes read from the crosswalk file."""
    codes = {column: crosswalk.mapping("tip", field)[row[column]] for column, field in CANONICAL.items()}
    return (codes["measure"], row["geo"], row["period"], codes["sex"], codes["age"], codes["exploitation"])


def staged(path=CURATED) -> pl.DataFrame:
    return read_figures(path).with_columns(provenance_id=pl.lit("test"))


def write_variant(path, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    fields = [name for name in rows[0] if name != "line"]
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


BAD_ROWS = {
    "unknown measure": ("measure", "arrests", "unknown measure 'arrests'"),
    "unknown geo": ("geo", "SWE", "geo 'SWE' is not one of"),
    "value and words": ("words", "fewer", "a year stated in words has no number"),
    "decimal value": ("value", "26,5", "value '26,5' is not a whole count"),
    "period after its edition": ("period", "2024", "period '2024' is out of range 2003-2003"),
    "edition in the future": ("edition", "2999", "edition '2999' is not a report year"),
    "tier that does not exist": ("value", "4", "tier '4' is not one of"),
    "missing address": ("reference", "", "missing reference: reference empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_is_refused_naming_file_line_and_label(tmp_path, case):
    column, bad, expected = BAD_ROWS[case]
    rows = curated_rows()
    rows[0][column] = bad  # line 2: Norway's tier in the 2003 edition
    broken = tmp_path / "tip_figures.csv"
    write_variant(broken, rows)
    with pytest.raises(TipFormatError) as raised:
        read_figures(broken)
    assert "tip_figures.csv, line 2: " in str(raised.value)
    assert expected in str(raised.value)
    assert "line 3:" not in str(raised.value)


def test_a_year_with_neither_number_nor_words_is_refused(tmp_path):
    rows = curated_rows()
    words = next(row for row in rows if row["words"])
    words["words"] = ""
    broken = tmp_path / "tip_figures.csv"
    write_variant(broken, rows)
    with pytest.raises(TipFormatError, match=rf"line {words['line']}: value '' is not a whole count, and no words"):
        read_figures(broken)


def test_the_newest_edition_is_the_fact_and_an_earlier_different_print_is_named_and_flagged():
    rows = curated_rows()
    facts = harmonise.to_facts(staged(), CURATED.name)
    by_key: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in rows:
        by_key.setdefault(series_key(row), []).append(row)
    revised = {key: prints for key, prints in by_key.items() if len({p["value"] + p["words"] for p in prints}) > 1}
    assert revised, "the curated file keeps at least one revision between editions"
    for key, prints in revised.items():
        newest = max(prints, key=lambda row: int(row["edition"]))
        same = [pl.col(column) == code for column, code in zip(FACT_KEY, key, strict=True)]
        fact = facts.filter(pl.all_horizontal(same)).row(0, named=True)
        assert fact["value"] == float(newest["value"])
        assert "revised_from_earlier_edition" in fact["flags"].split(";")
        for earlier in (row for row in prints if row is not newest):
            assert f"TIP {earlier['edition']}: {earlier['value']}" in fact["source_location"]


def test_a_year_stated_in_words_is_never_a_number():
    facts = harmonise.to_facts(staged(), CURATED.name)
    in_words = facts.filter(pl.col("flags").str.split(";").list.contains("stated_in_words"))
    expected = {series_key(row) for row in curated_rows() if row["words"]}
    assert in_words.height == len(expected)
    assert in_words.select(pl.col("value", "value_low", "value_high").is_null().all()).row(0) == (True, True, True)


def test_every_curated_row_reaches_the_published_facts(published):
    facts = published.sql(
        "SELECT measure, geo, period, sex, age_group, exploitation_form, value, flags, source_location "
        "FROM fact_indicator WHERE source = 'tip'"
    ).pl()
    published_by_key = {tuple(row[:6]): row[6:] for row in facts.iter_rows()}
    rows = curated_rows()
    newest = {}
    for row in rows:
        key = series_key(row)
        if key not in newest or int(row["edition"]) > int(newest[key]["edition"]):
            newest[key] = row
    assert set(published_by_key) == set(newest)
    for row in rows:
        value, flags, location = published_by_key[series_key(row)]
        if row is newest[series_key(row)]:
            assert location.startswith(f"tip_figures.csv, line {row['line']}: TIP {row['edition']}, "), row
            assert value == (float(row["value"]) if row["value"] else None), row
            assert ("stated_in_words" in flags.split(";")) == bool(row["words"]), row
        else:
            assert f"TIP {row['edition']}: {row['value'] or row['words']}" in location, row


def test_norway_tier_for_every_edition_and_the_2021_downgrade(published):
    tiers = dict(
        published.execute(
            "SELECT year, value FROM fact_indicator WHERE source = 'tip' AND measure = 'tier' AND geo = 'NOR'"
        ).fetchall()
    )
    on_file = {int(row["edition"]): float(row["value"]) for row in curated_rows() if row["measure"] == "tier placement"}
    assert tiers == on_file
    assert sorted(tiers) == list(range(2003, 2026))
    assert {year for year, tier in tiers.items() if tier == 2} == set(range(2021, 2026))


def test_world_victims_identified_2023_as_the_2024_edition_prints_them(published):
    row = next(
        row for row in curated_rows()
        if (row["geo"], row["measure"], row["period"], row["exploitation"])
        == ("WORLD", "victims identified", "2023", "all")
    )  # fmt: skip
    value, location = published.execute(
        "SELECT value, source_location FROM fact_indicator WHERE source = 'tip' AND geo = 'WORLD' "
        "AND measure = 'victims_reported_identified' AND period = '2023' AND exploitation_form = 'total'"
    ).fetchone()
    assert (row["edition"], value) == ("2024", float(row["value"]))
    assert f"TIP {row['edition']}, " in location


def test_the_victims_reconciliation_sets_tip_beside_kom_and_unodc_and_says_how_they_relate(published):
    mart = published.sql(
        "SELECT year, kom_victims_assisted, unodc_victims_detected, tip_victims_reported_identified, "
        "tip_victims_reported_identified_flags AS flags, tip_relation, tip_explanation_en FROM reconciliation_norway"
    ).pl()
    on_file = {
        int(row["period"]): row
        for row in curated_rows()
        if (row["geo"], row["measure"], row["age"], row["sex"], row["exploitation"])
        == ("NOR", "victims identified", "all", "all", "all")
    }
    shared = mart.filter(pl.col("year").is_in(list(on_file)))
    assert shared.height
    for row in shared.iter_rows(named=True):
        curated = on_file[row["year"]]
        if curated["words"]:
            assert row["tip_victims_reported_identified"] is None
            assert (row["tip_relation"], "stated_in_words" in row["flags"]) == ("in_words", True)
        elif curated["qualifier"]:
            assert row["tip_relation"] == "approximate"
        else:
            assert row["tip_victims_reported_identified"] == float(curated["value"])
            equal_kom = row["kom_victims_assisted"] == float(curated["value"])
            assert (row["tip_relation"] == "kom_assisted") == equal_kom
        assert row["tip_explanation_en"]


def test_the_justice_reconciliation_sets_tip_beside_unodc_and_words_stay_words(published):
    mart = published.sql("SELECT * FROM reconciliation_tip_justice_norway").pl()
    by_year = {row["year"]: row for row in mart.iter_rows(named=True)}
    on_file = [
        row for row in curated_rows()
        if row["geo"] == "NOR" and row["measure"] in ("prosecutions", "convictions") and "-" not in row["period"]
    ]  # fmt: skip
    newest: dict[tuple[str, str], dict[str, str]] = {}
    for row in on_file:
        key = (row["measure"], row["period"])
        if key not in newest or int(row["edition"]) > int(newest[key]["edition"]):
            newest[key] = row
    assert {int(period) for _, period in newest} == set(by_year)
    for (measure, period), row in newest.items():
        published_row = by_year[int(period)]
        if row["words"]:
            assert published_row[f"tip_{measure}"] is None
            assert published_row[f"tip_{measure}_relation"] == "in_words"
        else:
            assert published_row[f"tip_{measure}"] == float(row["value"])
            assert str(int(float(row["value"]))) in published_row["explanation_en"]
        assert published_row["explanation_nb"] and published_row["explanation_en"]


def test_the_pack_table_carries_every_tip_total_of_the_curated_file(published):
    from export.tables import read_tip
    from reporting.catalogue import definition_ids

    frame = read_tip(published, list(definition_ids("pack_tables", "tip_report")), FIRST_EDITION, 2100)
    totals = [row for row in curated_rows() if (row["exploitation"], row["age"], row["sex"]) == ("all", "all", "all")]
    newest: dict[tuple[str, ...], dict[str, str]] = {}
    for row in totals:
        key = series_key(row)
        if key not in newest or int(row["edition"]) > int(newest[key]["edition"]):
            newest[key] = row
    in_pack = {(row["geo"], row["period"]): row for row in frame.iter_rows(named=True) if row["measure"] == "tier"}
    assert frame.height == len(newest)
    assert {period: row["value"] for (_, period), row in in_pack.items()} == {
        row["period"]: float(row["value"]) for row in newest.values() if row["measure"] == "tier placement"
    }
