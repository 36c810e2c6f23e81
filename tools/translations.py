"""Which pages' translations are behind, and the change they have not caught up with (hooks/translations.py).

    python tools/translations.py             list every page pair and its state; the diff for pages behind
    python tools/translations.py synced P    record docs/ko/P and docs/en/P as in sync at HEAD (translations.yml)

`make translations` and `make translations-synced PAGE=tcp-ip.md` run these.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from hooks.translations import LANGS, status, synced_markers

ROOT = Path(__file__).resolve().parent.parent


def pages() -> list[str]:
    return sorted(p.relative_to(ROOT / "docs/ko").as_posix() for p in (ROOT / "docs/ko").rglob("*.md"))


def report() -> int:
    behind = 0
    for page in pages():
        state = status(ROOT, page)
        if state is None:
            print("no git history here: cannot tell which translations are behind")
            return 1
        if state.behind is None:
            print(f"in sync   {page}")
            continue
        behind += 1
        other = "en" if state.behind == "ko" else "ko"
        when = "the working tree (uncommitted)" if state.since == "working tree" else f"{state.since[:12]} ({state.date})"
        print(f"BEHIND    docs/{state.behind}/{page}: docs/{other}/{page} changed in {when}")
        base = [state.base] if state.base else []
        diff = subprocess.run(["git", "diff", *base, "--", f"docs/{other}/{page}"], cwd=ROOT, capture_output=True, text=True).stdout
        print("\n".join("          " + line for line in diff.splitlines()))
    print(f"{behind} page(s) behind")
    return 0


def mark_synced(page: str) -> int:
    if page not in pages():
        print(f"no page docs/ko/{page}; pages: {', '.join(pages())}")
        return 2
    dirty = subprocess.run(["git", "status", "--porcelain", "--", f"docs/ko/{page}", f"docs/en/{page}"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()
    if dirty:
        print(f"{page}: uncommitted changes ({dirty.splitlines()[0].strip()}); commit the page first, then mark it in sync")
        return 2
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    markers = synced_markers(ROOT) | {page: head}
    text = "# Page pairs (docs/ko/P, docs/en/P) checked to say the same as of a commit; see hooks/translations.py.\n"
    (ROOT / "translations.yml").write_text(text + yaml.safe_dump({"synced": markers}, sort_keys=True), encoding="utf-8")
    print(f"{page}: in sync as of {head[:12]}; commit translations.yml")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(report())
    if len(args) == 2 and args[0] == "synced":
        sys.exit(mark_synced(args[1]))
    sys.exit(__doc__)
