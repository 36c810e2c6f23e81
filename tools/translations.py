"""Which pages' translations are behind, and the change they have not caught up with (hooks/translations.py).

    python tools/translations.py             list every page pair and its state; a word diff for pages behind
    python tools/translations.py synced P    record docs/ko/P and docs/en/P as in sync as they are now (translations.yml)

`make translations` and `make translations-synced PAGE=tcp-ip/index.md` run these.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

import yaml

from hooks.translations import (
    LANGS,
    WORKING_TREE,
    _git,
    content_hash,
    status,
    synced_records,
)

ROOT = Path(__file__).resolve().parent.parent
CONTEXT_WORDS = 6  # unchanged words shown on each side of a change; the rest of a long paragraph is "…"
HEADER = (
    "# Page pairs (docs/ko/P, docs/en/P) checked to say the same: the SHA-256 of each side's text when they\n"
    "# did (`make translations-synced PAGE=P`). No commit is named, so squash and rebase merges keep it.\n"
    "# See hooks/translations.py.\n"
)


def pages() -> list[str]:
    return sorted(p.relative_to(ROOT / "docs/ko").as_posix() for p in (ROOT / "docs/ko").rglob("*.md"))


def _words(line: str) -> list[str]:
    return re.findall(r"\s+|\S+", line)


def _shorten(words: list[str], keep_start: bool, keep_end: bool) -> str:
    """An unchanged run of words, cut to CONTEXT_WORDS words next to the changes it touches."""
    solid = [i for i, w in enumerate(words) if not w.isspace()]
    if len(solid) <= 2 * CONTEXT_WORDS:
        return "".join(words)
    head = "".join(words[: solid[CONTEXT_WORDS - 1] + 1])
    tail = "".join(words[solid[-CONTEXT_WORDS] :])
    if keep_start and keep_end:
        return f"{head} … {tail}"
    return f"{head} …" if keep_start else f"… {tail}" if keep_end else "…"


def word_diff(old: str, new: str) -> list[str]:
    """Changed lines as `git diff --word-diff=plain` shows them ([-removed-]{+added+}), each with its line
    number in the new text, long unchanged stretches of a paragraph cut to a few words of context."""
    a, b = old.splitlines(), new.splitlines()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = list(zip(a[i1:i2], b[j1:j2], strict=False)) if op == "replace" else []  # the rest: added or removed
        for k, (x, y) in enumerate(pairs):
            out.append(f"line {j1 + k + 1}: " + _line_diff(x, y))
        for line in a[i1 + len(pairs) : i2]:
            if line.strip():
                out.append(f"after line {j1 + len(pairs)}: [-{line}-]")
        for k, line in enumerate(b[j1 + len(pairs) : j2], start=j1 + len(pairs)):
            if line.strip():
                out.append(f"line {k + 1}: {{+{line}+}}")
    return out


def _line_diff(old: str, new: str) -> str:
    x, y = _words(old), _words(new)
    codes = difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    parts = []
    for n, (op, i1, i2, j1, j2) in enumerate(codes):
        if op == "equal":
            parts.append(_shorten(x[i1:i2], keep_start=n > 0, keep_end=n < len(codes) - 1))
            continue
        if i2 > i1:
            parts.append("[-" + "".join(x[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + "".join(y[j1:j2]) + "+}")
    return "".join(parts)


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
        when = "uncommitted edits" if state.since == WORKING_TREE else f"{state.since[:12]} ({state.date})"
        since = f"since {state.base[:12]}" if state.base else "since it was created"
        print(f"BEHIND    docs/{state.behind}/{page}: docs/{other}/{page} changed in {when}; its changes {since}:")
        path = f"docs/{other}/{page}"
        old = (_git(ROOT, "show", f"{state.base}:{path}") or "") if state.base else ""
        new = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).exists() else ""
        for line in word_diff(old, new):
            print(f"          {path} {line}")
    print(f"{behind} page(s) behind")
    return 0


def mark_synced(page: str) -> int:
    """Record both sides as they are in the working tree; commit translations.yml with (or after) the pages."""
    if page not in pages():
        print(f"no page docs/ko/{page}; pages: {', '.join(pages())}")
        return 2
    sides = {lang: ROOT / "docs" / lang / page for lang in LANGS}
    missing = [str(p.relative_to(ROOT)) for p in sides.values() if not p.is_file()]
    if missing:
        print(f"{page}: {', '.join(missing)} does not exist; add the page in both languages first")
        return 2
    record = {lang: content_hash(path.read_text(encoding="utf-8")) for lang, path in sides.items()}
    records = synced_records(ROOT) | {page: record}
    (ROOT / "translations.yml").write_text(
        HEADER + yaml.safe_dump({"synced": records}, sort_keys=True), encoding="utf-8"
    )
    print(
        f"{page}: docs/ko/{page} and docs/en/{page} recorded as in sync as they are now; commit translations.yml with them"
    )
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        sys.exit(report())
    if len(args) == 2 and args[0] == "synced":
        sys.exit(mark_synced(args[1]))
    sys.exit(__doc__)
