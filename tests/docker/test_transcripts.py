"""The live/replay machinery (snippets.docker.transcript) and the notebooks that use it: the container
demos, the packet capture on lo and the lossy run (tcp_ip_capture, tcp_ip_cwnd: snippets/tcp_ip/transcripts/).

- every recorded step, run live now, prints exactly what its transcript holds (no drift);
- every docker_* notebook, its cells run in this process, prints its stored outputs, both live (or
  auto) and forced to replay; only the cell tagged nbval-ignore-output (which says which) may differ.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
from pathlib import Path

import pytest

from snippets.docker import cgroups, namespaces, overlay, transcript
from snippets.docker.transcript import TRANSCRIPTS, Demo, why_not_linux_admin
from snippets.tcp_ip import capture, cwnd
from tools.notebooks import NOTEBOOK_DIR

from .conftest import require_live

pytestmark = pytest.mark.timeout(30)

STEPS = [
    pytest.param(path, entry, id=f"{path.stem}:{entry['step'].split(':')[1]}{'+' * bool(entry['kwargs'])}")
    for path in sorted([*TRANSCRIPTS.glob("*.json"), *capture.TRANSCRIPTS.glob("*.json")])
    for entry in json.loads(path.read_text(encoding="utf-8"))["steps"]
]
NOTEBOOKS = sorted(
    [*NOTEBOOK_DIR.glob("docker_*.ipynb"), *(NOTEBOOK_DIR / f"tcp_ip_{n}.ipynb" for n in ("capture", "cwnd"))]
)
WHY_NOT_LIVE = {
    "docker_cgroups": cgroups.why_not_live,
    "docker_namespaces": namespaces.why_not_live,
    "docker_overlay": overlay.why_not_live,
    "tcp_ip_capture": capture.why_not_live,
    "tcp_ip_cwnd": cwnd.why_not_live,
}


def run_step(name: str, kwargs: dict) -> list[str]:
    module, function = name.split(":")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        getattr(importlib.import_module(module), function)(**kwargs)
    return out.getvalue().splitlines()


def test_there_are_transcripts_for_the_live_notebooks() -> None:
    paths = [*TRANSCRIPTS.glob("*.json"), *capture.TRANSCRIPTS.glob("*.json")]
    assert sorted(p.stem for p in paths) == sorted(WHY_NOT_LIVE)
    for path in paths:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        assert recorded["recorded_on"].startswith("Linux ") and recorded["steps"]


@pytest.mark.parametrize(("path", "entry"), STEPS)
def test_a_recorded_step_prints_the_same_live(path: Path, entry: dict) -> None:
    require_live(WHY_NOT_LIVE[path.stem])
    assert run_step(entry["step"], entry["kwargs"]) == entry["lines"]


def run_cells(notebook: Path) -> list[tuple[list[str], str, str]]:
    """Each code cell's tags, stored stdout and stdout now, running the cells here, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {"__name__": "__main__"}
    results = []
    for cell in (c for c in cells if c["cell_type"] == "code"):
        assert all(out.get("name") == "stdout" for out in cell["outputs"]), "only stdout is stored"
        stored = "".join("".join(out["text"]) for out in cell["outputs"])
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(compile("".join(cell["source"]), f"{notebook.name}:{cell['metadata']['tags'][0]}", "exec"), namespace)
        results.append((cell["metadata"]["tags"], stored, out.getvalue()))
    return results


@pytest.mark.parametrize("mode", ["auto", "replay"])
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_prints_its_stored_outputs(notebook: Path, mode: str, monkeypatch) -> None:
    monkeypatch.setenv("CONTAINERS_DEMO", mode)
    results = run_cells(notebook)
    ignored = [(tags, now) for tags, _stored, now in results if "nbval-ignore-output" in tags]
    assert [
        (tags[0], now) for tags, stored, now in results if "nbval-ignore-output" not in tags and now != stored
    ] == []
    if notebook.stem == "docker_oci_image":
        assert ignored == []  # pure Python: nothing to replay
    else:
        assert [tags[0] for tags, _now in ignored] == ["mode"]
        said = ignored[0][1]
        if mode == "replay":
            assert (
                said.startswith("replayed from transcript recorded on Linux ")
                and "(here: CONTAINERS_DEMO=replay)" in said
            )
        else:
            assert said.startswith("ran live") or said.startswith("replayed")


def test_mode_must_be_known(monkeypatch) -> None:
    monkeypatch.setenv("CONTAINERS_DEMO", "yes")
    with pytest.raises(ValueError, match="expected one of auto, replay, record"):
        Demo("docker_overlay", lambda: None)


def test_replay_without_a_transcript_says_what_to_do(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(transcript, "TRANSCRIPTS", tmp_path)
    with pytest.raises(
        FileNotFoundError, match=r"no transcript x.json to replay \(not Linux \(Darwin\)\); record it on Linux as root"
    ):
        Demo("x", lambda: "not Linux (Darwin)")


def step_one(greeting: str = "hello") -> None:
    print(greeting, "world")
    print("second line")


def step_silent() -> None:
    pass


def test_record_then_replay_prints_the_same(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(transcript, "TRANSCRIPTS", tmp_path)
    monkeypatch.setenv("CONTAINERS_DEMO", "record")
    recorder = Demo("x", lambda: None)
    assert str(recorder) == "ran live, recording transcripts/x.json"
    recorder.show(step_one)
    recorder.show(step_one, greeting="hi")
    recorder.show(step_silent)
    live = capsys.readouterr().out
    saved = json.loads((tmp_path / "x.json").read_text())
    assert saved["record_again_with"] == "CONTAINERS_DEMO=record make notebooks NB=notebooks/x.ipynb"
    assert [s["kwargs"] for s in saved["steps"]] == [{}, {"greeting": "hi"}, {}]

    monkeypatch.setenv("CONTAINERS_DEMO", "replay")
    replayer = Demo("x", lambda: None)
    assert not replayer.live and str(replayer).startswith(
        f"replayed from transcript recorded on {saved['recorded_on']}"
    )
    replayer.show(step_one)
    replayer.show(step_one, greeting="hi")
    replayer.show(step_silent)
    assert capsys.readouterr().out == live == "hello world\nsecond line\nhi world\nsecond line\n"
    with pytest.raises(
        LookupError,
        match=r"x.json has no step tests.docker.test_transcripts:step_one\(\{'greeting': 'hey'\}\): record it again",
    ):
        replayer.show(step_one, greeting="hey")


def test_recording_needs_live(monkeypatch) -> None:
    monkeypatch.setenv("CONTAINERS_DEMO", "record")
    with pytest.raises(RuntimeError, match="cannot record docker_overlay.json: no CAP_SYS_ADMIN"):
        Demo("docker_overlay", lambda: "no CAP_SYS_ADMIN")


def test_auto_replays_where_live_is_impossible(monkeypatch) -> None:
    monkeypatch.delenv("CONTAINERS_DEMO", raising=False)
    demo = Demo("docker_overlay", lambda: "not Linux (Darwin)")
    assert not demo.live and str(demo).endswith("(here: not Linux (Darwin))")


def test_why_not_linux_admin(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(transcript.sys, "platform", "darwin")
    assert why_not_linux_admin().startswith("not Linux")
    monkeypatch.setattr(transcript.sys, "platform", "linux")
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nCapEff:\t0000000000000000\n")
    monkeypatch.setattr(transcript, "Path", lambda _path: status)
    assert why_not_linux_admin() == "no CAP_SYS_ADMIN (not root, or an unprivileged container)"
    status.write_text("CapEff:\t0000000000200000\n")  # bit 21 only
    assert why_not_linux_admin() is None
