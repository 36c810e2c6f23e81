"""Every deterministic budget `make test` enforces, in one place: bytes, never seconds.

Time figures (build, nbval, Lighthouse performance) depend on how busy the machine is; they are measured
by `make perf` against a baseline from the same run (benchmarks/README.md), not asserted in tests.
"""

PAGE_BUDGET = 20 * 1024  # bytes of gzip-compressed HTML per page (level 6, as servers send it; issue 14)
PAGE_GZIP_LEVEL = 6
FIRST_VISIT_BUDGET = (
    400 * 1024
)  # bytes (uncompressed) a first visit loads: HTML, CSS, JS, fonts, images; not the search index
SITE_BUDGET = (
    3 * 1000 * 1000
)  # bytes: the whole deployed site/, both languages (tools/build.py prunes what no reader loads)
