"""Every page of both languages in headless Chromium, as a reader sees it: one visit per page and language,
then every check of what that reader sees, in both color schemes.

A visit mostly costs Chromium's CPU, and a new browser context (a new renderer, nothing compiled yet) cost
about as much again as the page. So the visits run in a few lanes (LANES, Playwright's async API, inside a
module fixture), each one tab that goes from page to page with the HTTP cache off, so that every visit still
loads every byte a first-time reader does; each page's test then reads what its visit found. Every problem a
visit finds is reported, not only the first.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from pathlib import Path

import pytest

from tests.helpers import shared_site
from tools.checks.budgets import FIRST_VISIT_BUDGET
from tools.checks.pages import LANGUAGES
from tools.chromium import CHROMIUM, FLAGS

from .conftest import AXE, HANG_MS, PAGES, SETTLED_SECTION, require_browser, sections, serve, url_path

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(600)  # a hang, not a slow machine: the first test makes every visit
LANES = 2  # tabs visiting at once: the two cores of the machines this runs on


def stored_outputs(notebook: str) -> dict[str, str]:
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    return {
        tag: "".join("".join(o.get("text", "")) for o in c["outputs"]).strip()
        for c in cells
        for tag in c["metadata"]["tags"]
    }


async def first_visit(page, base_url: str, root: Path, where: str) -> list[str]:
    """Load a page as a first-time reader does and wait until the network is quiet: it loads from this site
    only, within the first-visit budget, without console errors. The budget counts the files the page
    loaded as they are in the built site `root` (uncompressed; the search index excluded): Chromium keeps a
    response's body only for a while, and on a busy machine one was gone before it was read."""
    errors, loaded, requested = [], [], []
    listeners = {
        "console": lambda message: errors.append(message.text) if message.type == "error" else None,
        "pageerror": lambda error: errors.append(str(error)),
        "response": lambda r: loaded.append(r.url),
        "request": lambda r: requested.append(r.url),
    }
    for event, listener in listeners.items():
        page.on(event, listener)
    try:
        response = await page.goto(base_url + where)
        await page.wait_for_load_state("networkidle")
    finally:
        for event, listener in listeners.items():
            page.remove_listener(event, listener)
    sizes = {url: served_size(root, base_url, url) for url in loaded if not url.endswith("/search/search_index.json")}
    problems = []
    if sum(sizes.values()) > FIRST_VISIT_BUDGET:
        biggest = sorted(sizes.items(), key=lambda x: -x[1])[:5]
        problems.append(
            f"a first visit loads {sum(sizes.values()):,} bytes (budget {FIRST_VISIT_BUDGET:,}, search index "
            "excluded): " + ", ".join(f"{u.removeprefix(base_url)} {n:,}" for u, n in biggest)
        )
    if response.status != 200:
        problems.append(f"status {response.status}")
    if elsewhere := sorted({url for url in requested if not url.startswith(base_url + "/")}):
        problems.append(f"requested other hosts: {elsewhere}")
    if errors:
        problems.append(f"logged console errors: {errors}")
    return problems


