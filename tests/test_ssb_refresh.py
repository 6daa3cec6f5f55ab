"""SSB through the real refresh: with `TRAFFICKING_SOURCE_SSB` pointing at the stand-in on 127.0.0.1, the published
figures are exactly those served, on the justice page and in the pack; a table that loses the offence keeps the last
good release; without SSB (the mirror has no SSB files) the source is absent and everything else publishes.

The stand-in (`ssb_fake`) answers in the shapes PxWebApi 2.x is on record to send, each citing its record; its figures
are invented for the tests, and no real SSB figure is typed in.
"""

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl
import pytest
from page_tables import reader_tables
from ssb_fake import YEARS, FakeSsb, serve, served_figure
from streamlit.testing.v1 import AppTest

from core.settings import REPO_ROOT, DataPaths
from export.citations import figure_citation
from export.tables import SOURCES, TABLES, read_table
from pipelines.refresh import EXIT_CURRENT, EXIT_DEGRADED, refresh
from reporting.catalogue import definition_ids
from reporting.figures import percent_style, reader_style, shown
from reporting.flags import figure_rows
from reporting.justice import justice_chain
from reporting.texts import texts
from reporting.words import edition_text

pytestmark = pytest.mark.refresh
LOCATION = re.compile(r"^SSB table (\d+) \(ssb/\1/data\.json\), (.*), cell (\d+)(?:, status '.*')?$")


@pytest.fixture(scope="module")
def with_ssb(tmp_path_factory, mirror):
    """One refresh from the mirror with SSB from the stand-in on 127.0.0.1 (which answers once 429, once 503)."""
    fake = FakeSsb()
    fake.fail_once[("GET", "/api/pxwebapi/v2/tables/08484/metadata")] = (429, {"Retry-After": "1"})
    fake.fail_once[("GET", "/api/pxwebapi/v2/tables/10651/data")] = (503, {})
    server, base = serve(fake)
    patch = pytest.MonkeyPatch()
    patch.setenv("TRAFFICKING_SOURCE_SSB", base)
    data = DataPaths(tmp_path_factory.mktemp("with-ssb") / "data")
    outcome = refresh(data.root, str(mirror))
    yield fake, outcome, data
    patch.undo()
    server.shutdown()
    server.server_close()


@contextmanager
def changed(fake: FakeSsb, table_id: str) -> Iterator:
    """The stand-in's table `table_id`, for a test to change: its dimensions, cells and the stand-in's lasting
    failures are as they were once the test is done (the stand-in serves the module's other tests)."""
    table = fake.tables[table_id]
    dimensions, cells = list(table.dimensions), dict(table.cells)
    try:
        yield table
    finally:
        table.dimensions[:] = dimensions
        table.cells.clear()
        table.cells.update(cells)
        fake.fail_always.clear()


def served(fake: FakeSsb, location: str) -> float | None:
    """The figure the stand-in served for the cell a fact's `source_location` names (table and every code): SSB's
    nil `-` (a null with that symbol) is 0, any other symbol no figure."""
    table_id, dimensions, _ = LOCATION.match(location).groups()
    codes = dict(re.findall(r"(\w+)=([^ ,]+)", dimensions))
    table = fake.tables[table_id]
    value, symbol = table.cell(tuple(codes[dimension_id] for dimension_id, _, _ in table.dimensions))
    return 0.0 if symbol == "-" else None if symbol else value


def ssb_facts(path) -> pl.DataFrame:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql("SELECT * FROM fact_indicator WHERE source = 'ssb' ORDER BY ALL").pl()


