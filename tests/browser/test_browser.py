"""The built site in real headless Chromium (Debian's `chromium`, driven by Playwright; see conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import shared_site
from tools.checks.budgets import FIRST_VISIT_BUDGET
from tools.checks.pages import LANGUAGES, structure

from .conftest import serve

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)  # a hang, not a slow machine: the first test waits for the site build
PAGES = sorted(p.relative_to(ROOT / "docs/ko").with_suffix("").as_posix() for p in (ROOT / "docs/ko").rglob("*.md"))


def url_path(page: str, lang: str) -> str:
    return "/" + LANGUAGES[lang] + ("" if page == "index" else page.removesuffix("/index") + "/")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory):
    with serve(shared_site(tmp_path_factory)) as url:
        yield url


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def first_visit(page, base_url: str, where: str, problems: list[str]) -> None:
    """Load a page as a first-time reader does and wait until the network is quiet: it loads from this site
    only, within the first-visit budget, without console errors, in the page's language."""
    errors, loaded = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: loaded.append((r.url, r)))
    response = page.goto(base_url + where)
    page.wait_for_load_state("networkidle")
    sizes = {url: len(r.body()) for url, r in loaded if not url.endswith("/search/search_index.json")}  # uncompressed
    if sum(sizes.values()) > FIRST_VISIT_BUDGET:
        problems.append(
            f"a first visit loads {sum(sizes.values()):,} bytes (budget {FIRST_VISIT_BUDGET:,}, search index excluded): "
            + ", ".join(f"{u.removeprefix(base_url)} {n:,}" for u, n in sorted(sizes.items(), key=lambda x: -x[1])[:5])
        )
    if response.status != 200:
        problems.append(f"status {response.status}")
    if elsewhere := sorted({url for url in page.requests if not url.startswith(base_url + "/")}):
        problems.append(f"requested other hosts: {elsewhere}")
    if errors:
        problems.append(f"logged console errors: {errors}")


def axe_violations(page) -> list[str]:
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_every_page_as_a_reader_sees_it(page, base_url: str, name: str, lang: str) -> None:
    """One visit per page and language, then everything a reader of that page sees, in both color schemes:
    a clean first visit (first_visit), no serious accessibility violations (axe), embedded cells with their
    stored output, diagrams in the active scheme, and the language switch carrying page and section. Korean
    pages are first loaded with the system in light mode and English ones in dark, then the system switches,
    as a reader's does at dusk; Material's palette follows it. Every problem found is reported, not only
    the first."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} missing: run `npm ci` (make test does)", pytrace=False)
    where, problems = url_path(name, lang), []
    schemes = ["light", "dark"] if lang == "ko" else ["dark", "light"]
    page.emulate_media(color_scheme=schemes[0])
    first_visit(page, base_url, where, problems)
    if (shown := page.evaluate("document.documentElement.lang")) != lang:
        problems.append(f"lang is {shown!r}")
    problems += [f"cell {p}" for p in embedded_cells(page)]
    page.add_script_tag(path=str(AXE))
    for color_scheme in schemes:
        page.emulate_media(color_scheme=color_scheme)
        expected = "slate" if color_scheme == "dark" else "default"
        page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') === '{expected}'")
        problems += [f"({color_scheme}) {p}" for p in axe_violations(page)]
        problems += [f"({color_scheme}) {p}" for p in diagrams_shown(page, color_scheme)]
    problems += switch_problems(page, base_url, name, lang)
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_missing_page_gets_the_404_page_of_its_language(page, base_url: str, lang: str) -> None:
    response = page.goto(f"{base_url}/{LANGUAGES[lang]}no-such-page/")
    assert response.status == 404
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("h1", has_text="404").is_visible()
    assert page.title().startswith("404 - "), f"the tab says {page.title()!r}, not that the page is missing"
    home = page.locator(".md-content a").first
    home.click()
    assert page.url == f"{base_url}/{LANGUAGES[lang]}", "the 404 page's home link left the site being served"


def sections(name: str) -> list[str]:
    """The ids of a page's second-level headings (the same in both languages; tests/site checks it)."""
    text = (ROOT / "docs/ko" / f"{name}.md").read_text(encoding="utf-8")
    return [id_ for level, id_, _ in structure(text)["headings"] if level == 2]


def settled(page, section: str = "") -> None:
    """Wait, without a fixed sleep, for what a reader sees before choosing a language: web fonts applied (they
    move every heading) and the #fragment's heading on screen. On a busy machine the click otherwise came
    first, and the switcher rightly carried another section (overrides/assets/javascripts/language-switch.js)."""
    page.evaluate("document.fonts.ready.then(() => true)")
    if section:
        page.wait_for_function(
            "id => { const b = document.getElementById(id).getBoundingClientRect();"
            " return b.bottom > 0 && b.top < innerHeight; }",
            arg=section,
        )