def served_size(root: Path, base_url: str, url: str) -> int:
    """The size of the file under `root` that tools/serve.py serves for `url` (0 for a URL of no file)."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url.removeprefix(base_url)).path).lstrip("/")
    file = root / path / "index.html" if not path or path.endswith("/") else root / path
    return file.stat().st_size if file.is_file() else 0


async def axe_violations(page) -> list[str]:
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# Each cell is scrolled to first, as a reader comes to it: Material gives a code block its copy button once
# it is on screen (content.lazy, mkdocs.yml). ON_SCREEN waits for the button (Material adds it from an
# IntersectionObserver callback) up to a hang limit, then the check reports whether it came; BACK_TO_TOP
# leaves the page as it was.
ON_SCREEN = """async (element) => {
  for (let i = 0; i < 100 && (i < 2 || !element.querySelector("button[data-md-type=copy]")); i++) {
    element.scrollIntoView();  // again each time: blocks above it that get their button can move it
    await new Promise(r => setTimeout(r, 50));
  }
}"""
# Until no transition runs on what is shown: axe measures colours, and a fade (the header's page title
# after a scroll, a scheme switch) is half-way colours.
SETTLED = """async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const running = () => document.getAnimations().some(a => a instanceof CSSTransition && a.playState === "running"
    && a.effect.target.checkVisibility());
  for (let i = 0; i < 100 && running(); i++) await new Promise(r => setTimeout(r, 50));
}"""
BACK_TO_TOP = f"""async () => {{
  scrollTo(0, 0);
  await ({SETTLED})();
}}"""
CELLS = f"""async () => {{
  const onScreen = {ON_SCREEN}, backToTop = {BACK_TO_TOP};
  const found = [];
  for (const cell of document.querySelectorAll(".nb-cell")) {{
    await onScreen(cell);
    const code = cell.querySelector("pre > code"), samps = cell.querySelectorAll(".nb-output samp");
    found.push({{
      notebook: cell.dataset.notebook, tag: cell.dataset.tag,
      code: !!code && code.checkVisibility(),
      copy: cell.querySelectorAll("button[data-md-type=copy]").length,
      outputs: [...samps].map(s => ({{text: s.innerText, tabindex: s.getAttribute("tabindex")}})),
    }});
  }}
  await backToTop();
  return found;
}}"""


async def embedded_cells(page) -> list[str]:
    """Every embedded cell, once on screen, shows its code with a copy button, then exactly the output the
    notebook stores, as program output (<samp>, which Material's script leaves alone), focusable so a wide one can scroll."""
    problems = []
    for cell in await page.evaluate(CELLS):
        name = f"{cell['notebook']}:{cell['tag']}"
        if not cell["code"]:
            problems.append(f"{name}: code not visible")
        if cell["copy"] != 1:
            problems.append(f"{name}: no copy button on its code")
        expected = stored_outputs(cell["notebook"])[cell["tag"]].replace("\r\n", "\n")  # HTML turns CR LF into LF
        outputs = cell["outputs"]
        if not expected:
            if outputs:
                problems.append(f"{name}: shows output the notebook does not store")
        elif len(outputs) != 1:
            problems.append(f"{name}: output missing")
        elif outputs[0]["tabindex"] != "0":
            problems.append(f"{name}: output not focusable")
        elif outputs[0]["text"].strip() != expected:
            problems.append(f"{name}: shows other output than the notebook stores")
    return problems


FOLDED_CODE = f"""async () => {{
  const onScreen = {ON_SCREEN}, backToTop = {BACK_TO_TOP};
  const folded = [...document.querySelectorAll(".md-typeset details:not([open])")].filter(d => d.querySelector(":scope > .highlight"));
  const laidOut = folded.filter(d => d.querySelector(":scope > .highlight").getClientRects().length > 0).length;
  for (const d of folded) d.open = true;
  const blocks = folded.flatMap(d => [...d.querySelectorAll(":scope > .highlight")]);
  for (const b of blocks) await onScreen(b);  // as a reader who opened it sees it (ON_SCREEN says why)
  const found = {{
    folded: folded.length, laidOut,
    hidden: blocks.filter(b => !b.querySelector("pre > code").checkVisibility()).length,
    noCopy: blocks.filter(b => !b.querySelector("button[data-md-type=copy]")).length,
    wideNotFocusable: matchMedia("(hover)").matches ? blocks.map(b => b.querySelector("pre > code"))
      .filter(c => c.scrollWidth > c.clientWidth && c.getAttribute("tabindex") !== "0").length : 0,
  }};
  for (const d of folded) d.open = false;  // as the reader left it: the language switch check comes next
  await backToTop();
  return found;
}}"""


async def folded_code(page) -> list[str]:
    """Code folded into a closed <details> (코드 보기) is not laid out while closed (extra.css: Material measures
    every code block at load, and each hidden one cost a forced layout), and once opened and on screen shows
    its code with Material's copy button, a wide block focusable so it can scroll."""
    found = await page.evaluate(FOLDED_CODE)
    problems = []
    if found["laidOut"]:
        problems.append(f"{found['laidOut']} of {found['folded']} closed code blocks are laid out while closed")
    if found["hidden"]:
        problems.append(f"{found['hidden']} code blocks stay hidden when their <details> opens")
    if found["noCopy"]:
        problems.append(f"{found['noCopy']} opened code blocks have no copy button")
    if found["wideNotFocusable"]:
        problems.append(f"{found['wideNotFocusable']} opened wide code blocks are not focusable")
    return problems


async def diagrams_shown(page, color_scheme: str) -> list[str]:
    """Each diagram shows the picture of the active scheme (loaded), not the other, and its Mermaid text."""
    shown, hidden = ("light", "dark") if color_scheme == "light" else ("dark", "light")
    problems = []
    figures = page.locator("figure.diagram")
    for i in range(await figures.count()):
        figure = figures.nth(i)
        await figure.scroll_into_view_if_needed()
        img = figure.locator(f".diagram-{shown} img")
        await img.wait_for(state="visible")
        await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await img.element_handle())
        if await figure.locator(f".diagram-{hidden} img").is_visible():
            problems.append(f"diagram {i + 1}: the {hidden} picture is shown")
        if await figure.locator("details.diagram-source pre").count() != 1:
            problems.append(f"diagram {i + 1}: no Mermaid text")
    return problems