def test_the_refresh_publishes_exactly_the_figures_ssb_served(with_ssb):
    fake, outcome, data = with_ssb
    assert outcome.exit_code == EXIT_CURRENT, outcome.statuses()
    statuses = {source: status for source, status, *_ in outcome.statuses()}
    assert statuses == dict.fromkeys(statuses, "current") and "ssb" in statuses
    facts = ssb_facts(data.published)
    assert facts.height > 0
    for row in facts.iter_rows(named=True):
        assert row["value"] == served(fake, row["source_location"]), row["source_location"]
    measures = set(facts["measure"])
    assert {"offences_reported", "offences_investigated", "clearance_rate", "sanctions"} <= measures
    assert {"offences_investigated_indicted", "sanctions_unconditional_prison"} <= measures
    assert "offences_cleared" not in measures, "09406 gives no count of cleared offences"
    reported = facts.filter(pl.col("measure") == "offences_reported")
    served_series = {int(year): served_figure(fake.tables["08484"], "1BM100", "AnmeldteLovbrudd", year) for year in
                     YEARS}  # fmt: skip
    assert dict(reported.select("year", "value").iter_rows()) == served_series | {2017: 0.0}, "'-' published as 0"
    later = reported.filter(pl.col("year") == 2021)
    assert later["value"].to_list() == [None] and later["flags"].to_list() == ["not_yet_available"]
    for language in ("nb", "en"):
        said = {row["year"]: shown(row, reader_style(language)) for row in figure_rows(reported)}
        assert said[2017] == "0" and said[2021] == texts()["value.not_yet_available"][language], "told, in words"
    decisions = {row["measure"] for row in facts.iter_rows(named=True) if "PolitiAvgjorelse=" in row["source_location"]}
    assert {"offences_investigated", "offences_investigated_indicted", "offences_investigated_dropped_evidence"} <= (
        decisions
    ), "09405's decision groups, marked for depth, harmonised"
    with duckdb.connect(str(data.published), read_only=True) as connection:
        query = "SELECT provenance_id, release FROM provenance WHERE source_id = 'ssb'"
        releases = dict(connection.execute(query).fetchall())
        status = connection.execute("SELECT release FROM source_status WHERE source_id = 'ssb'").fetchone()
        checks = dict(
            connection.execute(
                "SELECT check_name, passed FROM asset_check_results WHERE asset_key LIKE '%ssb%'"
            ).fetchall()
        )
    assert {release for key, release in releases.items() if key.startswith("ssb/08484/")} == {"2026-03-12T07:00:00Z"}
    assert status[0] == fake.tables["08484"].updated
    assert checks["labels_known"] and not checks["tables_agree"] and not checks["found_tables_harmonised"]
    assert (data.root / "downloads" / "ssb" / "09405" / "metadata.json").is_file()
    assert (data.root / "releases" / "ssb" / "09405" / "data.json").is_file(), "kept as the last good release"


