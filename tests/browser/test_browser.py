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


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_from_this_site_only(page, base_url: str, name: str, lang: str) -> None:
    errors, loaded = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: loaded.append((r.url, r)))
    response = page.goto(base_url + url_path(name, lang))
    page.wait_for_load_state("networkidle")
    where = url_path(name, lang)
    sizes = {url: len(r.body()) for url, r in loaded if not url.endswith("/search/search_index.json")}  # uncompressed
    assert sum(sizes.values()) <= FIRST_VISIT_BUDGET, (
        f"{where}: a first visit loads {sum(sizes.values()):,} bytes (budget {FIRST_VISIT_BUDGET:,}, search index excluded): "
        + ", ".join(f"{u.removeprefix(base_url)} {n:,}" for u, n in sorted(sizes.items(), key=lambda x: -x[1])[:5])
    )
    assert response.status == 200, where
    assert page.evaluate("document.documentElement.lang") == lang, where
    elsewhere = sorted({url for url in page.requests if not url.startswith(base_url + "/")})
    assert not elsewhere, f"{where} requested other hosts: {elsewhere}"
    assert not errors, f"{where} logged console errors: {errors}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(page, base_url: str, name: str, lang: str, scheme: str) -> None:
    if not AXE.is_file():
        pytest.fail(f"{AXE} missing: run `npm ci` (make test does)", pytrace=False)
    page.emulate_media(color_scheme=scheme)
    page.goto(base_url + url_path(name, lang))
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{url_path(name, lang)} ({scheme}):\n" + "\n".join(serious)


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


@pytest.mark.parametrize(("start", "target"), [("ko", "en"), ("en", "ko")])
@pytest.mark.parametrize("name", PAGES)
def test_language_switch_keeps_page_and_section(page, base_url: str, name: str, start: str, target: str) -> None:
    for section in [""] + sections(name)[-1:]:  # the page itself, and its last section
        fragment = f"#{section}" if section else ""
        page.goto(f"{base_url}{url_path(name, start)}{fragment}")
        settled(page, section)
        switch(page, target, f"{base_url}{url_path(name, target)}{fragment}")
        assert page.evaluate("document.documentElement.lang") == target
        if section:
            assert page.locator(f"#{section}").is_visible()


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


CELL_PAGES = [p for p in PAGES if "{{ cell(" in (ROOT / "docs/ko" / f"{p}.md").read_text(encoding="utf-8")]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", CELL_PAGES)
def test_embedded_cells_show_code_output_and_copy_buttons(page, base_url: str, name: str, lang: str) -> None:
    """Every embedded cell shows its code with a copy button, then exactly the output the notebook stores,
    as program output (<samp>, which Material's script leaves alone), focusable so a wide one can scroll."""
    page.goto(base_url + url_path(name, lang))
    cells = page.locator(".nb-cell")
    assert cells.count() > 0
    for i in range(cells.count()):
        cell = cells.nth(i)
        notebook, tag = cell.get_attribute("data-notebook"), cell.get_attribute("data-tag")
        assert cell.locator("pre > code").first.is_visible(), f"{name}: {notebook}:{tag} code not visible"
        assert cell.locator("button[data-md-type=copy]").count() == 1, (
            f"{name}: {notebook}:{tag} has no copy button on its code"
        )
        expected = stored_outputs(notebook)[tag].replace("\r\n", "\n")  # HTML parsing turns CR LF into LF
        outputs = cell.locator(".nb-output samp")
        if not expected:
            assert outputs.count() == 0, f"{name}: {notebook}:{tag} shows output the notebook does not store"
            continue
        assert outputs.count() == 1, f"{name}: {notebook}:{tag} output missing"
        assert outputs.first.get_attribute("tabindex") == "0"
        assert outputs.first.inner_text().strip() == expected, (
            f"{name}: {notebook}:{tag} shows other output than the notebook stores"
        )


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


DIAGRAM_PAGES = [p for p in PAGES if "{{ diagram(" in (ROOT / "docs/ko" / f"{p}.md").read_text(encoding="utf-8")]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", DIAGRAM_PAGES)
def test_diagrams_show_the_picture_of_the_active_scheme(page, base_url: str, name: str, lang: str) -> None:
    for color_scheme, shown, hidden in (("light", "light", "dark"), ("dark", "dark", "light")):
        page.emulate_media(color_scheme=color_scheme)  # the palette follows the system until the reader picks
        page.goto(base_url + url_path(name, lang))
        figures = page.locator("figure.diagram")
        assert figures.count() > 0
        for i in range(figures.count()):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()
            img = figure.locator(f".diagram-{shown} img")
            img.wait_for(state="visible")
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
            assert not figure.locator(f".diagram-{hidden} img").is_visible(), (
                f"{name} ({lang}): {hidden} picture shown in {color_scheme}"
            )
            assert figure.locator("details.diagram-source pre").count() == 1, f"{name} ({lang}): no Mermaid text"