async def switch_problems(page, base_url: str, name: str, start: str) -> list[str]:
    """From the page's last section (its #fragment), the language switch lands on the same page and section
    in the other language (as test_browser.switch does it: hover, then the link once visible). The page at the
    top, without a section, is in test_browser.py; that every page's switch links to the same page is
    tests/site's static check."""
    target = "en" if start == "ko" else "ko"
    fragment = f"#{section}" if (section := (sections(name) or [""])[-1]) else ""
    await page.goto(f"{base_url}{url_path(name, start)}{fragment}")
    await page.evaluate("document.fonts.ready.then(() => true)")
    if section:
        await page.wait_for_function(SETTLED_SECTION, arg=section)
    await page.hover(".md-header__option .md-select")
    link = page.locator(f"a.md-select__link[hreflang={target}]")
    await link.wait_for(state="visible")
    await link.evaluate("a => a.click()")
    expected = f"{base_url}{url_path(name, target)}{fragment}"
    try:
        await page.wait_for_url(expected)
    except Exception:  # Playwright's TimeoutError: say where the switch went
        return [f"the switch to {target} went to {page.url}, not {expected}"]
    problems = []
    if (shown := await page.evaluate("document.documentElement.lang")) != target:
        problems.append(f"after the switch to {target}, lang is {shown!r}")
    if section and not await page.locator(f"#{section}").is_visible():
        problems.append(f"after the switch to {target}, #{section} is not visible")
    return problems


async def visit(page, base_url: str, root: Path, name: str, lang: str) -> list[str]:
    """Korean pages are first loaded with the system in light mode and English ones in dark, then the system
    switches, as a reader's does at dusk, and Material's palette follows it: both schemes are checked on
    every page, and both are the scheme a page was loaded in on half of them."""
    try:
        schemes = ["light", "dark"] if lang == "ko" else ["dark", "light"]
        await page.emulate_media(color_scheme=schemes[0])
        problems = await first_visit(page, base_url, root, url_path(name, lang))
        if (shown := await page.evaluate("document.documentElement.lang")) != lang:
            problems.append(f"lang is {shown!r}")
        problems += [f"cell {p}" for p in await embedded_cells(page)]
        await page.add_script_tag(path=str(AXE))
        for color_scheme in schemes:
            await page.emulate_media(color_scheme=color_scheme)
            expected = "slate" if color_scheme == "dark" else "default"
            await page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') === '{expected}'")
            await page.evaluate(SETTLED)
            problems += [f"({color_scheme}) {p}" for p in await axe_violations(page)]
            problems += [f"({color_scheme}) {p}" for p in await diagrams_shown(page, color_scheme)]
        problems += await folded_code(page)
        return problems + await switch_problems(page, base_url, name, lang)
    except Exception as e:  # a hang or a crash of this visit is its page's failure, not every page's
        return [f"the visit stopped: {type(e).__name__}: {e}"]


async def lane(browser, base_url: str, root: Path, todo: asyncio.Queue, found: dict) -> None:
    """One tab with the HTTP cache off (every visit loads what a first-time reader loads) and nothing kept in
    the page's storage between visits, taking the next page to visit until none are left."""
    context = await browser.new_context()
    context.set_default_timeout(HANG_MS)
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        while not todo.empty():
            name, lang = todo.get_nowait()
            found[(name, lang)] = await visit(page, base_url, root, name, lang)
            if page.url.startswith(base_url):  # not after a visit that stopped on an error page
                await page.evaluate("localStorage.clear(); sessionStorage.clear()")
    finally:
        await context.close()


async def visit_all(base_url: str, root: Path) -> dict[tuple[str, str], list[str]]:
    from playwright.async_api import async_playwright

    todo, found = asyncio.Queue(), {}
    for name in PAGES:
        for lang in sorted(LANGUAGES):
            todo.put_nowait((name, lang))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        await asyncio.gather(*(lane(browser, base_url, root, todo, found) for _ in range(LANES)))
        await browser.close()
    return found


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    require_browser()
    if not AXE.is_file():
        pytest.fail(f"{AXE} missing: run `npm ci` (make test does)", pytrace=False)
    root = shared_site(tmp_path_factory)
    with serve(root) as base_url:
        return asyncio.run(visit_all(base_url, root))


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_every_page_as_a_reader_sees_it(seen: dict, name: str, lang: str) -> None:
    """A clean first visit, no serious accessibility violations (axe) in light and dark, embedded cells with
    their stored output, diagrams in the active scheme, and the language switch carrying page and section."""
    problems = seen[(name, lang)]
    assert not problems, f"{url_path(name, lang)}:\n" + "\n".join(problems)


def test_pages_with_cells_and_diagrams_exist() -> None:
    """Else the checks of embedded cells, diagrams and folded code above check nothing."""
    text = {p: (ROOT / "docs/ko" / f"{p}.md").read_text(encoding="utf-8") for p in PAGES}
    assert any("{{ cell(" in t for t in text.values()) and any("{{ diagram(" in t for t in text.values())
    assert any("/// details | 코드 보기" in t for t in text.values())


def test_the_first_visit_budget_counts_the_served_files(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "index.html").write_bytes(b"x" * 10)
    (tmp_path / "en" / "index.html").write_bytes(b"x" * 20)
    (tmp_path / "a b.css").write_bytes(b"x" * 5)
    base = "http://127.0.0.1:8000"
    sizes = [served_size(tmp_path, base, base + p) for p in ("/", "/en/", "/a%20b.css?v=1", "/missing.js")]
    assert sizes == [10, 20, 5, 0]
