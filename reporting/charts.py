"""Plotly figures drawn by the rules a statistician expects of official series.

- A line joins only consecutive annual figures of one definition: a missing year, a series break,
  a suppressed cell or a figure with bounds starts a new segment.
- A figure published as "about N a year" over a period is a dashed level across that period, not a
  point; cumulative figures (judgments since 2003) are never drawn as years.
- A suppressed or bounded figure is a hollow marker with its bounds as an error bar, labelled `<5`.
- Colours come from the Okabe–Ito palette, which colour-blind readers can tell apart.

Every builder takes the reader's `language` ("nb" or "en") for its texts and number format; the
dashboard passes the reader's choice, the export pack Norwegian.

pandas is imported with this module: Plotly checks every figure's data against `sys.modules["pandas"]`
without importing it, and a dashboard process whose first readers arrive together (publication day) would
otherwise let one reader's page see pandas half imported by another's ("partially initialized module
'pandas'", an error on the page; `benchmarks/bench_publication_day.py --page all`).
"""

import pandas  # noqa: F401 - imported whole before any figure exists: see below
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from core.vocabulary import CUMULATIVE, SERIES_BREAK
from reporting.figures import reader_style, shown
from reporting.flags import figure_rows
from reporting.texts import text
from reporting.words import listing

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
FONT_SIZE = 17
"""Large enough to read on a projector."""


MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon")
"""A marker shape per series as well as a colour, so that lines lying on top of each other stay visible."""


def colour(index: int) -> str:
    return OKABE_ITO[index % len(OKABE_ITO)]


def marker(index: int) -> str:
    return MARKERS[index % len(MARKERS)]


MARKER_SIZES = (16, 12, 9, 7)
"""Each series drawn over the ones before it has smaller markers, outlined in white: where two series have the
same figure in a year, the later marker sits inside the earlier one and both stay visible."""


def marker_size(index: int) -> int:
    return MARKER_SIZES[min(index, len(MARKER_SIZES) - 1)]


def is_annual(row: dict) -> bool:
    return row["year"] is not None and row["period"] == str(row["year"])


def is_point_estimate(row: dict) -> bool:
    return row["value"] is not None


def label(row: dict, language: str) -> str:
    """The figure as the reader sees it: the row's `shown` text where the page made one."""
    return row.get("shown") or shown(row, reader_style(language))


def _plotted_value(row: dict) -> float | None:
    """Where a bounded figure sits: its value, else the middle of its bounds, else its one bound."""
    if row["value"] is not None:
        return row["value"]
    bounds = [bound for bound in (row["value_low"], row["value_high"]) if bound is not None]
    return sum(bounds) / len(bounds) if bounds else None


def _line_segments(rows: list[dict], language: str) -> tuple[list, list, list]:
    """x, y and hover text with a gap (None) wherever two exact annual figures are not neighbours."""
    xs, ys, labels = [], [], []
    previous_year = None
    for row in rows:
        breaks_here = SERIES_BREAK in row["flags"]
        if previous_year is not None and (row["year"] != previous_year + 1 or breaks_here):
            xs.append(None)
            ys.append(None)
            labels.append("")
        xs.append(row["year"])
        ys.append(row["value"])
        labels.append(label(row, language))
        previous_year = row["year"]
    return xs, ys, labels


def _bounded_markers(name: str, rows: list[dict], index: int, language: str) -> go.Scatter:
    ys = [_plotted_value(row) for row in rows]
    return go.Scatter(
        x=[row["year"] for row in rows],
        y=ys,
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [(row["value_high"] or y) - y for row, y in zip(rows, ys, strict=True)],
            "arrayminus": [y - (row["value_low"] or y) for row, y in zip(rows, ys, strict=True)],
        },
        text=[label(row, language) for row in rows],
        hovertemplate="%{x}: %{text}<extra>" + name + "</extra>",
        mode="markers",
        marker={"symbol": "circle-open", "size": 12, "color": colour(index), "line": {"width": 2}},
        name=name,
        legendgroup=name,
        showlegend=False,
    )


def _period_levels(name: str, rows: list[dict], index: int, language: str) -> list[go.Scatter]:
    """One dashed level per "N a year over a period" figure across its period; a range is a shaded band."""
    traces = []
    for row in rows:
        start, end = (int(part) for part in row["period"].split("-"))
        level_text = f"{label(row, language)} {text('chart.per_year', language)} {row['period']}"
        low, high = row["value_low"], row["value_high"]
        if row["value"] is None and low is not None and high is not None:
            xs, ys, fill = [start, end, end, start, start], [low, low, high, high, low], "toself"
        else:
            level = _plotted_value(row)
            xs, ys, fill = [start, end], [level, level], None
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill=fill,
                opacity=0.6 if fill else 1,
                line={"dash": "dash", "color": colour(index), "width": 3},
                text=[level_text] * len(xs),
                hoverinfo="text",
                hoveron="points+fills",
                name=name,
                legendgroup=name,
                showlegend=False,
            )
        )
    return traces


