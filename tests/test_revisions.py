"""Figure revisions, the publication store and the open data package, on small made-up publications (no refresh).

The rule: a figure is named by its key (table, source, measure, place, period, breakdown) and compared
by value, bounds and flags, null-safely, so a suppressed cell compares as its interval: `<5` then `<5`
is no revision, `<5` then 7 is one. The store keeps read-only files with a catalogue; pruning keeps the
newest N, the current publication and every publication an export was made from.
"""

import json
import os
import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest
from frictionless import validate

from core.settings import DataPaths
from core.vocabulary import FACT_SCHEMA
from publications import revisions
from publications.__main__ import list_lines
from publications.__main__ import main as publications_command
from publications.store import Publication, PublicationNotFound, PublicationStore, publication_id
from reporting.changes import figure_keys, marked_figures, revision_marks

SMALL = {"value": None, "value_low": 1.0, "value_high": 4.0, "flags": "suppressed"}


def fact(**values) -> dict:
    row = {
        "source": "unodc_glotip",
        "measure": "victims_detected",
        "geo": "NOR",
        "year": 2020,
        "period": "2020",
        "sex": "total",
        "age_group": "total",
        "exploitation_form": "total",
        "counterpart_type": "none",
        "counterpart": "none",
        "counterpart_label": None,
        "value": 10.0,
        "value_low": 10.0,
        "value_high": 10.0,
        "unit": "persons",
        "flags": "",
        "definition_id": "unodc_glotip.victims_detected",
        "provenance_id": "unodc_glotip:aaaa",
        "source_location": "data_glotip.xlsx, sheet data_glotip_1, row 4",
        "legal_basis": None,
    }
    return row | values


def facts(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=FACT_SCHEMA)


def status(**releases: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_id": list(releases),
            "status": ["current"] * len(releases),
            "release": list(releases.values()),
            "retrieved_at": [None] * len(releases),
            "reason": [None] * len(releases),
        },
        schema={name: pl.String() for name in ("source_id", "status", "release", "retrieved_at", "reason")},
    )


def changed(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    return revisions.compare(
        revisions.figures({"fact_indicator": before}), revisions.figures({"fact_indicator": after})
    )


# --- the comparison rule --------------------------------------------------------------------------


def test_a_suppressed_cell_that_stays_suppressed_is_no_revision():
    assert changed(facts(fact(**SMALL)), facts(fact(**SMALL))).height == 0


def test_a_suppressed_cell_that_becomes_a_number_is_a_revision_with_both_intervals():
    (row,) = changed(facts(fact(**SMALL)), facts(fact(value=7.0, value_low=7.0, value_high=7.0))).to_dicts()
    assert row["change"] == "revised"
    assert (row["value_before"], row["value_low_before"], row["value_high_before"], row["flags_before"]) == (
        None,
        1.0,
        4.0,
        "suppressed",
    )
    assert (row["value"], row["value_low"], row["value_high"], row["flags"]) == (7.0, 7.0, 7.0, "")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({}, {}, []),
        ({}, {"value": 11.0, "value_low": 11.0, "value_high": 11.0}, ["revised"]),
        ({}, {"flags": "approximate"}, ["revised"]),
        ({"value": None, "value_low": 20.0, "value_high": 30.0, "flags": "range"}, {}, ["revised"]),
        ({"source_location": "row 4"}, {"source_location": "row 5", "provenance_id": "unodc_glotip:bbbb"}, []),
    ],
    ids=["same", "value", "flags", "range-to-number", "moved-in-the-file"],
)
def test_value_bounds_and_flags_are_compared_and_nothing_else(before, after, expected):
    assert changed(facts(fact(**before)), facts(fact(**after)))["change"].to_list() == expected


def test_new_and_withdrawn_figures_and_a_key_with_an_empty_part():
    kept = fact(counterpart_type="citizenship", counterpart="unresolved", counterpart_label=None)
    gone = fact(period="2019", year=2019)
    new = fact(period="2021", year=2021, sex="female")
    result = changed(facts(kept, gone), facts(kept, new))
    assert sorted(zip(result["change"], result["period"], result["breakdown"], strict=True)) == [
        ("new", "2021", "sex=female"),
        ("withdrawn", "2019", "total"),
    ]


