"""The chart that keeps model uncertainty in sight: every admissible model's estimate against its criterion.

One point per admissible model: across, how much worse its criterion is than the best model's
(0 is the best); up, its estimate of the population. The chosen model is marked, models with a
profile interval carry it as an error bar, and a line marks the registered count (the estimate can
never be lower). Labels are English keyword arguments, so a page can pass its own words.
"""

import plotly.graph_objects as go
import polars as pl

from estimation.estimate import MSEResult

CHOSEN_COLOUR = "#D55E00"
OTHER_COLOUR = "#0072B2"
REGISTERED_COLOUR = "#000000"


def _error_bars(frame: pl.DataFrame) -> dict:
    low = frame["ci_low"].to_list()
    high = frame["ci_high"].to_list()
    estimate = frame["estimate"].to_list()
    return {
        "type": "data",
        "symmetric": False,
        "array": [None if h is None else h - e for h, e in zip(high, estimate, strict=True)],
        "arrayminus": [None if lo is None else e - lo for lo, e in zip(low, estimate, strict=True)],
        "thickness": 1,
    }


def criterion_chart(
    result: MSEResult,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str = "estimated population",
    chosen_label: str = "chosen model",
    others_label: str = "other admissible models",
    registered_label: str = "registered",
) -> go.Figure:
    """Estimate against criterion difference for every admissible model of `result`."""
    models = result.models.filter(pl.col("admissible"))
    criterion = result.criterion.upper()
    figure = go.Figure()
    for selected, name, colour, size in (
        (False, others_label, OTHER_COLOUR, 7),
        (True, chosen_label, CHOSEN_COLOUR, 13),
    ):
        part = models.filter(pl.col("selected") == selected)
        if part.is_empty():
            continue
        figure.add_trace(
            go.Scatter(
                x=part["delta"].to_list(),
                y=part["estimate"].to_list(),
                mode="markers",
                name=name,
                marker={"color": colour, "size": size, "symbol": "diamond" if selected else "circle"},
                error_y=_error_bars(part),
                text=part["model"].to_list(),
                hovertemplate=f"%{{text}}<br>Δ{criterion} %{{x:.1f}}<br>%{{y:,.0f}}<extra></extra>",
            )
        )
    figure.add_hline(
        y=result.registered,
        line={"color": REGISTERED_COLOUR, "dash": "dash", "width": 1},
        annotation_text=f"{registered_label} {result.registered:,}",
        annotation_position="bottom right",
    )
    figure.update_layout(
        title=title or f"Estimate of every admissible model against its {criterion}",
        xaxis_title=x_title or f"{criterion} minus the lowest {criterion}",
        yaxis_title=y_title,
        template="plotly_white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02},
        margin={"t": 80, "l": 70, "r": 20, "b": 50},
    )
    figure.update_yaxes(rangemode="tozero", tickformat=",d")
    return figure
