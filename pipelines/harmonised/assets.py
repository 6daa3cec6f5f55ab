"""The harmonised layer, gathered from every source package.

Sources plug in by convention, with nothing to register here: each asset keyed
`harmonised/facts_<source>` returns canonical facts, and each asset under the `raw` prefix
returns provenance records. Their definitions live in `data/reference/definitions/*.csv`.
"""

import dagster as dg
import polars as pl

from core.settings import REFERENCE_DIR
from core.vocabulary import FACT_KEY, FACT_SCHEMA, vocabulary
from pipelines import crosswalk, sources
from pipelines.checks.facts import check_known_codes, check_unique_key
from pipelines.legal_basis import LEGAL_BASIS_FILE
from pipelines.provenance import PROVENANCE_SCHEMA
from pipelines.releases import STATUS_SCHEMA

GROUP = "harmonised"
REFERENCE = [dg.AssetKey(["raw", "reference"])]
"""The reference tables under `data/reference/`: every table read from them waits for their record."""
DEFINITION_COLUMNS = (
    "definition_id", "source", "measure", "name_nb", "name_en", "description_nb", "description_en",
    "counting_unit_nb", "counting_unit_en", "scope_nb", "scope_en", "series_breaks_nb", "series_breaks_en",
    "publisher", "source_url",
)  # fmt: skip


def _source_keys() -> list[dg.AssetKey]:
    loaded = dg.load_assets_from_package_module(sources)
    return sorted(
        (key for asset in loaded if isinstance(asset, dg.AssetsDefinition) for key in asset.keys),
        key=lambda key: key.to_user_string(),
    )


SOURCE_KEYS = _source_keys()
FACT_KEYS = [key for key in SOURCE_KEYS if key.path[0] == "harmonised" and key.path[-1].startswith("facts_")]
RAW_KEYS = [key for key in SOURCE_KEYS if key.path[0] == "raw"]
SOURCE_RAW_KEYS = [key for key in RAW_KEYS if key.path[-1] != "reference"]
"""The raw asset of each source (the reference tables are the project's own, always current)."""


def _input_name(key: dg.AssetKey) -> str:
    return "__".join(key.path)


@dg.asset(
    key_prefix="harmonised",
    group_name=GROUP,
    ins={_input_name(key): dg.AssetIn(key=key) for key in FACT_KEYS},
    kinds={"duckdb"},
)
def fact_indicator(**facts: pl.DataFrame) -> pl.DataFrame:
    """Every source's facts in one long canonical table."""
    frames = [frame.select(list(FACT_SCHEMA)) for frame in facts.values()]
    return pl.concat(frames, how="vertical").sort(FACT_KEY, nulls_last=True)


@dg.asset(
    key_prefix="harmonised",
    group_name=GROUP,
    ins={_input_name(key): dg.AssetIn(key=key) for key in RAW_KEYS},
    kinds={"duckdb"},
)
def provenance(**records: pl.DataFrame) -> pl.DataFrame:
    """Every input file: address, release, retrieval time, size, sha256."""
    frames = [frame.select(list(PROVENANCE_SCHEMA)) for frame in records.values()]
    files = pl.concat(frames).filter(pl.col("provenance_id").is_not_null())
    return files.unique("provenance_id", keep="first").sort("provenance_id")


@dg.asset(
    key_prefix="harmonised",
    group_name=GROUP,
    ins={_input_name(key): dg.AssetIn(key=key) for key in SOURCE_RAW_KEYS},
    kinds={"duckdb"},
)
def source_status(**records: pl.DataFrame) -> pl.DataFrame:
    """Per source: `current`, `stale` (its last good release is published again) or `absent`, and why."""
    rows = [
        frame.head(1).select(
            "source_id",
            "status",
            "release",
            "retrieved_at",
            reason=pl.col("status_reason"),
        )
        for frame in records.values()
    ]
    return pl.concat(rows).cast(STATUS_SCHEMA).sort("source_id")


