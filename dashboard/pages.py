"""The dashboard's pages: (script, title text key, address), in the order of the navigation."""

PAGES = (
    ("views/overview.py", "page.overview", "oversikt"),
    ("views/victims.py", "page.victims", "ofre"),
    ("views/justice.py", "page.justice", "straffesakskjeden"),
    ("views/world.py", "page.world", "norge-i-verden"),
    ("views/dark_figure.py", "page.dark_figure", "morketall"),
    ("views/sources.py", "page.sources", "definisjoner-og-kilder"),
    ("views/changes.py", "page.changes", "endringer"),
    ("views/export.py", "page.export", "eksport"),
    ("views/about.py", "page.about", "om-statistikken"),
    ("views/accessibility.py", "page.accessibility", "tilgjengelighet"),
)
