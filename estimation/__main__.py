"""`python -m estimation LISTS.csv [--method stepwise|criterion]`: the estimate as JSON.

Prints `registered`, `estimate`, `ci_low`, `ci_high`, `method`, `model` (its terms), the other
admissible models and the refused ones with their reasons. A table that cannot be used gets one
sentence naming the row on standard error, nothing on standard output, and exit status 1.
"""

import argparse
import json
import sys
from pathlib import Path

from estimation.bootstrap import DEFAULT_REPLICATES, DEFAULT_SEED
from estimation.chart import criterion_chart
from estimation.estimate import CRITERIA, DEFAULT_INTERVALS, INTERVALS, METHODS, estimate_population
from estimation.search import DEFAULT_MAX_MODELS, DEFAULT_SECONDS, STEPWISE_RULES
from estimation.table import InputError, read_capture_file


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="python -m estimation",
        description="Multiple systems estimation from a capture-history CSV (one 0/1 column per list, count last).",
    )
    command.add_argument("table", type=Path, help="the capture-history CSV")
    command.add_argument("--method", choices=METHODS, default="stepwise", help="how the model is chosen")
    command.add_argument("--criterion", choices=CRITERIA, default="bic", help="information criterion (default bic)")
    command.add_argument(
        "--rule",
        choices=STEPWISE_RULES,
        default="poisson",
        help="stepwise rule: poisson (Chan-Silverman-Vincent 2021) or aic (Bales-Hesketh-Silverman 2015)",
    )
    command.add_argument("--threshold", type=float, help="stepwise p-value threshold (0.02 poisson, 0.05 aic)")
    command.add_argument(
        "--max-models", type=int, default=DEFAULT_MAX_MODELS, help="budget of models fitted in the search"
    )
    command.add_argument(
        "--time-budget",
        type=float,
        default=DEFAULT_SECONDS,
        metavar="SECONDS",
        help="stop the search after this many seconds, saying so (0: no limit); the model budget keeps a result "
        "reproducible, the clock does not",
    )
    command.add_argument("--level", type=float, default=0.95, help="confidence level of the intervals")
    command.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULT_REPLICATES,
        metavar="REPLICATES",
        help="percentile and BCa intervals from this many parametric replicates, each repeating the model choice",
    )
    command.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="the bootstrap's seed (the same seed, the same interval)"
    )
    command.add_argument(
        "--interval",
        choices=tuple(INTERVALS),
        default="multinomial",
        help="the profile likelihood of N in the multinomial model (default), or of the expected dark figure",
    )
    command.add_argument(
        "--intervals", type=int, default=DEFAULT_INTERVALS, help="profile intervals for this many other models"
    )
    command.add_argument("--top", type=int, help="list only this many other admissible models (default all)")
    command.add_argument("--chart", type=Path, help="also write the estimate-against-criterion chart (HTML)")
    return command


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        table, separator = read_capture_file(arguments.table)
    except InputError as error:
        print(error, file=sys.stderr)
        return 1
    result = estimate_population(
        table,
        method=arguments.method,
        criterion=arguments.criterion,
        rule=arguments.rule,
        threshold=arguments.threshold,
        max_models=arguments.max_models,
        level=arguments.level,
        interval=arguments.interval,
        bootstrap=arguments.bootstrap,
        seed=arguments.seed,
        intervals=arguments.intervals,
        seconds=arguments.time_budget or None,
    )
    if arguments.chart is not None:
        criterion_chart(result).write_html(arguments.chart, include_plotlyjs="cdn")
    print(json.dumps({"separator": separator, **result.to_dict(top=arguments.top)}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
