"""SSB through PxWebApi v2, against a stand-in on 127.0.0.1 (`ssb_fake`): the JSON-stat reader, the label search,
the client (table search, metadata first, retries of 429 and 503, pace, POST, mirror), staging and harmonisation,
and the justice reconciliation.

The stand-in answers in the shapes PxWebApi 2.x is on record to send (`ssb_fake`'s header cites each record: metadata
with `"value": []`, `¬` depth marks, symbols as `null` with `status`, Problem errors); the small documents written
here follow the JSON-stat format. Every figure is invented for the tests, and no real SSB figure is typed in.
"""

import json
import re
import time

import polars as pl
import pytest
from ssb_fake import BASE_PATH, FakeSsb, serve, served_figure

from core.vocabulary import conform, flag_set
from pipelines import crosswalk
from pipelines.download import http_session
from pipelines.marts.justice_reconciliation import reconciliation
from pipelines.raw import raw_frame
from pipelines.releases import Releases
from pipelines.sources.ssb import api, harmonise
from pipelines.sources.ssb.api import Client, Pace, SsbError
from pipelines.sources.ssb.assets import with_last_good_tables
from pipelines.sources.ssb.jsonstat import JsonStatError, parse_dataset
from pipelines.sources.ssb.parse import read_tables
from pipelines.sources.ssb.tables import KNOWN_TABLE_IDS, OffenceNotFound, find_offence, names_the_offence
from reporting.justice import agreement
from reporting.words import reason_kind, reason_text


def document(index_as_array: bool = False, **extra) -> dict:
    """A small invented JSON-stat 2.0 dataset: offence (2) x measured variable (1) x year (3)."""
    offences = [("A1", "Alle lovbrudd"), ("M9", "Menneskehandel")]
    years = ["2014", "2015", "2016"]
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "99999: Invented table",
        "updated": "2026-01-15T07:00:00Z",
        "id": ["Lovbrudd", "ContentsCode", "Tid"],
        "size": [2, 1, 3],
        "dimension": {
            "Lovbrudd": {
                "label": "lovbrudd",
                "category": {
                    "index": [code for code, _ in offences]
                    if index_as_array
                    else {code: n for n, (code, _) in enumerate(offences)},
                    "label": dict(offences),
                },
            },
            "ContentsCode": {"category": {"label": {"Anmeldte": "Anmeldte lovbrudd"}}},
            "Tid": {"category": {"index": {year: n for n, year in enumerate(years)}, "label": {y: y for y in years}}},
        },
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "value": [100, 110, 120, 7, None, 9],
        "status": {"4": ".."},
        **extra,
    }


@pytest.fixture
def fake():
    """The stand-in API on 127.0.0.1, serving the invented tables of `ssb_fake`."""
    state = FakeSsb()
    server, base = serve(state)
    state.base = base
    yield state
    server.shutdown()
    server.server_close()


def client(base: str = "", mirror: str = "", pace: Pace | None = None) -> Client:
    return Client(base, mirror, http_session(3, 0.05, ("GET", "HEAD", "POST")), pace or Pace(100, 60), timeout=10)


# -- the JSON-stat reader -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index_as_array", [False, True], ids=["index-object", "index-array"])
def test_reader_gives_each_cell_its_categories_and_keeps_a_null_with_its_symbol(index_as_array):
    dataset = parse_dataset(document(index_as_array), "invented.json")
    cells = {(cell.categories[0][0], cell.categories[2][0]): cell for cell in dataset.cells()}
    assert cells["M9", "2014"].value == 7 and cells["M9", "2016"].value == 9
    assert cells["M9", "2015"].value is None, "a null is never read as 0"
    assert cells["M9", "2015"].status == ".."
    expected = (("A1", "Alle lovbrudd"), ("Anmeldte", "Anmeldte lovbrudd"), ("2016", "2016"))
    assert cells["A1", "2016"].categories == expected
    assert dataset.role("time") == "Tid" and dataset.updated == "2026-01-15T07:00:00Z"


