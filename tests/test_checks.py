"""The standard fact checks: each catches what it names, and a failed blocking check stops what follows."""

import dagster as dg
import polars as pl
import pytest

from pipelines import checks
from pipelines.vocabulary import conform


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


def test_total_below_its_parts_is_a_gap():
    facts = pl.concat([_facts(), _facts(sex="female", value=8.0, value_low=8.0, value_high=8.0),
                       _facts(sex="male", value=5.0, value_low=5.0, value_high=5.0)])  # fmt: skip
    passed, _, metadata = checks.check_totals_against_parts(facts)
    assert not passed and metadata["gap_count"] == 1


@pytest.mark.parametrize(("value", "published"), [(3.0, True), (-3.0, False)])
def test_failed_blocking_check_stops_downstream(value, published):
    @dg.asset(key_prefix="harmonised")
    def facts_probe() -> pl.DataFrame:
        return _facts(value=value, value_low=value, value_high=value)

    @dg.asset(deps=[facts_probe])
    def downstream() -> None:
        return None

    probe_checks = checks.fact_checks(dg.AssetKey(["harmonised", "facts_probe"]), 2000, 2030)
    result = dg.materialize([facts_probe, downstream, *probe_checks], raise_on_error=False)
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    assert (dg.AssetKey("downstream") in materialized) is published
