"""The standard fact checks: each catches what it names, and a failed blocking check stops what follows."""

import dagster as dg
import polars as pl
import pytest

from core.vocabulary import conform
from pipelines.checks import facts as checks
from pipelines.raw import raw_frame


def _facts(**overrides) -> pl.DataFrame:
    row = {
        "source": "test", "measure": "victims_detected", "geo": "NOR", "year": 2020, "value": 10.0,
        "value_low": 10.0, "value_high": 10.0, "unit": "persons", "definition_id": "d", "provenance_id": "p",
        "source_location": "row 2",
    } | overrides  # fmt: skip
    return conform(pl.DataFrame([row]))


def test_negative_count_fails():
    passed, _, metadata = checks.check_no_negative(_facts(value=-1.0, value_low=-1.0, value_high=-1.0))
    assert not passed and metadata["offending_rows"] == 1


def test_duplicate_key_fails():
    facts = pl.concat([_facts(), _facts(value=11.0)])
    assert not checks.check_unique_key(facts)[0]
    assert checks.check_unique_key(_facts())[0]


def test_unknown_code_is_named():
    passed, _, metadata = checks.check_known_codes(_facts(measure="victims_guessed"))
    assert not passed and metadata["unknown"]["measure"] == ["victims_guessed"]


def test_failed_known_codes_description_names_the_code_and_where_it_stands():
    facts = pl.concat([
        _facts(source_location="sheet A, row 7"),
        _facts(sex="unknown_sex", source_location="sheet A, row 9"),
        _facts(flags="estimate;guessed", source_location="sheet B, row 3"),
    ])  # fmt: skip
    passed, text, _ = checks.check_known_codes(facts)
    assert not passed
    assert "'unknown_sex' at 'sheet A, row 9'" in text and "'guessed' at 'sheet B, row 3'" in text
    assert "row 7" not in text


def test_failed_description_lists_five_locations_and_how_many_more():
    rows = [_facts(value=-1.0, value_low=-1.0, value_high=-1.0, source_location=f"line {n}") for n in range(8)]
    passed, text, _ = checks.check_no_negative(pl.concat(rows))
    assert not passed and "'line 4'" in text and "'line 5'" not in text and text.endswith("and 3 more")


def test_failed_key_and_year_descriptions_name_their_rows():
    duplicated = pl.concat([_facts(source_location="row 2"), _facts(value=11.0, source_location="row 3")])
    assert "'row 2', 'row 3'" in checks.check_unique_key(duplicated)[1]
    passed, text, _ = checks.check_year_coverage(_facts(year=1990, source_location="row 4"), 2000, 2030)
    assert not passed and "1990" in text and "'row 4'" in text


def test_passing_checks_keep_the_rule():
    assert checks.check_known_codes(_facts())[1] == "every dimension holds canonical codes only"


def test_total_below_its_parts_is_a_gap():
    facts = pl.concat([_facts(), _facts(sex="female", value=8.0, value_low=8.0, value_high=8.0),
                       _facts(sex="male", value=5.0, value_low=5.0, value_high=5.0)])  # fmt: skip
    passed, _, metadata = checks.check_totals_against_parts(facts)
    assert not passed and metadata["gap_count"] == 1


@pytest.mark.parametrize(("value", "published"), [(3.0, True), (-3.0, False)])
def test_failed_blocking_check_stops_downstream(value, published):
    @dg.asset(key_prefix="raw", name="probe")
    def raw_probe() -> pl.DataFrame:
        return raw_frame([{"source_id": "probe", "provenance_id": "probe:1"}], "current", None)

    @dg.asset(key_prefix="harmonised", deps=[raw_probe])
    def facts_probe() -> pl.DataFrame:
        return _facts(value=value, value_low=value, value_high=value)

    @dg.asset(deps=[facts_probe])
    def downstream() -> None:
        return None

    probe_checks = checks.fact_checks(dg.AssetKey(["harmonised", "facts_probe"]), 2000)
    result = dg.materialize([raw_probe, facts_probe, downstream, *probe_checks], raise_on_error=False)
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert (dg.AssetKey("downstream") in materialized) is published


def test_unique_key_check_names_a_key_given_twice():
    @dg.asset(key_prefix="marts")
    def table() -> pl.DataFrame:
        return pl.DataFrame({"geo": ["NOR", "NOR", "SWE"], "year": [2020, 2020, 2020], "value": [254.0, 254.0, 1.0]})

    check = checks.unique_key_check(dg.AssetKey(["marts", "table"]), ["geo", "year"])
    result = dg.materialize([table, check], raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert "1 key(s) given more than once" in evaluation.description and "'NOR'" in evaluation.description
