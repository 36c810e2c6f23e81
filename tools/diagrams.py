"""Draw every diagram the pages embed, from the notebooks' stored outputs, into diagrams/*.svg.

    python tools/diagrams.py            # (re)draw what is missing or stale; `make diagrams`
    python tools/diagrams.py --all      # redraw everything

Mermaid is the copy pinned in package-lock.json (node_modules/mermaid), run in Debian's Chromium through
Playwright and served from 127.0.0.1 only. Each diagram is drawn twice, with Mermaid's `default` theme
for the light scheme and `dark` for the dark one; the sha256 of the Mermaid text goes into the SVG so
the build (extensions/diagrams.py) can refuse a picture that no longer matches the notebook.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from extensions.diagrams import SCHEMES, embeds, sha256, source_text, stale, svg_path
from tools.chromium import CHROMIUM
from tools.chromium import FLAGS as CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
MERMAID = ROOT / "node_modules" / "mermaid" / "dist"
THEMES = {"light": "default", "dark": "dark"}
PAGE = b"<!doctype html><meta charset=utf-8><title>diagrams</title><body></body>"


def wanted(root: Path = ROOT) -> list[tuple[str, str]]:
    """(notebook, tag) of every diagram any page embeds, once each, in a stable order."""
    found = set()
    for page in sorted(root.glob("docs/*/**/*.md")):
        try:
            found |= {(nb, tag) for _, nb, tag, _ in embeds(page.read_text(encoding="utf-8"))}
        except ValueError as e:
            raise SystemExit(f"{page.relative_to(root)}:{e}") from None
    return sorted(found)


class _Quiet(SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(PAGE)
        else:
            super().do_GET()

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def mermaid_page(browser):
    """A page of `browser` that loads our Mermaid copy from 127.0.0.1; yields render(text, theme, name)."""
    if not (MERMAID / "mermaid.esm.min.mjs").is_file():
        raise SystemExit("node_modules/mermaid is missing: run `npm ci` (make test and make diagrams do)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(MERMAID)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    home = f"http://127.0.0.1:{server.server_address[1]}/"
    context = browser.new_context()
    context.set_default_timeout(120_000)  # a hang limit, as in the browser tests: drawing waits on a busy machine
    try:
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(home) else route.abort())

        def render(text: str, theme: str, name: str) -> str:
            page.goto(home)  # a fresh page each time: Mermaid numbers elements per page
            return page.evaluate(
                """async ([text, theme, name]) => {
                     const {default: mermaid} = await import("/mermaid.esm.min.mjs");
                     mermaid.initialize({startOnLoad: false, theme, securityLevel: "strict",
                                         fontFamily: "Arial, Helvetica, sans-serif",
                                         sequence: {mirrorActors: false, actorMargin: 24,
                                                    messageFontSize: 14, actorFontSize: 14}});
                     const {svg} = await mermaid.render(name, text);
                     return svg;
                   }""",
                [text, theme, name],
            )

        yield render
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def slim(svg: str) -> str:
    """Drop what an <img> never uses: icon symbols Mermaid always defines (computer, database, clock…)
    but this diagram does not reference, and its data-* attributes. Halves a sequence diagram."""

    def unused(match: re.Match) -> str:
        return "" if f"#{match[1]}" not in svg else match[0]

    svg = re.sub(r'<defs><symbol id="([^"]+)"[^>]*>.*?</symbol></defs>', unused, svg, flags=re.S)
    svg = re.sub(r' data-[a-z-]+="[^"]*"', "", svg)
    return re.sub(r"(<style>)(.*?)(</style>)", lambda m: m[1] + used_css(m[2], svg) + m[3], svg, count=1, flags=re.S)


CSS_RULE = re.compile(r"(@keyframes\s+([\w-]+)\s*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}|[^{}@]+\{[^{}]*\})")


def used_css(css: str, svg: str) -> str:
    """Mermaid's stylesheet for its diagram type, without the rules no element of this SVG can match: a
    selector naming a class no element has, or a data-* attribute (slim drops them all). A keyframes block
    stays only if a kept rule animates with it. About a third of a sequence diagram; the picture is the same
    (checked pixel for pixel in Chromium when this was added, and tests/tools/test_diagrams.py checks the rule)."""
    markup = re.sub(r"<style>.*?</style>", "", svg, flags=re.S)
    classes = {c for attr in re.findall(r' class="([^"]*)"', markup) for c in attr.split()}

    def matchable(selector: str) -> bool:
        if "[data-" in selector:
            return False
        bare = re.sub(r"\[[^\]]*\]", "", selector)  # attribute values may contain dots
        return all(c in classes for c in re.findall(r"\.([A-Za-z_][\w-]*)", bare))

    kept, keyframes = [], []
    for rule, frames in ((m[1], m[2]) for m in CSS_RULE.finditer(css)):
        if frames:
            keyframes.append((frames, rule))
            continue
        selectors = [s for s in rule[: rule.index("{")].split(",") if matchable(s)]
        if selectors:
            kept.append(",".join(selectors) + rule[rule.index("{") :])
    body = "".join(kept)
    animated = [rule for name, rule in keyframes if re.search(rf"animation[^;}}]*\b{re.escape(name)}\b", body)]
    return "".join(animated) + body


def draw(render, text: str, notebook: str, tag: str, scheme: str) -> str:
    """One SVG file's content: Mermaid's output, slimmed, with the source hash and a trailing newline."""
    svg = render(text, THEMES[scheme], f"{notebook}-{tag}-{scheme}".replace("_", "-"))
    if not svg.startswith("<svg "):
        raise RuntimeError(f"Mermaid did not return an SVG for {notebook}/{tag}: {svg[:80]!r}")
    return slim(svg).replace("<svg ", f'<svg data-source-sha256="{sha256(text)}" ', 1) + "\n"


def main(argv: list[str]) -> int:
    everything = "--all" in argv
    todo = [(nb, tag) for nb, tag in wanted() if everything or stale(ROOT, nb, tag)]
    if not todo:
        print("every diagram matches its notebook output")
        return 0
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            with mermaid_page(browser) as render:
                for notebook, tag in todo:
                    for path in draw_all(render, notebook, tag):
                        print(f"drew {path.relative_to(ROOT)}")
        finally:
            browser.close()
    return 0


def draw_all(render, notebook: str, tag: str, into: Path = ROOT) -> list[Path]:
    """Both schemes of one diagram, written under `into`/diagrams; returns the paths."""
    text = source_text(ROOT, notebook, tag)
    paths = []
    for scheme in SCHEMES:
        path = svg_path(into, notebook, tag, scheme)
        path.parent.mkdir(exist_ok=True)
        path.write_text(draw(render, text, notebook, tag, scheme), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
