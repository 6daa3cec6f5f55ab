"""Secrets kept out of every address the project prints, logs or records: one helper for all of them.

An address may carry a secret in its user information (`https://user:password@host/`), in its query
(`?token=…`, `?api_key=…`), or, for a webhook (`TRAFFICKING_NOTIFY_URL`), in its path. `masked` gives
the address with those parts replaced by `***`; `masked_in` does so for every address in a sentence
(an error message, a log line). The host and port stay, so a reader still sees where it went.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
SECRET_NAMES = re.compile(r"token|key|secret|pass|pwd|sig|auth|credential", re.IGNORECASE)
"""A query parameter whose name holds one of these words holds a secret (`access_token`, `api_key`, `sig`)."""
ADDRESS = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>.,;:!?)]")
"""An address in a sentence; a full stop, comma, colon or bracket after it is the sentence's, not the address's."""


def masked(address: str, path: bool = True) -> str:
    """`address` with its user information and secret query values as `***` (and its path too, with
    `path=False`: a webhook's address is its secret)."""
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        return HIDDEN  # not an address that can be taken apart: nothing of it is shown
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    secret_query = any(SECRET_NAMES.search(name) for name, _ in pairs)
    if not parts.netloc or (path and "@" not in parts.netloc and not secret_query):
        return address  # nothing to hide: the address exactly as given
    host = parts.hostname or ""
    netloc = (f"{HIDDEN}@" if "@" in parts.netloc else "") + (f"[{host}]" if ":" in host else host)
    netloc += f":{port}" if port is not None else ""
    query = urlencode([(name, HIDDEN if SECRET_NAMES.search(name) else value) for name, value in pairs], safe="*")
    shown_path = parts.path if path or parts.path in ("", "/") else f"/{HIDDEN}"
    return urlunsplit((parts.scheme, netloc, shown_path, query if path else (HIDDEN if query else ""), ""))


def masked_in(text: str) -> str:
    """`text` with every address in it `masked`."""
    return ADDRESS.sub(lambda found: masked(found.group(0)), text)