def test_reader_takes_sparse_values_and_status_as_array_or_string():
    sparse = parse_dataset(document(value={"3": 7, "5": 9}, status=[None, None, None, None, "..", None]), "x")
    assert [cell.value for cell in sparse.cells()] == [None, None, None, 7, None, 9]
    assert [cell.status for cell in sparse.cells()][4] == ".."
    everywhere = parse_dataset(document(status="*"), "x")
    assert {cell.status for cell in everywhere.cells()} == {"*"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"size": [2, 1, 4]}, "'size' says 4 categories"),
        ({"value": [1, 2, 3]}, "'value' has 3 cells"),
        ({"value": [1, 2, 3, "x", 5, 6]}, "position 3 is 'x'"),
        ({"id": ["Lovbrudd", "Tid"]}, "'id' has 2 dimensions"),
        ({"class": "collection"}, "class 'collection'"),
    ],
)
def test_reader_refuses_what_is_not_a_dataset_naming_the_file(change, message):
    with pytest.raises(JsonStatError, match=message) as raised:
        parse_dataset(document() | change, "ssb/99999/data.json")
    assert "ssb/99999/data.json" in str(raised.value)


# -- the label search -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "matches"),
    [
        ("Menneskehandel", True),
        ("¬¬ Menneskehandel", True),
        ("  1234 Menneskehandel", True),
        ("Menneskehandel (strl. §§ 257-258)", True),
        ("Menneskehandel mv.", True),
        ("Menneskehandel, straffeloven § 257", True),
        ("Human trafficking, Penal Code section 257", True),
        ("Menneskehandel, grov", False),
        ("Human trafficking", True),
        ("Trafficking in human beings", True),
        ("HUMAN TRAFFICKING", True),
        ("Grov menneskehandel", False),
        ("Menneskehandel og slaveri", False),
        ("Frihetsberøvelse", False),
    ],
)
def test_the_offence_is_its_norwegian_or_english_label_alone(label, matches):
    assert names_the_offence(label) is matches


def test_the_offence_is_found_by_label_with_its_code_in_norwegian_and_in_english():
    norwegian = find_offence(parse_dataset(document(), "x"), "99999")
    assert (norwegian.dimension, norwegian.categories) == ("Lovbrudd", (("M9", "Menneskehandel"),))
    english = document()
    english["dimension"]["Lovbrudd"]["category"]["label"] = {"A1": "All offences", "M9": "Human trafficking"}
    assert find_offence(parse_dataset(english, "x"), "99999").codes == ("M9",)


def test_a_table_without_the_offence_fails_naming_the_table_and_its_labels():
    without = document()
    without["dimension"]["Lovbrudd"]["category"]["label"] = {"A1": "Alle lovbrudd", "M9": "Frihetsberøvelse"}
    with pytest.raises(OffenceNotFound) as raised:
        find_offence(parse_dataset(without, "x"), "99999")
    message = str(raised.value)
    assert "SSB table 99999" in message and "'Menneskehandel'" in message
    assert "'Alle lovbrudd'" in message and "'Frihetsberøvelse'" in message


def test_the_offence_code_is_read_from_each_table_s_metadata_with_its_depth_marks(fake):
    for table_id in KNOWN_TABLE_IDS:
        table = fake.tables[table_id]
        metadata = parse_dataset(table.metadata(), table_id)
        assert metadata.values is None, "PxWebApi 2.x's metadata carries an empty value: no values, not zero cells"
        offence = find_offence(metadata, table_id)
        (dimension,) = [entry for entry in table.dimensions if entry[0] == offence.dimension]
        assert offence.categories == tuple((code, label) for code, label in dimension[2] if names_the_offence(label))
    assert find_offence(parse_dataset(fake.tables["09406"].metadata(), "x"), "09406").codes == ("X1224", "1BM100"), (
        "both classifications' categories are kept"
    )


# -- the pace -------------------------------------------------------------------------------------------------------


def test_the_pace_keeps_every_window_under_its_limit():
    now = [0.0]
    slept = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pace = Pace(3, 60.0, clock=lambda: now[0], sleep=sleep)
    moments = []
    for _ in range(7):
        pace.wait()
        moments.append(now[0])
        now[0] += 1.0
    assert moments == [0.0, 1.0, 2.0, 60.0, 61.0, 62.0, 120.0]
    assert all(sum(1 for m in moments if start <= m < start + 60) <= 3 for start in moments)


def test_the_pace_is_set_by_environment(monkeypatch):
    monkeypatch.setenv(api.PACE_SETTING, "12")
    assert api.pace_from_env().max_requests == 12
    monkeypatch.delenv(api.PACE_SETTING)
    assert api.pace_from_env().max_requests == api.DEFAULT_REQUESTS_PER_MINUTE < 30


