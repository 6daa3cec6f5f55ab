"""KOM (Koordineringsenheten mot menneskehandel): Norway's national figures, curated with references."""

import dagster as dg
import polars as pl

from core.vocabulary import no_facts
from pipelines.checks.facts import fact_checks
from pipelines.raw import curated_file_asset, staging_asset
from pipelines.sources.kom import harmonise
from pipelines.sources.kom.parse import FIRST_YEAR, read_figures, report_year

SOURCE_ID = "kom"
CURATED_FILE = "kom_figures.csv"
PUBLICATION = "KOM national figures (status reports, press releases, government documents), curated with references"


kom_file = curated_file_asset(SOURCE_ID, CURATED_FILE, PUBLICATION, edition=lambda path, _: report_year(path))


kom_staging = staging_asset(
    SOURCE_ID,
    read_figures,
    "One validated, typed row per curated figure in KOM's own terms; a bad line stops the run, naming it.",
)


@dg.asset(
    key_prefix="harmonised",
    group_name="harmonised",
    ins={"staging": dg.AssetIn(key=["staging", SOURCE_ID])},
    kinds={"polars"},
)
def facts_kom(staging: pl.DataFrame) -> pl.DataFrame:
    """KOM in canonical terms: presumed victims assisted and newly identified, police reports, judgments."""
    if staging.is_empty():
        return no_facts()
    return harmonise.to_facts(staging.drop("provenance_id"), staging["provenance_id"][0], CURATED_FILE)


kom_fact_checks = fact_checks(dg.AssetKey(["harmonised", "facts_kom"]), FIRST_YEAR)
