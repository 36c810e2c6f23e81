"""Settings for the parser fuzz tests: a few thousand cases in `make test`, FUZZ_EXAMPLES in `make fuzz`.

    @fuzz(2000)
    @given(st.binary(max_size=600))
    def test_arbitrary_bytes_raise_only_dns_error(data): ...

Every such test is marked `fuzz` (`pytest -m fuzz` runs only them). With FUZZ_EXAMPLES=100000 each runs
at least that many examples, each under a 2 s deadline (a parser that hangs fails instead of waiting),
and pytest-timeout allows the long run; `make fuzz` prints the counts hypothesis actually ran.

In `make test` nothing here depends on how fast the machine is: no deadline, no "too slow" health check
(the profile in tests/conftest.py), and a pytest timeout of HANG_S that only catches a hang — a few
thousand cases take about 12 s on an idle 2-core machine and three times that on a busy one.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
HANG_S = 600  # pytest-timeout for a fuzz test in `make test`: a hang, not a slow machine
# Cases per fuzz test in `make test`: the parsers' fuzz tests cost 161 s of CPU with 2,000-10,000 cases
# each, a quarter of the suite. Hypothesis draws new cases every run (no database), so CI runs keep
# exploring; `make fuzz` runs FUZZ_EXAMPLES (100,000) each.
MAKE_TEST_CASES = 1000


def fuzz(examples: int):
    long_run = FUZZ_EXAMPLES > examples
    chosen = settings(
        max_examples=FUZZ_EXAMPLES if long_run else min(examples, MAKE_TEST_CASES),
        database=None,
        deadline=timedelta(seconds=2) if long_run else None,
        suppress_health_check=[HealthCheck.too_slow],
    )

    def apply(test):
        test = chosen(test)
        test = pytest.mark.fuzz(test)
        return pytest.mark.timeout(6 * 3600 if long_run else HANG_S)(test)

    return apply
