"""tools/soak.py reads pytest's JUnit XML: every failed or errored notebook cell is named, nothing else."""

from __future__ import annotations

from pathlib import Path

from tools.soak import failures

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="notebooks.tcp_ip_echo.ipynb" name="cell[server]" time="0.1"/>
<testcase classname="notebooks.tcp_ip_echo.ipynb" name="cell[client]" time="0.1"><failure message="diff">x</failure></testcase>
<testcase classname="notebooks.iac_ansible.ipynb" name="cell[4]" time="0.1"><error message="teardown">left behind</error></testcase>
</testsuite></testsuites>"""


def test_failed_and_errored_cells_are_named_as_nodeids(tmp_path: Path) -> None:
    junit = tmp_path / "round.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    assert failures(junit) == ["notebooks/tcp_ip_echo.ipynb::cell[client]", "notebooks/iac_ansible.ipynb::cell[4]"]
