"""The rapporteur's export pack: workbook, CSV files, charts and a Frictionless data package, for a span of years.

The pack is written into a hidden folder beside its destination and renamed into place only when
every file is written, so a failed export leaves no half-written pack (nor a folder it created). It
records the code version (git commit) and the checksums of its inputs. The folder's date and every
time inside the pack are the publication's, not the clock's: two exports of the same published marts
give byte-identical CSV files, and (with the same code) identical workbook, charts and zip.
"""

import fcntl
import io
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl

from core import atomic
from core.checksums import sha256_of
from core.code_version import code_version as git_code_version
from core.lock import packs_lock
from core.settings import REPO_ROOT
from export.changes import REVISIONS, count_revisions
from export.charts import figures, write_svgs
from export.cover import Contents, cover, pack_title, reader_tables, readme
from export.dark_figure import estimate_tables
from export.tables import DEFINITIONS, SOURCES, TABLES, read_table
from export.workbook import write_workbook
from export.writers import write_csv
from publications import PublicationStore
from reporting.dark_figure import DarkFigureEstimate
from reporting.published import open_published
from reporting.status import SourceState, source_states
from reporting.texts import LANGUAGES, text

EARLIEST_YEAR, LATEST_YEAR = 1990, 2100
PACK_PREFIX = "menneskehandel-norge-"
"""Every pack folder's name begins so: `menneskehandel-norge-<from>-<to>-<publication date>`."""

LICENSE = {"name": "other-at", "title": text("pack.text.terms", "en")}
FILES = "SELECT provenance_id, source_id, url, retrieved_at, release{edition} FROM provenance"
"""The input files; `edition` where the publication records it (publications made before editions were read do not)."""
FLAGS = "SELECT code, label_nb, label_en FROM canonical_vocabulary WHERE dimension = 'flag'"


