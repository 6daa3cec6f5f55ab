"""Test helper: a publisher's site on 127.0.0.1 serving files by path, each download naming its file in
`Content-Disposition` (as Drupal's `/node/<id>/download` does on CTDC's resource pages, whose links and release
names `CTDC_global_synthetic_data_v2025_0.csv` are recorded in /work/shared/DESIGN.md's table of sources). It
answers GET, with a single byte range (`Range: bytes=a-b`, answered 206 with `Content-Range`, RFC 9110 14.4),
and HEAD, or refuses HEAD with the status given (405 Method Not Allowed or 501 Not Implemented, RFC 9110 15.5.6
and 15.6.2: what a server that does not take HEAD answers; no record says CTDC's server does, which is why the
download helper must not depend on it)."""

import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar


class NamedFiles(http.server.BaseHTTPRequestHandler):
    """`files` maps a path to (the file name the server gives, or None for a page; the bytes)."""

    files: ClassVar[dict[str, tuple[str | None, bytes]]] = {}
    refuse_head: ClassVar[int | None] = None
    asked: ClassVar[list[tuple[str, str, str | None]]] = []
    """Every request: (method, path, its Range header)."""

    def _answer(self, body: bool) -> None:
        self.asked.append((self.command, self.path, self.headers.get("Range")))
        name, payload = self.files.get(self.path, (None, None))
        if payload is None:
            self.send_error(404)
            return
        ranged = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range") or "")
        if ranged and body:
            first, last = int(ranged.group(1)), min(int(ranged.group(2)), len(payload) - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(payload)}")
            payload = payload[first : last + 1]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        if name:
            self.send_header("Content-Disposition", f'attachment; filename="{name}"')
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        if self.refuse_head is not None:
            self.asked.append((self.command, self.path, None))
            self.send_error(self.refuse_head)
            return
        self._answer(body=False)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def named_files_site(
    files: dict[str, tuple[str | None, bytes]],
    refuse_head: int | None = None,
    asked: list[tuple[str, str, str | None]] | None = None,
) -> Iterator[str]:
    """Serve `files` on 127.0.0.1 (a free port) while the block runs, refusing HEAD with `refuse_head` if given and
    recording every request in `asked`; yields the base address."""
    handler = type(
        "Handler", (NamedFiles,), {"files": files, "refuse_head": refuse_head, "asked": [] if asked is None else asked}
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
