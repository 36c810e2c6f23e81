"""The site as readers get it: both languages, same structure, within the byte budgets, nothing from other hosts.

Checks the whole site (tools/build.py, strict) as built once per session (tests/helpers.py: shared_site).
How long that build takes is a figure of `make perf`, not an assertion here: it depends on how busy the machine is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import shared_site
from tools.checks.built import _parse, site_problems
from tools.checks.configs import config_problems
from tools.checks.glossary import glossary_problems
from tools.checks.pages import LANGUAGES
from tools.checks.sources import source_problems
from tools.notebooks import all_notebooks

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)  # a hang, not a slow machine: the first test waits for the site build
DOCS = ROOT / "docs"


def test_both_language_configs_agree_on_pages_and_palette() -> None:
    problems = config_problems(ROOT)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_site(tmp_path_factory)


def test_sources_have_both_languages_and_the_same_structure() -> None:
    problems = source_problems(DOCS)
    assert not problems, "\n".join(problems)


def test_built_site_passes_every_page_check(site: Path) -> None:
    problems = site_problems(site, DOCS)
    assert not problems, "\n".join(problems)


def test_every_page_is_built_in_both_languages_with_a_404(site: Path) -> None:
    pages = sorted(p.relative_to(DOCS / "ko").with_suffix("").as_posix() for p in (DOCS / "ko").rglob("*.md"))
    assert "index" in pages
    for lang, prefix in LANGUAGES.items():
        assert (site / prefix / "404.html").is_file(), f"no 404 page for {lang}"
        for page in pages:
            built = site / prefix / ("index.html" if page == "index" else f"{page.removesuffix('/index')}/index.html")
            assert built.is_file(), f"{page} not built for {lang}: {built}"


def test_language_switch_stays_on_the_same_page(site: Path) -> None:
    for file in sorted(site.rglob("index.html")):
        rel = file.relative_to(site).as_posix()
        path = "/" + rel.removeprefix("en/").removesuffix("index.html")
        expected = {lang: "/" + prefix + path.lstrip("/") for lang, prefix in LANGUAGES.items()}
        assert _parse(file).hreflang == expected, f"site/{rel}"


def test_every_page_links_its_own_source_for_editing(site: Path) -> None:
    import re

    for lang, prefix in LANGUAGES.items():
        for source in sorted((DOCS / lang).rglob("*.md")):
            page = source.relative_to(DOCS / lang).with_suffix("").as_posix()
            built = site / prefix / ("index.html" if page == "index" else f"{page.removesuffix('/index')}/index.html")
            links = re.findall(r'<a href="([^"]+)"[^>]*rel="edit"', built.read_text(encoding="utf-8"))
            repository = os.environ.get("REPO_URL", "https://github.com/infra-notes/infra-notes").rstrip("/")
            assert links == [
                f"{repository}/edit/{os.environ.get('REPO_BRANCH', 'main')}/docs/{lang}/{source.relative_to(DOCS / lang).as_posix()}"
            ], f"site/{built.relative_to(site)}: edit link {links}"


def test_every_notebook_is_offered_for_download_in_both_languages(site: Path) -> None:
    notebooks = all_notebooks()
    assert notebooks, "no notebooks in notebooks/"
    linked = {}  # notebook name -> the files the pages of each language link for it
    for page in site.rglob("*.html"):
        lang = "en" if page.relative_to(site).parts[0] == "en" else "ko"
        for href in re.findall(r'href="([^"#?]+\.ipynb)"', page.read_text(encoding="utf-8")):
            target = (page.parent / href).resolve()
            linked.setdefault((Path(href).name, lang), set()).add(target)
    for notebook in notebooks:
        for lang in LANGUAGES:
            targets = linked.get((notebook.name, lang))
            assert targets, f"no {lang} page links {notebook.name}"
            for target in targets:  # the English pages may link the Korean tree's identical copy
                assert target.is_file(), f"{target} missing"
                assert json.loads(target.read_bytes()) == json.loads(notebook.read_bytes()), f"{target} stale"


def test_glossary_is_valid_linked_and_followed() -> None:
    problems = glossary_problems(ROOT)
    assert not problems, "\n".join(problems)


VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_html_check(*paths: Path) -> str:
    """Errors the Nu HTML Checker reports for the HTML files under `paths` ("" when there are none), each file
    named after its folder (`site/en/index.html`)."""
    missing = None if shutil.which("java") else "java (apt-get install default-jre-headless)"
    missing = missing or (None if VNU.is_file() else f"{VNU} (npm ci; make test runs it)")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the HTML check cannot run in CI without {missing}", pytrace=False)
        pytest.skip(f"HTML check skipped: no {missing}")
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = result.stderr
    for path in paths:
        errors = errors.replace(f"file:{path}/", f"{path.name}/")
    return errors.strip() or ("" if result.returncode == 0 else f"vnu exited {result.returncode}")


def test_built_html_passes_the_nu_html_checker(site: Path, tmp_path: Path) -> None:
    """In the same run as the site (one Java start), a control page that must be reported: a checker that
    reports nothing, or whose output is no longer read right, fails here instead of passing."""
    control = tmp_path / "control"
    control.mkdir()
    (control / "bad.html").write_text("<!doctype html><html lang=en><title>x</title><p><div></p>", encoding="utf-8")
    lines = nu_html_check(site, control).splitlines()
    assert any("control/bad.html" in line for line in lines), f"the invalid control page was not reported: {lines}"
    errors = [line for line in lines if "control/bad.html" not in line]
    assert not errors, "\n".join(errors)
