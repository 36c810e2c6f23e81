"""Translation drift from git history (hooks/translations.py), in a throwaway repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hooks.translations import notice, status, substantive

KO = "# 제목 { #title }\n\n첫 문단입니다.\n\n둘째 문단입니다.\n"
EN = "# Title { #title }\n\nThe first paragraph.\n\nThe second paragraph.\n"


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True, env=env).stdout.strip()


def commit(repo: Path, **pages: str) -> str:
    for lang, text in pages.items():
        path = repo / "docs" / lang / "page.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    return git(repo, "rev-parse", "HEAD")


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
    head = git(repo, "rev-parse", "HEAD")
    (repo / "translations.yml").write_text(f"synced:\n  page.md: {head}\n", encoding="utf-8")
    assert status(repo, "page.md").behind is None


def test_uncommitted_edits_count(repo: Path) -> None:
    (repo / "docs/en/page.md").write_text(EN + "\nAn uncommitted new paragraph.\n", encoding="utf-8")
    state = status(repo, "page.md")
    assert (state.behind, state.since) == ("ko", "working tree")


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


def test_a_marker_outside_the_history_fails_loudly(repo: Path) -> None:
    from mkdocs.exceptions import PluginError

    (repo / "translations.yml").write_text("synced:\n  page.md: '" + "1" * 40 + "'\n", encoding="utf-8")
    with pytest.raises(PluginError, match=r"translations.yml: page.md is marked in sync at 1111.*squashed or rebased.*make translations-synced PAGE=page.md"):
        status(repo, "page.md")
    (repo / "translations.yml").write_text("synced:\n  page.md: " + "0" * 40 + "\n", encoding="utf-8")
    with pytest.raises(PluginError, match="is not a full commit hash"):
        status(repo, "page.md")


def test_a_commit_touching_both_sides_counts_as_updating_both(repo: Path) -> None:
    commit(repo, ko=KO.replace("첫", "첫째"), en=EN.replace("The first paragraph.", "The first paragraph, now much longer than before."))
    assert status(repo, "page.md").behind is None


def test_a_shallow_clone_gives_no_verdict_instead_of_failing(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    marked = git(repo, "rev-parse", "HEAD")
    commit(repo, ko=KO + "\n새 문단입니다. 다음 커밋에서 표시합니다.\n")
    (repo / "translations.yml").write_text(f"synced:\n  page.md: '{marked}'\n", encoding="utf-8")
    commit(repo)
    shallow = tmp_path_factory.mktemp("shallow") / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    assert status(shallow, "page.md") is None


def test_marking_in_sync_refuses_uncommitted_edits(repo: Path, monkeypatch, capsys) -> None:
    import tools.translations as tool

    monkeypatch.setattr(tool, "ROOT", repo)
    (repo / "docs/ko/page.md").write_text(KO.replace("첫 문단입니다.", "첫 문단을 고쳐 씁니다."), encoding="utf-8")
    assert tool.mark_synced("page.md") == 2
    assert "uncommitted changes" in capsys.readouterr().out and not (repo / "translations.yml").exists()
    git(repo, "commit", "-qam", "reword")
    assert tool.mark_synced("page.md") == 0
    assert status(repo, "page.md").behind is None
