"""KOM (Koordineringsenheten mot menneskehandel): Norway's national figures, curated with references.

Also the Norway reconciliation mart: KOM's two victim counts beside UNODC's figure for Norway.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.checks import fact_checks
from pipelines.raw import curated_file_asset
from pipelines.sources.kom import harmonise, reconcile
from pipelines.sources.kom.parse import FIRST_YEAR, read_figures

CURATED_FILE = "kom_figures.csv"
PUBLICATION = "KOM national figures (status reports, press releases, government documents), curated with references"
LAST_YEAR = 2030
GROUP = "kom"


kom_file = curated_file_asset("kom", CURATED_FILE, PUBLICATION, GROUP)


@dg.asset(
    key_prefix="staging",
    name="kom_figures",
    group_name=GROUP,
    ins={"raw_file": dg.AssetIn(key=["raw", "kom_figures"])},
    kinds={"polars"},
)
def kom_staging(raw_file: pl.DataFrame) -> pl.DataFrame:
    """One validated, typed row per curated figure in KOM's own terms; a bad line stops the run, naming it."""
    figures = read_figures(Path(raw_file["local_path"][0]))
    return figures.with_columns(provenance_id=pl.lit(raw_file["provenance_id"][0]))


@dg.asset(
    key_prefix="harmonised",
    group_name=GROUP,
    ins={"staging": dg.AssetIn(key=["staging", "kom_figures"])},
    kinds={"polars"},
)
def facts_kom(staging: pl.DataFrame) -> pl.DataFrame:
    """KOM in canonical terms: presumed victims assisted and newly identified, police reports, judgments."""
    return harmonise.to_facts(staging.drop("provenance_id"), staging["provenance_id"][0], CURATED_FILE)


@dg.asset(
    key_prefix="marts",
    group_name=GROUP,
    ins={"facts": dg.AssetIn(key=["harmonised", "fact_indicator"])},
    kinds={"duckdb"},
)
def reconciliation_norway(facts: pl.DataFrame) -> pl.DataFrame:
    """Per year: KOM's presumed victims assisted and newly identified beside UNODC's detected victims
    for Norway, and which KOM concept the UNODC figure equals (`victims_assisted`,
    `victims_identified`, `none`; null where UNODC has no figure)."""
    return reconcile.reconciliation(facts)


kom_fact_checks = fact_checks(dg.AssetKey(["harmonised", "facts_kom"]), FIRST_YEAR, LAST_YEAR)
