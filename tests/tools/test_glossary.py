"""The glossary hook: tooltips on first use (with Korean particles), search pairs, the list, validation."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
import yaml
from mkdocs.exceptions import PluginError

from hooks.glossary import PARTICLES, GlossaryExtension, load, render, search_pairs

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = (
    {"en": "Kubernetes", "ko": "쿠버네티스", "en_def": "A container orchestrator.", "ko_def": "컨테이너 오케스트레이터입니다."},
    {"en": "virtual machine", "ko": "가상 머신", "en_def": "A computer emulated in software.", "ko_def": "소프트웨어로 흉내 낸 컴퓨터입니다."},
    {"en": "congestion window", "ko": "혼잡 윈도우", "en_def": "The sender's limit.", "ko_def": "송신 측 한도입니다.", "page": "tcp-ip.md#congestion-control"},
    {"en": "window", "ko": "윈도우", "en_def": "How much may be in flight.", "ko_def": "전송 중일 수 있는 양입니다."},
)


def html(text: str, lang: str = "ko") -> str:
    return markdown.markdown(text, extensions=[GlossaryExtension(ENTRIES, lang)])


def test_first_use_only_with_a_particle_attached() -> None:
    out = html("쿠버네티스는 좋습니다. 쿠버네티스를 씁니다.")
    assert out.count("<abbr") == 1
    assert '<abbr title="Kubernetes: 컨테이너 오케스트레이터입니다.">쿠버네티스</abbr>는' in out


def test_longest_term_wins_and_spacing_variants_match() -> None:
    out = html("혼잡 윈도우가 줄고, 가상머신이 뜹니다. 윈도우")
    assert ">혼잡 윈도우</abbr>가" in out and ">가상머신</abbr>이" in out and ">윈도우</abbr>" in out


def test_not_inside_words_code_links_or_headings() -> None:
    out = html("# 쿠버네티스\n\n`쿠버네티스` [쿠버네티스](x.md) 미니쿠버네티스 쿠버네티스다운")
    assert "<abbr" not in out


def test_not_inside_hyphenated_names() -> None:
    assert "<abbr" not in html("Kubernetes-native 쿠버네티스-스타일", lang="en")
    assert "<abbr" not in html("Kubernetes-native 쿠버네티스-스타일")


def test_english_pages_get_korean_titles_and_plurals_match() -> None:
    out = html("Two virtual machines on Kubernetes.", lang="en")
    assert '<abbr title="가상 머신: A computer emulated in software.">virtual machine</abbr>s' in out
    assert '<abbr title="쿠버네티스: A container orchestrator.">Kubernetes</abbr>' in out


def test_several_terms_in_one_text_stay_in_order() -> None:
    out = html("쿠버네티스와 가상 머신과 윈도우")
    assert re.sub(r' title="[^"]*"', "", out) == "<p><abbr>쿠버네티스</abbr>와 <abbr>가상 머신</abbr>과 <abbr>윈도우</abbr></p>"


def test_search_pairs_cover_both_languages_and_spellings() -> None:
    assert search_pairs("쿠버네티스는 가상 머신을", ENTRIES) == ["Kubernetes", "가상머신", "virtual machine"]
    assert search_pairs("Kubernetes runs pods", ENTRIES) == ["쿠버네티스"]
    assert search_pairs("nothing here", ENTRIES) == []


def test_render_links_and_ids_are_the_same_in_both_languages() -> None:
    ko, en = render(ENTRIES, "ko", "glossary/"), render(ENTRIES, "en", "glossary/")
    assert re.findall(r'id="([^"]+)"', ko) == sorted(re.findall(r'id="([^"]+)"', ko), key=lambda i: [e["ko"] for e in ENTRIES if e["en"].lower().replace(" ", "-") == i][0])
    assert set(re.findall(r'id="([^"]+)"', ko)) == set(re.findall(r'id="([^"]+)"', en)) == {"kubernetes", "virtual-machine", "congestion-window", "window"}
    assert 'href="../tcp-ip/#congestion-control"' in ko


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "non-empty list"),
        ("- {en: a, ko: 가, en_def: x}", "'ko_def' must be a non-empty string"),
        ("- {en: a, ko: 가, en_def: x, ko_def: y, colour: red}", "unknown fields ['colour']"),
        ("- {en: a, ko: 가, en_def: x, ko_def: y}\n- {en: A, ko: 나, en_def: x, ko_def: y}", "'a' already defined by entry 1"),
        ("- [", "unreadable"),
    ],
)
def test_bad_glossary_fails_naming_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PluginError, match=re.escape(message)):
        load(path, 1.0)


def test_tooltip_particles_are_the_search_separator_particles() -> None:
    separator = next(p["search"]["separator"] for p in yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)["plugins"] if isinstance(p, dict) and "search" in p)
    assert f"(?:{PARTICLES})" in separator


class Loader(yaml.SafeLoader):
    pass


Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_more_links_say_where_they_go(tmp_path) -> None:
    from pathlib import Path

    from hooks.glossary import where_explained

    (tmp_path / "tcp-ip.md").write_text("# TCP/IP { #tcp-ip }\n\n## 혼잡 제어 { #congestion-control }\n", encoding="utf-8")
    assert where_explained(tmp_path, "tcp-ip.md#congestion-control") == "TCP/IP › 혼잡 제어"
    assert where_explained(tmp_path, "tcp-ip.md") == "TCP/IP"
    ko = render(ENTRIES, "ko", "glossary/", Path(tmp_path))
    assert '<a href="../tcp-ip/#congestion-control">→ TCP/IP › 혼잡 제어</a>' in ko
    assert ">More<" not in ko and ">자세히<" not in ko
