"""Every publication that changed content, kept read-only beside the current one, with what changed between them.

- `store`: the kept publications of a data directory (`<data dir>/publications/`), their catalogue,
  the exports made from them, and pruning.
- `revisions`: figure by figure, what is new, revised or withdrawn between two publications, and
  each value a figure has had (the published `revisions` and `figure_history` tables).
- `opendata`: a kept publication as a Frictionless data package of Parquet and CSV files.
- `python -m publications list | show | diff | prune`: the command line.

Publication (`pipelines.published.assets`) keeps each new publication; the dashboard and the export
read kept publications through the store. Nothing here loads Dagster or Streamlit.
"""

from publications.store import (
    ChangedFile,
    KeptFileUnreadable,
    Publication,
    PublicationNotFound,
    PublicationStore,
    publication_id,
)

__all__ = [
    "ChangedFile",
    "KeptFileUnreadable",
    "Publication",
    "PublicationNotFound",
    "PublicationStore",
    "publication_id",
]
