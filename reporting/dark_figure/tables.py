"""The dark figure's tables as a reader sees them: the models tried, the refused ones, the examples."""

from collections.abc import Mapping

import polars as pl

from estimation import MSEResult
from reporting.dark_figure.examples import Example, examples
from reporting.dark_figure.words import (
    column_name,
    interval_text,
    method_text,
    model_text,
    published_text,
    range_text,
    ratio_text,
)
from reporting.figures import number
from reporting.texts import text


def models_table(result: MSEResult, language: str) -> pl.DataFrame:
    """The admissible models for a reader, best criterion first: model, Δcriterion, estimate, interval, ratio."""
    admissible = result.models.filter(pl.col("admissible")).sort("criterion")
    criterion = result.criterion.upper()
    rows = admissible.to_dicts()
    return pl.DataFrame(
        {
            column_name("chosen", language): ["✔" if row["selected"] else "" for row in rows],
            column_name("model", language): [model_text(row["terms"], language) for row in rows],
            column_name("delta", language, criterion=criterion): [number(row["delta"], language, 1) for row in rows],
            column_name("estimate", language): [number(row["estimate"], language) for row in rows],
            column_name("interval", language): [interval_text(row["ci_low"], row["ci_high"], language) for row in rows],
            column_name("ratio", language): [ratio_text(row["estimate"] / result.registered, language) for row in rows],
            column_name("boundary", language): [", ".join(row["boundary_terms"]) for row in rows],
        },
        schema={name: pl.String for name in _model_columns(language, criterion)},
    )


def _model_columns(language: str, criterion: str) -> list[str]:
    return [
        column_name("chosen", language),
        column_name("model", language),
        column_name("delta", language, criterion=criterion),
        column_name("estimate", language),
        column_name("interval", language),
        column_name("ratio", language),
        column_name("boundary", language),
    ]


def refused_table(result: MSEResult, language: str) -> pl.DataFrame:
    """The refused models with the estimator's reason (in English: it is the estimator's sentence)."""
    refused = result.refused_models()
    return pl.DataFrame(
        {
            column_name("model", language): [model_text(terms, language) for terms in refused["terms"].to_list()],
            column_name("reason", language): refused["reason"].to_list(),
        },
        schema={column_name("model", language): pl.String, column_name("reason", language): pl.String},
    )


NOT_COMPARABLE = {"covariates"}
"""Notes of examples whose published figure came from a model the table cannot support (covariates it lacks)."""


def ours_text(example: Example, result: MSEResult, language: str) -> str:
    """Our estimate, said to be not comparable beside it where the publisher's model needed what the table lacks."""
    shown = number(result.estimate, language)
    if example.note in NOT_COMPARABLE:
        return text("dark.not_comparable", language, estimate=shown)
    return shown


def examples_table(results: Mapping[str, MSEResult | None], language: str) -> pl.DataFrame:
    """The published figures beside ours for every example, for a reader of `language`."""
    rows = []
    for example in examples():
        result = results.get(example.example)
        estimate_range = None if result is None else result.estimate_range()
        searched = None if result is None else int(result.models["admissible"].sum())
        rows.append(
            {
                column_name("example", language): text(f"dark.example_{example.example}", language),
                column_name("lists", language): "" if result is None else str(len(result.lists)),
                column_name("registered", language): "" if result is None else number(result.registered, language),
                column_name("method", language): method_text(
                    example.method, example.rule, None, example.criterion, language
                ),
                column_name("published", language): published_text(example, language),
                column_name("ours", language): "" if result is None else ours_text(example, result, language),
                column_name("interval", language): ""
                if result is None
                else interval_text(result.ci_low, result.ci_high, language),
                column_name("ratio", language): "" if result is None else ratio_text(result.ratio, language),
                column_name("range", language): ""
                if estimate_range is None
                else text(
                    "dark.range_of_models",
                    language,
                    range=range_text(estimate_range, language),
                    models=number(searched, language),
                ),
                column_name("note", language): text(f"dark.note_{example.note}", language) if example.note else "",
                column_name("reference", language): example.reference,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)