def _bounded_legend(language: str) -> go.Scatter:
    """A legend entry (no data) saying what a hollow marker stands for: a figure with bounds, such as `<5`."""
    return go.Scatter(
        x=[None], y=[None], mode="markers", name=text("chart.bounded", language), hoverinfo="skip",
        marker={"symbol": "circle-open", "size": 12, "color": OKABE_ITO[-1], "line": {"width": 2}},
    )  # fmt: skip


def _period_legend(language: str) -> go.Scatter:
    """A legend entry (no data) saying what a dashed level and a shaded band stand for."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="lines",
        fill="toself",
        line={"dash": "dash", "color": "#777777", "width": 3},
        name=text("chart.period_level", language),
        hoverinfo="skip",
    )


def series_figure(
    frame: pl.DataFrame, *, language: str, series_column: str = "series", y_title: str | None = None
) -> go.Figure:
    """Annual series by the module's rules; `frame` has the marts' value columns and one row per figure.

    Cumulative figures are left out (they are shown in tables beside the chart).
    """
    figure = go.Figure()
    names = list(dict.fromkeys(frame[series_column].to_list()))
    has_periods = has_bounded = False
    for index, name in enumerate(names):
        rows = figure_rows(frame.filter(pl.col(series_column) == name).sort("year"))
        rows = [row for row in rows if CUMULATIVE not in row["flags"]]
        exact = [row for row in rows if is_annual(row) and is_point_estimate(row)]
        # a figure the source left missing (SSB's `..`) has neither value nor bounds: a gap, not a marker
        bounded = [
            row for row in rows if is_annual(row) and not is_point_estimate(row) and _plotted_value(row) is not None
        ]
        periods = [row for row in rows if not is_annual(row) and "-" in (row["period"] or "")]
        xs, ys, labels = _line_segments(exact, language)
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                text=labels,
                hovertemplate="%{x}: %{text}<extra>" + name + "</extra>",
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line={"color": colour(index), "width": 3},
                marker={"size": marker_size(index), "symbol": marker(index), "line": {"width": 1.5, "color": "white"}},
                connectgaps=False,
            )
        )
        if bounded:
            figure.add_trace(_bounded_markers(name, bounded, index, language))
        for trace in _period_levels(name, periods, index, language):
            figure.add_trace(trace)
        has_periods, has_bounded = has_periods or bool(periods), has_bounded or bool(bounded)
        _mark_breaks(figure, rows, index, language)
    if has_periods:
        figure.add_trace(_period_legend(language))
    if has_bounded:
        figure.add_trace(_bounded_legend(language))
    _fit_years(figure, frame)
    return styled(figure, text("chart.year", language), y_title or text("chart.count", language), language)


def drawn(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` a chart draws: figures with a value or bounds, cumulative ones left out."""
    if frame.is_empty():
        return frame
    rows = figure_rows(frame)
    keep = [CUMULATIVE not in row["flags"] and _plotted_value(row) is not None for row in rows]
    return frame.filter(pl.Series(keep, dtype=pl.Boolean))


def drawn_definitions(frame: pl.DataFrame) -> list[str]:
    """The definitions with at least one figure drawn (a ratio's `top/bottom` gives both), in order of appearance:
    the chart's footnotes name only these."""
    if "definition_id" not in frame.columns:
        return []
    ids = drawn(frame)["definition_id"].drop_nulls().to_list()
    return list(dict.fromkeys(part for definition_id in ids for part in definition_id.split("/")))


def coinciding(frame: pl.DataFrame, series_column: str = "series") -> list[tuple[int, list[str]]]:
    """(year, the series) for each year in which two or more series of a line chart have the same exact figure."""
    exact = drawn(frame).filter(pl.col("value").is_not_null() & (pl.col("period") == pl.col("year").cast(pl.String)))
    groups = (
        exact.group_by("year", "value", maintain_order=True)
        .agg(pl.col(series_column).unique(maintain_order=True))
        .filter(pl.col(series_column).list.len() > 1)
        .sort("year")
    )
    return [(year, names) for year, names in zip(groups["year"], groups[series_column].to_list(), strict=True)]


def coinciding_note(frame: pl.DataFrame, language: str, series_column: str = "series") -> str | None:
    """A sentence naming the years where series lie on top of each other (their markers are nested), or None."""
    found = coinciding(frame, series_column)
    if not found:
        return None
    pairs: dict[tuple[str, ...], list[str]] = {}
    for year, names in found:
        pairs.setdefault(tuple(names), []).append(str(year))
    parts = [
        text("chart.coinciding_part", language, series=listing(list(names), language), years=listing(years, language))
        for names, years in pairs.items()
    ]
    return text("chart.coinciding", language, parts="; ".join(parts))


def _fit_years(figure: go.Figure, frame: pl.DataFrame) -> None:
    """The x axis spans the years the data covers (periods included), half a year either side."""
    starts = frame["period"].str.split("-").list.first().cast(pl.Int32, strict=False)
    years = pl.concat([frame["year"].cast(pl.Int32), starts]).drop_nulls()
    if years.len():
        figure.update_xaxes(range=[years.min() - 0.5, years.max() + 0.5])