def switch(page, target: str, expected: str) -> None:
    """Open the language menu as a reader does (hover) and choose `target`, then wait to land on `expected`.

    The link is clicked from script once it is visible: Playwright's own click, when the menu is still
    fading in on a busy machine, retries after scrolling the page, and that scroll changes the section
    the switcher carries. A timeout names where the switch went instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # here: without Playwright these tests skip

    page.hover(".md-header__option .md-select")
    link = page.locator(f"a.md-select__link[hreflang={target}]")
    link.wait_for(state="visible")
    link.evaluate("a => a.click()")
    try:
        page.wait_for_url(expected)
    except PlaywrightTimeoutError:
        pytest.fail(f"the switch to {target} went to {page.url}, not {expected}", pytrace=False)


def switch_problems(page, base_url: str, name: str, start: str) -> list[str]:
    """From the page's last section (its #fragment), the switch lands on the same page and section in the
    other language. The page at the top, without a section, is test_language_switch_keeps_the_section_scrolled_to's
    second half; that every page's switch links to the same page is tests/site's static check."""
    target = "en" if start == "ko" else "ko"
    fragment = f"#{section}" if (section := (sections(name) or [""])[-1]) else ""
    page.goto(f"{base_url}{url_path(name, start)}{fragment}")
    settled(page, section)
    switch(page, target, f"{base_url}{url_path(name, target)}{fragment}")
    problems = []
    if (shown := page.evaluate("document.documentElement.lang")) != target:
        problems.append(f"after the switch to {target}, lang is {shown!r}")
    if section and not page.locator(f"#{section}").is_visible():
        problems.append(f"after the switch to {target}, #{section} is not visible")
    return problems


@pytest.mark.parametrize(("start", "target"), [("ko", "en"), ("en", "ko")])
def test_language_switch_keeps_the_section_scrolled_to(page, base_url: str, start: str, target: str) -> None:
    """A reader who scrolled (no #fragment in the URL) lands on the same section in the other language."""
    middle = sections("tcp-ip")[len(sections("tcp-ip")) // 2]
    page.goto(base_url + url_path("tcp-ip", start))
    settled(page)
    page.evaluate(f"document.getElementById('{middle}').scrollIntoView()")
    page.evaluate("window.scrollBy(0, 200)")  # into the section, past its heading
    switch(page, target, f"{base_url}{url_path('tcp-ip', target)}#{middle}")
    page.goto(base_url + url_path("tcp-ip", start))  # at the top: no section
    settled(page)
    switch(page, target, f"{base_url}{url_path('tcp-ip', target)}")


def stored_outputs(notebook: str) -> dict[str, str]:
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    return {
        tag: "".join("".join(o.get("text", "")) for o in c["outputs"]).strip()
        for c in cells
        for tag in c["metadata"]["tags"]
    }


CELLS = """() => [...document.querySelectorAll(".nb-cell")].map(cell => {
  const code = cell.querySelector("pre > code"), samps = cell.querySelectorAll(".nb-output samp");
  return {
    notebook: cell.dataset.notebook, tag: cell.dataset.tag,
    code: !!code && code.checkVisibility(),
    copy: cell.querySelectorAll("button[data-md-type=copy]").length,
    outputs: [...samps].map(s => ({text: s.innerText, tabindex: s.getAttribute("tabindex")})),
  };
})"""


def embedded_cells(page) -> list[str]:
    """Every embedded cell shows its code with a copy button, then exactly the output the notebook stores,
    as program output (<samp>, which Material's script leaves alone), focusable so a wide one can scroll.
    Read in one round trip to the page (CELLS)."""
    problems = []
    for cell in page.evaluate(CELLS):
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


def test_pages_with_cells_and_diagrams_exist() -> None:
    """Else the checks of embedded cells and diagrams in test_every_page_as_a_reader_sees_it check nothing."""
    text = {p: (ROOT / "docs/ko" / f"{p}.md").read_text(encoding="utf-8") for p in PAGES}
    assert any("{{ cell(" in t for t in text.values()) and any("{{ diagram(" in t for t in text.values())


def scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def test_dark_mode_toggles_and_persists_across_pages(page, base_url: str) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(base_url + "/")
    for _ in range(3):  # system preference -> light -> dark, in the order of mkdocs.yml's palette
        page.click("label.md-header__button[for^=__palette]:visible")
        if scheme(page) == "slate":
            break
    assert scheme(page) == "slate"
    page.goto(base_url + url_path("tcp-ip", "en"))
    assert scheme(page) == "slate", "the chosen dark scheme did not carry over to the next page"


def test_korean_lines_break_between_words(page, base_url: str) -> None:
    page.goto(base_url + url_path("tcp-ip", "ko"))
    assert page.evaluate("getComputedStyle(document.querySelector('.md-typeset p')).wordBreak") == "keep-all"
    page.goto(base_url + url_path("tcp-ip", "en"))
    assert page.evaluate("getComputedStyle(document.querySelector('.md-typeset p')).wordBreak") == "normal"


def diagrams_shown(page, color_scheme: str) -> list[str]:
    """Each diagram shows the picture of the active scheme (loaded), not the other, and its Mermaid text."""
    shown, hidden = ("light", "dark") if color_scheme == "light" else ("dark", "light")
    problems = []
    figures = page.locator("figure.diagram")
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        img = figure.locator(f".diagram-{shown} img")
        img.wait_for(state="visible")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        if figure.locator(f".diagram-{hidden} img").is_visible():
            problems.append(f"diagram {i + 1}: the {hidden} picture is shown")
        if figure.locator("details.diagram-source pre").count() != 1:
            problems.append(f"diagram {i + 1}: no Mermaid text")
    return problems
