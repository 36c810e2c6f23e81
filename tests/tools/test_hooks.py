"""The MkDocs hooks on their own: compact HTML keeps <pre> intact; the language switch targets the same page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from hooks import i18n
from hooks.html_output import compact, valid


def test_compact_drops_unstyled_pygments_spans_but_keeps_their_text() -> None:
    html = '<pre><span></span><code><span class="kn">import</span><span class="w"> </span><span class="nn">os</span><span class="n">x</span><span class="p">(</span><span class="o">+</span><span class="ow">in</span>\n</code></pre>'
    assert (
        compact(html)
        == '<pre><code><span class="kn">import</span> <span class="nn">os</span>x(+<span class="ow">in</span>\n</code></pre>'
    )


def test_checkbox_toggles_lose_autocomplete_other_inputs_keep_it() -> None:
    html = '<input class="md-toggle" type="checkbox" id="__drawer" autocomplete="off"><input type="text" autocomplete="off">'
    assert (
        valid(html) == '<input class="md-toggle" type="checkbox" id="__drawer"><input type="text" autocomplete="off">'
    )


def test_search_dialog_gets_a_name_in_the_page_language() -> None:
    html = '<div class="md-search" data-md-component="search" role="dialog">'
    assert valid(html, "ko") == '<div class="md-search" data-md-component="search" role="dialog" aria-label="검색">'


LANGUAGES = [{"lang": "ko", "name": "한국어", "prefix": ""}, {"lang": "en", "name": "English", "prefix": "en/"}]


def test_compact_drops_indentation_but_not_inside_pre() -> None:
    html = "<div>\n    <p>a</p>\n\n\n    <pre><code>def f():\n    return 1\n</code></pre>\n  <textarea>\n  x</textarea>\n</div>"
    assert (
        compact(html)
        == "<div>\n<p>a</p>\n<pre><code>def f():\n    return 1\n</code></pre>\n<textarea>\n  x</textarea>\n</div>"
    )


def config(current: str, site_url: str) -> SimpleNamespace:
    return SimpleNamespace(
        extra={"i18n": {"current": current, "languages": LANGUAGES}},
        site_url=site_url,
        config_file_path="mkdocs.yml",
        mdx_configs={"toc": {"permalink": True}},
    )


@pytest.mark.parametrize(
    ("current", "site_url", "url", "expected"),
    [
        ("ko", "http://127.0.0.1:8000/", "tcp-ip/", {"ko": "/tcp-ip/", "en": "/en/tcp-ip/"}),
        ("en", "http://127.0.0.1:8000/", "tcp-ip/", {"ko": "/tcp-ip/", "en": "/en/tcp-ip/"}),
        ("en", "https://example.org/notes/", "", {"ko": "/notes/", "en": "/notes/en/"}),
    ],
)
def test_switcher_points_to_the_same_page(current: str, site_url: str, url: str, expected: dict) -> None:
    cfg = i18n.on_config(config(current, site_url))
    assert cfg.site_url == site_url + ("en/" if current == "en" else "")
    assert cfg.extra["scope"] == ("/notes/" if "notes" in site_url else "/")  # one scope for both languages
    links = {alt["lang"]: alt["link"] for alt in i18n._alternates(cfg, url)}
    assert links == expected


def test_edit_link_points_to_the_page_source_in_its_language_of_the_configured_repository(tmp_path) -> None:
    cfg = config("en", "http://127.0.0.1:8000/")
    cfg.config_file_path, cfg.docs_dir = str(tmp_path / "mkdocs.en.yml"), str(tmp_path / "docs/en")
    cfg.extra |= {"repository": "https://github.com/someone/fork/", "repository_branch": "trunk"}
    assert i18n.on_config(cfg).edit_uri == "https://github.com/someone/fork/edit/trunk/docs/en/"


def test_unknown_current_language_fails_the_build() -> None:
    with pytest.raises(PluginError, match="extra.i18n.current"):
        i18n.on_config(config("fr", "http://127.0.0.1:8000/"))


def test_page_description_is_the_lead_paragraph_cut_at_a_sentence() -> None:
    from hooks.page_meta import describe, lead

    md = '# Title { #t }\n\n{{ cell("a", "b") }}\n\n"Quoted," says the [RFC](https://x/). `code` is *fine*.\n\nSecond paragraph.\n'
    assert lead(md) == '"Quoted," says the RFC. code is fine.'
    assert describe("One. Two. Three.", limit=9) == "One. Two."
    assert describe("word " * 50, limit=20) == "word word word word…"


def test_page_description_from_front_matter_wins_and_is_escaped() -> None:
    from hooks import page_meta

    page = SimpleNamespace(meta={})
    page_meta.on_page_markdown('# T { #t }\n\n"A" & <b>.\n', page, None, None)
    assert page.meta["description"] == "&quot;A&quot; &amp; &lt;b&gt;."
    page = SimpleNamespace(meta={"description": "Given."})
    page_meta.on_page_markdown("# T { #t }\n\nLead.\n", page, None, None)
    assert page.meta["description"] == "Given."


def test_theme_icons_become_uses_of_one_sprite_with_the_same_paths() -> None:
    from hooks.html_output import icon_id, shared_icons, sprite

    path = '<path d="M3 6h18v2H3z"/>'
    page = f'<label><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">{path}</svg></label><pre>x</pre>'
    icons: dict[str, str] = {}
    out = shared_icons(page, "../", icons)
    ident = icon_id(path)
    assert (
        out
        == f'<label><svg viewBox="0 0 24 24"><use href="../assets/images/icons.svg#{ident}"></use></svg></label><pre>x</pre>'
    )
    assert icons == {ident: path}
    assert sprite(icons) == (
        f'<svg xmlns="http://www.w3.org/2000/svg"><symbol id="{ident}" viewBox="0 0 24 24">{path}</symbol></svg>\n'
    )
    # both languages write the same bytes whatever order their pages came in
    other = {icon_id('<path d="M1 1"/>'): '<path d="M1 1"/>'}
    assert sprite({**icons, **other}) == sprite({**other, **icons})


def test_a_use_of_a_missing_icon_fails_the_site_check(tmp_path) -> None:
    from tools.checks.built import site_problems

    (tmp_path / "assets/images").mkdir(parents=True)
    (tmp_path / "assets/images/icons.svg").write_text('<svg><symbol id="i1"></symbol></svg>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        '<html lang="ko"><svg><use href="assets/images/icons.svg#i1"></use></svg>'
        '<svg><use href="assets/images/icons.svg#i2"></use></svg></html>',
        encoding="utf-8",
    )
    found = [p for p in site_problems(tmp_path) if "icons.svg" in p]
    assert found == ["site/index.html: <use href=assets/images/icons.svg#i2> names a symbol the SVG does not have"]
