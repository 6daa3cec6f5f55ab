"""The register of sources (`data/reference/sources.csv`) is the one declaration of a source, and it holds.

A source's assets without a row, or a row without assets, fail here; so does a row whose kind does not match how
its raw asset is made, a name or publisher missing in a language, or a facts asset without freshness limits.
"""

import pytest

from core.sources import KINDS, REGISTER_FILE, RegisterError, _source, of_kind, register
from pipelines.definitions import defs
from pipelines.download import MAX_FILE_BYTES, registered_max_bytes
from pipelines.ops.freshness import freshness_checks
from pipelines.register import downloaded_files, remote_file
from reporting.texts import LANGUAGES, text


def _asset_names(prefix: str) -> set[str]:
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    return {key.path[1] for key in keys if key.path[0] == prefix}


def test_every_raw_asset_has_a_row_and_every_row_an_asset():
    raw = _asset_names("raw")
    rows = set(register())
    assert raw == rows, (
        f"{REGISTER_FILE}: raw assets without a row {sorted(raw - rows)}, rows without one {sorted(rows - raw)}"
    )


def test_kinds_match_how_each_source_is_read():
    assert {entry.kind for entry in register().values()} <= set(KINDS)
    for entry in of_kind("curated"):
        assert sorted(entry.curated_dir.glob("*.csv")), f"{entry.source_id}: no curated file in {entry.curated_dir}"
    assert [remote.source_id for remote in downloaded_files()] == [entry.source_id for entry in of_kind("download")]
    for entry in of_kind("curated", "api", "reference"):
        with pytest.raises(LookupError):
            remote_file(entry.source_id)


def test_facts_assets_and_freshness_checks_cover_the_same_sources():
    with_facts = {name.removeprefix("facts_") for name in _asset_names("harmonised") if name.startswith("facts_")}
    checked = {
        check.check_specs_by_output_name[name].asset_key.path[1].removeprefix("facts_")
        for check in freshness_checks
        for name in check.check_specs_by_output_name
    }
    assert with_facts <= set(register())
    assert checked == with_facts == {entry.source_id for entry in register().values() if entry.checks_freshness}


def test_names_and_publishers_in_both_languages_come_from_the_register():
    for entry in register().values():
        for language in LANGUAGES:
            assert entry.name(language) and entry.publisher(language) and entry.counts(language), entry.source_id
            assert text(f"source.{entry.source_id}", language) == entry.name(language)
            assert text(f"publisher.{entry.source_id}", language) == entry.publisher(language)
        if entry.kind != "reference":
            assert entry.homepage.startswith("https://"), entry.source_id


def test_size_limits_come_from_the_register():
    for entry in register().values():
        expected = entry.max_bytes or MAX_FILE_BYTES
        assert registered_max_bytes(entry.source_id) == expected
    assert registered_max_bytes("not_a_source") == MAX_FILE_BYTES
    assert register()["ssb"].max_bytes < MAX_FILE_BYTES, "SSB's answers are held in memory: a smaller limit"


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("kind", "ftp", "kind 'ftp'"),
        ("release_month", "13", "release_month 13"),
        ("next_expected", "June 2027", "next_expected 'June 2027'"),
        ("max_years_behind", "two", "max_years_behind"),
    ],
)
def test_a_bad_row_is_refused_naming_the_file_the_source_and_the_value(column, value, named):
    row = {
        "source_id": "tip",
        "kind": "curated",
        "publisher_nb": "x",
        "publisher_en": "x",
        "name_nb": "x",
        "name_en": "x",
        "counts_nb": "",
        "counts_en": "",
        "homepage": "",
        "cadence_nb": "",
        "cadence_en": "",
        "release_month": "",
        "next_expected": "",
        "max_years_behind": "",
        "max_release_age_years": "",
        "max_megabytes": "",
        "note": "",
    }
    with pytest.raises(RegisterError, match=f"sources.csv, source tip: {named}"):
        _source(row | {column: value})


def test_cadence_and_next_edition_in_both_languages():
    for entry in register().values():
        assert entry.cadence("nb") and entry.cadence("en"), entry.source_id
        assert entry.cadence("nb") != entry.cadence("en") or entry.cadence("nb") == "", entry.source_id
