"""Every deterministic budget `make test` enforces, in one place: bytes, never seconds.

Time figures (build, nbval, Lighthouse performance) depend on how busy the machine is; they are measured
by `make perf` against a baseline from the same run (benchmarks/README.md), not asserted in tests.
"""

PAGE_BUDGET = 20 * 1024  # bytes of gzip-compressed HTML per page (level 6, as servers send it; issue 14)
PAGE_GZIP_LEVEL = 6
FIRST_VISIT_BUDGET = (
    400 * 1024
)  # bytes (uncompressed) a first visit loads: HTML, CSS, JS, fonts, images; not the search index
# The whole site is bounded in parts. Until 2026-12-07 one figure, 3 MB, capped it all; it mixed what grows
# with the content (pages, search indexes, diagrams, notebook downloads: one more topic adds ~150 KB over both
# languages) with what should not grow at all (theme, scripts, styles, icons, 404 pages), where a file no
# reader loads would show up. Content is now capped per page (PAGE_BUDGET, and FIRST_VISIT_BUDGET with the
# page's pictures), per search index and per notebook; the rest has its own cap, close above what it is
# today (370 KB).
SHELL_BUDGET = 400 * 1000  # bytes: every file of site/ but pages, search indexes, diagrams and notebooks
SEARCH_BUDGET = 400 * 1000  # bytes (uncompressed) of each language's search/search_index.json
NOTEBOOK_BUDGET = 30 * 1000  # bytes of each notebook offered for download (the largest is 12 KB)