def test_the_breakdown_is_written_out_and_releases_say_what_brought_the_change():
    before = facts(
        fact(
            sex="female",
            age_group="child",
            counterpart_type="citizenship",
            counterpart="NGA",
            counterpart_label="Nigeria",
        )
    )
    after = before.with_columns(value=pl.lit(12.0), value_low=pl.lit(12.0), value_high=pl.lit(12.0))
    result = revisions.compare(
        revisions.figures({"fact_indicator": before}),
        revisions.figures({"fact_indicator": after}),
        {"unodc_glotip": "2024-12"},
        {"unodc_glotip": "2025-11"},
        "B",
        "A",
    )
    (row,) = result.to_dicts()
    assert row["breakdown"] == "sex=female; age_group=child; citizenship=NGA (Nigeria)"
    assert (row["release_before"], row["release"], row["publication_id"], row["previous_publication_id"]) == (
        "2024-12",
        "2025-11",
        "B",
        "A",
    )


def test_marks_are_looked_up_for_the_figures_shown_and_say_the_figure_before():
    before = facts(fact(**SMALL), fact(period="2019", year=2019))
    after = facts(
        fact(value=7.0, value_low=7.0, value_high=7.0), fact(period="2019", year=2019), fact(period="2021", year=2021)
    )
    marked = marked_figures(changed(before, after))
    shown = pl.DataFrame(
        {"source": "unodc_glotip", "measure": "victims_detected", "geo": "NOR", "period": ["2021", "2020", "2019"]}
    )
    assert revision_marks(marked, figure_keys(shown), "nb") == ["ny", "revidert (var <5)", ""]
    assert revision_marks(marked, figure_keys(shown), "en") == ["new", "revised (was <5)", ""]
    assert revision_marks(marked_figures(None), figure_keys(shown), "nb") == ["", "", ""]


def test_population_and_ctdc_profiles_are_figures_too():
    population = pl.DataFrame(
        {
            "geo": ["NOR", "NOR"],
            "year": [2020, 2021],
            "population": [5.4e6, None],
            "status": ["reported", "missing"],
            "provenance_id": ["wb:1", "wb:1"],
            "source_location": ["row 1", "row 1"],
        },
    )
    profiles = pl.DataFrame(
        {
            "geo": ["NOR"],
            "period": ["2002-2021"],
            "profile": ["means_of_control"],
            "category": ["debt_bondage"],
            "value": [None],
            "value_low": [1.0],
            "value_high": [4.0],
            "flags": ["suppressed;synthetic"],
            "definition_id": ["iom_ctdc.victims_registered"],
        },
    )
    frame = revisions.figures({"population": population, "ctdc_profiles": profiles})
    assert frame.select("table", "source", "measure", "year", "breakdown", "flags").rows() == [
        ("population", "worldbank_population", "population", 2020, "total", ""),
        ("population", "worldbank_population", "population", 2021, "total", "missing"),
        (
            "ctdc_profiles",
            "iom_ctdc",
            "victims_registered",
            2021,
            "means_of_control=debt_bondage",
            "suppressed;synthetic",
        ),
    ]


def test_two_figures_with_one_key_are_refused():
    row = fact()
    with pytest.raises(ValueError, match="share a key"):
        revisions.figures({"fact_indicator": facts(row, row)})


def test_the_history_carries_every_value_forward():
    first, second = facts(fact(**SMALL)), facts(fact(value=6.0, value_low=6.0, value_high=6.0))
    releases = {"unodc_glotip": "r1"}
    history = revisions.first_history(revisions.figures({"fact_indicator": first}), "A", "2026-01-01", releases)
    change = revisions.compare(
        revisions.figures({"fact_indicator": first}),
        revisions.figures({"fact_indicator": second}),
        releases,
        {"unodc_glotip": "r2"},
        "B",
        "A",
    )
    history = revisions.next_history(history, change, "2026-02-01")
    assert history.select("publication_id", "change", "value", "value_low", "release").rows() == [
        ("A", "first", None, 1.0, "r1"),
        ("B", "revised", 6.0, 6.0, "r2"),
    ]
    assert revisions.value_at(history, "A")["value_low"].to_list() == [1.0]
    assert revisions.value_at(history, "B")["value"].to_list() == [6.0]


# --- the store ------------------------------------------------------------------------------------