def test_the_justice_chain_and_the_reconciliation_show_ssb_beside_kom_and_unodc(with_ssb):
    fake, _, data = with_ssb
    with duckdb.connect(str(data.published), read_only=True) as connection:
        totals = connection.sql("SELECT * FROM series_totals").pl()
        facts = connection.sql("SELECT * FROM fact_indicator").pl()
        table = connection.sql("SELECT * FROM reconciliation_justice_norway ORDER BY year").pl()
    chain = justice_chain(totals, facts, definition_ids("justice", "chain"), (2003, 2030))
    assert {"kom.police_reports", "unodc_glotip.offences_recorded", "ssb.offences_reported", "ssb.sanctions"} <= set(
        chain["definition_id"]
    )
    reported = fake.tables["08484"]
    by_year = {row["year"]: row for row in table.iter_rows(named=True)}
    for year in (2013, 2014, 2015, 2016):
        assert by_year[year]["ssb_offences_reported"] == served_figure(
            reported, "1BM100", "AnmeldteLovbrudd", str(year)
        )
    if 2021 in by_year:
        assert by_year[2021]["ssb_offences_reported"] is None and by_year[2021]["ssb_relation_to_kom"] == "no_figure"
    for row in table.iter_rows(named=True):
        if row["ssb_relation_to_kom"] in ("equal", "differs"):
            assert row["ssb_minus_kom"] == row["ssb_offences_reported"] - row["kom_police_reports"]
        if row["unodc_relation_to_kom"] in ("equal", "differs"):
            assert row["unodc_relation_to_kom"] == "equal", "UNODC's offences equal KOM's reports in shared years"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_justice_page_shows_ssb_s_series_and_the_reconciliation(with_ssb, monkeypatch, language):
    _, _, data = with_ssb
    monkeypatch.setenv("TRAFFICKING_DATA_DIR", str(data.root))
    app = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=90)
    app.session_state["language"] = language
    app.run()
    app.switch_page("views/justice.py").run()
    assert not app.exception, [error.value for error in app.exception]
    subheaders = [element.value for element in app.subheader]
    assert texts()["justice.reconciliation_title"][language] in subheaders
    legend = {trace for chart in app.get("plotly_chart") for trace in re.findall(r'"name":"([^"]+)"', chart.proto.spec)}
    with duckdb.connect(str(data.published), read_only=True) as connection:
        names = dict(connection.execute(f"SELECT definition_id, name_{language} FROM definitions").fetchall())
    assert {names["ssb.offences_reported"], names["ssb.sanctions"], names["kom.police_reports"]} <= legend
    reconciliation = next(
        frame
        for frame in reader_tables(app)
        if {texts()["justice.explanation"][language], names["kom.police_reports"]} <= set(frame.columns)
    )
    assert names["ssb.offences_reported"] in reconciliation.columns
    assert not app.warning, "every source is current: no banner"
    series, period, value = (texts()[f"chart.column_{c}"][language] for c in ("series", "period", "value"))
    clearance = names["ssb.clearance_rate"]
    rates = next(frame for frame in reader_tables(app) if series in frame.columns and clearance in set(frame[series]))
    facts = ssb_facts(data.published).filter(pl.col("measure") == "clearance_rate")
    style = percent_style(language)
    expected = {row["period"]: shown(row, style) for row in figure_rows(facts) if row["value"] is not None}
    assert expected, "the stand-in serves clearance rates"
    drawn = dict(rates.filter(pl.col(series) == clearance).select(period, value).iter_rows())
    assert drawn == expected, "SSB's clearance rate as SSB gave it, beside the computed ratios"
    assert texts()["justice.ratio_published_note"][language] in " ".join(caption.value for caption in app.caption)


def test_the_pack_holds_ssb_s_series_with_their_citation(with_ssb):
    fake, _, data = with_ssb
    figure = str(int(served_figure(fake.tables["08484"], "1BM100", "AnmeldteLovbrudd", "2016")))
    tables = {table.name: table for table in TABLES}
    with duckdb.connect(str(data.published), read_only=True) as connection:
        chain = read_table(connection, tables["justice_chain_norway"], 2012, 2016)
        reconciliation = read_table(connection, tables["reconciliation_justice_norway"], 2012, 2016)
        sources = read_table(connection, SOURCES, 2012, 2016)
    ssb = chain.filter(pl.col("source") == "ssb")
    assert set(ssb["measure"]) >= {"offences_reported", "sanctions", "sanctions_unconditional_prison"}
    assert ssb.filter(pl.col("source_location").is_null() | pl.col("provenance_id").is_null()).is_empty()
    assert ssb.filter((pl.col("measure") == "offences_reported") & (pl.col("year") == 2016))["value"].to_list() == [
        figure
    ]
    cited = sources.filter(pl.col("source_id") == "ssb")
    assert set(ssb["provenance_id"]) <= set(cited["provenance_id"])
    assert all("Statistisk sentralbyrå" in publication for publication in cited["publication"])
    assert all(url.startswith("https://data.ssb.no/api/pxwebapi/v2/tables/") for url in cited["url"])
    assert reconciliation.filter(pl.col("year") == 2016)["ssb_offences_reported"].to_list() == [figure]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_an_ssb_figure_s_citation_names_the_table_s_update_as_its_edition(with_ssb, language):
    """SSB dates a table's release by its update (`updated` in PxWebApi's metadata, kept as the release): the
    citation of an SSB figure in the pack names that day, as the pages do, never the day it was fetched."""
    fake, _, data = with_ssb
    with duckdb.connect(str(data.published), read_only=True) as connection:
        location, release, url = connection.execute(
            "SELECT f.source_location, p.release, p.url FROM fact_indicator f JOIN provenance p USING (provenance_id) "
            "WHERE f.source = 'ssb' AND p.provenance_id LIKE 'ssb/08484/%' LIMIT 1"
        ).fetchone()
    assert release == fake.tables["08484"].updated
    cited = figure_citation("ssb", location, {"release": release, "url": url}, "7. desember 2026", language)
    assert edition_text(None, release, language) in cited


