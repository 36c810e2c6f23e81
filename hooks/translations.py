"""Translation drift: which page of a ko/en pair is behind the other, from the git history of both.

Walk the commits that touched docs/ko/P or docs/en/P, oldest first (uncommitted edits count as a last
commit). A commit that changes one side *substantively* puts the other side behind; a commit that
changes the side that was behind substantively, or touches both sides, brings the pair back in sync. Typo fixes do not count:
a change is substantive unless every changed line differs from its old version by at most TYPO_CHARS
characters. When a one-sided change needs no translation (a reworded sentence, say), record the pair as
in sync with `make translations-synced PAGE=P`: translations.yml then holds the commit from which on
history counts.

The build shows a short notice on a page that is behind; `make translations` lists such pages with the
diff of the other side since they were last in sync. Without git history (a tarball), no notice is shown.
"""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

TYPO_CHARS = 3
LANGS = ("ko", "en")
NOTICE = {
    "ko": "이 페이지는 영어판보다 오래되었습니다. 영어판이 {date}에 고쳐진 뒤로 한국어판은 아직 반영하지 않았습니다.",
    "en": "This translation is behind the Korean original, which changed on {date}; the English page does not reflect that yet.",
}


@dataclass
class Status:
    page: str
    behind: str | None  # "ko" or "en": the side that has not caught up; None when in sync
    since: str | None = None  # the commit that changed the other side, "working tree" if uncommitted
    date: str | None = None  # that commit's date (YYYY-MM-DD)
    base: str | None = None  # the last commit at which the pair was in sync


def _git(root: Path, *args: str) -> str | None:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def substantive(old: str, new: str) -> bool:
    """Whether a change is more than a typo fix (each changed line within TYPO_CHARS characters)."""
    a, b = old.splitlines(), new.splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op != "replace" or i2 - i1 != j2 - j1:
            if any(line.strip() for line in a[i1:i2] + b[j1:j2]):
                return True
            continue
        for x, y in zip(a[i1:i2], b[j1:j2]):
            chars = difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
            if sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in chars if op != "equal") > TYPO_CHARS:
                return True
    return False


def synced_markers(root: Path) -> dict[str, str]:
    path = root / "translations.yml"
    if not path.is_file():
        return {}
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("synced", {}) or {}


def status(root: Path, page: str) -> Status | None:
    """The drift state of docs/*/page, or None without git history."""
    paths = [f"docs/{lang}/{page}" for lang in LANGS]
    marker = synced_markers(root).get(page)
    if marker is not None and not (isinstance(marker, str) and len(marker) == 40):
        raise PluginError(f"translations.yml: {page}: {marker!r} is not a full commit hash (quote it)")
    if marker and _git(root, "rev-parse", "--git-dir") is not None and _git(root, "cat-file", "-e", f"{marker}^{{commit}}") is None:
        if (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
            return None  # a shallow clone lacks the history to tell; no verdict rather than a wrong one
        raise PluginError(f"translations.yml: {page} is marked in sync at {marker}, which is not in this repository's "
                          f"history (a squashed or rebased pull request?): run `make translations-synced PAGE={page}` again")
    log = _git(root, "log", "--reverse", "--format=%H %cs", *([f"{marker}..HEAD"] if marker else []), "--", *paths)
    if log is None:
        return None
    commits = [line.split() for line in log.splitlines()]
    behind, since, date, base = None, None, None, marker
    steps = [(c, d, f"{c}^", c) for c, d in commits]
    if _git(root, "diff", "--quiet", "HEAD", "--", *paths) is None:  # uncommitted edits
        steps.append(("working tree", "(uncommitted)", "HEAD", None))
    for commit, day, old_rev, new_rev in steps:
        touched, changed = [], []
        for lang, path in zip(LANGS, paths):
            old = _git(root, "show", f"{old_rev}:{path}") or ""
            new = (root / path).read_text(encoding="utf-8") if new_rev is None and (root / path).exists() else _git(root, "show", f"{new_rev}:{path}") or ""
            if old != new:
                touched.append(lang)
            if bool(old) != bool(new) or (old and new and substantive(old, new)):
                changed.append(lang)  # created, deleted, or more than a typo fix
        if len(touched) == 2 or (changed and changed[0] == behind):
            behind, since, date, base = None, None, None, commit  # both sides updated together, or caught up
        elif changed:
            behind = "en" if changed[0] == "ko" else "ko"
            since, date = commit, day
    return Status(page, behind, since, date, base)


def notice(state: Status | None, lang: str) -> str:
    if state is None or state.behind != lang:
        return ""
    title = "번역 갱신 필요" if lang == "ko" else "Translation behind"
    return f"/// warning | {title}\n{NOTICE[lang].format(date=state.date)}\n///\n\n"


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files) -> str:
    root = Path(config.config_file_path).resolve().parent
    lang = config.extra["i18n"]["current"]
    text = notice(status(root, page.file.src_uri), lang)
    if not text:
        return markdown
    head, sep, rest = markdown.partition("\n")  # after the page title
    return f"{head}{sep}\n{text}{rest}" if head.startswith("# ") else text + markdown
