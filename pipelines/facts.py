"""Every source's `harmonised/facts_<source id>`: one factory, with the standard checks beside the asset.

A source's facts asset reads one upstream table (its staging frame, or for CTDC its disclosure-controlled
cells), returns the canonical fact frame (`core.vocabulary.FACT_SCHEMA`) built by the source's own
`harmonise` function, and returns no rows when the source is absent from the run. The standard checks
(`pipelines.checks.fact_checks`) come with it, so a source cannot have facts without them.
"""

from collections.abc import Callable

import dagster as dg
import polars as pl

from core.vocabulary import no_facts
from pipelines.checks.facts import fact_checks


def facts_asset(
    source_id: str,
    to_facts: Callable[[pl.DataFrame], pl.DataFrame],
    description: str,
    first_year: int,
    upstream: dg.AssetKey | None = None,
) -> tuple[dg.AssetsDefinition, list[dg.AssetChecksDefinition]]:
    """The asset `harmonised/facts_<source_id>` computing `to_facts(upstream frame)`, and its standard checks.

    `upstream` is the key of the table it reads (default `staging/<source_id>`); an empty upstream frame (an
    absent source) gives the empty canonical frame without calling `to_facts`.
    """
    key = dg.AssetKey(["harmonised", f"facts_{source_id}"])

    @dg.asset(
        key=key,
        group_name="harmonised",
        ins={"upstream": dg.AssetIn(key=upstream or dg.AssetKey(["staging", source_id]))},
        kinds={"polars"},
        description=description,
    )
    def _facts(upstream: pl.DataFrame) -> pl.DataFrame:
        return no_facts() if upstream.is_empty() else to_facts(upstream)

    return _facts, fact_checks(key, first_year)
