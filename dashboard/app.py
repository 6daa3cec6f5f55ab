"""The dashboard: human trafficking in Norway, for officials (Norwegian; English on a switch).

`streamlit run dashboard/app.py`. Each page is a file in `dashboard/views/`; every text is in
`reporting/texts.csv`; the pages read only the published marts, read-only (`dashboard/ui.py`).
"""

import json
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard.i18n import t
from dashboard.pages import PAGES
from dashboard.ui import publication_switch
from reporting.texts import LANGUAGES

READABLE_CSS = """<style>
/* WCAG 2.1 AA contrast (4.5:1): Streamlit's captions are a faded grey (3.9:1 on white). */
[data-testid="stCaptionContainer"] { opacity: 1; color: #4d4d4d; }
[data-testid="stCaptionContainer"] p { color: #4d4d4d; }
[data-testid="stWidgetLabel"] p, [data-testid="stMarkdownContainer"] small { color: #262626; }
/* The print view: the page's content only, without the sidebar, the header's menu and the download buttons. */
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stDownloadButton"] {
    display: none !important;
  }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 1rem !important; }
}
/* Tables for readers (`ui.reader_table`): text wraps and every column stays in view (a fixed layout shares the
   width out; an automatic one let unbreakable figures such as "11 418" push the last column out of view). */
table.reader { width: 100%; table-layout: fixed; border-collapse: collapse; margin-bottom: 1rem; }
table.reader th, table.reader td {
  white-space: normal; overflow-wrap: anywhere; vertical-align: top; text-align: left;
  padding: 0.4rem 0.5rem; border-bottom: 1px solid #d6d6d6; color: #262626;
}
table.reader th { font-weight: 600; border-bottom: 2px solid #8c8c8c; }
@media (max-width: 640px) {
  table.reader th, table.reader td { padding: 0.25rem; font-size: 0.8rem; hyphens: auto; }
}
</style>"""


DRAWN_MARK = '<div data-testid="page-drawn" hidden></div>'
"""Written after the page's script has run to its end: browser tests and the render benchmark wait for it."""


def language_switch() -> None:
    """The sidebar's language switch; `?lang=en` in the address opens the dashboard in English.

    The page's `<html lang>` follows the choice, so screen readers speak it in the right language.
    """
    asked = st.query_params.get("lang")
    if "language" not in st.session_state and asked in LANGUAGES:
        st.session_state["language"] = asked
    chosen = st.sidebar.radio(
        "Språk / Language",
        LANGUAGES,
        key="language",
        format_func={"nb": "Norsk (bokmål)", "en": "English"}.get,
        horizontal=True,
    )
    if st.query_params.get("lang") != chosen:  # setting it again would send the browser the address anew
        st.query_params["lang"] = chosen
    st.html(f"<script>{page_language_script(chosen)}</script>", unsafe_allow_javascript=True)
    st.html(READABLE_CSS)


WIDGET_WORDS = {
    "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p": "widget.upload",
    "[data-testid='stFileUploaderDropzoneInstructions'] span": "widget.upload_limit",
    "[data-testid='stStatusWidget'] button": "widget.stop",
}
"""Streamlit's own words in its widgets (which it offers no setting for), by element, and the text to show there."""
WIDGET_NAMES = {
    "[data-testid='stFileUploaderDropzoneInput']": "widget.upload",
    "[data-testid='stStatusWidgetRunningIcon']": "widget.running",
    "[role='dialog'] > button": "widget.close",
}
"""Streamlit's own accessible names (`aria-label`) in its widgets, by element, and the name to give instead."""
DIALOG_WORDS = {
    "Page not found": "widget.page_not_found",
    "Running the app's main page.": "widget.page_not_found_said",
}
"""Streamlit's English in its error box (the app opens no dialog of its own), by how the text ends, and the text to
show instead: an address that names no page (an old bookmark) opens the start page under "Page not found". Only
these texts are replaced: the same box carries Streamlit's other errors, whose words are left as they are."""


def page_language_script(language: str) -> str:
    """Sets `<html lang>`, and puts the text catalogue's words in place of Streamlit's English in its widgets and
    its "Page not found" box (again whenever Streamlit draws them anew), their accessible names too.

    The words are put at most once a frame, before it is painted, however many changes Streamlit and Plotly make to
    the page in that frame (drawing a page is hundreds of them)."""
    megabytes = st.get_option("server.maxUploadSize")
    words = {selector: t(key, megabytes=megabytes) for selector, key in WIDGET_WORDS.items()}
    names = {selector: t(key) for selector, key in WIDGET_NAMES.items()}
    phrases = {ending: t(key) for ending, key in DIALOG_WORDS.items()}
    return f"""{{
const root = document;
root.documentElement.lang = {language!r};
const words = {json.dumps(words, ensure_ascii=False)};
const names = {json.dumps(names, ensure_ascii=False)};
const phrases = {json.dumps(phrases, ensure_ascii=False)};
const put = () => {{
  for (const [selector, said] of Object.entries(words))
    for (const element of root.querySelectorAll(selector)) if (element.textContent !== said) element.textContent = said;
  for (const element of root.querySelectorAll("[role='dialog'] h2, [role='dialog'] h2 + div > div"))
    for (const [ending, said] of Object.entries(phrases))
      if (element.textContent !== said && element.textContent.endsWith(ending)) element.textContent = said;
  for (const [selector, said] of Object.entries(names))
    for (const element of root.querySelectorAll(selector))
      if (element.getAttribute("aria-label") !== said) element.setAttribute("aria-label", said);
}};
put();
let queued = false;
const putBeforePaint = () => {{
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {{ queued = false; put(); }});
}};
if (window.__widgetWords) window.__widgetWords.disconnect();
window.__widgetWords = new MutationObserver(putBeforePaint);
window.__widgetWords.observe(root.body, {{subtree: true, childList: true, characterData: true}});
}}"""


START_PAGE_PATH = "start"
"""The start page's own path, never shown: Streamlit serves the default page at `/` only."""


def start_page_alias() -> st.Page:
    """The start page at its address too (`/oversikt`), hidden from the menu: without it a bookmark of that address
    opens Streamlit's English "Page not found" box over the start page.

    The same script run at that address, not a switch to `/`: `st.switch_page` ran the app's script twice on every
    load of the address and had the browser draw the page anew (0.1-0.3 s, docs/BENCHMARKS.md)."""
    path, title_key, address = PAGES[0]
    return st.Page(path, title=t(title_key), url_path=address, visibility="hidden")


def main() -> None:
    st.set_page_config(page_title=t("app.title"), layout="wide")
    language_switch()
    publication_switch()
    pages = [
        st.Page(path, title=t(title_key), url_path=address if index else START_PAGE_PATH, default=index == 0)
        for index, (path, title_key, address) in enumerate(PAGES)
    ]
    try:
        shown = st.navigation([*pages, start_page_alias()])
        st.set_page_config(page_title=t("app.tab_title", page=shown.title))  # the browser tab names the page
        shown.run()
    finally:
        st.html(DRAWN_MARK)


main()
