"""Test helper: a publisher's site on 127.0.0.1 serving files by path, each download naming its file in
`Content-Disposition` (as Drupal's `/node/<id>/download` does); it answers GET and HEAD."""

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar


class NamedFiles(http.server.BaseHTTPRequestHandler):
    """`files` maps a path to (the file name the server gives, or None for a page; the bytes)."""

    files: ClassVar[dict[str, tuple[str | None, bytes]]] = {}

    def _answer(self, body: bool) -> None:
        name, payload = self.files.get(self.path, (None, None))
        if payload is None:
            self.send_error(404)
            return
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
        self._answer(body=False)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def named_files_site(files: dict[str, tuple[str | None, bytes]]) -> Iterator[str]:
    """Serve `files` on 127.0.0.1 (a free port) while the block runs; yields the base address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (NamedFiles,), {"files": files}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
