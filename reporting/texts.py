"""Every text of the dashboard and of the pack's charts, by key, in Norwegian bokmål and English.

The texts live in `texts.csv` (`key, nb, en`); `{placeholders}` are filled in by `text`. A source's name
(`source.<source id>`) and its publisher's (`publisher.<source id>`) come from the register of sources
(`data/reference/sources.csv`), the one place a source is declared.
"""

import csv
from functools import cache
from pathlib import Path

from core.sources import register

TEXTS_FILE = Path(__file__).with_name("texts.csv")
LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "nb"


@cache
def texts() -> dict[str, dict[str, str]]:
    """Every text by key and language, from `texts.csv` and the register of sources."""
    with TEXTS_FILE.open(encoding="utf-8", newline="") as handle:
        catalogue = {row["key"]: {language: row[language] for language in LANGUAGES} for row in csv.DictReader(handle)}
    for entry in register().values():
        catalogue[f"source.{entry.source_id}"] = {language: entry.name(language) for language in LANGUAGES}
        catalogue[f"publisher.{entry.source_id}"] = {language: entry.publisher(language) for language in LANGUAGES}
    return catalogue


def text(key: str, language: str, **values: object) -> str:
    """The text `key` in `language` ("nb" or "en"), with `{placeholders}` filled in from `values`."""
    template = texts()[key][language]
    return template.format(**values) if values else template
