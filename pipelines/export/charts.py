"""The pack's charts as SVG: the dashboard's own figures (same rules for gaps, breaks and `<5`), in Norwegian.

Plotly renders them through kaleido, which drives the machine's chromium (Debian's `chromium`);
nothing is downloaded. All charts are rendered in one browser session.
"""

from pathlib import Path

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
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
        "SELECT edition || ' (' || year || ')' AS edition, i.value, i.value_low, i.value_high, 'estimate' AS flags, "
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
    if charts:
        pio.write_images(list(charts.values()), paths)
    return paths
