"""KOM curated figures: the validator, the carry-through to the published marts, legal basis, breaks, reconciliation."""

import csv
import io
import shutil
from pathlib import Path

import polars as pl
import pytest

from core.settings import CURATED_DIR, DataPaths
from core.vocabulary import KOM_LAST_YEAR_BEFORE_BREAK
from pipelines.curated import parse_number
from pipelines.marts.reconciliation import concept_switches
from pipelines.refresh import failures, run_refresh_in
from pipelines.sources.kom.parse import KomFormatError, read_figures
from pipelines.sources.unodc_glotip.parse import read_rows as read_glotip_rows

CURATED = CURATED_DIR / "kom" / "kom_figures.csv"
JUSTICE = ("police_reports", "police_reports_aggravated", "convicting_judgments")


def curated_rows() -> list[dict[str, str]]:
    with CURATED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_variant(path, rows: list[dict[str, str]], delimiter: str = ",", encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def test_the_curated_file_reads_one_row_per_line():
    figures = read_figures(CURATED)
    assert figures.height == len(curated_rows())
    assert figures["line"].to_list() == list(range(2, figures.height + 2))


BAD_ROWS = {
    "unknown measure": ("measure_nb", "antatte ofre totalt", "unknown measure_nb 'antatte ofre totalt'"),
    "unknown breakdown": ("exploitation_nb", "tigging", "unknown exploitation_nb 'tigging'"),
    "unknown sex": ("sex_nb", "gutter", "unknown sex_nb 'gutter'"),
    "value not a number": ("value", "ca 200", "value 'ca 200' is not a whole count"),
    "value with a decimal comma": ("value", "26,2", "value '26,2' is not a whole count"),
    "value with a comma between thousands": ("value", "1,116", "value '1,116' is not a whole count"),
    "value in exponent notation": ("value", "1e20", "value '1e20' is not a whole count"),
    "value above any plausible count": ("value", "12 000 000", "value '12 000 000' is above 1,000,000"),
    "negative value": ("value", "-5", "value '-5' is negative: a count cannot be below 0"),
    "year out of range": ("period", "1999", "period '1999' is out of range"),
    "future year": ("period", "2999", "period '2999' is out of range"),
    "starred year": ("period", "2019*", "period '2019*' is not a year"),
    "missing publication": ("publication", "", "missing reference: publication empty"),
    "missing location": ("location", "", "missing reference: location empty"),
    "unknown confidence": ("confidence", "sure", "confidence 'sure'"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_is_refused_naming_file_line_and_value(tmp_path, case):
    column, bad, expected = BAD_ROWS[case]
    rows = curated_rows()
    index = 6
    rows[index][column] = bad
    broken = tmp_path / "kom_figures.csv"
    write_variant(broken, rows)
    with pytest.raises(KomFormatError) as raised:
        read_figures(broken)
    message = str(raised.value)
    assert f"kom_figures.csv, line {index + 2}: " in message
    assert expected in message
    assert "line 2:" not in message  # only the broken line is named


def test_a_duplicated_row_is_refused_naming_both_lines(tmp_path):
    rows = curated_rows()
    rows.append(dict(rows[3]))
    broken = tmp_path / "kom_figures.csv"
    write_variant(broken, rows)
    with pytest.raises(KomFormatError, match=rf"kom_figures.csv, line {len(rows) + 1}: duplicates line 5"):
        read_figures(broken)


def test_a_missing_column_is_refused(tmp_path):
    rows = [{key: value for key, value in row.items() if key != "reference"} for row in curated_rows()]
    broken = tmp_path / "kom_figures.csv"
    write_variant(broken, rows)
    with pytest.raises(
        KomFormatError, match=r"kom_figures.csv, line 1: columns missing from the header: \['reference'\]"
    ):
        read_figures(broken)


def test_semicolons_and_decimal_commas_read_like_the_original(tmp_path):
    rows = [
        {**row, "value": f"{float(row['value']):.1f}".replace(".", ","), "note": row["note"] + "; ekstra"}
        for row in curated_rows()
    ]
    variant = tmp_path / "kom_figures.csv"
    write_variant(variant, rows, delimiter=";")
    original, read = read_figures(CURATED), read_figures(variant)
    assert read.drop("note").equals(original.drop("note"))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1", "cp1252"])
def test_byte_order_mark_and_latin1_read_norwegian_letters(tmp_path, encoding):
    rows = [{**row, "publication": row["publication"].replace("–", "-")} for row in curated_rows()]
    variant = tmp_path / "kom_figures.csv"
    write_variant(variant, rows, encoding=encoding)
    read = read_figures(variant)
    assert read["measure_nb"].to_list() == [row["measure_nb"] for row in rows]
    assert "mindreårige" in read["age_nb"].to_list()
    assert read["publication"].to_list() == [row["publication"] for row in rows]


def test_every_curated_row_reaches_the_published_facts_unchanged(published):
    rows = curated_rows()
    facts = published.execute(
        "SELECT source_location, coalesce(value, value_low, value_high), value_high, flags FROM fact_indicator "
        "WHERE source = 'kom'"
    ).fetchall()
    assert len(facts) == len(rows)
    by_line = {location.split(":")[0]: (number, high, flags) for location, number, high, flags in facts}
    locations = {location.split(":")[0]: location for location, *_ in facts}
    for line, row in enumerate(rows, start=2):
        key = f"kom_figures.csv, line {line}"
        number, high, flags = by_line[key]
        assert number == float(row["value"]), key
        if row["value_to"]:
            assert high == float(row["value_to"]) and "range" in flags.split(";"), key
        for part in (row["publication"], row["reference"], row["location"]):
            assert part in locations[key], key


def test_cumulative_judgments_keep_their_period_and_are_not_differenced(published):
    cumulative = {row["period"] for row in curated_rows() if row["period_type"] == "cumulative"}
    annual = {row["period"] for row in curated_rows() if row["period_type"] == "year" and "dommer" in row["measure_nb"]}
    found = published.execute(
        "SELECT DISTINCT period, flags FROM fact_indicator WHERE source = 'kom' AND measure = 'convicting_judgments'"
    ).fetchall()
    assert {period for period, _ in found} == cumulative | annual
    assert all(("cumulative" in flags.split(";")) == (period in cumulative) for period, flags in found)


def test_legal_basis_follows_the_penal_code_change(published):
    rows = published.execute(
        "SELECT source, measure, period, year, legal_basis FROM fact_indicator WHERE geo = 'NOR' "
        "AND measure IN ('police_reports', 'police_reports_aggravated', 'convicting_judgments', 'persons_prosecuted', "
        "'persons_convicted', 'persons_in_formal_contact', 'offences_recorded')"
    ).fetchall()
    assert {source for source, *_ in rows} == {"kom", "unodc_glotip"}
    for source, measure, period, year, basis in rows:
        first = int(period.split("-")[0])
        if year <= 2014:
            expected = "strl1902_224"
        elif first >= 2016:
            expected = "strl2005_257_258"
        elif first == year == 2015:
            expected = "mixed_2015"
        else:
            expected = "strl1902_224;strl2005_257_258"
        assert basis == expected, (source, measure, period)
    others = published.execute(
        "SELECT count(*) FROM fact_indicator WHERE legal_basis IS NOT NULL AND (geo <> 'NOR' "
        "OR measure IN ('victims_assisted', 'victims_identified', 'victims_detected'))"
    ).fetchone()[0]
    assert others == 0


def test_series_break_on_the_first_victim_figures_after_2016(published):
    flagged = published.execute(
        "SELECT measure, period FROM fact_indicator WHERE source = 'kom' AND flags LIKE '%series_break%' "
        "AND sex = 'total' AND age_group = 'total'"
    ).fetchall()
    assert ("victims_identified", "2022-2024") in flagged
    assert all(int(period.split("-")[0]) > 2016 for _, period in flagged)


def kom_concepts() -> dict[str, str]:
    """From KOM's crosswalk: measure label -> canonical measure."""
    with (CURATED_DIR.parent.parent / "data" / "reference" / "crosswalks" / "kom.csv").open(encoding="utf-8") as f:
        return {row["source_label"]: row["canonical_code"] for row in csv.DictReader(f) if row["field"] == "measure"}


def kom_victim_total_rows() -> list[dict[str, str]]:
    """Curated rows of victim totals (no breakdown), any period."""
    concepts = kom_concepts()
    return [
        row
        for row in curated_rows()
        if concepts[row["measure_nb"]] in ("victims_assisted", "victims_identified")
        and (row["sex_nb"], row["age_nb"], row["exploitation_nb"], row["nationality_nb"])
        == ("i alt", "i alt", "i alt", "alle")
    ]


def kom_annual_totals() -> dict[str, dict[int, float]]:
    """From the curated file: single-year, no-breakdown victim figures by measure label -> year -> value."""
    concepts = kom_concepts()
    totals: dict[str, dict[int, float]] = {"victims_assisted": {}, "victims_identified": {}}
    for row in curated_rows():
        breakdowns = (row["sex_nb"], row["age_nb"], row["exploitation_nb"], row["nationality_nb"])
        concept = concepts[row["measure_nb"]]
        if concept in totals and row["period_type"] == "year" and breakdowns == ("i alt", "i alt", "i alt", "alle"):
            totals[concept][int(row["period"])] = float(row["value"])
    return totals


def unodc_norway_victims(mirror: Path) -> dict[int, float]:
    """From the GLOTIP workbook: Norway's total detected victims by year."""
    glotip = read_glotip_rows(mirror / "unodc" / "data_glotip.xlsx").filter(
        (pl.col("iso3") == "NOR")
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") == "Total")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    )
    return {int(year): float(text.replace(",", "")) for year, text in glotip.select("year", "value_text").iter_rows()}


def test_reconciliation_finds_the_years_unodc_equals_a_kom_count(published, mirror):
    unodc = unodc_norway_victims(mirror)
    kom = kom_annual_totals()
    expected = {}
    for year, value in unodc.items():
        for concept in ("victims_assisted", "victims_identified"):
            if kom[concept].get(year) == value:
                expected.setdefault(year, concept)
    assert expected, "the source files should share at least one year"
    mart = published.execute(
        "SELECT year, unodc_relation_to_kom, unodc_victims_detected FROM reconciliation_norway"
    ).fetchall()
    found = {year: concept for year, concept, _ in mart if concept in ("victims_assisted", "victims_identified")}
    assert found == expected
    assert {year for year, concept, _ in mart if concept is not None} == set(unodc)


def test_reconciliation_places_unodc_within_kom_ranges_given_for_each_year_of_a_period(published, mirror):
    """The curated "between 120 and 160 newly identified a year, 2010-2016" covers the years with no own figure."""
    unodc = unodc_norway_victims(mirror)
    kom = kom_annual_totals()
    expected = set()
    for row in kom_victim_total_rows():
        identified = kom_concepts()[row["measure_nb"]] == "victims_identified"
        if row["period_type"] == "per_year" and row["qualifier"] == "mellom" and identified:
            first, last = (int(part) for part in row["period"].split("-"))
            for year in range(first, last + 1):
                inside = float(row["value"]) <= unodc.get(year, -1) <= float(row["value_to"])
                if inside and year not in kom["victims_identified"] and year not in kom["victims_assisted"]:
                    expected.add(year)
    assert expected, "the curated file should hold a per-year range that UNODC's figures fall in"
    mart = published.execute("SELECT year, unodc_relation_to_kom FROM reconciliation_norway").fetchall()
    assert expected <= {year for year, relation in mart if relation == "within_identified_range"}


def test_reconciliation_says_kom_published_no_totals_in_the_gap_years(published):
    resumed = min(
        int(row["period"].split("-")[0])
        for row in kom_victim_total_rows()
        if int(row["period"].split("-")[0]) > KOM_LAST_YEAR_BEFORE_BREAK
    )
    mart = dict(published.execute("SELECT year, unodc_relation_to_kom FROM reconciliation_norway").fetchall())
    gap = {year for year in mart if KOM_LAST_YEAR_BEFORE_BREAK < year < resumed}
    assert gap, "UNODC has Norway figures for some of the years without KOM totals"
    assert {mart[year] for year in gap} == {"no_official_total"}


@pytest.mark.refresh
def test_a_refresh_with_a_bad_line_fails_naming_it_and_leaves_the_published_file_alone(tmp_path, refreshed, mirror):
    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    rows = curated_rows()
    rows[10]["value"] = "ca 200"
    write_variant(curated / "kom" / "kom_figures.csv", rows)
    data = DataPaths(tmp_path / "data")
    data.marts_dir.mkdir(parents=True)
    shutil.copyfile(refreshed.published, data.published)
    before = data.published.read_bytes()
    result = run_refresh_in(data.root, str(mirror), curated_dir=curated)
    assert not result.success
    assert any("kom_figures.csv, line 12: value 'ca 200' is not a whole count" in line for line in failures(result))
    assert data.published.read_bytes() == before


def test_unodc_offences_for_norway_equal_kom_police_reports_where_both_exist(published):
    """The definitions registry says UNODC's Norway offences are KOM's police reports; this holds it to the data."""
    pairs = published.execute(
        """
        SELECT k.year, k.value, u.value FROM fact_indicator k JOIN fact_indicator u USING (year, period, geo)
        WHERE k.source = 'kom' AND k.measure = 'police_reports' AND u.source = 'unodc_glotip'
          AND u.measure = 'offences_recorded' AND k.geo = 'NOR' AND k.period = CAST(k.year AS VARCHAR)
          AND k.sex = 'total' AND k.age_group = 'total' AND k.exploitation_form = 'total'
          AND u.sex = 'total' AND u.age_group = 'total' AND u.exploitation_form = 'total'
          AND u.counterpart_type = 'none' AND k.counterpart_type = 'none'
        """
    ).fetchall()
    assert pairs, "KOM and UNODC should share years of police reports / offences for Norway"
    assert all(kom == unodc for _, kom, unodc in pairs), pairs


def test_concept_switch_is_found_across_years_that_cannot_tell():
    reconciliation = pl.DataFrame(
        {
            "year": [2010, 2011, 2012, 2013, 2014, 2015],
            "unodc_relation_to_kom": [
                "within_identified_range",
                "victims_identified",
                "kom_approximate",
                "victims_assisted",
                None,
                "within_assisted_range",
            ],
        }
    )
    assert concept_switches(reconciliation) == [2013]


def test_unodc_norway_victims_break_where_unodc_switches_kom_concept(published):
    relations = published.execute(
        "SELECT year, unodc_relation_to_kom FROM reconciliation_norway WHERE unodc_relation_to_kom IS NOT NULL "
        "ORDER BY year"
    ).fetchall()
    concept = {"victims_assisted": "assisted", "within_assisted_range": "assisted"}
    concept |= {"victims_identified": "identified", "within_identified_range": "identified"}
    expected, last = set(), None
    for year, relation in relations:
        if relation in concept:
            if last is not None and concept[relation] != last:
                expected.add(year)
            last = concept[relation]
    flagged = published.execute(
        "SELECT year FROM series_totals WHERE source = 'unodc_glotip' AND measure = 'victims_detected' "
        "AND geo = 'NOR' AND list_contains(string_split(flags, ';'), 'series_break')"
    ).fetchall()
    assert expected, "the reconciliation should show UNODC switching from newly identified to assisted victims"
    assert {year for (year,) in flagged} == expected


@pytest.mark.parametrize(
    ("written", "count"), [("1116", 1116.0), ("1 116", 1116.0), ("1\u00a0116", 1116.0), ("1.116", 1116.0)]
)
def test_a_count_is_read_with_norwegian_thousands_separators(written, count):
    assert parse_number(written) == count


@pytest.mark.refresh
def test_after_a_failed_daemon_refresh_the_sensor_asks_for_one_with_kom_pinned(tmp_path, mirror):
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.releases import pinned_sources

    curated = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, curated)
    rows = curated_rows()
    rows[10]["value"] = "ca 200"
    write_variant(curated / "kom" / "kom_figures.csv", rows)
    instance = dg.DagsterInstance.ephemeral()
    result = run_refresh_in(tmp_path / "data", str(mirror), curated_dir=curated, instance=instance)
    assert not result.success
    failure = next(event for event in result.all_events if event.event_type == dg.DagsterEventType.RUN_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name="degraded_refresh_sensor",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
    ).for_run_failure()
    request = defs.get_sensor_def("degraded_refresh_sensor")(context)
    assert isinstance(request, dg.RunRequest)
    pinned = pinned_sources(request.tags)
    assert list(pinned) == ["kom"] and "kom_figures.csv, line 12" in pinned["kom"]