def test_requests_to_the_server_keep_the_pace(fake, tmp_path):
    client(fake.base, pace=Pace(4, 0.5)).fetch(tmp_path / "ssb")
    times = [moment for moment, *_ in fake.requests]
    assert len(times) > 8
    # Arrival times at the server jitter on a loaded machine (a request delayed, then two close together): the
    # window is 0.35 s of the pace's 0.5 s. A client without pacing sends all of them within a few milliseconds.
    assert max(sum(1 for other in times if start <= other < start + 0.35) for start in times) <= 4


# -- the client against the stand-in --------------------------------------------------------------------------------


def test_fetch_reads_metadata_first_selects_the_offence_by_code_and_writes_each_table(fake, tmp_path):
    fake.fail_once[("GET", f"{BASE_PATH}/tables/08484/metadata")] = (429, {"Retry-After": "1"})
    fake.fail_once[("GET", f"{BASE_PATH}/tables/10651/data")] = (503, {})
    started = time.monotonic()
    fetched = client(fake.base).fetch(tmp_path / "ssb")
    assert time.monotonic() - started >= 1.0, "the 429's Retry-After was waited out"
    paths = [target for _, method, target in fake.requests]
    assert paths.count(f"{BASE_PATH}/tables/08484/metadata?lang=no&outputFormat=json-stat2") == 2, "429 retried"
    assert sum(1 for path in paths if path.startswith(f"{BASE_PATH}/tables/10651/data")) == 2, "503 retried"
    for table_id in KNOWN_TABLE_IDS:
        metadata = paths.index(f"{BASE_PATH}/tables/{table_id}/metadata?lang=no&outputFormat=json-stat2")
        data = next(i for i, path in enumerate(paths) if path.startswith(f"{BASE_PATH}/tables/{table_id}/data"))
        assert metadata < data, f"{table_id}: metadata first"
        assert (tmp_path / "ssb" / table_id / "metadata.json").is_file()
        assert (tmp_path / "ssb" / table_id / "data.json").is_file()
    assert "valueCodes%5BLovbruddKrim%5D=1BM100" in next(path for path in paths if "/09405/data" in path)
    assert [table.table_id for table in fetched.tables] == [*KNOWN_TABLE_IDS, "77777"], "the search added 77777"
    assert "88888" in fetched.left_out and "no category is labelled" in fetched.left_out["88888"]
    records = {record["provenance_id"].split(":")[0]: record for record in fetched.records}
    assert records["ssb/08484/data"]["release"] == fake.tables["08484"].updated
    assert records["ssb/08484/data"]["url"].startswith("https://data.ssb.no/api/pxwebapi/v2/tables/08484/data?")
    assert records["ssb/08484/data"]["fetched_from"].startswith(fake.base)
    assert len(fetched.records) == 2 * len(fetched.tables)


@pytest.mark.parametrize(
    "broken",
    [b"<!DOCTYPE html><html><body>Down for maintenance</body></html>", b'{"tables": "none"}', None],
    ids=["html", "unexpected-json", "http-500"],
)
def test_without_a_usable_table_search_the_known_tables_are_read(fake, tmp_path, broken):
    if broken is None:
        fake.fail_always[("GET", f"{BASE_PATH}/tables")] = (500, {})
    else:
        fake.search_body = broken
    fetched = client(fake.base).fetch(tmp_path / "ssb")
    assert [table.table_id for table in fetched.tables] == list(KNOWN_TABLE_IDS)
    assert "the known tables are read" in fetched.search


def test_a_known_table_without_the_offence_is_named_and_the_others_are_read(fake, tmp_path):
    table = fake.tables["09406"]
    table.dimensions[0] = ("Lovbruddstype", "lovbruddstype", [("ALLE", "Alle lovbrudd"), ("N300", "Ran")])
    fetched = client(fake.base).fetch(tmp_path / "ssb")
    why = fetched.failed_known["09406"]
    assert "SSB table 09406" in why and "'Alle lovbrudd', 'Ran'" in why
    assert [table.table_id for table in fetched.tables if table.known] == [t for t in KNOWN_TABLE_IDS if t != "09406"]
    assert not (tmp_path / "ssb" / "09406").exists() and not list(tmp_path.glob(".ssb.*")), "nothing half-written"


