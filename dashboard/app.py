"""Dashboard: Norway's detected victims, persons prosecuted and persons convicted (UNODC).

Reads only the published marts, read-only. Norwegian by default, English on a switch.
"""

import sys
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.settings import DataPaths, data_dir_from_env
from pipelines.warehouse import open_published

TEXT = {
    "nb": {
        "title": "Menneskehandel i Norge: UNODCs tall",
        "missing": "Fant ingen publiserte tall ({path}). Kjør `make refresh` først.",
        "busy": "Tallene publiseres akkurat nå. Last siden på nytt om litt.",
        "year": "År",
        "count": "Antall",
        "suppressed": "<5 (skjult)",
        "definition": "Definisjon",
        "source": "Kilde",
        "download": "Last ned data (CSV)",
        "language": "Språk",
        "published": "Publisert {when}",
    },
    "en": {
        "title": "Human trafficking in Norway: UNODC figures",
        "missing": "No published figures found ({path}). Run `make refresh` first.",
        "busy": "The figures are being published right now. Reload the page in a moment.",
        "year": "Year",
        "count": "Count",
        "suppressed": "<5 (suppressed)",
        "definition": "Definition",
        "source": "Source",
        "download": "Download data (CSV)",
        "language": "Language",
        "published": "Published {when}",
    },
}
MEASURES = ("victims_detected", "persons_prosecuted", "persons_convicted")
PALETTE = {"victims_detected": "#0072B2", "persons_prosecuted": "#E69F00", "persons_convicted": "#009E73"}


def published_path() -> Path:
    return DataPaths(data_dir_from_env()).published


@st.cache_data(show_spinner=False)
def load(path: str, version: float) -> dict[str, pl.DataFrame]:
    """The tables this page needs; `version` (the file's mtime) renews the cache on publication."""
    connection = open_published(Path(path))
    try:
        series = connection.sql(
            "SELECT measure, year, value, value_low, value_high, flags, definition_id, source_location "
            "FROM series_totals WHERE geo = 'NOR' AND source = 'unodc_glotip' ORDER BY measure, year"
        ).pl()
        definitions = connection.sql("SELECT * FROM definitions WHERE source = 'unodc_glotip'").pl()
        publication = connection.sql("SELECT published_at FROM publication").pl()
    finally:
        connection.close()
    return {"series": series, "definitions": definitions, "publication": publication}


def norwegian_number(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}".replace(",", "\u00a0")


def shown_value(row: dict, text: dict[str, str]) -> str:
    return text["suppressed"] if row["value"] is None else norwegian_number(row["value"])


def chart(series: pl.DataFrame, definitions: pl.DataFrame, lang: str, text: dict[str, str]) -> go.Figure:
    figure = go.Figure()
    names = dict(zip(definitions["measure"], definitions[f"name_{lang}"], strict=True))
    for measure in MEASURES:
        rows = series.filter(pl.col("measure") == measure)
        figure.add_trace(
            go.Scatter(
                x=rows["year"].to_list(),
                y=[
                    row["value"] if row["value"] is not None else row["value_high"]
                    for row in rows.iter_rows(named=True)
                ],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [0] * rows.height,
                    "arrayminus": [
                        0 if row["value"] is not None else row["value_high"] - row["value_low"]
                        for row in rows.iter_rows(named=True)
                    ],
                },
                text=[shown_value(row, text) for row in rows.iter_rows(named=True)],
                hovertemplate="%{x}: %{text}<extra>" + names.get(measure, measure) + "</extra>",
                mode="lines+markers",
                name=names.get(measure, measure),
                line={"color": PALETTE[measure], "width": 3},
                connectgaps=False,
            )
        )
    figure.update_layout(
        xaxis_title=text["year"], yaxis_title=text["count"], font={"size": 16}, legend={"orientation": "h"}
    )
    return figure


def main() -> None:
    st.set_page_config(page_title="Menneskehandel i Norge", layout="wide")
    lang = st.sidebar.radio("Språk / Language", ["nb", "en"], format_func={"nb": "Norsk", "en": "English"}.get)
    text = TEXT[lang]
    st.title(text["title"])
    path = published_path()
    if not path.exists():
        st.warning(text["missing"].format(path=path))
        return
    try:
        tables = load(str(path), path.stat().st_mtime)
    except Exception:  # a publication swapping the file in, or a damaged file: say so, no traceback
        st.warning(text["busy"])
        return
    series, definitions = tables["series"], tables["definitions"]
    st.caption(text["published"].format(when=tables["publication"]["published_at"][0]))
    st.plotly_chart(chart(series, definitions, lang, text), width="stretch")
    for row in definitions.filter(pl.col("measure").is_in(MEASURES)).iter_rows(named=True):
        st.markdown(
            f"**{row[f'name_{lang}']}** — {row[f'description_{lang}']} {row[f'series_breaks_{lang}']} "
            f"[{text['source']}: {row['publisher']}]({row['source_url']})"
        )
    table = series.with_columns(
        shown=pl.struct("value").map_elements(lambda row: shown_value(row, text), return_dtype=pl.String)
    )
    st.download_button(text["download"], table.write_csv(), file_name="norway_unodc.csv", mime="text/csv")


main()
