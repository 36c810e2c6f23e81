"""The glossary: tooltips on first use (with Korean particles) and the list, through Python-Markdown alone
(extensions/glossary.py); search pairs (hooks/glossary.py, site-level); validation."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
import yaml

from extensions._page import TransformError
from extensions.glossary import PARTICLES, GlossaryExtension, load, render, where_explained
from hooks.glossary import search_pairs

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = (
    {
        "en": "Kubernetes",
        "ko": "쿠버네티스",
        "en_def": "A container orchestrator.",
        "ko_def": "컨테이너 오케스트레이터입니다.",
    },
    {
        "en": "virtual machine",
        "ko": "가상 머신",
        "en_def": "A computer emulated in software.",
        "ko_def": "소프트웨어로 흉내 낸 컴퓨터입니다.",
    },
    {
        "en": "congestion window",
        "ko": "혼잡 윈도우",
        "en_def": "The sender's limit.",
        "ko_def": "송신 측 한도입니다.",
        "page": "tcp-ip.md#congestion-control",
    },
    {"en": "window", "ko": "윈도우", "en_def": "How much may be in flight.", "ko_def": "전송 중일 수 있는 양입니다."},
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with glossary.yml (ENTRIES) and a page that explains congestion control."""
    root = tmp_path_factory.mktemp("project")
    (root / "glossary.yml").write_text(yaml.safe_dump(list(ENTRIES), allow_unicode=True), encoding="utf-8")
    (root / "docs/ko").mkdir(parents=True)
    (root / "docs/ko/tcp-ip.md").write_text(
        "# TCP/IP { #tcp-ip }\n\n## 혼잡 제어 { #congestion-control }\n", encoding="utf-8"
    )
    return root


def convert(root: Path, text: str, lang: str = "ko") -> str:
    extension = GlossaryExtension(base_path=str(root), docs_dir=str(root / "docs/ko"), lang=lang)
    return markdown.Markdown(extensions=["md_in_html", extension], output_format="html").convert(text)


@pytest.fixture
def html(project: Path):
    return lambda text, lang="ko": convert(project, text, lang)


def test_first_use_only_with_a_particle_attached(html) -> None:
    out = html("쿠버네티스는 좋습니다. 쿠버네티스를 씁니다.")
    assert out.count("<abbr") == 1
    assert '<abbr title="Kubernetes: 컨테이너 오케스트레이터입니다.">쿠버네티스</abbr>는' in out


def test_longest_term_wins_and_spacing_variants_match(html) -> None:
    out = html("혼잡 윈도우가 줄고, 가상머신이 뜹니다. 윈도우")
    assert ">혼잡 윈도우</abbr>가" in out and ">가상머신</abbr>이" in out and ">윈도우</abbr>" in out


def test_not_inside_words_code_links_or_headings(html) -> None:
    out = html("# 쿠버네티스\n\n`쿠버네티스` [쿠버네티스](x.md) 미니쿠버네티스 쿠버네티스다운")
    assert "<abbr" not in out


def test_not_inside_hyphenated_names(html) -> None:
    assert "<abbr" not in html("Kubernetes-native 쿠버네티스-스타일", lang="en")
    assert "<abbr" not in html("Kubernetes-native 쿠버네티스-스타일")


def test_english_pages_get_korean_titles_and_plurals_match(html) -> None:
    out = html("Two virtual machines on Kubernetes.", lang="en")
    assert '<abbr title="가상 머신: A computer emulated in software.">virtual machine</abbr>s' in out
    assert '<abbr title="쿠버네티스: A container orchestrator.">Kubernetes</abbr>' in out


def test_several_terms_in_one_text_stay_in_order(html) -> None:
    out = html("쿠버네티스와 가상 머신과 윈도우")
    assert (
        re.sub(r' title="[^"]*"', "", out)
        == "<p><abbr>쿠버네티스</abbr>와 <abbr>가상 머신</abbr>과 <abbr>윈도우</abbr></p>"
    )


def test_search_pairs_cover_both_languages_and_spellings() -> None:
    assert search_pairs("쿠버네티스는 가상 머신을", ENTRIES) == ["Kubernetes", "가상머신", "virtual machine"]
    assert search_pairs("Kubernetes runs pods", ENTRIES) == ["쿠버네티스"]
    assert search_pairs("nothing here", ENTRIES) == []


def test_search_pairs_add_the_aliases_readers_type_and_are_found_by_them() -> None:
    entry = {"en": "sequence number", "ko": "시퀀스 번호", "en_def": "x", "ko_def": "y", "aliases": ["순서 번호"]}
    assert search_pairs("바이트마다 시퀀스 번호가 붙습니다", (entry,)) == ["시퀀스번호", "sequence number", "순서 번호"]
    assert search_pairs("순서 번호를 봅니다", (entry,)) == ["시퀀스 번호", "시퀀스번호", "sequence number"]
    assert search_pairs("번호만 있습니다", (entry,)) == []


