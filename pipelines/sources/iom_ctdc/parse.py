"""Reading IOM CTDC's person-level (synthetic) case file into a typed staging table in DuckDB.

What the files really look like: the 2021 global synthetic release is a CSV (the official copy a
TSV) with ISO3 country codes and empty cells for unknown; older k-anonymised releases use ISO2
codes, `-99` for missing, `0`/`1` flags, other column names (`yearRegister`, `majorityStatus`,
`countryOfExploitation`) and age bands without a leading zero (`9--17`). The reader accepts
both, or raises `CtdcFormatError` naming the columns it misses.

DuckDB reads the file and writes the table in one streaming query, so the records are never all
held in memory. It writes them in no particular order, which keeps that query fast; an error
message that points at lines of the file reads the file again, in order (`records_where`).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import polars as pl

from core.settings import REFERENCE_DIR
from pipelines import crosswalk

CROSSWALK = "iom_ctdc"
MISSING_CODES = ("", "-99", "Unknown", "00")
"""Cell values that mean "not known" in some CTDC layout."""
BAD_YEAR = "year IS NOT NULL AND NOT regexp_full_match(year, '(19|20)\\d\\d')"
"""A year of registration that is not a four-digit year, before `year` is typed as an integer."""

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
COUNTRY_COLUMNS = ("citizenship", "country_of_exploitation")

PROFILE_COLUMNS_FILE = REFERENCE_DIR / "ctdc_profile_columns.csv"
"""Every one-hot flag column known to feed a profile, by name: column, profile, category, where seen
(`meansOfControlThreats` in the 2021 layout, `meansThreats` in the 2024 one, whose codebook merges
some means of control; `typeOfLabourAgriculture` until 2024, `sectorOfLabourAgriculture` since)."""
PROFILE_PREFIXES = {
    "meansOfControl": "means_of_control",
    "means": "means_of_control",
    "typeOfLabour": "sector_of_labour",
    "sectorOfLabour": "sector_of_labour",
}
"""How a column that would feed a profile is recognised, so that one not in the list is refused, not guessed."""
NOT_A_CATEGORY = ("Concatenated", "NotSpecified")


class CtdcFormatError(ValueError):
    """The file is not laid out as any known CTDC release."""


NAME_DATE = re.compile(r"(20\d{2})(\d{2})(\d{2})|_v(20\d{2})")
"""The release date CTDC writes in a file's name: `CTDC_synthetic_20210825.tsv`, `..._data_v2024.csv`."""


def release_in_name(address: str) -> str | None:
    """The release date in the name of the file at `address` (`2021-08-25`, or `2024` for `_v2024`); None without."""
    found = NAME_DATE.search(address.rsplit("/", 1)[-1])
    if not found:
        return None
    year, month, day, version = found.groups()
    return version or f"{year}-{month}-{day}"


def read_header(path: Path) -> tuple[list[str], str]:
    """The column names and the separator (tab for the official TSV, comma for the CSV); quoted names are read too."""
    with open(path, encoding="utf-8-sig") as stream:
        first = stream.readline().rstrip("\r\n")
    separator = "\t" if first.count("\t") > first.count(",") else ","
    names = next(csv.reader([first], delimiter=separator))
    return [name.strip() for name in names], separator


def resolve_columns(header: list[str], file_name: str) -> dict[str, str]:
    """Staging name -> the source column that holds it; every required column or an error naming those missing."""
    present = set(header)
    found = {target: next((name for name in names if name in present), None) for target, names in REQUIRED.items()}
    missing = [" or ".join(REQUIRED[target]) for target, name in found.items() if name is None]
    if missing:
        raise CtdcFormatError(f"{file_name}: not a CTDC case file, columns missing: {', '.join(missing)}")
    return {target: name for target, name in found.items() if name is not None}


def known_profile_columns() -> dict[str, tuple[str, str]]:
    """Column -> (profile, category), from `data/reference/ctdc_profile_columns.csv`."""
    with PROFILE_COLUMNS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["column"]: (row["profile"], row["category"]) for row in csv.DictReader(handle)}