def test_a_table_that_keeps_failing_is_named_and_the_others_are_read(fake, tmp_path):
    fake.fail_always[("GET", f"{BASE_PATH}/tables/09405/metadata")] = (503, {})
    fetched = client(fake.base).fetch(tmp_path / "ssb")
    assert list(fetched.failed_known) == ["09405"]
    assert re.search(r"tables/09405/metadata.* answered HTTP 503", fetched.failed_known["09405"])
    assert [table.table_id for table in fetched.tables if table.known] == [t for t in KNOWN_TABLE_IDS if t != "09405"]


def test_a_server_that_fails_every_table_fails_the_source_naming_each(fake, tmp_path):
    for table_id in KNOWN_TABLE_IDS:
        fake.fail_always[("GET", f"{BASE_PATH}/tables/{table_id}/metadata")] = (503, {})
    with pytest.raises(SsbError, match=r"no SSB table could be read: .*tables/08484/metadata.* answered HTTP 503"):
        client(fake.base).fetch(tmp_path / "ssb")


def test_a_retry_after_of_fifteen_minutes_is_waited_out_only_up_to_its_cap(fake, tmp_path):
    """SSB asking to wait 900 s costs at most the cap per try (here 0.2 s), and the answer after it is read."""
    fake.fail_once[("GET", f"{BASE_PATH}/tables/09405/metadata")] = (429, {"Retry-After": "900"})
    started = time.monotonic()
    capped = Client(fake.base, "", http_session(3, 0.05, ("GET", "POST"), max_retry_after=0.2), Pace(100, 60), 10)
    capped.fetch(tmp_path / "ssb")
    assert time.monotonic() - started < 30
    assert (tmp_path / "ssb" / "09405" / "metadata.json").is_file()


def test_an_answer_padded_past_its_bound_is_refused_naming_the_address(fake, tmp_path, monkeypatch):
    """A valid JSON answer padded to more than an answer may be is refused as it arrives, not read into memory:
    that table is named, the others are read."""
    monkeypatch.setattr(api, "MAX_ANSWER_BYTES", 1 << 20)
    fake.padding[f"{BASE_PATH}/tables/09405/metadata"] = 3 << 20
    fetched = client(fake.base).fetch(tmp_path / "ssb")
    assert re.search(r"tables/09405/metadata\?\S*: the answer is larger than allowed", fetched.failed_known["09405"])
    assert "08484" in {table.table_id for table in fetched.tables}


def test_a_long_selection_goes_as_a_post_with_the_same_cells(fake, tmp_path, monkeypatch):
    client(fake.base).fetch(tmp_path / "get")
    monkeypatch.setattr(api, "MAX_GET_ADDRESS", 10)
    client(fake.base).fetch(tmp_path / "post")
    posts = [target for _, method, target in fake.requests if method == "POST"]
    assert len(posts) == len(KNOWN_TABLE_IDS) + 1
    for table_id in (*KNOWN_TABLE_IDS, "77777"):
        by_get = json.loads((tmp_path / "get" / table_id / "data.json").read_bytes())
        by_post = json.loads((tmp_path / "post" / table_id / "data.json").read_bytes())
        assert by_post["value"] == by_get["value"] and by_post["id"] == by_get["id"]


