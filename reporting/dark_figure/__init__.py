"""The dark figure (multiple systems estimation) for readers, shared by the Mørketall page and the pack.

Imports neither Streamlit nor Dagster. The estimator itself is the `estimation` package (see
docs/ESTIMATION.md); this package holds, one concern a module:

- `examples`: the published examples and their references, each estimated once per folder content;
- `upload`: an uploaded capture-history table read and estimated (every problem the estimator's one
  sentence, `InputError`), and the flat frames downloads and the pack's `dark_figure_*` tables use;
- `words`, `tables`, `charts`: what a reader sees, in the reader's language and number format.

No estimate for Norway is made here or anywhere from aggregate counts: an estimate needs linked
person-level lists (the page says which).
"""

from estimation import CRITERIA, METHODS, STEPWISE_RULES, InputError, MSEResult
from reporting.dark_figure.charts import criterion_figure, examples_figure
from reporting.dark_figure.examples import (
    DEFAULT_EXAMPLES_DIR,
    EXAMPLES_ENV,
    EXAMPLES_FILE,
    Example,
    example_results,
    examples,
    examples_folder,
    stored_example_results,
)
from reporting.dark_figure.tables import examples_table, models_table, refused_table
from reporting.dark_figure.upload import (
    MAX_LISTS,
    MAX_MODELS_CHOICES,
    PAGE_MAX_MODELS,
    DarkFigureEstimate,
    capture_frame,
    count_column,
    estimate_upload,
    models_frame,
    read_uploaded_table,
    result_json,
    summary,
)
from reporting.dark_figure.words import (
    input_error_text,
    key_figures,
    method_text,
    model_text,
    result_method_text,
    search_text,
)

__all__ = [
    "CRITERIA",
    "DEFAULT_EXAMPLES_DIR",
    "EXAMPLES_ENV",
    "EXAMPLES_FILE",
    "MAX_LISTS",
    "MAX_MODELS_CHOICES",
    "METHODS",
    "PAGE_MAX_MODELS",
    "STEPWISE_RULES",
    "DarkFigureEstimate",
    "Example",
    "InputError",
    "MSEResult",
    "capture_frame",
    "count_column",
    "criterion_figure",
    "estimate_upload",
    "example_results",
    "examples",
    "examples_figure",
    "examples_folder",
    "examples_table",
    "input_error_text",
    "key_figures",
    "method_text",
    "model_text",
    "models_frame",
    "models_table",
    "read_uploaded_table",
    "refused_table",
    "result_json",
    "result_method_text",
    "search_text",
    "stored_example_results",
    "summary",
]