def looks_like_a_profile_column(name: str) -> bool:
    prefix = next((prefix for prefix in sorted(PROFILE_PREFIXES, key=len, reverse=True) if name.startswith(prefix)), "")
    category = name.removeprefix(prefix)
    return bool(prefix) and category[:1].isupper() and category not in NOT_A_CATEGORY


def profile_columns(header: list[str], file_name: str = "the CTDC file") -> dict[str, tuple[str, str]]:
    """Source flag column -> (profile, category) for means of control and sector of labour, known by name.

    A column that looks like a profile's but is not in the list (a publisher's rename, `meansDebt_Bondage`)
    is refused, never turned into a new category; a profile none of whose known columns is present is
    refused too, rather than published empty.
    """
    known = known_profile_columns()
    unknown = [name for name in header if looks_like_a_profile_column(name) and name not in known]
    if unknown:
        raise CtdcFormatError(
            f"{file_name}: profile columns the project does not know: {unknown} "
            f"(a renamed column is refused, not made a new category; known ones: {PROFILE_COLUMNS_FILE.name})"
        )
    columns = {name: known[name] for name in header if name in known}
    for profile in sorted({profile for profile, _ in known.values()}):
        if not any(found == profile for found, _ in columns.values()):
            expected = sorted(name for name, (owner, _) in known.items() if owner == profile)
            raise CtdcFormatError(f"{file_name}: none of the {profile} columns is present (expected one of {expected})")
    return columns


def stage_records(connection: duckdb.DuckDBPyConnection, table: str, path: Path, provenance_id: str) -> int:
    """Write one typed row per case record of the file at `path` to `table`; return the number of records.

    Columns: year (null if unknown), gender, age_band, citizenship, country_of_exploitation (ISO3,
    null if unknown), the three form flags, the profile flags (`means_of_control:DebtBondage`, ...,
    booleans) and provenance_id.
    """
    header, separator = read_header(path)
    columns = resolve_columns(header, path.name)
    typed = [*_typed(columns, profile_columns(header, path.name)), f"{_literal(provenance_id)} AS provenance_id"]
    connection.execute("SET preserve_insertion_order = false")  # else DuckDB compresses the table at commit, alone
    try:
        connection.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(typed)} FROM {_read(path, header, separator)}"
        )
    except duckdb.InvalidInputException as error:
        raise CtdcFormatError(_csv_problem(path.name, str(error))) from None
    finally:
        connection.execute("RESET preserve_insertion_order")
    _check_years(connection, table, path)
    connection.execute(f"ALTER TABLE {table} ALTER year TYPE INTEGER")
    _to_iso3(connection, table, path)
    ((records,),) = connection.sql(f"SELECT count(*) FROM {table}").fetchall()
    if not records:
        raise CtdcFormatError(f"{path.name}: no records below the header")
    return records


def records_where(path: Path, condition: str, parameters: list | None = None) -> pl.DataFrame:
    """The records of the file at `path` whose columns, as staged, meet the SQL `condition`, with their `line`.

    The header is line 1. The file is read again, in order (DuckDB keeps insertion order by default,
    so a row's `rowid` is its place in the file), into a DuckDB in memory: this is for pointing at
    bad lines in error messages, never for the records themselves. `year` is still text.
    """
    header, separator = read_header(path)
    typed = _typed(resolve_columns(header, path.name), {})
    with duckdb.connect() as connection:
        connection.execute(f"CREATE TABLE records AS SELECT {', '.join(typed)} FROM {_read(path, header, separator)}")
        query = f"SELECT rowid + 2 AS line, * FROM records WHERE {condition} ORDER BY line"
        return connection.sql(query, params=parameters).pl()


def _read(path: Path, header: list[str], separator: str) -> str:
    """DuckDB's reader of the file, every column as text."""
    columns = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in header)
    return (
        f"read_csv({_literal(str(path))}, header = true, delim = {_literal(separator)}, quote = '\"', "
        f"escape = '\"', columns = {{{columns}}}, auto_detect = false)"
    )


