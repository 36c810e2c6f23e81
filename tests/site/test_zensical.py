"""Zensical (Material's successor) builds every page as MkDocs does: each notebook cell, output, diagram,
glossary tooltip and term, link and the text around them (tools/zensical_check.py).

Zensical lives in .venv-zensical (requirements-zensical.txt), which `make test` creates. Without it the
comparison skips on a contributor's machine and fails in CI (CI=true).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.helpers import shared_site
from tools.build import BuildError
from tools.zensical_check import INSTALL, ROOT, ZENSICAL, build_both, compare, report, still_lacking, zensical_project

pytestmark = pytest.mark.timeout(300)


def require(zensical: Path = ZENSICAL) -> None:
    """Skip here, fail in CI, with one line saying what to run."""
    if not zensical.is_file():
        missing = f"no {zensical}: run `{INSTALL}`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Zensical check cannot run in CI: {missing}", pytrace=False)
        pytest.skip(f"Zensical check skipped: {missing}")


def test_without_zensical_the_check_skips_here_and_fails_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"cannot run in CI: .* run `make \.venv-zensical/\.installed`"):
        require(tmp_path / "zensical")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"skipped: .* run `make \.venv-zensical/\.installed`"):
        require(tmp_path / "zensical")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    require()
    try:
        return build_both(ROOT, tmp_path_factory.mktemp("zensical-check"), lambda: shared_site(tmp_path_factory))
    except (BuildError, RuntimeError) as e:
        pytest.fail(str(e), pytrace=False)


def test_zensical_builds_every_page_as_mkdocs_does(sites: tuple[Path, Path]) -> None:
    mkdocs_site, zensical_site = sites
    assert (zensical_site / "en" / "index.html").is_file()
    differences = report(compare(mkdocs_site, zensical_site))
    assert not differences, "\n".join(differences)


def test_every_known_difference_is_still_one(sites: tuple[Path, Path]) -> None:
    """KNOWN_DIFFERENCES lists only what Zensical still lacks: an entry it no longer lacks is named, to remove."""
    lacking = still_lacking(*sites)
    assert [name for name, still in lacking.items() if still is False] == []
    assert [name for name, still in lacking.items() if still is None] == ["theme overrides"]


ARTICLE = """<html><body><nav><a href="../x/">menu</a></nav><article class="md-content__inner">
<h2 id="a">A<a class="headerlink" href="#a" title="Permanent link">¶</a></h2>
<p>Uses <abbr title="쿠버네티스: orchestrator">Kubernetes</abbr> on <a href="../other/">a page</a>.</p>
<div class="nb-cell" data-notebook="demo" data-tag="step"><p class="nb-download"><a download href="../notebooks/demo.ipynb">demo.ipynb</a></p>
<div class="highlight"><pre><code>print(1)</code></pre></div><div class="highlight nb-output"><pre><samp>1</samp></pre></div></div>
<figure class="diagram" data-notebook="demo" data-tag="seq"><p><a href="../diagrams/d.svg"><img alt="alt" src="../diagrams/d.svg" width="4" height="2"></a></p></figure>
</article></body></html>"""


def site(
    root: Path, html: str, files: tuple[str, ...] = ("notebooks/demo.ipynb", "diagrams/d.svg", "other/index.html")
) -> Path:
    for name in ("page/index.html", *files):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        other = "<article>x</article>" if name.endswith(".html") else "x"
        (root / name).write_text(html if name == "page/index.html" else other, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("change", "files", "expected"),
    [
        (("", ""), None, None),
        (
            ('<abbr title="쿠버네티스: orchestrator">Kubernetes</abbr>', "Kubernetes"),
            None,
            "-tooltip title='쿠버네티스: orchestrator' 'Kubernetes'",
        ),
        (("<samp>1</samp>", "<samp>2</samp>"), None, "+  output: '2'"),
        (('data-tag="step"', 'data-tag="other"'), None, "+cell demo/other"),
        (('width="4"', 'width="5"'), None, "+  img diagrams/d.svg alt='alt' 5x2"),
        (("print(1)", "{{ cell(&quot;demo&quot;, &quot;step&quot;) }}"), None, "main text differs:"),
        (('title="Permanent link"', 'title="x"'), None, "heading links' titles differ"),
        (
            ("", ""),
            ("diagrams/d.svg", "other/index.html"),
            "Zensical page links ../notebooks/demo.ipynb, which its site does not have",
        ),
    ],
)
def test_compare_names_what_differs_on_which_page(
    tmp_path: Path, change: tuple[str, str], files, expected: str | None
) -> None:
    """The comparison can fail: a missing tooltip, another output, cell or image size, raw embed text, a heading
    link's title, or a link to a file the Zensical site lacks are each named with the page."""
    mkdocs_site = site(tmp_path / "mkdocs", ARTICLE)
    old, new = change
    assert old in ARTICLE
    zensical_site = site(tmp_path / "zensical", ARTICLE.replace(old, new, 1), *([files] if files else []))
    lines = report(compare(mkdocs_site, zensical_site))
    if expected is None:
        assert lines == []
    else:
        assert lines[0] == "page/index.html:" and any(expected in line for line in lines), "\n".join(lines)


def test_a_page_zensical_did_not_build_is_named(tmp_path: Path) -> None:
    mkdocs_site = site(tmp_path / "mkdocs", ARTICLE, files=())
    (tmp_path / "zensical").mkdir()
    assert report(compare(mkdocs_site, tmp_path / "zensical")) == [
        "page/index.html:",
        "  Zensical built no page/index.html",
    ]


def test_the_zensical_config_is_ours_resolved_as_mkdocs_reads_it(tmp_path: Path) -> None:
    """INHERIT merged as MkDocs merges it (the nav not doubled), no `!relative` left, English labels, and the
    notebooks and SVGs beside the pages."""
    path = zensical_project(ROOT, "mkdocs.en.yml", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "!relative" not in text and "!ENV" not in text
    config, korean = yaml.safe_load(text), yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTag)
    assert len(config["nav"]) == len(korean["nav"])
    assert list(config["markdown_extensions"]) == list(korean["markdown_extensions"])
    assert config["markdown_extensions"]["extensions.notebook_cells"]["labels"]["output"] == "Output"
    assert config["markdown_extensions"]["extensions.glossary"] == {
        "base_path": str(ROOT),
        "docs_dir": str(ROOT / "docs/en"),
        "lang": "en",
    }
    assert config["docs_dir"] == "docs" and "custom_dir" not in config["theme"]
    assert sorted(p.name for p in (tmp_path / "docs/notebooks").iterdir()) == sorted(
        p.name for p in (ROOT / "notebooks").glob("*.ipynb")
    )
    assert sorted(p.name for p in (tmp_path / "docs/diagrams").iterdir()) == sorted(
        p.name for p in (ROOT / "diagrams").glob("*.svg")
    )


class _AnyTag(yaml.SafeLoader):
    pass


_AnyTag.add_multi_constructor("!", lambda loader, suffix, node: None)
