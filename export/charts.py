"""The pack's charts as SVG: the dashboard's own figures (same rules for gaps, breaks and `<5`), in Norwegian.

Chosen: kaleido 1.x (pinned in requirements.lock), which drives Debian's `chromium` (found on PATH by
choreographer, started with --no-sandbox, so it runs as root too). Nothing is downloaded: kaleido is
called directly with MathJax off, because plotly's `write_image(s)` always adds MathJax from a CDN,
which offline is a failed request at best and a wait for a timeout at worst; plotly.js comes from the
installed plotly package. SVG rather than PNG: vector, small (10–25 kB a chart) and sharp in print.
Measured on the dev machine: the four charts of 2015–2024 in one browser session take 4–5 s, most
of it chromium's start (`build_pack` takes 5.3 s in all, the command 8 s). A missing chromium fails
the export with the reason (see `pack.py`), never a pack without charts. Plotly.js names each chart
and trace with a random id; traces get fixed ids and the chart's id is replaced by one made from the
file name, so the same figures give byte-identical files.

Which series each chart draws, and in which order, is its `pack_charts` block in the reporting
catalogue; titles and sources are the texts `pack.<chart>.title` and `pack.<chart>.source`.
"""

import re
from pathlib import Path

import duckdb
import kaleido
import plotly.graph_objects as go
import polars as pl

from core.vocabulary import NORWAY, TOTAL, WORLD
from reporting.catalogue import definition_ids
from reporting.charts import bar_figure, series_figure
from reporting.texts import text

LANGUAGE = "nb"
"""The pack's charts are in Norwegian."""


def _titled(figure: go.Figure, stem: str) -> go.Figure:
    title, source = text(f"pack.{stem}.title", LANGUAGE), text(f"pack.{stem}.source", LANGUAGE)
    figure.update_layout(
        title={"text": f"{title}<br><sup>{text('chart.source', LANGUAGE)}: {source}</sup>"},
        width=1200,
        height=650,
        margin={"t": 120},
    )
    return figure


def _read(connection: duckdb.DuckDBPyConnection, sql: str, stem: str, year_from: int, year_to: int) -> pl.DataFrame:
    """`sql`'s rows, with `$series` the chart's catalogue series and `$year_from`, `$year_to` the years."""
    parameters = {"series": list(definition_ids("pack_charts", stem)), "year_from": year_from, "year_to": year_to}
    return connection.sql(sql, params=parameters).pl()


def _norway_series(connection: duckdb.DuckDBPyConnection, stem: str, year_from: int, year_to: int) -> pl.DataFrame:
    """Norway's annual series of the chart, in catalogue order, named by their definitions."""
    sql = f"""SELECT s.*, d.name_{LANGUAGE} AS series FROM series_totals s JOIN definitions d USING (definition_id)
              WHERE s.geo = '{NORWAY}' AND list_contains($series, s.definition_id)
                AND s.year BETWEEN $year_from AND $year_to
              ORDER BY list_position($series, s.definition_id), s.year"""
    return _read(connection, sql, stem, year_from, year_to)


def figures(connection: duckdb.DuckDBPyConnection, year_from: int, year_to: int) -> dict[str, go.Figure]:
    """File stem → figure, for the charts with data in the years."""
    charts: dict[str, go.Figure] = {}
    for stem in ("victims_norway", "justice_chain_norway"):
        frame = _norway_series(connection, stem, year_from, year_to)
        if frame.height:
            charts[stem] = _titled(series_figure(frame, language=LANGUAGE), stem)
    rates = _read(
        connection,
        f"SELECT name_{LANGUAGE} AS series, year, CAST(year AS VARCHAR) AS period, rate AS value, "
        "rate_low AS value_low, rate_high AS value_high, flags FROM rates_per_100k "
        "WHERE is_nordic AND list_contains($series, definition_id) AND year BETWEEN $year_from AND $year_to "
        "ORDER BY series, year",
        "nordic_rates",
        year_from,
        year_to,
    )
    if rates.height:
        figure = series_figure(rates, language=LANGUAGE, y_title=text("world.per_100k", LANGUAGE))
        charts["nordic_rates"] = _titled(figure, "nordic_rates")
    estimates = _read(
        connection,
        f"SELECT edition || ' (' || year || ')' AS edition, i.value, i.value_low, i.value_high, i.flags, "
        f"d.name_{LANGUAGE} AS series FROM ilo_estimates i JOIN definitions d USING (definition_id) "
        f"WHERE geo = '{WORLD}' AND sex = '{TOTAL}' AND age_group = '{TOTAL}' AND exploitation_form = '{TOTAL}' "
        "AND list_contains($series, i.definition_id) AND year BETWEEN $year_from AND $year_to "
        "ORDER BY i.year, edition, series",
        "global_estimates",
        year_from,
        year_to,
    )
    if estimates.height:
        figure = bar_figure(
            estimates,
            "edition",
            "series",
            stacked=False,
            x_title=text("world.edition", LANGUAGE),
            language=LANGUAGE,
            y_title=text("world.unit_persons", LANGUAGE),
        )
        charts["global_estimates"] = _titled(figure, "global_estimates")
    return charts


def write_svgs(charts: dict[str, go.Figure], folder: Path) -> list[Path]:
    """Every chart as `<stem>.svg` in `folder`, rendered in one chromium session."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.svg" for stem in charts]
    specs = [
        {
            "fig": _with_trace_ids(figure.to_dict()),
            "path": path,
            "opts": {"format": "svg", "width": figure.layout.width, "height": figure.layout.height, "scale": 1},
        }
        for figure, path in zip(charts.values(), paths, strict=True)
    ]
    if specs:
        kaleido.write_fig_from_object_sync(specs, kopts={"mathjax": False})
    for path in paths:
        path.write_text(_with_stable_ids(path.read_text(encoding="utf-8"), path.stem), encoding="utf-8")
    return paths


def _with_trace_ids(figure: dict) -> dict:
    """`figure` with a fixed `uid` for each trace (plotly.js draws a random one into the SVG otherwise)."""
    for number, trace in enumerate(figure["data"]):
        trace.setdefault("uid", f"t{number}")
    return figure


RANDOM_ID = re.compile(r'<defs id="defs-([0-9a-f]{6})"')


def _with_stable_ids(svg: str, stem: str) -> str:
    """`svg` with plotly.js's random figure id (in `defs-<id>`, `clip<id>x`…) replaced by one from `stem`."""
    found = RANDOM_ID.search(svg)
    if not found:
        return svg
    return re.sub(rf"(?<=[A-Za-z-]){found.group(1)}(?![0-9a-f])", stem.replace("_", "-"), svg)
