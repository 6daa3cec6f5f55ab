"""Benchmark: the criterion search of `estimation` on the six-list UK and eight-list New Orleans tables.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_estimation.py [--repeat 3] [--budget 2048 ...]

Prints a Markdown table: for each table and model budget, how many interactions the enumeration
reaches, how many models were enumerated and how many fitted or refused in all (with the downhill
steps), how many existence linear programs were solved, and the median seconds of the criterion
search alone and of the whole estimate (search, stepwise choice, profile intervals). The tables are
read from `../shared/reference/mse/`, beside the repository.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from estimation import Evaluator, criterion_search, estimate_population, read_capture_table  # noqa: E402
from estimation.search import DEFAULT_MAX_MODELS  # noqa: E402

REFERENCE = REPO.parent / "shared" / "reference" / "mse"
TABLES = {"UKdat": "UK 2013, six lists", "NewOrl": "New Orleans, eight lists"}


def search_timing(name: str, budget: int, repeat: int) -> dict[str, object]:
    """Median seconds of the criterion search (and of the whole estimate) with its counts."""
    table = read_capture_table(REFERENCE / f"{name}.csv")
    searches, wholes = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        evaluator = Evaluator(table)
        info = criterion_search(evaluator, budget)
        searches.append(time.perf_counter() - started)
        started = time.perf_counter()
        estimate_population(table, max_models=budget)
        wholes.append(time.perf_counter() - started)
    return {
        "table": TABLES[name],
        "budget": budget,
        "max_interactions": f"{info.max_interactions} of {info.n_pairs}",
        "enumerated": info.enumerated,
        "models": info.models,
        "linear_programs": evaluator.checker.linear_programs,
        "search": statistics.median(searches),
        "whole": statistics.median(wholes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=int, nargs="+", default=[DEFAULT_MAX_MODELS], help="model budgets to time")
    arguments = parser.parse_args()
    print(
        f"| table | model budget | interactions enumerated | models enumerated | models fitted or refused "
        f"| existence LPs | criterion search, median of {arguments.repeat} (s) | whole estimate (s) |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for budget in arguments.budget:
        for name in TABLES:
            row = search_timing(name, budget, arguments.repeat)
            print(
                f"| {row['table']} | {row['budget']} | up to {row['max_interactions']} | {row['enumerated']} "
                f"| {row['models']} | {row['linear_programs']} | {row['search']:.2f} | {row['whole']:.2f} |"
            )


if __name__ == "__main__":
    main()
