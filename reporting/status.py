"""Each source's status in a publication, said in one voice: the same sentence on every page and in every place.

The published `source_status` table has one row per source: `current` (taken anew), `stale` (the
new release could not be used: its last good release is published again) or `absent` (no release
has ever been good). With the edition each file gives (`provenance.edition`), the year of the
source's newest figure and the warnings its checks gave, `status_sentence` says it all for one
source: "**UNODC**: utgave 30. mai 2023, nyeste tall fra 2021, hentet 6. desember 2026 kl. 04.53.
Oppdatert ved denne publiseringen. Advarsel: …". Pages show a banner per stale or absent source.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from core.sources import register
from reporting.queries import newest_years
from reporting.texts import text, texts
from reporting.words import edition_text, moment_text, reason_text


@dataclass(frozen=True)
class SourceState:
    """One source in one publication: its status row, the edition its files give, its newest figure's year, the
    checks that warned (their names)."""

    source_id: str
    status: str
    release: str | None
    retrieved_at: str | None
    reason: str | None
    edition: str | None
    newest_year: int | None
    warnings: tuple[str, ...]


def not_current(source_status: pl.DataFrame | None) -> list[dict]:
    """The rows of stale or absent sources (none for a publication made before statuses existed)."""
    if source_status is None:
        return []
    return source_status.filter(pl.col("status") != "current").sort("source_id").to_dicts()


def source_states(tables: Mapping[str, pl.DataFrame]) -> list[SourceState]:
    """Every source of the publication, in the register's order (none before statuses were published)."""
    if "source_status" not in tables:
        return []
    editions = _editions(tables.get("provenance"))
    years = newest_years(tables)
    warned = _warnings(tables.get("asset_check_results"), tables["source_status"]["source_id"].to_list())
    order = {source_id: place for place, source_id in enumerate(register())}
    rows = sorted(
        tables["source_status"].to_dicts(), key=lambda row: (order.get(row["source_id"], 99), row["source_id"])
    )
    return [
        SourceState(
            source_id=row["source_id"],
            status=row["status"],
            release=row["release"],
            retrieved_at=row["retrieved_at"],
            reason=row["reason"],
            edition=editions.get(row["source_id"]),
            newest_year=years.get(row["source_id"]),
            warnings=tuple(warned.get(row["source_id"], ())) if row["status"] != "absent" else (),
        )
        for row in rows
    ]


def _editions(provenance: pl.DataFrame | None) -> dict[str, str]:
    """Each source's edition: the newest its files give (a publication made before editions were read has none)."""
    if provenance is None or "edition" not in provenance.columns:
        return {}
    found = provenance.filter(pl.col("edition").is_not_null()).group_by("source_id").agg(pl.col("edition").max())
    return dict(found.iter_rows())


def release_names(files: Iterable[tuple[str, str | None, str | None]], language: str) -> dict[tuple[str, str], str]:
    """{(source, release): the edition as a reader names it} for files given as (source, release, edition): the
    revisions name a figure's release, a file its edition. A file recorded before editions were read gives none."""
    named = {}
    for source, release, edition in files:
        if release and edition:
            named[(source, release)] = edition_text(edition, release, language)
    return named


def provenance_files(provenance: pl.DataFrame | None) -> list[tuple[str, str | None, str | None]]:
    """(source, release, edition) of each file of a publication's `provenance` (none before editions were read)."""
    if provenance is None or "edition" not in provenance.columns:
        return []
    return provenance.select("source_id", "release", "edition").rows()


def check_source(asset_key: str, source_ids: list[str]) -> str | None:
    """The source an asset check belongs to (`harmonised/facts_unodc_glotip` -> `unodc_glotip`), None for a
    shared table (`marts/series_totals`)."""
    name = asset_key.split("/")[-1].removeprefix("facts_")
    owners = [source for source in source_ids if name == source or name.startswith(f"{source}_")]
    return max(owners, key=len) if owners else None


def _warnings(results: pl.DataFrame | None, source_ids: list[str]) -> dict[str, list[str]]:
    """{source: the names of its checks that warned}: failed checks of severity WARN (the figures are published)."""
    if results is None:
        return {}
    warned: dict[str, list[str]] = {}
    for row in results.filter(~pl.col("passed") & (pl.col("severity") == "WARN")).sort("check_name").to_dicts():
        source = check_source(row["asset_key"], source_ids)
        if source is not None and row["check_name"] not in warned.setdefault(source, []):
            warned[source].append(row["check_name"])
    return warned


def warning_text(check_name: str, language: str) -> str:
    """What a check's warning means for a reader (`warning.<check>` in the texts; a general sentence otherwise)."""
    key = f"warning.{check_name}"
    return text(key if key in texts() else "warning.other", language)


def status_sentence(state: SourceState, language: str) -> str:
    """The source's status in sentences: which edition is shown and how new its figures are, when it was fetched,
    whether it was taken anew (and if not, why), and what its checks warned of."""
    publisher = text(f"publisher.{state.source_id}", language)
    source = publisher[:1].upper() + publisher[1:]
    if state.status == "absent":
        said = [text("status.said_absent", language, source=source)]
    else:
        about = [edition_text(state.edition, state.release, language)]
        if state.newest_year is not None:
            about.append(text("status.newest", language, year=state.newest_year))
        if state.retrieved_at:
            about.append(text("status.retrieved", language, when=moment_text(state.retrieved_at, language)))
        said = [text("status.said_edition", language, source=source, about=", ".join(about))]
        said.append(text(f"status.said_{state.status}", language))
    if state.reason:
        said.append(status_reason({"reason": state.reason, "source_id": state.source_id}, language))
    if state.warnings:
        warned = "; ".join(warning_text(check, language) for check in state.warnings)
        said.append(text("status.said_warnings", language, warnings=warned))
    return " ".join(said)


def status_reason(row: dict, language: str) -> str:
    """Why `row`'s source is not current, in a sentence (`fikk ikke kontakt med UNODC`)."""
    said = reason_text(row.get("reason"), row["source_id"], language)
    return text("status.reason", language, reason=said[:1].upper() + said[1:])


def status_detail(row: dict) -> str:
    """The refresh's own message (file, row, address, error): for analysts, on the sources page only."""
    return str(row.get("reason") or "")