def test_a_selection_above_the_cell_limit_is_refused(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(api, "MAX_CELLS", 5)
    with pytest.raises(SsbError, match="above SSB's limit of 5"):
        client(fake.base).fetch(tmp_path / "ssb")


def test_the_mirror_holds_each_table_as_metadata_and_data(fake, tmp_path):
    client(fake.base).fetch(tmp_path / "mirror" / "ssb")
    fetched = client(mirror=str(tmp_path / "mirror")).fetch(tmp_path / "downloads" / "ssb")
    assert [table.table_id for table in fetched.tables] == list(KNOWN_TABLE_IDS)
    assert all(record["from_mirror"] for record in fetched.records)
    assert fetched.records[1]["url"].startswith("https://data.ssb.no/api/pxwebapi/v2/tables/08484/data?")


def test_a_mirror_without_ssb_files_says_so(tmp_path):
    (tmp_path / "mirror" / "unodc").mkdir(parents=True)
    with pytest.raises(SsbError, match="has no SSB tables"):
        client(mirror=str(tmp_path / "mirror")).fetch(tmp_path / "downloads" / "ssb")
    assert not (tmp_path / "downloads" / "ssb").exists()


# -- staging and harmonisation --------------------------------------------------------------------------------------


@pytest.fixture
def staged(fake, tmp_path):
    fetched = client(fake.base).fetch(tmp_path / "ssb")
    return fake, read_tables(raw_frame(fetched.records, "current", None))


def facts_by_measure(facts: pl.DataFrame) -> dict[str, dict[int, dict]]:
    found: dict[str, dict[int, dict]] = {}
    for row in facts.iter_rows(named=True):
        found.setdefault(row["measure"], {})[row["year"]] = row
    return found


def test_facts_are_the_served_figures_nil_is_zero_and_a_figure_not_yet_available_stays_missing(staged):
    fake, staging = staged
    facts = facts_by_measure(harmonise.to_facts(staging))
    reported, sanctions, decisions = fake.tables["08484"], fake.tables["10651"], fake.tables["09405"]
    for year in ("2013", "2016", "2020"):
        assert facts["offences_reported"][int(year)]["value"] == served_figure(
            reported, "1BM100", "AnmeldteLovbrudd", year
        )
        assert facts["sanctions"][int(year)]["value"] == served_figure(sanctions, "1BM100", "0", "Reaksjoner", year)
        assert facts["sanctions_unconditional_prison"][int(year)]["value"] == served_figure(
            sanctions, "1BM100", "1", "Reaksjoner", year
        )
        assert facts["offences_investigated_indicted"][int(year)]["value"] == served_figure(
            decisions, "1BM100", "AAB", "LovbrEtterforsket", year
        )
    assert reported.cell(("1BM100", "AnmeldteLovbrudd", "2017")) == (None, "-")
    nil = facts["offences_reported"][2017]
    assert (nil["value"], nil["value_low"], nil["value_high"], nil["flags"]) == (0.0, 0.0, 0.0, ""), "'-' is a zero"
    assert reported.cell(("1BM100", "AnmeldteLovbrudd", "2021")) == (None, "...")
    later = facts["offences_reported"][2021]
    assert (later["value"], later["value_low"], later["value_high"]) == (None, None, None)
    assert flag_set(later["flags"]) == {"not_yet_available"}, "'...' is not yet available, not confidential"
    assert "status '...'" in later["source_location"]
    assert flag_set(facts["sanctions_community_sentence"][2014]["flags"]) == {"confidential"}
    assert facts["sanctions_community_sentence"][2014]["value"] is None
    assert flag_set(facts["offences_investigated_fine"][2014]["flags"]) == {"not_applicable"}
    assert "offences_reported_per1000" not in facts and not any("excluded" in m for m in facts)


def test_a_table_s_current_code_is_preferred_to_its_legacy_code_without_a_break(staged):
    """08484 holds the offence under the 2015 code back-cast over every year and under a legacy code until 2014:
    the current code's figures are published, and no break is placed where the table itself shows none."""
    fake, staging = staged
    reported = facts_by_measure(harmonise.to_facts(staging))["offences_reported"]
    table = fake.tables["08484"]
    assert served_figure(table, "X1224", "AnmeldteLovbrudd", "2014") != served_figure(
        table, "1BM100", "AnmeldteLovbrudd", "2014"
    )
    assert reported[2014]["value"] == served_figure(table, "1BM100", "AnmeldteLovbrudd", "2014")
    assert all("LovbruddKrim=1BM100" in row["source_location"] for row in reported.values())
    assert not any("series_break" in flag_set(row["flags"]) for row in reported.values())
    assert {reported[year]["legal_basis"] for year in (2014, 2015, 2016)} == {
        "strl1902_224", "mixed_2015", "strl2005_257_258"
    }, "the new penal code is carried by the legal basis"  # fmt: skip


def test_the_clearance_percentage_is_its_own_rate_and_two_classifications_break_where_the_code_changes(staged):
    fake, staging = staged
    facts = facts_by_measure(harmonise.to_facts(staging))
    rate, table = facts["clearance_rate"], fake.tables["09406"]
    assert rate[2014]["value"] == served_figure(table, "X1224", "Oppklaringsprosent", "2014")
    assert rate[2016]["value"] == served_figure(table, "1BM100", "Oppklaringsprosent", "2016")
    assert {row["unit"] for row in rate.values()} == {"percent"}
    assert "X1224" in rate[2014]["source_location"] and "1BM100" in rate[2016]["source_location"]
    assert [year for year, row in sorted(rate.items()) if "series_break" in flag_set(row["flags"])] == [2015]
    assert "offences_cleared" not in facts, "SSB gives no count of cleared offences, and none is derived"


def test_depth_marks_are_left_out_for_the_crosswalk_and_ssb_s_words_kept_beside(staged):
    _, staging = staged
    decisions = (
        staging.filter(pl.col("table_id") == "09405").select(pl.col("categories").explode()).unnest("categories")
    )
    words = dict(decisions.select("label_ssb", "label").unique().iter_rows())
    assert words["¬¬ Tiltale"] == "Tiltale" and words["Alle avgjørelser"] == "Alle avgjørelser"
    assert harmonise.unknown_labels(staging).keys() <= {"77777", "88888"}, "every known table's labels are known"
    facts = harmonise.to_facts(staging)
    row = facts.filter((pl.col("measure") == "offences_investigated_indicted") & (pl.col("year") == 2016)).row(
        0, named=True
    )
    assert "PolitiAvgjorelse=AAB (¬¬ Tiltale)" in row["source_location"], "the location quotes SSB's own words"


def test_facts_carry_location_definition_provenance_and_legal_basis(staged):
    _, staging = staged
    facts = harmonise.to_facts(staging)
    row = facts.filter((pl.col("measure") == "offences_reported") & (pl.col("year") == 2016)).row(0, named=True)
    assert row["source_location"].startswith("SSB table 08484 (ssb/08484/data.json), LovbruddKrim=1BM100")
    assert "Tid=2016" in row["source_location"] and ", cell " in row["source_location"]
    assert row["provenance_id"].startswith("ssb/08484/data:") and row["definition_id"] == "ssb.offences_reported"
    definitions = pl.read_csv("data/reference/definitions/ssb.csv")["definition_id"].to_list()
    assert set(facts["definition_id"]) <= set(definitions)


def test_a_year_taken_from_another_table_starts_a_segment(staged):
    """Where 10651 has no figure for a year, 13579's is published: a break there, and again where 10651's resumes."""
    fake, staging = staged
    gap = (pl.col("table_id") == "10651") & (pl.col("year") == 2020)
    facts = facts_by_measure(harmonise.to_facts(staging.with_columns(value=pl.when(gap).then(None).otherwise("value"))))
    sanctions = facts["sanctions"]
    assert sanctions[2020]["value"] == served_figure(fake.tables["13579"], "T", "T", "1BM100", "Reaksjoner", "2020")
    assert [year for year, row in sorted(sanctions.items()) if "series_break" in flag_set(row["flags"])] == [2020, 2021]


def test_the_first_known_table_wins_and_the_tables_are_compared(staged):
    fake, staging = staged
    facts = facts_by_measure(harmonise.to_facts(staging))
    assert facts["sanctions"][2020]["value"] == served_figure(fake.tables["10651"], "1BM100", "0", "Reaksjoner", "2020")
    rows, left_out = harmonise.usable_tables(staging)
    differing = harmonise.disagreements(harmonise.per_table(harmonise.with_measures(rows)))
    assert differing.select("measure", "year", "table_id", "table_id_other").rows() == [
        ("sanctions", 2020, "10651", "13579")
    ]
    assert list(left_out) == ["77777"] and "Hele landet" in left_out["77777"]


def test_an_unknown_label_in_a_known_table_is_named_and_only_its_cells_are_left_out(staged):
    _, staging = staged
    relabelled = (pl.col("table_id") == "09406") & (pl.col("contents_label") == "Oppklaringsprosent")
    renamed = staging.with_columns(
        contents_label=pl.when(relabelled).then(pl.lit("Oppklaringsprosent (ny)")).otherwise("contents_label")
    )
    unknown = harmonise.unknown_labels(renamed)
    assert unknown["09406"] == {"contents (ContentsCode)": ["Oppklaringsprosent (ny)"]}
    facts, before = harmonise.to_facts(renamed), harmonise.to_facts(staging)
    gone = [measure for measure in before["measure"].unique() if measure not in set(facts["measure"])]
    assert gone == [crosswalk.mapping(harmonise.CROSSWALK, "contents")["Oppklaringsprosent"]], "only those cells"
    assert facts.height < before.height


def test_an_absent_source_stages_no_rows():
    assert read_tables(raw_frame([{"source_id": "ssb"}], "absent", "no mirror")).is_empty()


def test_a_kept_release_holds_every_table_s_files(staged, tmp_path):
    fake, _ = staged
    fetched = client(fake.base).fetch(tmp_path / "again" / "ssb")
    releases = Releases(data_dir=str(tmp_path / "data"))
    releases.keep("ssb", fetched.records)
    kept = releases.last_good("ssb")
    assert len({record["local_path"] for record in kept}) == len(fetched.records)
    assert (
        read_tables(raw_frame(kept, "stale", "pinned")).height
        == read_tables(raw_frame(fetched.records, "current", None)).height
    )


# -- the justice reconciliation -------------------------------------------------------------------------------------


def justice_facts(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema=["source", "measure", "year", "value", "value_low", "value_high", "flags"], orient="row"
    )
    return conform(frame.with_columns(geo=pl.lit("NOR"), source_location=pl.lit("invented")))


def test_the_reconciliation_says_per_year_whether_ssb_equals_kom_and_unodc_or_by_how_much_it_differs():
    facts = justice_facts(
        [
            ("kom", "police_reports", 2014, 40.0, 40.0, 40.0, ""),
            ("unodc_glotip", "offences_recorded", 2014, 40.0, 40.0, 40.0, ""),
            ("ssb", "offences_reported", 2014, 44.0, 44.0, 44.0, ""),
            ("kom", "police_reports", 2015, 30.0, 30.0, 30.0, ""),
            ("unodc_glotip", "offences_recorded", 2015, 30.0, 30.0, 30.0, ""),
            ("ssb", "offences_reported", 2015, 30.0, 30.0, 30.0, ""),
            ("kom", "police_reports", 2016, 50.0, None, None, "approximate"),
            ("ssb", "offences_reported", 2016, 47.0, 47.0, 47.0, ""),
            ("kom", "police_reports", 2013, 25.0, 25.0, 25.0, ""),
            ("ssb", "offences_reported", 2013, None, None, None, "not_available"),
        ]
    )
    table = reconciliation(facts)
    by_year = {row["year"]: row for row in table.iter_rows(named=True)}
    assert (by_year[2014]["ssb_relation_to_kom"], by_year[2014]["ssb_minus_kom"]) == ("differs", 4.0)
    assert (by_year[2015]["ssb_relation_to_kom"], by_year[2015]["ssb_minus_kom"]) == ("equal", 0.0)
    assert by_year[2016]["ssb_relation_to_kom"] == "not_exact" and by_year[2016]["ssb_minus_kom"] is None
    assert by_year[2013]["ssb_relation_to_kom"] == "no_figure", "a missing SSB cell is no figure, never 0"
    assert by_year[2014]["unodc_relation_to_kom"] == "equal"
    assert "4 more than KOM's police reports (40)" in by_year[2014]["explanation_en"]
    assert "er 4 flere enn KOMs anmeldelser" in by_year[2014]["explanation_nb"]
    assert agreement(table, "ssb_relation_to_kom") == {"shared": 2, "equal": 1, "differing_years": [2014]}
    assert agreement(table, "unodc_relation_to_kom") == {"shared": 2, "equal": 2, "differing_years": []}


def test_a_failed_known_table_takes_its_last_good_files_and_is_said_in_a_sentence(fake, tmp_path):
    """The table's records come from the last good release (the others are new), and the note naming the table
    reads, for officials, as a sentence that some tables are shown as in the last good release."""
    last_good = client(fake.base).fetch(tmp_path / "before").records
    fake.fail_always[("GET", f"{BASE_PATH}/tables/09406/metadata")] = (404, {})
    fetched = client(fake.base).fetch(tmp_path / "now")
    records, notes = with_last_good_tables(fetched, last_good)
    kept = [record for record in records if str(record["provenance_id"]).startswith("ssb/09406/")]
    assert kept and all(str(record["local_path"]).startswith(str(tmp_path / "before")) for record in kept)
    (note,) = notes
    assert note.startswith("table 09406 kept at its last good release: ") and "HTTP 404" in note
    assert reason_kind(note) == "partial"
    assert reason_text(note, "ssb", "nb").startswith("en eller flere av tabellene fra SSB")