@pytest.mark.refresh
@pytest.mark.parametrize("trouble", ["offence-gone", "answers-404", "suffixed-offence"])
def test_one_table_in_trouble_costs_only_that_table(with_ssb, mirror, tmp_path, trouble):
    """Table 09406 loses the offence, or answers 404: that table keeps its last good release (its figures stay
    exactly as published), the others are read anew, SSB stays current with the table named; an offence label with
    SSB's suffix (`Menneskehandel mv.`) is still the offence, and nothing is held."""
    fake, _, good = with_ssb
    data = DataPaths(tmp_path / "data")
    shutil.copytree(good.root, data.root, symlinks=True)
    before = ssb_facts(data.published)
    with changed(fake, "09406") as table:
        if trouble == "offence-gone":
            table.dimensions[0] = ("LovbruddKrim", "lovbruddstype", [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                                                                      ("R1", "¬¬ Ran")])  # fmt: skip
        elif trouble == "answers-404":
            fake.fail_always[("GET", "/api/pxwebapi/v2/tables/09406/metadata")] = (404, {})
        else:
            categories = [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"),
                          ("X1224", "Menneskehandel (gammel klassifisering)"),
                          ("1BM100", "¬¬ Menneskehandel mv.")]  # fmt: skip
            table.dimensions[0] = ("LovbruddKrim", "lovbruddstype", categories)
        outcome = refresh(data.root, str(mirror))

    assert outcome.exit_code == EXIT_CURRENT and len(outcome.attempts) == 1
    statuses = {source: (status, reason) for source, status, _, reason, _ in outcome.statuses()}
    status, reason = statuses["ssb"]
    assert status == "current"
    if trouble == "suffixed-offence":
        assert reason is None
    else:
        assert reason.startswith("table 09406 kept at its last good release: ")
        assert ("'Alle lovbruddsgrupper', '¬¬ Ran'" if trouble == "offence-gone" else "answered HTTP 404") in reason
    figures = ["measure", "year", "period", "value", "value_low", "value_high", "flags", "definition_id", "legal_basis"]
    if trouble == "suffixed-offence":  # read anew under its new label: the same figures, a new place in the file
        assert ssb_facts(data.published).select(figures).equals(before.select(figures))
    else:
        assert ssb_facts(data.published).equals(before), "every SSB figure as published before, exactly"


@pytest.mark.refresh
def test_a_decision_group_the_crosswalk_does_not_know_costs_only_its_cells(with_ssb, mirror, tmp_path):
    """Table 09405 gains a decision group "Henlagt" (invented figures): its cells are left out with a warning that
    names the label, every other figure is published and SSB is current."""
    fake, _, good = with_ssb
    data = DataPaths(tmp_path / "data")
    shutil.copytree(good.root, data.root, symlinks=True)
    before = ssb_facts(data.published)
    with changed(fake, "09405") as table:
        groups = table.dimensions[1]
        table.dimensions[1] = (groups[0], groups[1], [*groups[2], ("BZZ", "¬¬ Henlagt")])
        table.cells.update({("1BM100", "BZZ", "LovbrEtterforsket", year): (3.0, None) for year in ("2015", "2016")})
        outcome = refresh(data.root, str(mirror))

    assert outcome.exit_code == EXIT_CURRENT and len(outcome.attempts) == 1
    figures = ["measure", "year", "period", "value", "value_low", "value_high", "flags", "definition_id", "legal_basis"]
    assert ssb_facts(data.published).select(figures).equals(before.select(figures)), "none from the unknown group"
    with duckdb.connect(str(outcome.published_file), read_only=True) as connection:
        (said,) = connection.execute(
            "SELECT description FROM asset_check_results WHERE check_name = 'labels_known' AND asset_key LIKE '%ssb%'"
        ).fetchone()
    assert "table 09405" in said and "Henlagt" in said


