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
"""

import re
from pathlib import Path

import duckdb
import kaleido
import plotly.graph_objects as go
import polars as pl

from dashboard.charts import bar_figure, series_figure
from pipelines.export.tables import JUSTICE_MEASURES, VICTIM_MEASURES

SERIES = "SELECT s.*, d.name_nb AS series FROM series_totals s JOIN definitions d USING (definition_id)"


def _titled(figure: go.Figure, title: str, source: str) -> go.Figure:
    figure.update_layout(
        title={"text": f"{title}<br><sup>Kilde: {source}</sup>"},
        separators=", ",
        width=1200,
        height=650,
        margin={"t": 120},
    )
    return figure


def _frame(connection: duckdb.DuckDBPyConnection, where: str, year_from: int, year_to: int) -> pl.DataFrame:
    query = f"{SERIES} WHERE s.geo = 'NOR' AND {where} AND s.year BETWEEN $year_from AND $year_to ORDER BY 1, 2"
    return connection.sql(query, params={"year_from": year_from, "year_to": year_to}).pl()


def figures(connection: duckdb.DuckDBPyConnection, year_from: int, year_to: int) -> dict[str, go.Figure]:
    """File stem → figure, for the charts with data in the years."""
    charts: dict[str, go.Figure] = {}
    victims = _frame(connection, f"s.measure IN {VICTIM_MEASURES} AND s.source <> 'iom_ctdc'", year_from, year_to)
    if victims.height:
        charts["victims_norway"] = _titled(
            series_figure(victims), "Ofre for menneskehandel i Norge etter kilde og definisjon", "KOM, UNODC"
        )
    justice = _frame(connection, f"s.measure IN {JUSTICE_MEASURES}", year_from, year_to)
    if justice.height:
        charts["justice_chain_norway"] = _titled(series_figure(justice), "Straffesakskjeden i Norge", "KOM, UNODC")
    rates = connection.sql(
        "SELECT name_nb AS series, year, CAST(year AS VARCHAR) AS period, rate AS value, rate_low AS value_low, "
        "rate_high AS value_high, flags FROM rates_per_100k WHERE is_nordic AND measure = 'victims_detected' "
        "AND year BETWEEN $year_from AND $year_to ORDER BY series, year",
        params={"year_from": year_from, "year_to": year_to},
    ).pl()
    if rates.height:
        charts["nordic_rates"] = _titled(
            series_figure(rates, y_title="Per 100 000 innbyggere"),
            "Oppdagede ofre per 100 000 innbyggere i de nordiske landene",
            "UNODC, Verdensbanken",
        )
    estimates = connection.sql(
        "SELECT edition || ' (' || year || ')' AS edition, i.value, i.value_low, i.value_high, i.flags, "
        "d.name_nb AS series FROM ilo_estimates i JOIN definitions d USING (definition_id) "
        "WHERE geo = 'WORLD' AND sex = 'total' AND age_group = 'total' AND exploitation_form = 'total' "
        "AND unit = 'persons' AND year BETWEEN $year_from AND $year_to ORDER BY i.year, edition, series",
        params={"year_from": year_from, "year_to": year_to},
    ).pl()
    if estimates.height:
        charts["global_estimates"] = _titled(
            bar_figure(estimates, "edition", "series", False, "Utgave (referanseår)", "Personer"),
            "ILOs globale estimater etter utgave (metodene er ulike mellom utgavene)",
            "ILO",
        )
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
