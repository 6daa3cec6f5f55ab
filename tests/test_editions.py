"""Each source's edition: the publisher's own date for a file, read from the file and published in `provenance`.

What the mirror's files say (`../shared/data/MANIFEST.md`): UNODC's workbook is the release dated 30/05/2023 in its
second row; the World Bank's CSV has "Last Updated Date" 2024-02-12; CTDC's file is the release of 25 August 2021,
named `..._20210825`. The curated files cite their publications row by row.
"""

from pathlib import Path

import pytest

from pipelines.raw import with_edition
from pipelines.sources.ilo.parse import newest_edition
from pipelines.sources.iom_ctdc.parse import release_in_name
from pipelines.sources.kom.parse import COLUMNS as KOM_COLUMNS
from pipelines.sources.kom.parse import report_year
from pipelines.sources.unodc_glotip.parse import release_day
from pipelines.sources.worldbank_population.parse import last_updated


def test_unodc_workbook_gives_the_release_date_in_its_second_row(mirror):
    assert release_day(mirror / "unodc" / "data_glotip.xlsx") == "2023-05-30"


def test_world_bank_file_gives_its_last_updated_date(mirror):
    assert last_updated(mirror / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2.csv") == "2024-02-12"


def test_world_bank_file_without_the_line_has_no_edition(tmp_path):
    path = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2.csv"
    path.write_text('"Data Source","World Development Indicators",\n\n"Country Name","Country Code",\n')
    assert last_updated(path) is None


@pytest.mark.parametrize(
    ("address", "edition"),
    [
        ("https://www.ctdatacollaborative.org/files/CTDC_synthetic_20210825.tsv", "2021-08-25"),
        ("https://www.ctdatacollaborative.org/files/CTDC_global_synthetic_data_v2024.csv", "2024"),
        ("https://www.ctdatacollaborative.org/node/12/download", None),
    ],
)
def test_ctdc_edition_is_the_date_in_the_file_name(address, edition):
    assert release_in_name(address) == edition


def curated(tmp_path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "figures.csv"
    lines = [",".join(columns)] + [",".join(f'"{row.get(column, "")}"' for column in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kom_edition_is_the_newest_kom_report_its_rows_cite(tmp_path):
    path = curated(
        tmp_path,
        KOM_COLUMNS,
        [
            {"publication": "Politiet.no news 2019-07-02 on KOM tilstandsrapport 2018"},
            {"publication": "Fafo Østforum news 2024-06-27 on KOM tilstandsrapport 2023"},
            {"publication": "Regjeringen: Nasjonal strategi mot menneskehandel (2025)"},
            {"publication": "Aftenposten: Rekordmange anmeldelser (KOM 2014 figures)"},
        ],
    )
    assert report_year(path) == "2023", "a government paper of 2025 is not a KOM report"


def test_kom_file_citing_no_kom_report_has_no_edition(tmp_path):
    path = curated(tmp_path, KOM_COLUMNS, [{"publication": "Regjeringen: Nasjonal strategi (2025)"}])
    assert report_year(path) is None


def test_ilo_edition_is_the_newest_edition_in_the_file(tmp_path):
    path = curated(
        tmp_path, ("edition", "value"), [{"edition": "2017"}, {"edition": "2024-profits"}, {"edition": "2022"}]
    )
    assert newest_edition(path) == "2024"


def test_an_edition_that_cannot_be_read_is_unknown_and_the_record_is_kept(tmp_path):
    record = {"source_id": "unodc_glotip", "local_path": str(tmp_path / "data_glotip.xlsx"), "url": "https://x/y"}

    def broken(path: Path, address: str) -> str | None:
        raise ValueError(f"{path.name}: not a readable Excel workbook")

    assert with_edition(record, broken) == record | {"edition": None}
    assert with_edition(record, lambda path, address: "2023-05-30")["edition"] == "2023-05-30"
    assert with_edition({"source_id": "ssb"}, broken) == {"source_id": "ssb"}, "an absent source has no file"


def test_every_source_publishes_the_edition_its_file_gives(published, mirror):
    editions = dict(
        published.execute(
            "SELECT source_id, max(edition) FROM provenance WHERE source_id <> 'reference' GROUP BY 1"
        ).fetchall()
    )
    assert editions["unodc_glotip"] == release_day(mirror / "unodc" / "data_glotip.xlsx")
    assert editions["worldbank_population"] == last_updated(mirror / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2.csv")
    assert editions["iom_ctdc"] == "2021-08-25"
    kom, ilo = published.execute(
        "SELECT max(local_path) FILTER (source_id = 'kom'), max(local_path) FILTER (source_id = 'ilo') FROM provenance"
    ).fetchone()
    assert editions["kom"] == report_year(Path(kom)) and editions["kom"] is not None
    assert editions["ilo"] == newest_edition(Path(ilo)) and editions["ilo"] is not None
