"""The US Trafficking in Persons (TIP) report: Norway's tier, Norway's stated figures and the world
law enforcement table, curated with their editions and addresses."""

from functools import partial

from pipelines.facts import facts_asset
from pipelines.raw import curated_file_asset, staging_asset
from pipelines.sources.tip import harmonise
from pipelines.sources.tip.parse import FIRST_YEAR, newest_edition, read_figures

SOURCE_ID = "tip"
CURATED_FILE = "tip_figures.csv"
PUBLICATION = "US Department of State: Trafficking in Persons Report, editions 2003-2025, curated with references"


tip_file = curated_file_asset(SOURCE_ID, CURATED_FILE, PUBLICATION, edition=lambda path, _: newest_edition(path))


tip_staging = staging_asset(
    SOURCE_ID,
    read_figures,
    "One validated, typed row per printed figure (edition, period, series) in the report's own words; "
    "a bad line stops the run, naming it.",
)


facts_tip, tip_fact_checks = facts_asset(
    SOURCE_ID,
    partial(harmonise.to_facts, file_name=CURATED_FILE),
    "TIP in canonical terms: Norway's tier by edition, Norway's stated figures and the world law enforcement "
    "table, each from the newest edition that prints it.",
    FIRST_YEAR,
)