@dg.asset(key_prefix="harmonised", group_name=GROUP, deps=REFERENCE, kinds={"duckdb"})
def definitions() -> pl.DataFrame:
    """The definitions registry: per source and measure, Norwegian and English text."""
    frames = []
    for path in sorted((REFERENCE_DIR / "definitions").glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False, empty_string_is_null=False)
        missing = [column for column in DEFINITION_COLUMNS if column not in frame.columns]
        if missing:
            raise ValueError(f"{path}: definitions file lacks columns {missing}")
        frames.append(frame.select(DEFINITION_COLUMNS))
    registry = pl.concat(frames).sort("definition_id")
    duplicated = registry.filter(pl.col("definition_id").is_duplicated())["definition_id"].unique().to_list()
    if duplicated:
        raise ValueError(f"definition ids defined twice in data/reference/definitions: {duplicated}")
    return registry


@dg.asset(key_prefix="harmonised", group_name=GROUP, deps=REFERENCE, kinds={"duckdb"})
def crosswalks() -> pl.DataFrame:
    """Every crosswalk row, with the file it comes from."""
    frames = []
    for path in crosswalk.crosswalk_files():
        table = crosswalk.load(path.stem)
        note = pl.col("note") if "note" in table.columns else pl.lit("").alias("note")
        frames.append(
            table.select(pl.lit(path.stem).alias("crosswalk"), "field", "source_label", "canonical_code", note)
        )
    return pl.concat(frames)


@dg.asset(key_prefix="harmonised", group_name=GROUP, deps=REFERENCE, kinds={"duckdb"})
def legal_bases() -> pl.DataFrame:
    """The penal provisions justice figures count under, with their days in force and nb/en labels."""
    return pl.read_csv(LEGAL_BASIS_FILE, infer_schema=False, empty_string_is_null=False).select(
        "geo", "legal_basis", "kind", "first_day", "last_day", "label_nb", "label_en", "note"
    )


@dg.asset(key_prefix="harmonised", group_name=GROUP, deps=REFERENCE, kinds={"duckdb"})
def canonical_vocabulary() -> pl.DataFrame:
    """The canonical codes with Norwegian and English labels."""
    return vocabulary()


@dg.asset_check(asset=fact_indicator, blocking=True, description="No duplicate canonical keys across sources.")
def fact_indicator_unique_key(fact_indicator: pl.DataFrame) -> dg.AssetCheckResult:
    passed, text, metadata = check_unique_key(fact_indicator)
    return dg.AssetCheckResult(
        passed=passed, description=text, metadata={"duplicated_rows": metadata["duplicated_rows"]}
    )


@dg.asset_check(
    asset=fact_indicator,
    blocking=True,
    description="Every fact names a definition and a provenance record.",
    additional_ins={
        "definitions": dg.AssetIn(key=["harmonised", "definitions"]),
        "provenance": dg.AssetIn(key=["harmonised", "provenance"]),
    },
)
def fact_indicator_references(
    fact_indicator: pl.DataFrame, definitions: pl.DataFrame, provenance: pl.DataFrame
) -> dg.AssetCheckResult:
    missing_definitions = sorted(set(fact_indicator["definition_id"].unique()) - set(definitions["definition_id"]))
    missing_provenance = sorted(set(fact_indicator["provenance_id"].unique()) - set(provenance["provenance_id"]))
    passed, _, codes_metadata = check_known_codes(fact_indicator)
    return dg.AssetCheckResult(
        passed=not missing_definitions and not missing_provenance and passed,
        description="definitions, provenance and codes all resolve",
        metadata={
            "missing_definitions": dg.MetadataValue.json(missing_definitions),
            "missing_provenance": dg.MetadataValue.json(missing_provenance),
            "unknown_codes": dg.MetadataValue.json(codes_metadata["unknown"]),
        },
    )
