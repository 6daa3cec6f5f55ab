"""Coverage of the dark figure's intervals by simulation on a known population (issue 23; docs/ESTIMATION.md).

    PYTHONPATH=. .venv/bin/python benchmarks/bootstrap_coverage.py [--scenario independent|dependent]
        [--tables 60] [--replicates 99] [--seed 1]

A population of `--population` people (300) is caught by lists, and each simulated table is estimated by the
stepwise method, with the multinomial profile interval of the chosen model and the bootstrap that repeats the model
choice (percentile and BCa). Prints how often each 95% interval holds the true population, and the median width.
Scenarios (`SCENARIOS`):

- independent: three lists, independently, with probabilities 0.3, 0.4 and 0.5 (the main-effects model is true);
- dependent: four lists, where being on A raises the chance of B from 0.25 to 0.6 (C 0.4 and D 0.35 independent):
  the true model is main effects plus A:B, so the model choice matters.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from estimation import estimate_population
from estimation.table import CaptureTable, all_patterns


def independent(generator: np.random.Generator, population: int) -> np.ndarray:
    return generator.random((population, 3)) < np.asarray((0.3, 0.4, 0.5))


def dependent(generator: np.random.Generator, population: int) -> np.ndarray:
    draws = generator.random((population, 4))
    on_a = draws[:, 0] < 0.3
    on_b = draws[:, 1] < np.where(on_a, 0.6, 0.25)
    return np.column_stack([on_a, on_b, draws[:, 2] < 0.4, draws[:, 3] < 0.35])


SCENARIOS = {"independent": independent, "dependent": dependent}


def simulated_table(generator: np.random.Generator, population: int, scenario: str = "independent") -> CaptureTable:
    caught = SCENARIOS[scenario](generator, population)
    patterns = all_patterns(caught.shape[1])
    index = {tuple(int(bit) for bit in row): k for k, row in enumerate(patterns)}
    counts = np.zeros(len(patterns), dtype=np.int64)
    for row in caught[caught.any(axis=1)]:
        counts[index[tuple(int(bit) for bit in row)]] += 1
    return CaptureTable(tuple("ABCD"[: caught.shape[1]]), patterns, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=tuple(SCENARIOS), default="independent")
    parser.add_argument("--tables", type=int, default=60)
    parser.add_argument("--replicates", type=int, default=99)
    parser.add_argument("--population", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    generator = np.random.Generator(np.random.PCG64(arguments.seed))
    held = {"profile": 0, "percentile": 0, "bca": 0}
    widths: dict[str, list[float]] = {name: [] for name in held}
    started = time.perf_counter()
    for number in range(arguments.tables):
        table = simulated_table(generator, arguments.population, arguments.scenario)
        result = estimate_population(table, bootstrap=arguments.replicates, seed=arguments.seed + number)
        intervals = {"profile": (result.ci_low, result.ci_high)}
        if result.bootstrap is not None:
            intervals |= {"percentile": result.bootstrap.percentile, "bca": result.bootstrap.bca}
        for name, interval in intervals.items():
            if interval is None or None in interval:
                continue
            low, high = interval
            held[name] += low <= arguments.population <= high
            widths[name].append(high - low)
    print(f"{arguments.scenario}: {arguments.tables} tables of {arguments.population} people, "
          f"{arguments.replicates} replicates each, {time.perf_counter() - started:.0f} s")  # fmt: skip
    print("| 95% interval | holds the true population | median width |\n|---|---|---|")
    for name in held:
        share = held[name] / arguments.tables
        width = statistics.median(widths[name]) if widths[name] else float("nan")
        print(f"| {name} | {held[name]} of {arguments.tables} ({share:.0%}) | {width:.0f} |")


if __name__ == "__main__":
    main()
