"""The pack's charts as SVG, in Norwegian and English: the dashboard's own figures (same rules for gaps, breaks and
`<5`, same colours and markers), drawn from the same questions the pages ask (`reporting.queries`).

Chosen: kaleido 1.x (pinned in requirements.lock), which drives Debian's `chromium` (found on PATH by
choreographer, started with --no-sandbox, so it runs as root too). Nothing is downloaded: kaleido is
called directly with MathJax off, because plotly's `write_image(s)` always adds MathJax from a CDN,
which offline is a failed request at best and a wait for a timeout at worst; plotly.js comes from the
installed plotly package. SVG rather than PNG: vector, small and sharp in print. A chart kaleido did not
write fails the export (`ChartError`, said in a sentence by `pack.py`), never a pack without it. Plotly.js
names each chart and trace with a random id; traces get fixed ids and the chart's id is replaced by one
made from the file name, so the same figures give byte-identical files.

Which series each chart draws, and in which order, is its `pack_charts` block in the reporting
catalogue; titles are the texts `pack.<chart>.title`, the caption credits the publishers of the sources
drawn (the register of sources), the legend sits under the plot and the x axis spans the pack's years.
"""

import re
from pathlib import Path

import duckdb
import kaleido
import plotly.graph_objects as go
import polars as pl
from plotly.basedatatypes import BaseTraceType

from core.sources import register
from core.vocabulary import CUMULATIVE, TOTAL, WORLD
from export.tables import tables_of
from reporting import queries
from reporting.catalogue import definition_ids
from reporting.charts import bar_figure, series_figure
from reporting.flags import figure_rows
from reporting.texts import text


class ChartError(RuntimeError):
    """A chart kaleido did not draw."""


WIDTH, HEIGHT = 1200, 700
"""The export size of every chart."""


def _titled(figure: go.Figure, stem: str, sources: list[str], years: tuple[int, int], language: str) -> go.Figure:
    """The chart's title, its caption crediting the sources it draws, the legend under the plot, the pack's years."""
    credited = ", ".join(register()[source].publisher(language) for source in sources if source in register())
    figure.update_layout(
        title={"text": text(f"pack.{stem}.title", language), "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        width=WIDTH,
        height=HEIGHT,
        margin={"t": 70, "b": 80, "l": 90, "r": 30},
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0, "xanchor": "left"},
        annotations=[
            *_distinct(figure.layout.annotations),
            {
                "text": f"{text('chart.source', language)}: {credited}",
                "xref": "paper", "yref": "paper", "x": 1, "y": 1.01, "xanchor": "right", "yanchor": "bottom",
                "showarrow": False, "font": {"size": 14},
            },
        ],
    )  # fmt: skip
    if years[0] is not None:
        figure.update_xaxes(range=[years[0] - 0.5, years[1] + 0.5], dtick=1 if years[1] - years[0] <= 12 else None)
    return figure


def _distinct(annotations: tuple) -> list:
    """One label where several series break in the same year (their dotted lines lie on top of each other)."""
    seen: dict[tuple, object] = {}
    for annotation in annotations:
        seen.setdefault((annotation.text, annotation.x), annotation)
    return list(seen.values())


def drawn_sources(frame: pl.DataFrame) -> list[str]:
    """The sources of the rows a series chart draws (cumulative figures are not drawn)."""
    rows = [row for row in figure_rows(frame) if CUMULATIVE not in row["flags"]]
    return sorted({row["source"] for row in rows})


def _with_legend_for_every_series(figure: go.Figure) -> go.Figure:
    """One legend entry for every series drawn, even one drawn only as bounded markers or period levels, and none
    for a series with nothing drawn (a cumulative figure, shown in the tables only)."""
    listed: set[str] = set()
    for trace in figure.data:
        if trace.legendgroup:
            drawn = _has_points(trace) and trace.legendgroup not in listed
            trace.showlegend = drawn
            listed |= {trace.legendgroup} if drawn else set()
    return figure


def _has_points(trace: BaseTraceType) -> bool:
    return any(value is not None for value in (trace.y or ()))


def _series_chart(
    frame: pl.DataFrame, stem: str, years: tuple[int, int], language: str, sources: list[str], **options: str
) -> go.Figure:
    figure = _with_legend_for_every_series(series_figure(frame, language=language, **options))
    return _titled(figure, stem, sources, years, language)


