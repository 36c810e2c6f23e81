"""Translation drift: which page of a ko/en pair is behind the other, from the git history of both.

Walk the commits that touched docs/ko/P or docs/en/P, oldest first (uncommitted edits count as a last
step). A step that changes one side *substantively* puts the other side behind; a step that changes the
side that was behind substantively, or touches both sides, brings the pair back in sync. A change is
substantive unless every changed line differs from its old version by at most TYPO_CHARS edited
characters (the one place that number lives; CONTRIBUTING names it).

When a one-sided change needs no translation, `make translations-synced PAGE=P` records the pair as in
sync: translations.yml holds the SHA-256 of each side's text at that moment, not a commit, so the record
survives a squashed or rebased pull request. Any step at which both sides hash to the record is a point
where the pair is known in sync. If no step does (the pull request was squashed together with edits made
after the record), the commit that wrote the record into translations.yml is that point instead. A record
that matches neither is stale and fails the build, naming the page.

The build shows a short notice, linking the other language's page, on a page that is behind;
`make translations` lists such pages with a word diff of the other side since they were last in sync.
Without git history (a tarball, a shallow clone), no notice is shown.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

TYPO_CHARS = 3  # a line edited by more than this many characters is a substantive change
LANGS = ("ko", "en")
WORKING_TREE = "working tree"
NOTICE = {
    "ko": (
        "이 페이지는 {link}보다 오래되었습니다. 영어판이 {when} 고쳐진 뒤로 한국어판은 아직 반영하지 않았습니다.",
        "영어판",
        "{date}에",
        "커밋되지 않은 수정으로",
    ),
    "en": (
        "This translation is behind {link}, which changed {when}; the English page does not reflect that yet.",
        "the Korean original",
        "on {date}",
        "in uncommitted edits",
    ),
}


@dataclass
class Status:
    page: str
    behind: str | None  # "ko" or "en": the side that has not caught up; None when in sync
    since: str | None = None  # the commit that changed the other side, WORKING_TREE if uncommitted
    date: str | None = None  # that commit's date (YYYY-MM-DD); None for the working tree
    base: str | None = None  # the last commit at which the pair was in sync; None: from the page's creation


def _git(root: Path, *args: str) -> str | None:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
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
        for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
            chars = difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
            if sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in chars if op != "equal") > TYPO_CHARS:
                return True
    return False


def content_hash(text: str) -> str:
    """What translations.yml records for one side: the same on every checkout (line endings normalised)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def synced_records(root: Path, text: str | None = None) -> dict:
    """translations.yml's records ({page: {"ko": sha256, "en": sha256}}), or those of `text` (an old version)."""
    if text is None:
        path = root / "translations.yml"
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return (yaml.safe_load(text) or {}).get("synced", {}) or {}


def _record(root: Path, page: str) -> dict | None:
    record = synced_records(root).get(page)
    if record is None:
        return None
    if not (
        isinstance(record, dict)
        and set(record) == set(LANGS)
        and all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in record.values())
    ):
        raise PluginError(
            f"translations.yml: {page}: {record!r} is not a record of both sides' SHA-256 ({{ko: …, en: …}}; "
            f"an old commit record?): run `make translations-synced PAGE={page}`"
        )
    return record


def _recorded_at(root: Path, page: str, record: dict) -> str | None:
    """The commit that wrote `record` for `page` into translations.yml, if it is committed unchanged since."""
    current = _git(root, "show", "HEAD:translations.yml")
    if current is None or synced_records(root, current).get(page) != record:
        return None  # the record is not committed (yet)
    found = None
    for commit in (_git(root, "log", "--format=%H", "--", "translations.yml") or "").split():
        old = _git(root, "show", f"{commit}:translations.yml")
        try:
            if old is None or synced_records(root, old).get(page) != record:
                break
        except yaml.YAMLError:
            break
        found = commit
    return found