def _typed(columns: dict[str, str], profiles: dict[str, tuple[str, str]]) -> list[str]:
    """The SELECT list turning the file's text columns into staging columns."""
    text = {target: _known(_quoted(source)) for target, source in columns.items()}
    text["age_band"] = f"regexp_replace({text['age_band']}, '^(\\d)--(\\d\\d)', '0\\1--\\2')"
    flags = {target: _flag(_quoted(columns[target])) for target in REQUIRED if target.startswith("is_")}
    flags |= {f"{profile}:{category}": _flag(_quoted(name)) for name, (profile, category) in profiles.items()}
    return [f"{expression} AS {_quoted(target)}" for target, expression in (text | flags).items()]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """`text` as an SQL string constant (a bound parameter in the SELECT list makes DuckDB's load some 2× slower)."""
    return "'" + text.replace("'", "''") + "'"


def _known(column: str) -> str:
    """The cell without surrounding spaces, null if it means "not known".

    Spaces only: line ends are the reader's, a tab is the TSV's separator, and `trim` with a set
    of characters would double the time the load takes.
    """
    missing = ", ".join(f"'{code}'" for code in MISSING_CODES)
    return f"CASE WHEN trim({column}) IN ({missing}) THEN NULL ELSE trim({column}) END"


def _flag(column: str) -> str:
    return f"coalesce(trim({column}) = '1', false)"


def _csv_problem(file_name: str, message: str) -> str:
    """DuckDB's CSV error in one sentence naming the file and the line (a line cut short, a stray quote)."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    where = f"{file_name}, line {line[1]}" if line else file_name
    if counts:
        return f"{where}: {counts[2]} fields where the header has {counts[1]} (a line cut short or run together?)"
    return f"{where}: not readable as CSV ({message.splitlines()[0]})"


def _check_years(connection: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    ((bad,),) = connection.sql(f"SELECT count(*) FROM {table} WHERE {BAD_YEAR}").fetchall()
    if bad:
        rows = records_where(path, BAD_YEAR).head(5).select("line", "year").iter_rows()
        shown = ", ".join(f"line {line} ({year!r})" for line, year in rows)
        raise CtdcFormatError(f"{path.name}: year of registration is not a four-digit year: {shown}")


def _check_iso3(codes: pl.DataFrame, path: Path) -> None:
    """Every three-letter code must be a country's ISO3 code (`data/reference/geo.csv`): `nor` or `ZZZ` is refused."""
    known = set(pl.read_csv(REFERENCE_DIR / "geo.csv", infer_schema=False, columns=["geo"])["geo"])
    found = set(pl.concat([codes[column] for column in COUNTRY_COLUMNS]).drop_nulls())
    unknown = sorted(found - known)
    if unknown:
        condition = " OR ".join(f"list_contains(?, {column})" for column in COUNTRY_COLUMNS)
        lines = records_where(path, condition, [unknown] * len(COUNTRY_COLUMNS))["line"].head(5).to_list()
        raise CtdcFormatError(
            f"{path.name}: country codes that are no country's ISO3 code: {unknown} "
            f"({'line' if len(lines) == 1 else 'lines'} {', '.join(map(str, lines))})"
        )


def _to_iso3(connection: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Country columns as ISO3: older layouts' ISO2 codes go through the crosswalk."""
    codes = connection.sql(f"SELECT DISTINCT {', '.join(COUNTRY_COLUMNS)} FROM {table}").pl()
    lengths = set(pl.concat([codes[column] for column in COUNTRY_COLUMNS]).drop_nulls().str.len_chars().unique())
    if lengths <= {3}:
        _check_iso3(codes, path)
        return
    if lengths != {2}:
        raise CtdcFormatError(f"{path.name}: country codes mix lengths {sorted(lengths)}; expected ISO3 or ISO2")
    unknown = crosswalk.unknown_labels(codes, CROSSWALK, dict.fromkeys(COUNTRY_COLUMNS, "country_iso2"))
    if unknown:
        raise CtdcFormatError(f"{path.name}: {crosswalk.UnknownLabelError(CROSSWALK, unknown)}")
    iso3 = pl.DataFrame(list(crosswalk.mapping(CROSSWALK, "country_iso2").items()), ["iso2", "iso3"], orient="row")
    connection.register("ctdc_iso2_to_iso3", iso3)
    for column in COUNTRY_COLUMNS:
        connection.execute(
            f"UPDATE {table} SET {column} = codes.iso3 FROM ctdc_iso2_to_iso3 AS codes WHERE {column} = codes.iso2"
        )
    connection.unregister("ctdc_iso2_to_iso3")