TROUBLE_IN_08484 = {
    "NaN": ("staging__ssb", "a value is not a finite number"),
    "31.4 offences": ("harmonised/facts_ssb:finite_whole_counts", "a count that is not whole"),
    "the offence moved to another code": (
        "harmonised/facts_ssb:no_unexplained_loss",
        "table 08484: offence code(s) 1BM100 -> offence code(s) 1BM200",
    ),
}
"""Round four (issue 37): what SSB's table 08484 may send that must never be published as trafficking figures."""


@pytest.mark.refresh
@pytest.mark.parametrize("trouble", [*TROUBLE_IN_08484, "the offence moved, accepted by the operator"])
def test_a_broken_number_or_a_moved_offence_keeps_ssb_at_its_last_good_release(with_ssb, mirror, tmp_path, trouble):
    """Invented cells: NaN or 31.4 where a count belongs, or 'Menneskehandel' moved from code 1BM100 to 1BM200 (held
    until an operator accepts it with --accept-shrink ssb)."""
    fake, _, good = with_ssb
    data = DataPaths(tmp_path / "data")
    shutil.copytree(good.root, data.root, symlinks=True)
    before = ssb_facts(data.published)
    accepted = frozenset({"ssb"}) if "accepted" in trouble else frozenset()
    with changed(fake, "08484") as table:
        if trouble in ("NaN", "31.4 offences"):
            table.cells[("1BM100", "AnmeldteLovbrudd", "2017")] = (float("nan") if trouble == "NaN" else 31.4, None)
        else:
            offences = [("1AAAAA-9ZZZZZ", "Alle lovbruddsgrupper"), ("1BM100", "¬¬ Frihetsberøvelse"),
                        ("1BM200", "¬¬ Menneskehandel")]  # fmt: skip
            table.dimensions[0] = (table.dimensions[0][0], table.dimensions[0][1], offences)
        outcome = refresh(data.root, str(mirror), accept_shrink=accepted)

    status, reason = {source: (status, reason) for source, status, _, reason, _ in outcome.statuses()}["ssb"]
    if accepted:
        assert status == "current" and not ssb_facts(data.published).equals(before), "the operator's word is taken"
        return
    step, words = TROUBLE_IN_08484[trouble]
    assert outcome.exit_code == EXIT_DEGRADED and status == "stale"
    assert step in reason and words in reason, reason
    assert ssb_facts(data.published).equals(before), "every SSB figure as published before, exactly"


@pytest.mark.refresh
def test_without_ssb_the_source_is_absent_and_everything_else_publishes(tmp_path, mirror, monkeypatch):
    monkeypatch.delenv("TRAFFICKING_SOURCE_SSB", raising=False)
    outcome = refresh(tmp_path / "data", str(mirror))

    assert outcome.exit_code == EXIT_DEGRADED and len(outcome.attempts) == 1
    statuses = {source: (status, reason, facts) for source, status, _, reason, facts in outcome.statuses()}
    status, reason, facts = statuses.pop("ssb")
    assert (status, facts) == ("absent", 0) and "has no SSB tables" in reason
    assert {status for status, _, _ in statuses.values()} == {"current"}
    with duckdb.connect(str(outcome.published_file), read_only=True) as connection:
        relations = connection.execute(
            "SELECT DISTINCT ssb_relation_to_kom FROM reconciliation_justice_norway"
        ).fetchall()
    assert relations == [("no_figure",)]
