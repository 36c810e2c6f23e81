"""Translation drift from git history (hooks/translations.py, tools/translations.py), in throwaway repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

import tools.translations as tool
from hooks.translations import (
    TYPO_CHARS,
    WORKING_TREE,
    content_hash,
    notice,
    other_language_url,
    status,
    substantive,
)

KO = "# 제목 { #title }\n\n첫 문단입니다.\n\n둘째 문단입니다.\n"
EN = "# Title { #title }\n\nThe first paragraph.\n\nThe second paragraph.\n"


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env).stdout.strip()


def commit(repo: Path, **pages: str) -> str:
    for lang, text in pages.items():
        path = repo / "docs" / lang / "page.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    return git(repo, "rev-parse", "HEAD")


def write_record(repo: Path, ko: str, en: str) -> None:
    """translations.yml as `make translations-synced` writes it, for page texts given."""
    (repo / "translations.yml").write_text(
        f"synced:\n  page.md:\n    ko: {content_hash(ko)}\n    en: {content_hash(en)}\n", encoding="utf-8"
    )


def record(repo: Path) -> None:
    """`make translations-synced PAGE=page.md` in `repo`, on the pages as they are in its working tree."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tool, "ROOT", repo)
        assert tool.mark_synced("page.md") == 0


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    commit(tmp_path, ko=KO, en=EN)
    return tmp_path


def test_pages_created_together_are_in_sync(repo: Path) -> None:
    assert status(repo, "page.md").behind is None


def test_a_substantive_change_puts_the_other_side_behind_until_it_follows(repo: Path) -> None:
    changed = commit(repo, ko=KO.replace("둘째 문단입니다.", "둘째 문단을 새로 썼습니다. 내용이 바뀌었습니다."))
    state = status(repo, "page.md")
    assert (state.behind, state.since) == ("en", changed)
    assert "behind the Korean original" in notice(state, "en") and notice(state, "ko") == ""
    commit(repo, en=EN.replace("The second paragraph.", "The second paragraph, rewritten with new content."))
    assert status(repo, "page.md").behind is None


def test_the_other_way_round_the_korean_page_is_behind(repo: Path) -> None:
    commit(repo, en=EN + "\nA new paragraph.\n")
    state = status(repo, "page.md")
    assert state.behind == "ko" and "영어판" in notice(state, "ko")


def test_typo_fixes_do_not_count(repo: Path) -> None:
    commit(repo, ko=KO.replace("첫 문단입니다.", "첫 문단 입니다."), en=EN.replace("first", "frist"))
    commit(repo, ko=KO)  # and back
    assert status(repo, "page.md").behind is None


def test_marking_in_sync_forgives_what_came_before(repo: Path) -> None:
    commit(repo, ko=KO + "\n새 문단입니다. 번역은 필요 없다고 판단했습니다.\n")
    assert status(repo, "page.md").behind == "en"
    record(repo)
    assert status(repo, "page.md").behind is None


def test_uncommitted_edits_count_and_the_notice_says_so(repo: Path) -> None:
    (repo / "docs/en/page.md").write_text(EN + "\nAn uncommitted new paragraph.\n", encoding="utf-8")
    state = status(repo, "page.md")
    assert (state.behind, state.since, state.date) == ("ko", WORKING_TREE, None)
    text = notice(state, "ko", "/en/page/")
    assert "커밋되지 않은 수정으로 고쳐진" in text and "uncommitted" not in text and "None" not in text
    assert '<a href="/en/page/" hreflang="en">영어판</a>' in text


def test_without_git_history_there_is_no_verdict(tmp_path: Path) -> None:
    (tmp_path / "docs/ko").mkdir(parents=True)
    assert status(tmp_path, "page.md") is None
    assert notice(None, "en") == ""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("a line\n", "a lnie\n", False),  # swapped letters
        ("한 줄입니다.\n", "한 줄 입니다.\n", False),  # spacing
        ("a line\n", "a line, and more words\n", True),
        ("a\n", "a\n\nnew paragraph\n", True),
        ("a\n\nold paragraph\n", "a\n", True),
        ("a\n", "a\n\n", False),  # blank lines only
    ],
)
def test_substantive(old: str, new: str, expected: bool) -> None:
    assert substantive(old, new) is expected


