"""The multinomial profile-likelihood interval against intervals published with their tables.

Tables and published limits: `tests/reference/mse/` (sources in its README). Every published limit that Rcapture
itself reproduces is checked at its published precision; the interval is computed by the project, the limits are
read from the file, not typed here.
"""

import csv
import math
from pathlib import Path

import pytest

from estimation import estimate_population, fit_layout, layout
from estimation.models import multinomial_profile_interval, profile_interval
from estimation.table import read_capture_table

REFERENCE = Path(__file__).parent / "reference" / "mse"


def published() -> list[dict[str, str]]:
    with (REFERENCE / "published_intervals.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fitted(row: dict[str, str]):
    table = read_capture_table(REFERENCE / row["table"])
    position = {name: index for index, name in enumerate(table.lists)}
    pairs = [
        tuple(sorted(position[name] for name in term.split(":"))) for term in row["interactions"].split(";") if term
    ]
    return table, fit_layout(table, layout(table, pairs))


def agrees(ours: float, stated: str, compare: str) -> bool:
    if compare == "rounded":
        return math.floor(ours + 0.5) == int(stated)
    tolerance = float(compare.removeprefix("within ").removesuffix("%")) / 100
    return abs(ours - float(stated)) <= tolerance * float(stated)


@pytest.mark.parametrize("row", published(), ids=lambda row: f"{row['table']}[{row['interactions'] or 'main'}]")
def test_the_multinomial_profile_interval_reproduces_the_published_one(row):
    _, fit = fitted(row)
    low, high = multinomial_profile_interval(fit)
    for ours, stated in ((low, row["published_low"]), (high, row["published_high"])):
        if stated:
            assert ours is not None and agrees(ours, stated, row["compare"]), (ours, stated, row["source"])


def test_the_expected_dark_figure_interval_is_narrower_where_few_are_missing():
    """The interval of the expected dark figure (kept as `profile_interval`) leaves out the chance variation of
    the missing count: on Cormack, Chang and Smith's three lists (Mt) it misses both published limits."""
    row = next(row for row in published() if row["table"] == "CCS2000_3.csv" and not row["interactions"])
    _, fit = fitted(row)
    low, high = profile_interval(fit)
    wide_low, wide_high = multinomial_profile_interval(fit)
    assert wide_low < low and high < wide_high
    assert not agrees(low, row["published_low"], "rounded") and not agrees(high, row["published_high"], "rounded")


def test_the_bootstrap_repeats_the_estimate_is_seeded_and_gives_percentile_and_bca_intervals():
    """On Cormack, Chang and Smith's three lists: the same seed gives the same interval, another seed another;
    both intervals hold the estimate; the bootstrap is wider than the model-conditional profile interval here
    (it carries the choice between models, which the profile interval cannot)."""
    table = read_capture_table(REFERENCE / "CCS2000_3.csv")
    first = estimate_population(table, bootstrap=60, seed=3)
    again = estimate_population(table, bootstrap=60, seed=3)
    other = estimate_population(table, bootstrap=60, seed=4)
    assert first.bootstrap == again.bootstrap and first.bootstrap != other.bootstrap
    boot = first.bootstrap
    assert boot.replicates == 60 and boot.failed == 0
    for low, high in (boot.percentile, boot.bca):
        assert low < first.estimate < high
    assert boot.percentile[1] - boot.percentile[0] > first.ci_high - first.ci_low
    assert first.to_dict()["bootstrap"]["seed"] == 3
    assert boot.stopped_after is None


@pytest.mark.parametrize("seconds", [0.0, 0.3])
def test_a_bootstrap_the_clock_stops_gives_no_interval_and_says_how_far_it_got(seconds):
    """Past its time budget the bootstrap stops (in the replicates or in the jackknife after them) and gives no
    interval rather than one from however many replicates this machine managed; the profile interval stands."""
    table = read_capture_table(REFERENCE / "CCS2000_3.csv")
    stopped = estimate_population(table, bootstrap=5000, seed=3, bootstrap_seconds=seconds)
    boot = stopped.bootstrap
    assert boot.percentile is None and boot.bca is None
    assert boot.stopped_after is not None and boot.stopped_after < 5000
    assert stopped.to_dict()["bootstrap"]["stopped_at_time_after"] == boot.stopped_after
    assert stopped.ci_low < stopped.estimate < stopped.ci_high
