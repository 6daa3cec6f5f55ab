"""Reading IOM CTDC's person-level (synthetic) case file into a typed staging frame.

What the files really look like: the 2021 global synthetic release is a CSV (the official copy a
TSV) with ISO3 country codes and empty cells for unknown; older k-anonymised releases use ISO2
codes, `-99` for missing, `0`/`1` flags, other column names (`yearRegister`, `majorityStatus`,
`countryOfExploitation`) and age bands without a leading zero (`9--17`). The reader accepts
both, or raises `CtdcFormatError` naming the columns it misses.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines import crosswalk

CROSSWALK = "iom_ctdc"
MISSING_CODES = ("", "-99", "Unknown", "00")
"""Cell values that mean "not known" in some CTDC layout."""

REQUIRED = {
    "year": ("yearOfRegistration", "yearRegister"),
    "gender": ("gender",),
    "age_band": ("ageBroad",),
    "citizenship": ("citizenship",),
    "country_of_exploitation": ("CountryOfExploitation", "countryOfExploitation"),
    "is_forced_labour": ("isForcedLabour",),
    "is_sexual_exploit": ("isSexualExploit",),
    "is_other_exploit": ("isOtherExploit",),
}
"""Staging column -> accepted source names (2021 layout first, then older layouts)."""

PROFILE_PREFIXES = {"meansOfControl": "means_of_control", "typeOfLabour": "sector_of_labour"}
"""One-hot flag columns kept for the profile marts: source prefix -> profile name."""
NOT_A_CATEGORY = ("Concatenated", "NotSpecified")


class CtdcFormatError(ValueError):
    """The file is not laid out as any known CTDC release."""


def read_header(path: Path) -> tuple[list[str], str]:
    """The column names and the separator (tab for the official TSV, comma for the CSV)."""
    with open(path, encoding="utf-8-sig") as stream:
        first = stream.readline().rstrip("\r\n")
    separator = "\t" if first.count("\t") > first.count(",") else ","
    return [name.strip() for name in first.split(separator)], separator


def resolve_columns(header: list[str], file_name: str) -> dict[str, str]:
    """Staging name -> the source column that holds it; every required column or an error naming those missing."""
    present = set(header)
    found = {target: next((name for name in names if name in present), None) for target, names in REQUIRED.items()}
    missing = [" or ".join(REQUIRED[target]) for target, name in found.items() if name is None]
    if missing:
        raise CtdcFormatError(f"{file_name}: not a CTDC case file, columns missing: {', '.join(missing)}")
    return {target: name for target, name in found.items() if name is not None}


def profile_columns(header: list[str]) -> dict[str, tuple[str, str]]:
    """Source flag column -> (profile, category) for means of control and sector of labour."""
    columns = {}
    for name in header:
        for prefix, profile in PROFILE_PREFIXES.items():
            category = name.removeprefix(prefix)
            if name.startswith(prefix) and category and category not in NOT_A_CATEGORY:
                columns[name] = (profile, category)
    return columns


def read_ctdc(path: Path) -> pl.DataFrame:
    """One typed row per case record (with its 1-based line number in the file).

    Columns: line, year (null if unknown), gender, age_band, citizenship, country_of_exploitation
    (ISO3, null if unknown), the three form flags and the profile flags (booleans).
    """
    header, separator = read_header(path)
    columns = resolve_columns(header, path.name)
    profiles = profile_columns(header)
    raw = pl.read_csv(path, separator=separator, infer_schema=False, empty_string_is_null=False, encoding="utf8-lossy")
    text = {target: _known(pl.col(source)) for target, source in columns.items()}
    rows = raw.select(
        line=pl.int_range(2, pl.len() + 2, dtype=pl.Int64),
        year=text["year"],
        gender=text["gender"],
        age_band=text["age_band"].str.replace(r"^(\d)--(\d\d)", "0${1}--${2}"),
        citizenship=text["citizenship"],
        country_of_exploitation=text["country_of_exploitation"],
        **{target: _flag(pl.col(columns[target])) for target in REQUIRED if target.startswith("is_")},
        **{f"{profile}:{category}": _flag(pl.col(name)) for name, (profile, category) in profiles.items()},
    )
    return _typed_year(_iso3(rows, path.name), path.name)


def _known(column: pl.Expr) -> pl.Expr:
    stripped = column.str.strip_chars()
    return pl.when(stripped.is_in(MISSING_CODES)).then(None).otherwise(stripped)


def _flag(column: pl.Expr) -> pl.Expr:
    return column.str.strip_chars() == "1"


def _typed_year(rows: pl.DataFrame, file_name: str) -> pl.DataFrame:
    bad = rows.filter(pl.col("year").is_not_null() & ~pl.col("year").str.contains(r"^(19|20)\d\d$"))
    if bad.height:
        shown = ", ".join(f"line {line} ({year!r})" for line, year in bad.select("line", "year").head(5).iter_rows())
        raise CtdcFormatError(f"{file_name}: year of registration is not a four-digit year: {shown}")
    return rows.with_columns(pl.col("year").cast(pl.Int32))


def _iso3(rows: pl.DataFrame, file_name: str) -> pl.DataFrame:
    """Country columns as ISO3: older layouts' ISO2 codes go through the crosswalk."""
    columns = ("citizenship", "country_of_exploitation")
    codes = pl.concat([rows.get_column(column) for column in columns]).drop_nulls()
    lengths = set(codes.str.len_chars().unique().to_list())
    if lengths <= {3}:
        return rows
    if lengths != {2}:
        raise CtdcFormatError(f"{file_name}: country codes mix lengths {sorted(lengths)}; expected ISO3 or ISO2")
    fields = {column: ("country_iso2", column) for column in columns}
    try:
        return crosswalk.apply(rows, CROSSWALK, fields)
    except crosswalk.UnknownLabelError as error:
        raise CtdcFormatError(f"{file_name}: {error}") from error