def _named(frame: pl.DataFrame, language: str, series: tuple[str, ...]) -> pl.DataFrame:
    """`frame` with each row's series named by its definition in `language`, in the catalogue's order."""
    order = {definition: position for position, definition in enumerate(series)}
    return frame.with_columns(pl.col(f"name_{language}").alias("series")).sort(
        pl.col("definition_id").replace_strict(order, default=len(order)), "year"
    )


def figures(connection: duckdb.DuckDBPyConnection, year_from: int, year_to: int, language: str) -> dict[str, go.Figure]:
    """File stem → figure in `language`, for the charts with data in the years, read by the pages' own questions."""
    tables = tables_of(connection, "series_totals", "definitions", "rates_per_100k", "ilo_estimates")
    years = (year_from, year_to)
    charts: dict[str, go.Figure] = {}
    for stem in ("victims_norway", "justice_chain_norway"):
        series = definition_ids("pack_charts", stem)
        frame = queries.with_definition_names(queries.norway_series(tables, series, years), tables)
        if drawn_sources(frame):
            named = _named(frame, language, series)
            charts[stem] = _series_chart(named, stem, years, language, drawn_sources(frame))
    series = definition_ids("pack_charts", "nordic_rates")
    rates = queries.nordic_rates(tables, series, years)
    if rates.height:
        rates = rates.select(
            series=pl.col(f"name_{language}"), year="year", period=pl.col("year").cast(pl.String), value="rate",
            value_low="rate_low", value_high="rate_high", flags="flags", source=pl.lit("unodc_glotip"),
        ).sort("series", "year")  # fmt: skip
        sources = ["unodc_glotip", "worldbank_population"]  # the rate divides UNODC's count by the population
        y_title = text("world.per_100k", language)
        charts["nordic_rates"] = _series_chart(rates, "nordic_rates", years, language, sources, y_title=y_title)
    estimates = _world_totals(
        queries.global_estimates(tables, definition_ids("pack_charts", "global_estimates"), years)
    )
    if estimates.height:
        estimates = queries.with_definition_names(estimates, tables).with_columns(
            edition=pl.col("edition") + " (" + pl.col("year").cast(pl.String) + ")", series=pl.col(f"name_{language}")
        )
        figure = bar_figure(
            estimates.sort("year", "edition", "series"), "edition", "series", stacked=False, language=language,
            x_title=text("world.edition", language), y_title=text("world.unit_persons", language),
        )  # fmt: skip
        charts["global_estimates"] = _titled(figure, "global_estimates", ["ilo"], (None, None), language)
    return charts


def _world_totals(frame: pl.DataFrame) -> pl.DataFrame:
    """The world's totals of the ILO's estimates: every sex, age group and form of exploitation together."""
    return frame.filter(
        (pl.col("geo") == WORLD) & (pl.col("sex") == TOTAL) & (pl.col("age_group") == TOTAL)
        & (pl.col("exploitation_form") == TOTAL)
    )  # fmt: skip


def write_svgs(charts: dict[str, dict[str, go.Figure]], folder: Path) -> list[Path]:
    """Every chart as `<language>/<stem>.svg` in `folder`, both languages rendered in one chromium session."""
    drawn = [
        (figure, folder / language / f"{stem}.svg")
        for language, figures in charts.items()
        for stem, figure in figures.items()
    ]
    for _, path in drawn:
        path.parent.mkdir(parents=True, exist_ok=True)
    paths = [path for _, path in drawn]
    specs = [
        {
            "fig": _with_trace_ids(figure.to_dict()),
            "path": path,
            "opts": {"format": "svg", "width": figure.layout.width, "height": figure.layout.height, "scale": 1},
        }
        for figure, path in drawn
    ]
    if specs:
        kaleido.write_fig_from_object_sync(specs, kopts={"mathjax": False})
    unwritten = [f"{path.parent.name}/{path.name}" for path in paths if not path.is_file() or not path.stat().st_size]
    if unwritten:  # kaleido may log a failed chart and carry on: the export must not
        raise ChartError(f"chromium did not draw {', '.join(unwritten)}")
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