class ExportError(Exception):
    """A request the export cannot honour; the message says why, and nothing was written.

    `kind` names the reason for a reader (the dashboard says it in a sentence of the text catalogue,
    `export.error.<kind>`); the command prints the message, with its paths, for the analyst.
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


class ExportNotNoted(ExportError):
    """The pack was written, but noting it beside its kept publication failed (pruning may remove that one)."""

    def __init__(self, pack: Path, publication_id: str, reason: str) -> None:
        super().__init__(f"the export could not be noted ({reason}): pruning may remove {publication_id}")
        self.pack, self.publication_id, self.reason = pack, publication_id, reason


MAX_CONCURRENT_BUILDS = 2
_BUILD_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_BUILDS)
"""Eight packs asked for at once took 8.9 GB and a chromium each: two are built at a time, the rest wait."""


def build_pack(
    published: Path,
    year_from: int,
    year_to: int,
    out_dir: Path,
    estimate: DarkFigureEstimate | None = None,
    noted_in: tuple[PublicationStore, str] | None = None,
) -> Path:
    """Write the pack for `year_from`–`year_to` from the published marts into `out_dir`; return its folder.

    With `estimate` (a dark-figure estimate made on the dashboard) the pack also holds its tables
    (`dark_figure_estimate`, `dark_figure_models`, `dark_figure_data`: CSV, sheets, data package
    resources) and a line on the front sheet; without it the pack is the same as ever.

    The folder is `menneskehandel-norge-<from>-<to>-<publication date>`; an older pack of that name is
    replaced whole. Raises `ExportError` (and writes nothing) for an empty or data-less year range, a
    missing or unreadable published file, an output folder that cannot be written, or charts that
    cannot be drawn. At most `MAX_CONCURRENT_BUILDS` packs are built at once in a process (each draws
    its charts in a headless chromium); a further call waits its turn.

    With `noted_in` (the store and the id of the kept publication `published` is) the export is noted
    beside the kept publications, so pruning never removes a publication a pack was made from; if
    that note cannot be written the pack stays and `ExportNotNoted` says so. From the start of the
    build until the note, the data dir's packs lock is held shared, so pruning cannot remove the
    publication under the pack (it refuses while a pack is under way).
    """
    if noted_in is None:
        with _BUILD_SLOTS:
            return _build(published, year_from, year_to, out_dir, estimate)
    store, publication_id = noted_in
    with packs_lock(store.paths, building=True):  # the publication cannot be pruned until the pack is noted
        if not published.is_file():
            missing = f"publication {publication_id}: its kept file is missing ({published}); it was pruned or removed"
            raise ExportError(f"{missing}, and `python -m publications list` shows what is kept", "kept_missing")
        with _BUILD_SLOTS:
            pack = _build(published, year_from, year_to, out_dir, estimate)
        try:
            store.record_export(publication_id, pack.name)
        except OSError as error:
            raise ExportNotNoted(pack, publication_id, error.strerror or str(error)) from error
    return pack


def build_slot_free() -> bool:
    """Whether a pack asked for now would start at once (the dashboard says so when it would wait)."""
    if _BUILD_SLOTS.acquire(blocking=False):
        _BUILD_SLOTS.release()
        return True
    return False


def _build(published: Path, year_from: int, year_to: int, out_dir: Path, estimate: DarkFigureEstimate | None) -> Path:
    _check_request(published, year_from, year_to)
    contents = _read(published, year_from, year_to)
    if estimate is not None:
        contents = replace(contents, tables=contents.tables + estimate_tables(estimate), estimate=estimate)
    name = f"{PACK_PREFIX}{year_from}-{year_to}-{contents.published:%Y%m%d}"
    created = _first_missing(out_dir)
    _make_out_dir(out_dir)
    try:
        remove_abandoned(out_dir)
        with (
            _locked(out_dir, fcntl.LOCK_SH),  # no other export removes this half-made pack meanwhile
            atomic.replacing_folder(out_dir / name) as staging,  # an older pack of the same name is replaced whole
        ):
            _write_pack(staging, name, year_from, year_to, contents)
    except BaseException:
        _remove_empty(out_dir, created)
        raise
    return out_dir / name


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


def _read(published: Path, year_from: int, year_to: int) -> Contents:
    try:
        connection = open_published(published)
    except duckdb.Error as error:
        raise ExportError(f"cannot open the published marts {published}: {error}", "unreadable") from error
    try:
        tables = [(table, read_table(connection, table, year_from, year_to)) for table in TABLES]
        if not any(frame.height for table, frame in tables if table.name != "global_estimates"):
            raise ExportError(
                f"there are no figures for Norway in {year_from}–{year_to}: choose other years", "no_figures"
            )
        extras = (DEFINITIONS, SOURCES, REVISIONS)
        tables += [(extra, read_table(connection, extra, year_from, year_to)) for extra in extras]
        publication = connection.sql("SELECT * FROM publication").pl().to_dicts()
        if not publication:
            raise ExportError(f"the published marts {published} do not say when they were published", "unreadable")
        charts = {language: figures(connection, year_from, year_to, language) for language in LANGUAGES}
        status = _source_status(connection)
        states = _source_states(connection)
        files, flag_words = _citation_data(connection)
        revision_counts = count_revisions(connection) if publication[0].get("publication_id") else None
    except duckdb.Error as error:
        raise ExportError(f"the published marts {published} lack what the pack needs: {error}", "unreadable") from error
    finally:
        connection.close()
    row = publication[0]
    return Contents(
        tables,
        charts,
        row["published_at"],
        row["content_hash"],
        row["run_id"],
        source_status=status,
        source_states=states,
        files=files,
        flag_words=flag_words,
        publication_id=row.get("publication_id"),
        previous_publication_id=row.get("previous_publication_id"),
        code_at_publication=(
            {"git_commit": row["code_commit"], "dirty": row.get("code_dirty")} if row.get("code_commit") else None
        ),
        revision_counts=revision_counts,
    )


def _citation_data(connection: duckdb.DuckDBPyConnection) -> tuple[dict[str, dict], dict[str, tuple[str, str]]]:
    """The input files by id (for the citations' addresses and dates) and each flag's words in both languages."""
    columns = {row[0] for row in connection.execute("DESCRIBE provenance").fetchall()}
    query = FILES.format(edition=", edition" if "edition" in columns else "")
    files = {row["provenance_id"]: row for row in connection.sql(query).pl().to_dicts()}
    flag_words = {row["code"]: (row["label_nb"], row["label_en"]) for row in connection.sql(FLAGS).pl().to_dicts()}
    return files, flag_words


def _source_status(connection: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every source's status in the publication (none for a publication made before statuses existed)."""
    present = connection.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'source_status'")
    if not present.fetchall():
        return []
    columns = "source_id, status, release, retrieved_at, reason"
    return connection.sql(f"SELECT {columns} FROM source_status ORDER BY source_id").pl().to_dicts()


def _source_states(connection: duckdb.DuckDBPyConnection) -> list[SourceState]:
    """Every source's state as the pages say it (edition, newest year, warnings): the cover's status sentences."""
    present = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    needed = ("source_status", "provenance", "asset_check_results", "fact_indicator", "population")
    return source_states({name: connection.sql(f"SELECT * FROM {name}").pl() for name in needed if name in present})


def _check_request(published: Path, year_from: int, year_to: int) -> None:
    if year_from > year_to:
        raise ExportError(
            f"the year range {year_from}–{year_to} is empty: the first year comes after the last", "empty_range"
        )
    if year_from < EARLIEST_YEAR or year_to > LATEST_YEAR:
        raise ExportError(
            f"years must lie between {EARLIEST_YEAR} and {LATEST_YEAR}, not {year_from}–{year_to}", "years_out_of_range"
        )
    if not published.is_file():
        raise ExportError(f"no published marts at {published}: run `make refresh` first", "no_marts")


PACK_DEBRIS = (f".{PACK_PREFIX}*.tmp", ".pack.*.tmp")
"""The hidden names a pack (and the check that the folder is writable) is made under in the output folder."""


@contextmanager
def _locked(folder: Path, mode: int) -> Iterator[None]:
    """`folder` locked (`fcntl.flock` on its own descriptor) while the block runs; the lock dies with the process."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, mode)
        yield
    finally:
        os.close(descriptor)


def remove_abandoned(out_dir: Path) -> list[Path]:
    """Remove the half-made packs an export killed mid-way (`kill -9`) left hidden in `out_dir`; return them.

    Every export holds `out_dir` locked shared while its pack is made, so when no export is under way there (the
    exclusive lock is free) every hidden pack is an abandoned one; while one is, nothing is removed this time.
    """
    try:
        with _locked(out_dir, fcntl.LOCK_EX | fcntl.LOCK_NB):
            return [path for pattern in PACK_DEBRIS for path in atomic.remove_debris(out_dir, pattern)]
    except BlockingIOError:
        return []


def _first_missing(folder: Path) -> Path | None:
    """The outermost of `folder` and its parents that does not exist yet (the export would create it)."""
    missing = [path for path in (folder, *folder.parents) if not path.exists()]
    return missing[-1] if missing else None


def _remove_empty(folder: Path, created: Path | None) -> None:
    """Remove the folders an export created on the way to `folder`, if they are still empty."""
    if created is None:
        return
    for path in (folder, *folder.parents):
        try:
            path.rmdir()
        except OSError:
            return
        if path == created:
            return


def _make_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = atomic.sibling(out_dir / "pack")
        probe.mkdir()
        probe.rmdir()
    except OSError as error:
        raise ExportError(f"cannot write the pack into {out_dir}: {error.strerror or error}", "cannot_write") from error


def draw_charts(charts: dict[str, dict[str, go.Figure]], folder: Path) -> None:
    """Every chart in both languages; one that cannot be drawn fails the export with a sentence, never a traceback."""
    try:
        write_svgs(charts, folder)
    except Exception as error:  # kaleido's and chromium's own errors, whatever their kind: say what failed
        said = error.args[0] if error.args else ""
        said = str(said[0] if isinstance(said, tuple) and said else said).strip()
        reason = said.splitlines()[0] if said else type(error).__name__
        raise ExportError(
            f"the charts could not be drawn ({reason}); is Debian's chromium installed?", "charts"
        ) from error


def workbook_name(name: str, language: str) -> str:
    """The Norwegian workbook is `<name>.xlsx`, the English one beside it `<name>-en.xlsx`."""
    return f"{name}.xlsx" if language == "nb" else f"{name}-{language}.xlsx"


def _write_pack(folder: Path, name: str, year_from: int, year_to: int, contents: Contents) -> None:
    (folder / "csv").mkdir()
    for table, frame in contents.tables:
        write_csv(folder / "csv" / f"{table.name}.csv", frame, table)
    code = code_version()
    for language in LANGUAGES:
        write_workbook(
            folder / workbook_name(name, language),
            language,
            cover(year_from, year_to, contents, code, language),
            reader_tables(contents, year_from, year_to, language),
            contents.published,
        )
    draw_charts(contents.charts, folder / "charts")
    (folder / "LES-MEG.md").write_text(readme(name, year_from, year_to, contents, code), encoding="utf-8")
    package = datapackage(folder, name, year_from, year_to, contents, code)
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def datapackage(folder: Path, name: str, year_from: int, year_to: int, contents: Contents, code: dict) -> dict:
    """The Frictionless Data Package descriptor: the CSV resources with schemas, sources and checksums."""
    sources = next(frame for table, frame in contents.tables if table is SOURCES)
    cited = {row["provenance_id"]: _source(row) for row in sources.iter_rows(named=True)}
    return {
        "name": name,
        "title": " / ".join(pack_title(year_from, year_to, language) for language in LANGUAGES),
        "created": contents.published_at,
        "licenses": [LICENSE],
        "sources": list(cited.values()),
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
                **_resource_sources(frame, cited),
                "schema": {
                    "fields": [
                        {"name": field.name, "type": field.type, "description": field.description}
                        for field in table.fields
                    ]
                },
            }
            for table, frame in contents.tables
        ],
        "x_code_version": code,
        "x_publication": {
            "published_at": contents.published_at,
            "content_hash": contents.content_hash,
            "run_id": contents.run_id,
            **(
                {
                    "publication_id": contents.publication_id,
                    "previous_publication_id": contents.previous_publication_id,
                    "code_version": contents.code_at_publication,
                }
                if contents.publication_id
                else {}
            ),
        },
        **(
            {
                "x_revisions": {
                    "since": contents.previous_publication_id,
                    **(contents.revision_counts or {}),
                    "in_years": next(frame.height for table, frame in contents.tables if table is REVISIONS),
                    "resource": REVISIONS.name,
                }
            }
            if contents.publication_id
            else {}
        ),
        "x_source_status": contents.source_status,
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


def _source(row: dict) -> dict:
    return {"title": f"{row['publication']} ({row['source_id']})", "path": row["url"]}


def _resource_sources(frame: pl.DataFrame, cited: dict[str, dict]) -> dict:
    """`{"sources": [...]}`: the input files a table's rows cite (none for a table without provenance columns)."""
    columns = [column for column in ("provenance_id", "population_provenance_id") if column in frame.columns]
    used = sorted({value for column in columns for value in frame[column].drop_nulls()} & cited.keys())
    return {"sources": [cited[provenance_id] for provenance_id in used]} if used else {}


def code_version() -> dict:
    """The git commit of the code that wrote the pack, and whether the working tree had changes (None: unknown)."""
    return git_code_version(REPO_ROOT)