def _mark_breaks(figure: go.Figure, rows: list[dict], index: int, language: str) -> None:
    """A dotted vertical line where a series changes definition."""
    for row in rows:
        if SERIES_BREAK in row["flags"]:
            start = int(row["period"].split("-")[0])
            figure.add_vline(
                x=start - 0.5,
                line={"dash": "dot", "color": colour(index)},
                annotation_text=text("chart.series_break", language),
                annotation_position="top left",
            )


def bar_figure(
    frame: pl.DataFrame,
    x: str,
    colour_by: str,
    *,
    stacked: bool,
    x_title: str,
    language: str,
    y_title: str | None = None,
) -> go.Figure:
    """Bars of `frame['value']` by `x`, one colour per `colour_by`; suppressed cells are marked `<5`, not 0."""
    figure = go.Figure()
    for index, name in enumerate(dict.fromkeys(frame[colour_by].to_list())):
        rows = figure_rows(frame.filter(pl.col(colour_by) == name))
        figure.add_trace(
            go.Bar(
                x=[row[x] for row in rows],
                y=[row["value"] for row in rows],
                text=[label(row, language) if row["value"] is None else "" for row in rows],
                textposition="outside",
                customdata=[label(row, language) for row in rows],
                hovertemplate="%{x}: %{customdata}<extra>" + str(name) + "</extra>",
                name=str(name),
                marker_color=colour(index),
            )
        )
    figure.update_layout(barmode="stack" if stacked else "group")
    return styled(figure, x_title, y_title or text("chart.count", language), language)


def _white_template() -> go.layout.Template:
    """Plotly's `plotly_white` for the charts these modules draw (line and bar charts on x and y axes), without its
    defaults for maps, 3D scenes, polar charts, colour scales and twenty other kinds of trace: the charts look the
    same, and each carries 1 kB of template to the browser instead of 7 kB (whole, it cost the dashboard's browser
    about 20 ms of its main thread a chart, docs/BENCHMARKS.md)."""
    white = pio.templates["plotly_white"].to_plotly_json()
    return go.layout.Template(
        layout={name: white["layout"][name] for name in TEMPLATE_LAYOUT},
        data={kind: white["data"][kind] for kind in ("scatter", "bar")},
    )


TEMPLATE_LAYOUT = (
    "autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor", "xaxis", "yaxis",
    "shapedefaults", "annotationdefaults", "title",
)  # fmt: skip
"""The parts of `plotly_white`'s layout a chart on x and y axes uses."""
WHITE = _white_template()


def plotly_separators(language: str) -> str:
    """Plotly's decimal and thousands separators for `language` (`2,5` and `1 116` in Norwegian)."""
    return ", " if language == "nb" else ".,"


def styled(figure: go.Figure, x_title: str, y_title: str, language: str) -> go.Figure:
    figure.update_layout(
        font={"size": FONT_SIZE},
        separators=plotly_separators(language),
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02},
        margin={"t": 60, "l": 60, "r": 20, "b": 50},
        hoverlabel={"font_size": FONT_SIZE},
        template=WHITE,
    )
    figure.update_xaxes(tickformat="d")
    figure.update_yaxes(tickformat=",~f")  # 25 000 000, never Plotly's SI suffix (25M)
    return figure


CHART_CONFIG = {"displayModeBar": False, "responsive": True}
"""No toolbar over the chart: its data are in the table beside it and in the download (and at a phone's width
the toolbar covered the series-break labels)."""


def describe(frame: pl.DataFrame, kind_key: str, language: str) -> str:
    """A chart's text alternative in one sentence: what kind of chart, which series, which years."""
    names = list(dict.fromkeys(str(name) for name in frame["series"].to_list())) if "series" in frame.columns else []
    years = frame["year"].drop_nulls() if "year" in frame.columns else pl.Series([], dtype=pl.Int32)
    span = (f"{years.min()}–{years.max()}" if years.min() != years.max() else str(years.min())) if years.len() else ""
    return text(
        "chart.describe",
        language,
        kind=text(kind_key, language),
        count=len(names),
        series="; ".join(names),
        span=span,
    )


def tier_figure(frame: pl.DataFrame, *, x_title: str, y_title: str, language: str) -> go.Figure:
    """A placement by edition (`year`, `value`, `shown`): steps between tiers, Tier 1 at the top, whole tiers only."""
    rows = frame.sort("year").to_dicts()
    figure = go.Figure(
        go.Scatter(
            x=[row["year"] for row in rows],
            y=[row["value"] for row in rows],
            text=[row["shown"] for row in rows],
            hovertemplate="%{x}: %{text}<extra></extra>",
            mode="lines+markers",
            line={"color": colour(0), "width": 3, "shape": "hv"},
            marker={"size": 10, "symbol": marker(0)},
            showlegend=False,
        )
    )
    lowest = max((row["value"] for row in rows), default=1)
    figure.update_yaxes(range=[lowest + 0.4, 0.6], dtick=1, tickformat="d")  # a range given high-first: Tier 1 on top
    return styled(figure, x_title, y_title, language).update_layout(height=320)
