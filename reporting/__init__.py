"""The reporting layer: what the dashboard and the export pack share, with neither Streamlit nor Dagster.

- `texts`: every text in Norwegian bokmål and English, the language passed as an argument;
- `figures`: how a figure is written (`1 116`, `<5`, `20–30`, `om lag 200`, or the pack's `>=5`);
- `flags`: a figure's flags parsed once into a set;
- `catalogue`: which series each page, chart and pack table shows (`catalogue.csv`);
- `charts`: the Plotly figures, drawn by the series rules;
- `justice`: the justice chain with the penal provision each figure counts under;
- `published`: the published marts, opened read-only.
"""
