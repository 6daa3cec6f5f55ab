"""Benchmark: the criterion search of `estimation` on the published tables, and the command on large made-up ones.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_estimation.py [--repeat 3] [--budget 2048 ...] [--large]

Prints a Markdown table: for each table and model budget, how many interactions the enumeration
reaches, how many models were enumerated and how many fitted or refused in all (with the downhill
steps), how many existence linear programs were solved, and the median seconds of the criterion
search alone and of the whole estimate (search, stepwise choice, profile intervals). The tables are
read from `../shared/reference/mse/`, beside the repository.

With `--large`, a second table: `python -m estimation` on made-up tables of 20,000 people on 10, 12 and 20 lists
(issue 23's targets: under 30 s, 60 s and 10 s, each under 1 GiB), each method in a child process of its own, with
its wall time and peak memory (the child's maximum resident set, from `wait4`). The people are drawn from a
population of 120,000 with two kinds of people (one in five far easier to catch), so every pair of lists is
dependent and the search has many interactions to find: the hard case, not the easy one.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

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


LARGE_TARGETS = {10: 30.0, 12: 60.0, 20: 10.0}
"""Lists in the made-up table: the seconds the command should take at most (issue 23)."""
MEMORY_TARGET_MIB = 1024
LARGE_RUNS = {
    "stepwise (poisson)": [],
    "stepwise (aic)": ["--rule", "aic"],
    "criterion (bic)": ["--method", "criterion"],
}


def made_up_table(n_lists: int, people: int, seed: int = 7) -> str:
    """A capture-history CSV of `people` registered people on `n_lists` lists (see the module docstring)."""
    generator = np.random.Generator(np.random.PCG64(seed))
    population = 6 * people
    easy = generator.random(population) < 0.2
    chance = np.where(easy[:, None], np.geomspace(0.02, 0.5, n_lists), np.geomspace(0.002, 0.08, n_lists))
    caught = generator.random((population, n_lists)) < chance
    caught = caught[caught.any(axis=1)][:people]
    counts = Counter(map(tuple, caught.astype(int).tolist()))
    header = ",".join(f"L{k + 1}" for k in range(n_lists)) + ",count"
    return "\n".join([header, *(",".join(map(str, pattern)) + f",{n}" for pattern, n in counts.items())]) + "\n"


def command_run(path: Path, extra: list[str]) -> dict[str, object]:
    """`python -m estimation` on `path` in a child process: wall seconds, peak MiB (the child's own, from `wait4`),
    and what it printed (the JSON answer, or the sentence of a refusal)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "estimation", str(path), "--intervals", "0", *extra],
            cwd=REPO,
            stdout=out,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        printed, refusal = out.read(), err.read().strip()
    answer = json.loads(printed) if child.returncode == 0 else None
    return {"seconds": seconds, "peak_mib": usage.ru_maxrss / 1024, "answer": answer, "refusal": refusal}


def large_tables(people: int) -> None:
    """The command on made-up tables of `people` on 10, 12 and 20 lists, against issue 23's targets."""
    print(
        f"\n| lists | method | seconds (target) | peak memory, MiB (target {MEMORY_TARGET_MIB}) | models | outcome |\n"
        "|---|---|---|---|---|---|"
    )
    with tempfile.TemporaryDirectory() as folder:
        for n_lists, target in LARGE_TARGETS.items():
            path = Path(folder) / f"lists_{n_lists}.csv"
            path.write_text(made_up_table(n_lists, people), encoding="utf-8")
            for name, extra in LARGE_RUNS.items():
                run = command_run(path, extra)
                answer = run["answer"]
                if answer is None:
                    models, outcome = "–", f"refused: {str(run['refusal'])[:70]}…"
                else:
                    search = answer["search"]
                    models = str(search["models"])
                    stops = [k for k in ("stopped_at_budget", "stopped_at_time") if search[k]]
                    stops += [f"stepwise stopped at {search['stepwise_stopped']}"] if search["stepwise_stopped"] else []
                    outcome = f"{answer['estimate']:,.0f}, {len(answer['model'])} interactions" + (
                        f" ({', '.join(stops)})" if stops else ""
                    )
                met = "met" if run["seconds"] < target and run["peak_mib"] < MEMORY_TARGET_MIB else "NOT MET"
                print(
                    f"| {n_lists} | {name} | {run['seconds']:.1f} ({target:.0f}, {met}) | {run['peak_mib']:.0f} "
                    f"| {models} | {outcome} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=int, nargs="+", default=[DEFAULT_MAX_MODELS], help="model budgets to time")
    parser.add_argument("--large", action="store_true", help="also the command on made-up tables of 10-20 lists")
    parser.add_argument("--people", type=int, default=20_000, help="people registered in the made-up tables")
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
    if arguments.large:
        large_tables(arguments.people)


if __name__ == "__main__":
    main()
