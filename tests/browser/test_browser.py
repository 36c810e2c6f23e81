"""The built site in real headless Chromium (Debian's `chromium`, driven by Playwright; see conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.build import build
from tools.checks import LANGUAGES

from .conftest import serve

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.relative_to(ROOT / "docs/ko").with_suffix("").as_posix() for p in (ROOT / "docs/ko").rglob("*.md"))


def url_path(page: str, lang: str) -> str:
    return "/" + LANGUAGES[lang] + ("" if page == "index" else page.removesuffix("/index") + "/")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory):
    site = tmp_path_factory.mktemp("site")
    build(site)
    with serve(site) as url:
        yield url


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_only_from_this_site(page, base_url: str, name: str, lang: str) -> None:
    response = page.goto(base_url + url_path(name, lang))
    page.wait_for_load_state("networkidle")
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == lang
    elsewhere = sorted({url for url in page.requests if not url.startswith(base_url + "/")})
    assert not elsewhere, f"{url_path(name, lang)} requested other hosts: {elsewhere}"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_missing_page_gets_the_404_page_of_its_language(page, base_url: str, lang: str) -> None:
    response = page.goto(f"{base_url}/{LANGUAGES[lang]}no-such-page/")
    assert response.status == 404
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.locator("h1", has_text="404").is_visible()


@pytest.mark.parametrize(("start", "target"), [("ko", "en"), ("en", "ko")])
def test_language_switch_keeps_page_and_section(page, base_url: str, start: str, target: str) -> None:
    page.goto(f"{base_url}{url_path('tcp-ip', start)}#flow-control")
    page.hover(".md-header__option .md-select")
    page.click(f"a.md-select__link[hreflang={target}]")
    page.wait_for_url(f"{base_url}{url_path('tcp-ip', target)}#flow-control")
    assert page.evaluate("document.documentElement.lang") == target


def stored_outputs(notebook: str) -> dict[str, str]:
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    return {tag: "".join("".join(o.get("text", "")) for o in c["outputs"]).strip() for c in cells for tag in c["metadata"]["tags"]}


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_embedded_cells_show_code_output_and_copy_buttons(page, base_url: str, lang: str) -> None:
    page.goto(base_url + url_path("tcp-ip", lang))
    cells = page.locator(".nb-cell")
    assert cells.count() > 0
    for i in range(cells.count()):
        cell = cells.nth(i)
        notebook, tag = cell.get_attribute("data-notebook"), cell.get_attribute("data-tag")
        blocks = cell.locator(".highlight")
        assert blocks.first.is_visible(), f"{notebook}:{tag} code not visible"
        expected = stored_outputs(notebook)[tag]
        if expected:
            output = blocks.nth(1).locator("code").inner_text().strip()
            assert output == expected, f"{notebook}:{tag} shows other output than the notebook stores"
        assert cell.locator("button[data-md-type=copy]").count() >= 1, f"{notebook}:{tag} has no copy button"


def test_dark_mode_toggle(page, base_url: str) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(base_url + "/")
    schemes = []
    for _ in range(3):  # system preference -> light -> dark
        page.click("label.md-header__button[for^=__palette]:visible")
        schemes.append(page.evaluate("document.body.getAttribute('data-md-color-scheme')"))
    assert "slate" in schemes and "default" in schemes
