"""Tests for snippets.iac.playbook: the real ansible-playbook against temporary directories.

Each ansible-playbook run takes 1-2 s, so a test checks several steps of one story.
"""

from __future__ import annotations

import os

import pytest

from snippets.iac.playbook import (
    ANSIBLE_PLAYBOOK,
    PLAYBOOKS,
    PlaybookError,
    Run,
    Sandbox,
    run_playbook,
    run_script,
)

pytestmark = [pytest.mark.timeout(90), pytest.mark.usefixtures("no_leaks")]
PLAY = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"


def test_ansible_playbook_is_installed_next_to_python() -> None:
    assert ANSIBLE_PLAYBOOK.is_file() and os.access(ANSIBLE_PLAYBOOK, os.X_OK)


def test_the_script_changes_the_file_on_every_run() -> None:
    with Sandbox() as machine:
        sizes = []
        for _ in range(3):
            run_script(machine)
            sizes.append(len(machine.read("app.conf").splitlines()))
    assert sizes == [2, 4, 6]


def test_playbook_is_idempotent_detects_drift_in_check_mode_and_repairs_it(monkeypatch) -> None:
    # settings in the caller's environment must not reach ansible-playbook
    monkeypatch.setenv("ANSIBLE_STDOUT_CALLBACK", "json")
    monkeypatch.setenv("ANSIBLE_FORCE_COLOR", "1")
    with Sandbox() as machine:
        first = run_playbook(machine, "app.yml")
        assert first.recap() == {
            "ok": 1,
            "changed": 1,
            "unreachable": 0,
            "failed": 0,
            "skipped": 0,
            "rescued": 0,
            "ignored": 0,
        }
        assert machine.read("app.conf") == "listen = 8080\nworkers = 4\n"
        assert run_playbook(machine, "app.yml").recap()["changed"] == 0

        (machine.path / "app.conf").write_text("listen = 8080\nworkers = 16\n")
        check = run_playbook(machine, "app.yml", "--check", "--diff")
        assert check.recap()["changed"] == 1
        assert "-workers = 16\n+workers = 4" in check.output
        assert machine.read("app.conf") == "listen = 8080\nworkers = 16\n"  # --check changed nothing

        assert run_playbook(machine, "app.yml").recap()["changed"] == 1
        assert machine.read("app.conf") == "listen = 8080\nworkers = 4\n"
        path = str(machine.path)
        top_level = {p.relative_to(machine.path).parts[0] for p in machine.path.rglob("*")}
    assert top_level == {".ansible", "app.conf"}  # ANSIBLE_HOME and Ansible's temp dirs stay inside
    assert not machine.path.exists()
    for text in (first.output, check.output):
        assert path not in text and "<tmp>/app.conf" in check.output
        assert "\x1b[" not in text and "*****" not in text and "\n\n" not in text
    assert first.recap_line() == ("localhost : ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0")


def test_two_idempotent_modules_make_a_playbook_that_always_changes() -> None:
    with Sandbox() as machine:
        runs = [run_playbook(machine, "fight.yml").recap()["changed"] for _ in range(2)]
        assert machine.read("app.conf") == "listen = 8080\nworkers = 8\n"
        # the lineinfile task alone, on the file it left, changes nothing
        alone = machine.path / "lineinfile.yml"
        text = (PLAYBOOKS / "fight.yml").read_text()
        alone.write_text(PLAY + text[text.index("    - name: Workers line says 8") :])
        assert run_playbook(machine, alone).recap()["changed"] == 0
    assert runs == [2, 2]


@pytest.mark.parametrize(
    ("playbook", "returncode", "message"),
    [
        ("- hosts: localhost\n  tasks:\n    - ansible.builtin.copy: {dest: a\n", 4, "YAML parsing failed"),
        (
            PLAY + "    - ansible.builtin.no_such_module: {}\n",
            4,
            "couldn't resolve module/action 'ansible.builtin.no_such_module'",
        ),
        (
            PLAY + "    - ansible.builtin.copy: {dest: '{{ root }}/missing/dir/x', content: hi}\n",
            2,
            "Destination directory <tmp>/missing/dir does not exist",
        ),
    ],
)
def test_a_broken_playbook_raises_with_ansibles_message(playbook, returncode, message) -> None:
    with Sandbox() as machine:
        bad = machine.path / "bad.yml"
        bad.write_text(playbook)
        with pytest.raises(PlaybookError) as raised:
            run_playbook(machine, bad)
        path = str(machine.path)
    assert raised.value.returncode == returncode
    assert message in str(raised.value)
    assert path not in str(raised.value)


def test_recap_needs_a_recap() -> None:
    with pytest.raises(ValueError, match="no PLAY RECAP"):
        Run("PLAY [x]\nTASK [y]\nok: [localhost]", 0).recap()


def test_sandbox_is_removed_even_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), Sandbox() as machine:
        raise RuntimeError("boom")
    assert not machine.path.exists()
