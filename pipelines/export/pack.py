"""The rapporteur's export pack: workbook, CSV files, charts and a Frictionless data package, for a span of years.

The pack is written into a hidden folder beside its destination and renamed into place only when
every file is written, so a failed export leaves no half-written pack. It records the code version
(git commit) and the checksums of its inputs; the CSV files depend only on the published marts and
the years, so two exports of the same inputs give byte-identical CSV files.
"""

import io
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from pipelines.download import sha256_of
from pipelines.export.charts import figures, write_svgs
from pipelines.export.tables import DEFINITIONS, SOURCES, TABLES, Table, read_table
from pipelines.export.writers import write_csv, write_workbook
from pipelines.settings import REPO_ROOT
from pipelines.warehouse import open_published

EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


class ExportError(Exception):
    """A request the export cannot honour; the message says why, and nothing was written."""


def build_pack(published: Path, year_from: int, year_to: int, out_dir: Path) -> Path:
    """Write the pack for `year_from`–`year_to` from the published marts into `out_dir`; return its folder."""
    _check_request(published, year_from, year_to)
    connection = open_published(published)
    try:
        data = [(table, read_table(connection, table, year_from, year_to)) for table in TABLES]
        if not any(frame.height for table, frame in data if table.name != "global_estimates"):
            raise ExportError(f"there are no figures for Norway in {year_from}–{year_to}: choose other years")
        registry = read_table(connection, DEFINITIONS, year_from, year_to)
        sources = read_table(connection, SOURCES, year_from, year_to)
        publication = connection.execute("SELECT published_at, content_hash, run_id FROM publication").fetchall()[0]
        charts = figures(connection, year_from, year_to)
    finally:
        connection.close()
    name = f"menneskehandel-norge-{year_from}-{year_to}-{publication[0][:10].replace('-', '')}"
    staging = _staging_folder(out_dir, name)
    try:
        tables = [*data, (DEFINITIONS, registry), (SOURCES, sources)]
        _write_pack(staging, name, year_from, year_to, publication, tables, charts)
        return _move_into_place(staging, out_dir / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def pack_as_zip(pack: Path) -> bytes:
    """The pack folder as a zip archive (files in name order, fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(pack.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(
                    f"{pack.name}/{path.relative_to(pack).as_posix()}", date_time=(2000, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _check_request(published: Path, year_from: int, year_to: int) -> None:
    if year_from > year_to:
        raise ExportError(f"the year range {year_from}–{year_to} is empty: the first year comes after the last")
    if year_from < EARLIEST_YEAR or year_to > LATEST_YEAR:
        raise ExportError(f"years must lie between {EARLIEST_YEAR} and {LATEST_YEAR}, not {year_from}–{year_to}")
    if not published.is_file():
        raise ExportError(f"no published marts at {published}: run `make refresh` first")


def _staging_folder(out_dir: Path, name: str) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir))
    except OSError as error:
        raise ExportError(f"cannot write the pack into {out_dir}: {error.strerror or error}") from error


def _move_into_place(staging: Path, target: Path) -> Path:
    """Rename the finished pack over `target`; an older pack of the same name is replaced whole."""
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        target.rename(retired / target.name)
        staging.rename(target)
        shutil.rmtree(retired)
    else:
        staging.rename(target)
    return target


def _write_pack(
    folder: Path,
    name: str,
    year_from: int,
    year_to: int,
    publication: tuple,
    tables: list[tuple[Table, pl.DataFrame]],
    charts: dict,
) -> None:
    (folder / "csv").mkdir()
    for table, frame in tables:
        write_csv(folder / "csv" / f"{table.name}.csv", frame, table)
    code = code_version()
    front_page = _front_page(name, year_from, year_to, publication, code, tables)
    write_workbook(folder / f"{name}.xlsx", front_page, tables)
    try:
        write_svgs(charts, folder / "charts")
    except Exception as error:  # kaleido's own errors: say what is missing
        raise ExportError(f"the charts could not be drawn ({error}); is Debian's chromium installed?") from error
    (folder / "LES-MEG.md").write_text("\n".join(f"- **{label}**: {text}" for label, text in front_page) + "\n")
    package = datapackage(folder, name, year_from, year_to, publication, code, tables)
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")


def _front_page(
    name: str, year_from: int, year_to: int, publication: tuple, code: dict, tables: list[tuple[Table, pl.DataFrame]]
) -> list[tuple[str, str]]:
    published_at, content_hash, run_id = publication
    return [
        ("Pakke / Pack", name),
        ("År / Years", f"{year_from}–{year_to}"),
        ("Publisert / Published", f"{published_at} (run {run_id})"),
        ("Innholdssjekksum / Content hash", content_hash),
        ("Kodeversjon / Code version", f"git {code['git_commit']}{' (uncommitted changes)' if code['dirty'] else ''}"),
        (
            "Sitering / Citation",
            "Oppgi kilden (source), definisjonen (definition_id, arket definitions) og stedet i publikasjonen "
            "(source_location) for hvert tall; filene i arket sources har adresse, hentetidspunkt og sha256. / "
            "Cite the source, the definition and source_location of each figure; the sources sheet gives each "
            "input file's address, retrieval time and sha256.",
        ),
        (
            "Små tall / Small counts",
            "Tall fra persondata under 5 og skjulte celler er skrevet <5, aldri 0. / Counts below 5 from "
            "person-level data and suppressed cells are written <5, never 0.",
        ),
        *[(table.name, f"{table.title}: {frame.height} rader / rows") for table, frame in tables],
    ]


def datapackage(
    folder: Path,
    name: str,
    year_from: int,
    year_to: int,
    publication: tuple,
    code: dict,
    tables: list[tuple[Table, pl.DataFrame]],
) -> dict:
    """The Frictionless Data Package descriptor: the CSV resources with schemas, sources and checksums."""
    published_at, content_hash, run_id = publication
    sources = next(frame for table, frame in tables if table is SOURCES)
    return {
        "name": name,
        "title": f"Menneskehandel i Norge / Human trafficking in Norway, {year_from}–{year_to}",
        "created": published_at,
        "sources": [
            {"title": f"{row['publication']} ({row['source_id']})", "path": row["url"]}
            for row in sources.iter_rows(named=True)
        ],
        "resources": [
            {
                "name": table.name,
                "path": f"csv/{table.name}.csv",
                "title": table.title,
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{sha256_of(folder / 'csv' / f'{table.name}.csv')}",
                "schema": {
                    "fields": [
                        {"name": field.name, "type": field.type, "description": field.description}
                        for field in table.fields
                    ]
                },
            }
            for table, _frame in tables
        ],
        "x_code_version": code,
        "x_publication": {"published_at": published_at, "content_hash": content_hash, "run_id": run_id},
        "x_inputs": [
            {"provenance_id": row["provenance_id"], "url": row["url"], "sha256": row["sha256"]}
            for row in sources.iter_rows(named=True)
        ],
        "x_files": {
            path.relative_to(folder).as_posix(): sha256_of(path)
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix in (".xlsx", ".svg")
        },
    }


def code_version() -> dict:
    """The git commit of the code that wrote the pack, and whether the working tree had changes."""
    try:
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"git_commit": "unknown (not a git checkout)", "dirty": False}
    return {"git_commit": commit, "dirty": dirty}


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
