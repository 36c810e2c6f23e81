"""The built site in real headless Chromium (Debian's `chromium`, driven by Playwright; see conftest.py): the 404
pages, the language switch from a scrolled page, the color scheme toggle, Korean line breaks. What every page
shows is checked in test_pages.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import shared_site
from tools.checks.pages import LANGUAGES

from .conftest import SETTLED_SECTION, sections, serve, url_path

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)  # a hang, not a slow machine: the first test waits for the site build


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory):
    with serve(shared_site(tmp_path_factory)) as url:
        yield url


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


def settled(page, section: str = "") -> None:
    """Wait, without a fixed sleep, for what a reader sees before choosing a language: web fonts applied (they
    move every heading) and the #fragment's heading on screen. On a busy machine the click otherwise came
    first, and the switcher rightly carried another section (overrides/assets/javascripts/language-switch.js)."""
    page.evaluate("document.fonts.ready.then(() => true)")
    if section:
        page.wait_for_function(SETTLED_SECTION, arg=section)


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
def test_language_switch_keeps_the_section_scrolled_to(page, base_url: str, start: str, target: str) -> None:
    """A reader who scrolled (no #fragment in the URL) lands on the same section in the other language."""
    middle = sections("tcp-ip/index")[len(sections("tcp-ip/index")) // 2]
    page.goto(base_url + url_path("tcp-ip/index", start))
    settled(page)
    page.evaluate(f"document.getElementById('{middle}').scrollIntoView()")
    page.evaluate("window.scrollBy(0, 200)")  # into the section, past its heading
    switch(page, target, f"{base_url}{url_path('tcp-ip/index', target)}#{middle}")
    page.goto(base_url + url_path("tcp-ip/index", start))  # at the top: no section
    settled(page)
    switch(page, target, f"{base_url}{url_path('tcp-ip/index', target)}")


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
    page.goto(base_url + url_path("tcp-ip/index", "en"))
    assert scheme(page) == "slate", "the chosen dark scheme did not carry over to the next page"


def test_dark_mode_toggle_works_from_the_keyboard(page, base_url: str) -> None:
    """Enter on the focused toggle moves to the next option (system -> light -> dark -> system), as Material's
    own toggle did (overrides/partials/palette.html replaces it); the browser UI's colour metas follow."""
    page.emulate_media(color_scheme="light")
    page.goto(base_url + "/")
    page.focus("#__palette_0")
    seen = []
    for _ in range(3):
        page.keyboard.press("Enter")
        page.wait_for_function("!document.body.hasAttribute('data-md-color-switching')")
        seen.append(
            page.evaluate(
                "[document.activeElement.id, document.body.getAttribute('data-md-color-scheme'),"
                " document.querySelector('meta[name=color-scheme]').content]"
            )
        )
    assert seen == [
        ["__palette_1", "default", "light"],
        ["__palette_2", "slate", "dark"],
        ["__palette_0", "default", "light"],
    ]


def test_korean_lines_break_between_words(page, base_url: str) -> None:
    page.goto(base_url + url_path("tcp-ip/index", "ko"))
    assert page.evaluate("getComputedStyle(document.querySelector('.md-typeset p')).wordBreak") == "keep-all"
    page.goto(base_url + url_path("tcp-ip/index", "en"))
    assert page.evaluate("getComputedStyle(document.querySelector('.md-typeset p')).wordBreak") == "normal"
