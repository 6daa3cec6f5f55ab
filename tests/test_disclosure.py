"""Complementary suppression on small hand-made tables (the real file is in test_ctdc)."""

import polars as pl

from core.disclosure import complementary_cells, disclose


def _cells(counts: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame({"cell": list(counts), "count": list(counts.values())}).with_columns(hidden=pl.col("count") < 5)


def _groups(groups: dict[str, tuple[str, list[str]]]) -> pl.DataFrame:
    rows = [(name, total, True) for name, (total, _) in groups.items()]
    rows += [(name, part, False) for name, (_, parts) in groups.items() for part in parts]
    return pl.DataFrame(rows, schema=["group", "cell", "is_total"], orient="row")


def test_one_hidden_part_takes_the_smallest_shown_part_with_it():
    cells = _cells({"all": 20, "women": 3, "men": 7, "unknown": 10})
    added = complementary_cells(cells, _groups({"by sex": ("all", ["women", "men", "unknown"])}))
    assert added["cell"].to_list() == ["men"]


def test_two_hidden_parts_need_nothing_more():
    cells = _cells({"all": 20, "women": 3, "men": 2, "unknown": 15})
    assert complementary_cells(cells, _groups({"by sex": ("all", ["women", "men", "unknown"])})).is_empty()


def test_hiding_spreads_to_groups_that_share_a_cell():
    """Hiding Norway's men (to protect its women) leaves the region's men with one hidden part."""
    cells = _cells({"NOR": 20, "NOR women": 3, "NOR men": 7, "NOR unknown": 10, "region men": 15, "SWE men": 8})
    groups = _groups(
        {
            "NOR by sex": ("NOR", ["NOR women", "NOR men", "NOR unknown"]),
            "region men by country": ("region men", ["NOR men", "SWE men"]),
        }
    )
    assert set(complementary_cells(cells, groups)["cell"]) == {"NOR men", "SWE men"}


def test_a_lone_hidden_total_hides_its_smallest_part():
    cells = _cells({"all": 12, "women": 6, "men": 6}).with_columns(hidden=pl.col("cell") == "all")
    added = complementary_cells(cells, _groups({"by sex": ("all", ["women", "men"])}))
    assert added["cell"].to_list() == ["men"]


def test_disclose_publishes_bounds_and_flags_never_a_small_count():
    cells = pl.DataFrame({"cell": ["all", "women", "men", "unknown"], "count": [20, 3, 7, 10]})
    shown = disclose(cells, _groups({"by sex": ("all", ["women", "men", "unknown"])}))
    assert "count" not in shown.columns
    assert shown.sort("cell").rows() == [
        ("all", 20.0, 20.0, 20.0, False, False),
        ("men", None, 5.0, None, False, True),
        ("unknown", 10.0, 10.0, 10.0, False, False),
        ("women", None, 1.0, 4.0, True, False),
    ]
