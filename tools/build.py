"""Build the whole site: Korean at SITE_DIR/, English at SITE_DIR/en/ (one MkDocs build per language).

    python tools/build.py SITE_DIR

Korean first: its build empties SITE_DIR, then English writes SITE_DIR/en. Both builds are strict, so a
broken link, anchor, page left out of nav, snippet path or notebook embed fails here, naming the page.
(Not `--quiet`: in MkDocs 1.6.1 it hides warnings from `--strict` too, mkdocs/mkdocs#4126.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = (("mkdocs.yml", ""), ("mkdocs.en.yml", "en"))


class BuildError(Exception):
    """A language's build failed; the message has MkDocs' own output."""


def build(site_dir: Path, root: Path = ROOT) -> None:
    """Build both languages of the site whose configs are in `root` (tests build copies elsewhere)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    for config, sub in LANGUAGES:
        cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / config), "-d", str(site_dir / sub)]
        # Run outside the repository: no path in the configs or hooks may depend on the working directory.
        result = subprocess.run(cmd, cwd=site_dir.parent, env=env, capture_output=True, text=True)
        if result.returncode:
            docs = "docs/en" if sub else "docs/ko"
            raise BuildError(f"mkdocs build -f {config} ({docs}) failed:\n{result.stderr}{result.stdout}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    try:
        build(Path(sys.argv[1]).resolve())
    except BuildError as e:
        raise SystemExit(str(e)) from None