def test_the_list_has_the_same_ids_in_both_languages_and_links_the_explaining_section(html) -> None:
    ko, en = html("{{ glossary() }}"), html("{{ glossary() }}", lang="en")
    assert re.findall(r'<dt id="([^"]+)"', ko) == [
        "virtual-machine",
        "window",
        "kubernetes",
        "congestion-window",
    ]  # 가나다 order
    assert re.findall(r'<dt id="([^"]+)"', en) == ["congestion-window", "kubernetes", "virtual-machine", "window"]
    assert '<dt id="congestion-window">혼잡 윈도우 <span lang="en">(congestion window)</span></dt>' in ko
    # the page as glossary.yml names it, relative to the docs root: the generator resolves and checks it
    assert '<dd>송신 측 한도입니다. <a href="tcp-ip.md#congestion-control">→ TCP/IP › 혼잡 제어</a></dd>' in ko
    assert '<dd>The sender\'s limit. <a href="tcp-ip.md#congestion-control">' in en
    assert "<abbr" not in ko.split("<dl", 1)[1]  # no tooltips inside the glossary itself


def test_definitions_are_shown_as_written_not_as_markdown(tmp_path: Path) -> None:
    (tmp_path / "glossary.yml").write_text(
        "- {en: a_b, ko: 가, en_def: 'uses *stars* and `ticks` & <tags>', ko_def: 뜻}\n", encoding="utf-8"
    )
    out = convert(tmp_path, "{{ glossary() }}", lang="en")
    assert "<dd>uses *stars* and `ticks` &amp; &lt;tags&gt;</dd>" in out


@pytest.mark.parametrize("line", ["see {{ glossary() }} here", "{{glossary()}}", "{{ glossary }}"])
def test_a_malformed_placeholder_fails_naming_the_line(html, line: str) -> None:
    with pytest.raises(TransformError, match=r"^line 3: malformed glossary"):
        html(f"# G\n\n{line}\n")


def test_render_without_docs_says_the_page() -> None:
    dl = render(ENTRIES, "en")
    assert [a.text for a in dl.iter("a")] == ["→ tcp-ip.md#congestion-control"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "non-empty list"),
        ("- {en: a, ko: 가, en_def: x}", "'ko_def' must be a non-empty string"),
        ("- {en: a, ko: 가, en_def: x, ko_def: y, colour: red}", "unknown fields ['colour']"),
        (
            "- {en: a, ko: 가, en_def: x, ko_def: y}\n- {en: A, ko: 나, en_def: x, ko_def: y}",
            "'a' already defined by entry 1",
        ),
        ("- [", "unreadable"),
        ("- {en: a, ko: 가, en_def: x, ko_def: y, aliases: 나}", "'aliases' must be a list of non-empty strings"),
        (
            "- {en: a, ko: 가, en_def: x, ko_def: y}\n- {en: b, ko: 나, en_def: x, ko_def: y, aliases: [가]}",
            "'가' already defined by entry 1",
        ),
    ],
)
def test_bad_glossary_fails_naming_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load(path, 1.0)
    with pytest.raises(ValueError, match=f"^glossary.yml.*{re.escape(message)}"):
        convert(tmp_path, "text")  # the extension fails when it loads, before any page


def test_tooltip_particles_are_the_search_separator_particles() -> None:
    separator = next(
        p["search"]["separator"]
        for p in yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)["plugins"]
        if isinstance(p, dict) and "search" in p
    )
    assert f"(?:{PARTICLES})" in separator


class Loader(yaml.SafeLoader):
    pass


Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_more_links_say_where_they_go(tmp_path) -> None:
    (tmp_path / "tcp-ip.md").write_text(
        "# TCP/IP { #tcp-ip }\n\n## 혼잡 제어 { #congestion-control }\n", encoding="utf-8"
    )
    assert where_explained(tmp_path, "tcp-ip.md#congestion-control") == "TCP/IP › 혼잡 제어"
    assert where_explained(tmp_path, "tcp-ip.md") == "TCP/IP"
    assert where_explained(tmp_path, "missing.md#x") == "missing"


def test_an_unknown_language_fails_when_the_extension_loads(project: Path) -> None:
    with pytest.raises(TransformError, match="option lang must be one of"):
        convert(project, "text", lang="fr")


def test_the_site_level_hook_fails_the_build_the_mkdocs_way(tmp_path: Path) -> None:
    """hooks.glossary.load (tools/checks.py uses it) turns the extension's ValueError into MkDocs' PluginError."""
    from mkdocs.exceptions import PluginError

    from hooks.glossary import load as hook_load

    (tmp_path / "glossary.yml").write_text("[]", encoding="utf-8")
    with pytest.raises(PluginError, match="glossary.yml: expected a non-empty list of terms"):
        hook_load(tmp_path / "glossary.yml", 2.0)
