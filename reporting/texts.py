"""Every text of the dashboard and of the pack's charts, by key, in Norwegian bokmål and English.

The texts live in `texts.csv` (`key, nb, en`); `{placeholders}` are filled in by `text`.
"""

import csv
from functools import cache
from pathlib import Path

TEXTS_FILE = Path(__file__).with_name("texts.csv")
LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "nb"


@cache
def texts() -> dict[str, dict[str, str]]:
    """Every text by key and language, from `texts.csv`."""
    with TEXTS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: {language: row[language] for language in LANGUAGES} for row in csv.DictReader(handle)}


def text(key: str, language: str, **values: object) -> str:
    """The text `key` in `language` ("nb" or "en"), with `{placeholders}` filled in from `values`."""
    template = texts()[key][language]
    return template.format(**values) if values else template