def published_file(path: Path, published_at: str, content_hash: str) -> Path:
    """A small published file: a publication row and one fact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        publication = pl.DataFrame(  # noqa: F841 - DuckDB reads it by name
            {
                "published_at": [published_at],
                "run_id": ["run"],
                "content_hash": [content_hash],
                "publication_id": [publication_id(published_at, content_hash)],
            }
        )
        facts_frame = facts(fact())  # noqa: F841
        connection.execute("CREATE TABLE publication AS SELECT * FROM publication")
        connection.execute("CREATE TABLE fact_indicator AS SELECT * FROM facts_frame")
    return path


def keep(store: PublicationStore, tmp_path: Path, published_at: str, content_hash: str) -> Publication:
    new = published_file(tmp_path / "staging" / f"{content_hash}.duckdb", published_at, content_hash)
    entry = Publication(
        publication_id=publication_id(published_at, content_hash),
        published_at=published_at,
        content_hash=content_hash,
        run_id="run",
        code_version={"git_commit": "abc", "dirty": False},
        sources=[{"source_id": "unodc_glotip", "status": "current", "release": "r1", "files": []}],
    )
    kept = store.keep(new, entry, {"fact_indicator": facts(fact())})
    os.replace(new, store.paths.published)  # as publication swaps it in
    return kept


@pytest.fixture
def store(tmp_path) -> PublicationStore:
    paths = DataPaths(tmp_path / "data")
    paths.marts_dir.mkdir(parents=True)
    return PublicationStore(paths)


def test_a_kept_publication_is_read_only_with_its_catalogue_entry_and_open_data(store, tmp_path):
    entry = keep(store, tmp_path, "2026-01-05T10:00:00+00:00", "a" * 64)
    assert entry.publication_id == "20260105T100000Z-aaaaaaaa"
    database = store.database(entry.publication_id)
    assert not database.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    catalogue = json.loads(store.catalogue_file.read_text())
    assert catalogue["current"] == entry.publication_id
    (listed,) = catalogue["publications"]
    assert listed["current"] and listed["path"] == f"{entry.publication_id}/trafficking.duckdb"
    assert listed["size_bytes"]["database"] == database.stat().st_size
    assert json.loads((store.folder(entry.publication_id) / "publication.json").read_text())["content_hash"] == "a" * 64
    assert store.data_package(entry.publication_id).exists()


def test_finding_a_publication_by_id_start_date_or_current(store, tmp_path):
    first = keep(store, tmp_path, "2026-01-05T10:00:00+00:00", "a" * 64)
    second = keep(store, tmp_path, "2026-02-05T10:00:00+00:00", "b" * 64)
    assert store.find("current") == second
    assert store.find(first.publication_id) == first
    assert store.find("20260105") == first
    assert store.find("2026-01-20") == first, "the publication current that day"
    assert store.find("2026-02-05") == second, "a date means its end"
    with pytest.raises(PublicationNotFound, match="nothing was published by"):
        store.find("2025-12-31")
    with pytest.raises(PublicationNotFound, match="no kept publication"):
        store.find("nonsense")


def test_prune_keeps_the_newest_the_current_and_the_exported(store, tmp_path):
    ids = [
        keep(store, tmp_path, f"2026-0{month}-05T10:00:00+00:00", letter * 64).publication_id
        for month, letter in zip(range(1, 6), "abcde", strict=True)
    ]
    store.record_export(ids[1], "menneskehandel-norge-2015-2024-20260205")
    assert store.prune(2, dry_run=True) == [ids[2], ids[0]]
    assert store.prune(2) == [ids[2], ids[0]]
    assert [entry.publication_id for entry in store.entries()] == [ids[4], ids[3], ids[1]]
    assert not store.folder(ids[0]).exists() and not store.folder(ids[2]).exists()
    assert store.database(ids[1]).exists()
    with pytest.raises(ValueError, match="at least 1"):
        store.prune(0)


def test_the_command_lists_newest_first_each_line_beginning_with_the_id(store, tmp_path, monkeypatch, capsys):
    ids = [
        keep(store, tmp_path, f"2026-0{month}-05T10:00:00+00:00", f"{month}" * 64).publication_id for month in (1, 2)
    ]
    assert [line.split()[0] for line in list_lines(store)] == ids[::-1]
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(store.paths.root))
    assert publications_command(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ids[::-1]
    assert "current" in lines[0] and "current" not in lines[1]
    assert publications_command(["show", "nonsense"]) == 1
    assert "no kept publication" in capsys.readouterr().err


def test_debris_of_a_killed_keep_is_removed(store, tmp_path):
    keep(store, tmp_path, "2026-01-05T10:00:00+00:00", "a" * 64)
    debris = store.root / ".20260205T100000Z-bbbbbbbb.0123.tmp"
    debris.mkdir()
    keep(store, tmp_path, "2026-02-05T10:00:00+00:00", "b" * 64)
    assert not debris.exists()


# --- the open data package ------------------------------------------------------------------------


def test_the_open_data_package_validates_and_reads_back(tmp_path):
    from publications.opendata import write_data_package

    tables = {
        "fact_indicator": facts(fact(), fact(period="2021", year=None, **SMALL)),
        "provenance": pl.DataFrame(
            {
                "provenance_id": ["unodc_glotip:aaaa"],
                "source_id": ["unodc_glotip"],
                "publication": ["GLOTIP"],
                "url": ["https://example.invalid/data_glotip.xlsx"],
                "sha256": ["aaaa"],
            }
        ),
        "flags_check": pl.DataFrame({"passed": [True, None], "rows": [None, 2]}),
    }
    package = write_data_package(
        tmp_path / "data", tables, {"publication_id": "X", "published_at": "2026-01-05T10:00:00+00:00"}
    )
    report = validate(str(package))
    assert report.valid, report.flatten(["title", "message"])[:5]
    descriptor = json.loads(package.read_text())
    names = {resource["name"] for resource in descriptor["resources"]}
    assert {"fact_indicator", "fact_indicator-parquet", "provenance", "flags_check-parquet"} <= names
    facts_resource = next(resource for resource in descriptor["resources"] if resource["name"] == "fact_indicator")
    types = {field["name"]: field["type"] for field in facts_resource["schema"]["fields"]}
    assert types["year"] == "integer" and types["value"] == "number" and types["flags"] == "string"
    assert facts_resource["sources"] == [{"title": "GLOTIP (unodc_glotip)", "path": tables["provenance"]["url"][0]}]
    assert pl.read_parquet(tmp_path / "data" / "fact_indicator.parquet").equals(tables["fact_indicator"])
    from_csv = pl.read_csv(tmp_path / "data" / "fact_indicator.csv", schema=FACT_SCHEMA)
    empty_as_null = [pl.col(name).replace("", None) for name, dtype in FACT_SCHEMA.items() if dtype == pl.String]
    assert from_csv.with_columns(empty_as_null).equals(tables["fact_indicator"].with_columns(empty_as_null))


def test_a_file_published_before_publications_were_kept_becomes_the_first_kept(store):
    """The first refresh after the upgrade keeps the file it replaces, so a pack cited from it can be rebuilt."""
    old = store.paths.published
    with duckdb.connect(str(old)) as connection:
        connection.execute(
            "CREATE TABLE publication AS SELECT '2025-06-01T08:00:00+00:00' AS published_at, 'run' AS run_id, "
            f"'{'c' * 64}' AS content_hash, 'fact_indicator' AS tables"
        )
        facts_frame = facts(fact())  # noqa: F841 - DuckDB reads it by name
        connection.execute("CREATE TABLE fact_indicator AS SELECT * FROM facts_frame")
    adopted = store.adopt()
    assert adopted is not None and adopted.publication_id == "20250601T080000Z-cccccccc"
    assert "before publications were kept" in adopted.code_version["git_commit"]
    kept = store.database(adopted.publication_id)
    assert kept.read_bytes() == old.read_bytes() and not os.path.samefile(kept, old), "a copy of its own (round four)"
    assert store.adopt() is None, "only while nothing is kept"
    assert store.find("current") == adopted


def test_a_missing_published_file_is_restored_from_the_kept_one(store, tmp_path):
    entry = keep(store, tmp_path, "2026-01-05T10:00:00+00:00", "a" * 64)
    store.paths.published.unlink()
    store.restore(entry)
    published, kept = store.paths.published, store.database(entry.publication_id)
    assert published.read_bytes() == kept.read_bytes() and not os.path.samefile(published, kept), "a copy, not a link"
