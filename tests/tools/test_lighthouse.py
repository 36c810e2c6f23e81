"""tools/lighthouse.py without a browser: which pages it measures and when it fails."""

from __future__ import annotations

from tools import lighthouse


def result(performance: float, seo: float = 1.0) -> dict:
    return {"scores": {"performance": performance, "accessibility": 1.0, "best-practices": 1.0, "seo": seo},
            "failing": ["unused-css-rules (0.5)"], "lighthouse": "12.2.3", "performance_runs": [performance]}


def test_every_page_of_both_languages_is_measured_and_the_checked_ones_exist() -> None:
    pages = lighthouse.every_page()
    assert "/" in pages and "/en/" in pages and len(pages) % 2 == 0
    assert set(lighthouse.CHECKED) <= set(pages)


def test_gate_fails_below_and_passes_at_the_limits() -> None:
    assert lighthouse.below({"/": result(lighthouse.TARGETS["performance"])}, lighthouse.TARGETS) == []
    found = lighthouse.below({"/tcp-ip/": result(0.90), "/en/": result(1.0, seo=0.92)}, lighthouse.TARGETS)
    assert found == ["/tcp-ip/: performance 0.9 < 0.98 (failing audits: unused-css-rules (0.5))",
                     "/en/: seo 0.92 < 1.0 (failing audits: unused-css-rules (0.5))"]


def test_table_marks_the_checked_pages() -> None:
    table = lighthouse.table({"/": result(1.0), "/glossary/": result(0.97)})
    assert "| `/` (*) | 100 | 100 | 100 | 100 | 100 |" in table and "| `/glossary/` | 97 |" in table


def test_make_test_enforces_the_issue_targets_not_something_lower() -> None:
    assert lighthouse.TARGETS == {"performance": 0.98, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
    assert not hasattr(lighthouse, "GATE"), "a second, lower set of limits for make test would hide a miss"
