"""The real ansible-playbook and a plain shell script, run against a temporary directory.

`Sandbox` is the "machine" being configured: a temporary directory that Ansible also keeps
its own files in (ANSIBLE_HOME, temp dirs, an empty ansible.cfg), so nothing outside it is
read or written. Output is made the same on every run: no colour, no cows, no interpreter
discovery, the temporary path replaced by `<tmp>`, the `*****` rulers and blank lines dropped.

Shown on docs/*/iac.md, run by notebooks/iac_ansible.ipynb, tested by tests/iac/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks"
SCRIPT = HERE / "imperative.sh"
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")  # installed next to this Python
RECAP = re.compile(r"^(?P<host>\S+)\s+: (?P<counts>(?:\w+=\d+\s*)+)$", re.M)


class PlaybookError(RuntimeError):
    """ansible-playbook exited non-zero; the message is its (normalised) error output."""

    def __init__(self, returncode: int, message: str):
        super().__init__(f"ansible-playbook exited {returncode}: {message}")
        self.returncode = returncode


@dataclass
class Run:
    output: str
    returncode: int

    def recap(self) -> dict[str, int]:
        """The PLAY RECAP counts for localhost: {'ok': 3, 'changed': 1, ...}."""
        match = RECAP.search(self.output)
        if match is None:
            raise ValueError("no PLAY RECAP in the output")
        return {k: int(v) for k, v in (kv.split("=") for kv in match["counts"].split())}

    def recap_line(self) -> str:
        return " ".join(self.output.splitlines()[-1].split())  # the padding is for terminals


class Sandbox:
    """A temporary directory to configure; removed on close()."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="infra-notes-iac-"))
        self._ansible = self.path / ".ansible"
        self._ansible.mkdir()
        (self._ansible / "ansible.cfg").write_text("# empty: settings come from the environment\n")

    # --8<-- [start:env]
    def env(self) -> dict[str, str]:
        """A minimal environment: nothing from the user's shell or ~/.ansible.cfg leaks in."""
        a = self._ansible
        return {
            "PATH": f"{ANSIBLE_PLAYBOOK.parent}:/usr/bin:/bin",
            "HOME": str(a),
            "LC_ALL": "C.UTF-8",  # ansible-core refuses to start without a UTF-8 locale
            "ANSIBLE_CONFIG": str(a / "ansible.cfg"),
            "ANSIBLE_HOME": str(a),
            "ANSIBLE_LOCAL_TEMP": str(a / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(a / "remote-tmp"),
            "ANSIBLE_COLLECTIONS_PATH": str(a / "collections"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,  # no discovery, no warning about it
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_NOCOWS": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        }

    # --8<-- [end:env]

    def normalise(self, text: str) -> str:
        text = text.replace(str(self.path), "<tmp>")
        lines = (re.sub(r" \*+$", "", line).rstrip() for line in text.splitlines())
        return "\n".join(line for line in lines if line)

    def read(self, relative: str) -> str:
        return (self.path / relative).read_text()

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def run_script(sandbox: Sandbox) -> None:
    """Run imperative.sh once against the sandbox."""
    subprocess.run(["bash", str(SCRIPT), str(sandbox.path)], check=True, env=sandbox.env(), timeout=30)


# --8<-- [start:run-playbook]
def run_playbook(sandbox: Sandbox, playbook: str | Path, *options: str) -> Run:
    """ansible-playbook PLAYBOOK -e root=<sandbox> [--check --diff ...]; raises PlaybookError on failure."""
    path = Path(playbook) if Path(playbook).is_absolute() else PLAYBOOKS / playbook
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), str(path), "-e", f"root={sandbox.path}", *options],
        cwd=sandbox.path,
        env=sandbox.env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    output, errors = sandbox.normalise(done.stdout), sandbox.normalise(done.stderr)
    if done.returncode != 0:
        raise PlaybookError(done.returncode, "\n".join(filter(None, (errors, output))))
    if errors:  # a warning would make the demo's output differ between versions
        raise PlaybookError(done.returncode, f"unexpected output on stderr: {errors}")
    return Run(output, done.returncode)


# --8<-- [end:run-playbook]
