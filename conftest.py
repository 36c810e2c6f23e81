"""Guards for every pytest run (unit tests, nbval, site checks): loaded whatever paths are given."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's default distribution sends cells of one notebook to different workers, where
    # they fail with NameError. Notebooks must stay whole on one worker.
    workers = getattr(config.option, "numprocesses", None)
    dist = getattr(config.option, "dist", "no")
    if config.getoption("nbval", default=False) and workers and dist not in ("loadfile", "no"):
        raise pytest.UsageError(f"--nbval with -n needs --dist loadfile (got --dist {dist}): cells of one notebook must run on one worker")


def pytest_runtest_setup(item: pytest.Item) -> None:
    # nbval runs a code cell that has no stored execution count but never compares its output, so a
    # cell committed without running would pass whatever it prints. Fail it instead.
    cell = getattr(item, "cell", None)
    if type(item).__name__ == "IPyNbCell" and cell is not None and cell.cell_type == "code" and cell.execution_count is None:
        pytest.fail(f"{item.nodeid.split('::')[0]} cell {item.cell_num}: no stored execution count, so its output would never be compared; run `make notebooks`", pytrace=False)
