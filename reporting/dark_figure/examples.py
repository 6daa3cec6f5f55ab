"""The published multiple-systems-estimation examples: their references (`mse_examples.csv` in this
package) and their capture-history tables, read from the folder `TRAFFICKING_MSE_EXAMPLES` names
(`../shared/reference/mse/` by default) when present; each estimated once per folder content.
"""

import csv
import hashlib
import os
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import estimation
from core import atomic
from core.settings import REPO_ROOT, DataPaths, data_dir_from_env
from estimation import InputError, MSEResult, estimate_population
from reporting.dark_figure.upload import read_uploaded_table

EXAMPLES_FILE = Path(__file__).with_name("mse_examples.csv")


EXAMPLES_ENV = "TRAFFICKING_MSE_EXAMPLES"


DEFAULT_EXAMPLES_DIR = REPO_ROOT.parent / "shared" / "reference" / "mse"


@dataclass(frozen=True)
class Example:
    """One published example: which table, which method, what was published and where."""

    example: str
    lists_file: str
    method: str
    rule: str | None
    criterion: str
    max_models: int
    published_point: float | None
    published_low: float | None
    published_high: float | None
    published_approximate: bool
    note: str | None
    reference: str


def _optional_number(value: str) -> float | None:
    return float(value) if value.strip() else None


@cache
def examples() -> tuple[Example, ...]:
    """The published examples of `mse_examples.csv`, in the file's order."""
    with EXAMPLES_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Example(
                example=row["example"],
                lists_file=row["lists_file"],
                method=row["method"],
                rule=row["rule"] or None,
                criterion=row["criterion"],
                max_models=int(row["max_models"]),
                published_point=_optional_number(row["published_point"]),
                published_low=_optional_number(row["published_low"]),
                published_high=_optional_number(row["published_high"]),
                published_approximate=row["published_approximate"] == "true",
                note=row["note"] or None,
                reference=row["reference"],
            )
            for row in csv.DictReader(handle)
        )


def examples_folder() -> Path:
    """The folder of the published tables: `TRAFFICKING_MSE_EXAMPLES`, else `../shared/reference/mse`."""
    configured = os.environ.get(EXAMPLES_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_EXAMPLES_DIR


def example_result(folder: Path, example: Example) -> MSEResult | None:
    """The estimate for one example by its published method (None when its table is missing or unreadable).

    Only the chosen model's interval is computed: the examples table shows no other.
    """
    path = folder / example.lists_file
    try:
        table = read_uploaded_table(path.read_bytes(), path.name)
    except (OSError, InputError):
        return None
    return estimate_population(
        table,
        method=example.method,
        criterion=example.criterion,
        rule=example.rule or "poisson",
        max_models=example.max_models,
        intervals=0,
    )


def example_results(folder: Path) -> dict[str, MSEResult | None]:
    """Every example's estimate (None where its table is missing from `folder`)."""
    return {example.example: example_result(folder, example) for example in examples()}


def examples_key(folder: Path) -> str:
    """What the examples' estimates depend on: the tables, the references, and the estimator's code."""
    digest = hashlib.sha256()
    estimator = Path(estimation.__file__).parent
    inputs = [*sorted(folder.glob("*.csv")), EXAMPLES_FILE, *sorted(estimator.glob("*.py"))]
    for path in inputs:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def stored_example_results(folder: Path, cache_dir: Path | None = None) -> dict[str, MSEResult | None]:
    """`example_results`, computed once for these inputs and kept in `cache_dir` (a reader never waits for them
    when `python -m reporting.dark_figure.examples` ran after the refresh, as `make refresh` and `make serve` do)."""
    cache_dir = cache_dir or DataPaths(data_dir_from_env()).root / "cache"
    stored = cache_dir / f"mse-examples-{examples_key(folder)}.pickle"
    if stored.exists():
        try:
            return pickle.loads(stored.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass  # written by other code: computed again below
    results = example_results(folder)
    try:
        with atomic.replacing_file(stored) as temp:
            temp.write_bytes(pickle.dumps(results))
    except OSError:
        pass  # a read-only data dir: the reader still gets the results, computed now
    return results