class _History:
    """The versions of a page pair, read from git once each."""

    def __init__(self, root: Path, page: str) -> None:
        self.root, self.paths, self.cache = root, [f"docs/{lang}/{page}" for lang in LANGS], {}

    def text(self, rev: str | None, path: str) -> str:
        """`path` at `rev` ("" if it did not exist); rev None is the working tree."""
        if (rev, path) not in self.cache:
            file = self.root / path
            if rev is None:
                self.cache[rev, path] = file.read_text(encoding="utf-8") if file.exists() else ""
            else:
                self.cache[rev, path] = _git(self.root, "show", f"{rev}:{path}") or ""
        return self.cache[rev, path]

    def steps(self, forced: str | None) -> list[tuple[str, str | None, str | None, str | None]] | None:
        """(commit, date, old rev, new rev) for each commit that touched the pair, oldest first, and the commit
        `forced` in its place even if it touched only translations.yml; the working tree last if it differs."""
        extra = ["translations.yml"] if forced else []
        log = _git(self.root, "log", "--reverse", "--name-only", "--format=%x01%H %cs", "--", *self.paths, *extra)
        if log is None:
            return None
        steps = []
        for entry in log.split("\x01")[1:]:
            head, *names = entry.strip().splitlines()
            commit, day = head.split()
            if commit == forced or set(names) & set(self.paths):
                steps.append((commit, day, f"{commit}^", commit))
        if _git(self.root, "diff", "--quiet", "HEAD", "--", *self.paths) is None:  # uncommitted edits
            steps.append((WORKING_TREE, None, "HEAD", None))
        return steps


def _walk(history: _History, page: str, steps: list, record: dict | None, forced: str | None) -> tuple[Status, bool]:
    behind, since, date, base, matched = None, None, None, None, False
    for commit, day, old_rev, new_rev in steps:
        touched, changed, texts = [], [], []
        for lang, path in zip(LANGS, history.paths, strict=True):
            old, new = history.text(old_rev, path), history.text(new_rev, path)
            texts.append(new)
            if old != new:
                touched.append(lang)
            if bool(old) != bool(new) or (old and new and substantive(old, new)):
                changed.append(lang)  # created, deleted, or more than a typo fix
        recorded = record is not None and [content_hash(t) for t in texts] == [record[lang] for lang in LANGS]
        matched = matched or recorded
        if recorded or commit == forced or len(touched) == 2 or (changed and changed[0] == behind):
            behind, since, date, base = None, None, None, commit  # known in sync, or both sides updated, or caught up
        elif changed:
            behind = "en" if changed[0] == "ko" else "ko"
            since, date = commit, day
    base = "HEAD" if base == WORKING_TREE else base
    return Status(page, behind, since, date, base), matched


def status(root: Path, page: str) -> Status | None:
    """The drift state of docs/*/page, or None without git history."""
    record = _record(root, page)
    if _git(root, "rev-parse", "--git-dir") is None:
        return None
    if (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        return None  # a shallow clone lacks the history to tell; no verdict rather than a wrong one
    history = _History(root, page)
    steps = history.steps(None)
    if steps is None:
        return None
    state, matched = _walk(history, page, steps, record, None)
    if record is None or matched:
        return state
    forced = _recorded_at(root, page, record)
    if forced is None:
        raise PluginError(
            f"translations.yml: {page}: the recorded text of docs/ko/{page} and docs/en/{page} is neither in the "
            f"working tree nor in any commit (the page changed after `make translations-synced`?): "
            f"run `make translations-synced PAGE={page}` again"
        )
    return _walk(history, page, history.steps(forced), record, forced)[0]


def notice(state: Status | None, lang: str, other_url: str | None = None) -> str:
    """The Markdown of the drift notice on the `lang` page, linking the other language's page."""
    if state is None or state.behind != lang:
        return ""
    sentence, name, on_date, uncommitted = NOTICE[lang]
    other = "en" if lang == "ko" else "ko"
    link = f'<a href="{other_url}" hreflang="{other}">{name}</a>' if other_url else name
    when = uncommitted if state.since == WORKING_TREE else on_date.format(date=state.date)
    title = "번역 갱신 필요" if lang == "ko" else "Translation behind"
    return f"/// warning | {title}\n{sentence.format(link=link, when=when)}\n///\n\n"


def other_language_url(config: MkDocsConfig, page: Page) -> str | None:
    """Root-relative URL of the same page in the other language ("/en/tcp-ip/"), as the language switch links it."""
    i18n = config.extra.get("i18n") or {}
    others = [lang for lang in i18n.get("languages") or [] if lang.get("lang") != i18n.get("current")]
    root = urlsplit(i18n.get("root_url") or config.site_url or "/").path or "/"
    return root.rstrip("/") + "/" + others[0]["prefix"] + page.url if len(others) == 1 else None


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files) -> str:
    root = Path(config.config_file_path).resolve().parent
    lang = config.extra["i18n"]["current"]
    text = notice(status(root, page.file.src_uri), lang, other_language_url(config, page))
    if not text:
        return markdown
    head, sep, rest = markdown.partition("\n")  # after the page title
    return f"{head}{sep}\n{text}{rest}" if head.startswith("# ") else text + markdown
