"""KOM (Koordineringsenheten mot menneskehandel): Norway's national figures, curated with references."""

from functools import partial

from pipelines.facts import facts_asset
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


facts_kom, kom_fact_checks = facts_asset(
    SOURCE_ID,
    partial(harmonise.to_facts, file_name=CURATED_FILE),
    "KOM in canonical terms: presumed victims assisted and newly identified, police reports, judgments.",
    FIRST_YEAR,
)