def test_a_record_of_text_that_never_existed_fails_loudly(repo: Path) -> None:
    (repo / "translations.yml").write_text(
        f"synced:\n  page.md: {{ko: '{'1' * 64}', en: '{'2' * 64}'}}\n", encoding="utf-8"
    )
    with pytest.raises(
        PluginError,
        match=r"translations.yml: page.md: the recorded text .* is neither in the working tree nor in any "
        r"commit .*make translations-synced PAGE=page.md",
    ):
        status(repo, "page.md")


def test_an_old_commit_record_fails_loudly(repo: Path) -> None:
    (repo / "translations.yml").write_text("synced:\n  page.md: '" + "1" * 40 + "'\n", encoding="utf-8")
    with pytest.raises(
        PluginError,
        match="page.md: '1111.*is not a record of both sides' SHA-256.*make translations-synced PAGE=page.md",
    ):
        status(repo, "page.md")


def test_a_commit_touching_both_sides_counts_as_updating_both(repo: Path) -> None:
    commit(
        repo,
        ko=KO.replace("첫", "첫째"),
        en=EN.replace("The first paragraph.", "The first paragraph, now much longer than before."),
    )
    assert status(repo, "page.md").behind is None


def test_a_shallow_clone_gives_no_verdict_instead_of_failing(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    commit(repo, ko=KO + "\n새 문단입니다. 다음 커밋에서 표시합니다.\n")
    write_record(repo, KO, EN)  # the pages as first committed: a state the shallow clone does not have
    commit(repo)
    shallow = tmp_path_factory.mktemp("shallow") / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    assert status(shallow, "page.md") is None


def test_marking_in_sync_records_both_sides_text_not_a_commit(repo: Path) -> None:
    (repo / "docs/ko/page.md").write_text(KO.replace("첫 문단입니다.", "첫 문단을 고쳐 씁니다."), encoding="utf-8")
    record(repo)  # uncommitted edits are fine: the record is of the text, whatever commit it lands in
    text = (repo / "translations.yml").read_text(encoding="utf-8")
    assert content_hash((repo / "docs/ko/page.md").read_text(encoding="utf-8")) in text and content_hash(EN) in text
    assert git(repo, "rev-parse", "HEAD") not in text
    assert status(repo, "page.md").behind is None
    git(repo, "commit", "-qam", "reword, no translation needed")
    assert status(repo, "page.md").behind is None


def test_an_edit_after_marking_breaks_the_record_loudly_until_marked_again(repo: Path) -> None:
    (repo / "docs/ko/page.md").write_text(KO + "\n새 문단입니다.\n", encoding="utf-8")
    record(repo)
    (repo / "docs/ko/page.md").write_text(KO + "\n새 문단을 다시 썼습니다.\n", encoding="utf-8")
    with pytest.raises(PluginError, match="recorded text"):
        status(repo, "page.md")
    record(repo)
    assert status(repo, "page.md").behind is None


def squash_merge(repo: Path, branch: str) -> None:
    """GitHub's default "Squash and merge": one new commit on main with the branch's changes; the branch's commits are gone."""
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--squash", branch)
    git(repo, "commit", "-qm", "squashed pull request")
    git(repo, "branch", "-q", "-D", branch)
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")


@pytest.fixture
def pull_request(repo: Path) -> Path:
    """A branch with a one-sided Korean rewording, then the record that it needs no translation, in a second commit."""
    git(repo, "branch", "-M", "main")
    git(repo, "checkout", "-q", "-b", "reword")
    commit(repo, ko=KO.replace("둘째 문단입니다.", "둘째 문단을 다르게 씁니다. 뜻은 같습니다."))
    assert status(repo, "page.md").behind == "en"
    record(repo)
    commit(repo)
    assert status(repo, "page.md").behind is None
    return repo


def test_a_squash_merged_record_still_holds_on_main(pull_request: Path) -> None:
    git(pull_request, "checkout", "-q", "main")
    (pull_request / "README").write_text("main moves on meanwhile\n", encoding="utf-8")
    commit(pull_request)
    squash_merge(pull_request, "reword")
    assert status(pull_request, "page.md").behind is None  # was: "… is not in this repository's history (a squashed …)"


def test_a_squash_merge_with_an_edit_after_the_record_counts_from_the_commit_that_wrote_it(pull_request: Path) -> None:
    review_fix = KO.replace("둘째 문단입니다.", "둘째 문단을 다르게 씁니다. 뜻은 그대로 같습니다.")
    commit(pull_request, ko=review_fix)
    squash_merge(pull_request, "reword")
    # the recorded text is in no commit any more; the squashed commit, which wrote the record, counts as in sync
    assert status(pull_request, "page.md").behind is None


def test_a_rebase_merged_record_still_holds_on_main(pull_request: Path) -> None:
    git(pull_request, "checkout", "-q", "main")
    commit(pull_request, en=EN.replace("first", "frist"))  # main moves on: a typo on the English side
    git(pull_request, "checkout", "-q", "reword")
    git(pull_request, "rebase", "-q", "main")
    git(pull_request, "checkout", "-q", "main")
    git(pull_request, "merge", "-q", "--ff-only", "reword")
    assert status(pull_request, "page.md").behind is None


def test_a_substantive_change_after_the_record_puts_the_other_side_behind_again(pull_request: Path) -> None:
    commit(pull_request, ko=KO + "\n완전히 새로운 문단입니다.\n")
    assert status(pull_request, "page.md").behind == "en"


def test_the_typo_threshold_is_the_constant() -> None:
    line = "a line of text\n"
    assert not substantive(line, line.replace("text", "text" + "!" * TYPO_CHARS))
    assert substantive(line, line.replace("text", "text" + "!" * (TYPO_CHARS + 1)))


def test_notice_links_the_other_language_page(tmp_path: Path) -> None:
    from types import SimpleNamespace

    languages = [{"lang": "ko", "prefix": ""}, {"lang": "en", "prefix": "en/"}]
    page = SimpleNamespace(url="tcp-ip/")
    ko = SimpleNamespace(
        extra={"i18n": {"current": "ko", "languages": languages, "root_url": "http://127.0.0.1:8000/"}}, site_url=None
    )
    en = SimpleNamespace(
        extra={"i18n": {"current": "en", "languages": languages, "root_url": "http://h/docs/"}}, site_url=None
    )
    assert other_language_url(ko, page) == "/en/tcp-ip/"
    assert other_language_url(en, page) == "/docs/tcp-ip/"
    state = SimpleNamespace(behind="en", since="abc", date="2026-12-01")
    text = notice(state, "en", "/tcp-ip/")
    assert 'behind <a href="/tcp-ip/" hreflang="ko">the Korean original</a>, which changed on 2026-12-01;' in text


def test_make_translations_shows_a_word_diff_not_whole_paragraphs() -> None:
    words = " ".join(f"word{i}" for i in range(150))  # one long paragraph, ~1,000 characters
    diff = tool.word_diff(f"# T\n\n{words}\n", f"# T\n\n{words.replace('word70', 'changed')}\n\nA new paragraph.\n")
    assert diff[0].startswith("line 3: … word64") and "[-word70-]{+changed+}" in diff[0] and diff[0].endswith("…")
    assert "word64 word65" in diff[0] and "word60" not in diff[0] and len(diff[0]) < 150
    assert diff[1] == "line 5: {+A new paragraph.+}"
    assert tool.word_diff("a\n\nold paragraph\n", "a\n") == ["after line 1: [-old paragraph-]"]


def test_make_translations_report(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(tool, "ROOT", repo)
    changed = commit(repo, ko=KO.replace("둘째 문단입니다.", "둘째 문단을 새로 썼습니다."))
    assert tool.report() == 0
    out = capsys.readouterr().out
    assert f"BEHIND    docs/en/page.md: docs/ko/page.md changed in {changed[:12]}" in out
    assert "docs/ko/page.md line 5: 둘째 [-문단입니다.-]{+문단을 새로 썼습니다.+}" in out and "1 page(s) behind" in out
