"""What the browser tests check on every page: axe-core's WCAG 2.1 AA rules, `<html lang>`, and the reader's words.

axe-core comes from the npm registry (`make browser` installs the pinned version under `.venv/node/`);
it is injected into the page and run there, in Debian's chromium.
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

FORBIDDEN = {
    "a release hash": re.compile(r"sha256:"),
    "a file name": re.compile(r"\b[\w-]+\.(csv|duckdb|xlsx|json)\b"),
    "a table or layer name": re.compile(r"\bmarts\.|\bharmonised/|\bstaging/"),
    "a path": re.compile(r"(^|\s|\()/[\w.-]+/[\w./-]+"),
    "a raw error": re.compile(r"Errno|Traceback|Exception"),
    "a Python value": re.compile(r"\bNone\b"),
    "an ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\b\d{8}T\d{6}Z\b"),
    "a source's code for a range": re.compile(r"\d--\d"),
    "a double comma": re.compile(r",\s*,"),
}
"""What an official must never read on a page: the pattern, named for the failure message."""


STREAMLIT_ENGLISH = {
    "Streamlit's English": re.compile(
        r"^Upload$|per file|Drag and drop|No options to select|Browse files|Page not found|^Stop$|^Print$|\bUnknown\b"
    )
}
"""Streamlit's own English words, which a Norwegian page must not show (its widgets' texts are replaced)."""


def developer_words(text: str, language: str = "en") -> dict[str, list[str]]:
    """{what: the lines of `text` that show it} for every forbidden pattern found (and, on a Norwegian page,
    Streamlit's own English)."""
    patterns = FORBIDDEN | (STREAMLIT_ENGLISH if language == "nb" else {})
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        for what, pattern in patterns.items():
            if pattern.search(line):
                found.setdefault(what, []).append(line.strip()[:160])
    return found


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules on the page as it is now."""
    if not AXE.exists():
        raise FileNotFoundError(f"axe-core is missing at {AXE}: run `make browser`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # once per load: the phone pass reuses it
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5],
            "summary": violation["nodes"][0].get("failureSummary", "")[:300] if violation["nodes"] else "",
        }
        for violation in result["violations"]
    ]
