"""Hand-curated source files kept in the repository (KOM, ILO), read through one resource.

Tests and operators can point `CuratedFiles.directory` at another folder laid out like
`data/raw/` (for example a copy with a deliberately broken row).
"""

from pathlib import Path

import dagster as dg

from core.settings import CURATED_DIR


class CuratedFiles(dg.ConfigurableResource):
    """Where the curated files lie: `data/raw/` of the repository unless told otherwise."""

    directory: str = str(CURATED_DIR)

    def path(self, *parts: str) -> Path:
        return Path(self.directory).joinpath(*parts)
