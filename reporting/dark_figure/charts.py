"""The dark figure's charts: estimate against criterion, and the examples against their published figures."""

from collections.abc import Mapping

import plotly.graph_objects as go

from estimation import MSEResult, criterion_chart
from reporting.charts import OKABE_ITO, WHITE, plotly_separators
from reporting.dark_figure.examples import Example, examples
from reporting.dark_figure.words import published_text
from reporting.figures import number
from reporting.texts import text


def criterion_figure(result: MSEResult, language: str) -> go.Figure:
    """The estimator's estimate-against-criterion chart with the reader's words and number format."""
    criterion = result.criterion.upper()
    registered = text("dark.chart_registered", language)
    figure = criterion_chart(
        result,
        title=text("dark.chart_title", language, criterion=criterion),
        x_title=text("dark.chart_x", language, criterion=criterion),
        y_title=text("dark.chart_y", language),
        chosen_label=text("dark.chart_chosen", language),
        others_label=text("dark.chart_others", language),
        registered_label=registered,
    )
    figure.update_layout(separators=plotly_separators(language), template=WHITE)  # the same look, lighter
    for annotation in figure.layout.annotations:
        annotation.text = f"{registered} {number(result.registered, language)}"
    return figure


EXAMPLE_OFFSET = 0.22
"""How far the published figure sits above, and ours below, an example's row, so that neither hides the other."""


def examples_figure(results: Mapping[str, MSEResult | None], language: str) -> go.Figure:
    """For each example with a table: registered, the published figure (and range) and ours (and interval).

    One row per example, the published figure just above the registered count and ours just below;
    a logarithmic axis, since the examples run from about 200 to over 100,000 people.
    """
    shown = [(example, results[example.example]) for example in examples() if results.get(example.example)]
    labels = [text(f"dark.example_{example.example}", language) for example, _ in shown]
    rows = list(range(len(shown)))
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[result.registered for _, result in shown],
            y=rows,
            mode="markers",
            name=text("dark.chart_examples_registered", language),
            marker={"color": OKABE_ITO[7], "symbol": "circle", "size": 10},
            hovertemplate="%{x:,.0f}<extra></extra>",
        )
    )
    centres = [_published_centre(example) for example, _ in shown]
    figure.add_trace(
        go.Scatter(
            x=centres,
            y=[row - EXAMPLE_OFFSET for row in rows],
            mode="markers",
            name=text("dark.chart_examples_published", language),
            marker={"color": OKABE_ITO[0], "symbol": "square", "size": 10},
            error_x=_bars(centres, [(example.published_low, example.published_high) for example, _ in shown]),
            text=[published_text(example, language) for example, _ in shown],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    ours = [result.estimate for _, result in shown]
    figure.add_trace(
        go.Scatter(
            x=ours,
            y=[row + EXAMPLE_OFFSET for row in rows],
            mode="markers",
            name=text("dark.chart_examples_ours", language),
            marker={"color": OKABE_ITO[4], "symbol": "diamond", "size": 12},
            error_x=_bars(ours, [(result.ci_low, result.ci_high) for _, result in shown]),
            hovertemplate="%{x:,.0f}<extra></extra>",
        )
    )
    figure.update_layout(
        separators=plotly_separators(language),
        template=WHITE,
        height=140 + 55 * len(shown),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02},
        margin={"t": 40, "l": 20, "r": 20, "b": 50},
        xaxis_title=text("dark.chart_examples_x", language),
    )
    figure.update_xaxes(type="log", tickformat=",d")
    figure.update_yaxes(tickvals=rows, ticktext=labels, autorange="reversed", zeroline=False)
    return figure


def _published_centre(example: Example) -> float | None:
    if example.published_point is not None:
        return example.published_point
    if example.published_low is not None and example.published_high is not None:
        return (example.published_low * example.published_high) ** 0.5  # the middle on a log axis
    return None


def _bars(centres: list[float | None], bounds: list[tuple[float | None, float | None]]) -> dict:
    def above(centre: float | None, high: float | None) -> float | None:
        return None if centre is None or high is None else high - centre

    def below(centre: float | None, low: float | None) -> float | None:
        return None if centre is None or low is None else centre - low

    return {
        "type": "data",
        "symmetric": False,
        "array": [above(centre, high) for centre, (_, high) in zip(centres, bounds, strict=True)],
        "arrayminus": [below(centre, low) for centre, (low, _) in zip(centres, bounds, strict=True)],
        "thickness": 1.5,
    }
