"""Serve a built site on 127.0.0.1, as a static host would: SITE_DIR/en/404.html for missing pages
under /en/, SITE_DIR/404.html for the rest.

    python tools/serve.py SITE_DIR [PORT]
"""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Handler(SimpleHTTPRequestHandler):
    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / ("en/404.html" if self.path.startswith("/en/") else "404.html")
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    site, port = Path(sys.argv[1]).resolve(), int(sys.argv[2]) if len(sys.argv) == 3 else 8000
    handler = functools.partial(Handler, directory=str(site))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        raise SystemExit(f"cannot serve on 127.0.0.1:{port}: {e.strerror}; try `make serve PORT={port + 1}`") from None
    with server:
        print(f"Serving {site} on http://127.0.0.1:{port}/ (한국어) and http://127.0.0.1:{port}/en/ (English); Ctrl+C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
