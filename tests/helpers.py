"""Small helpers shared by the site and browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.build import ROOT, BuildError, build


def build_site(site: Path, root: Path = ROOT) -> Path:
    """Build both languages into `site`; a failed build fails the test with MkDocs' message, once."""
    try:
        build(site, root=root)
    except BuildError as e:
        pytest.fail(str(e), pytrace=False)
    return site
