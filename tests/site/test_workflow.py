"""The GitHub Actions workflow cannot run here, so it is validated offline against GitHub's workflow
schema (vendored in check-jsonschema), and its steps are checked to run what CI runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github/workflows/site.yml"


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_workflow_matches_the_github_schema() -> None:
    result = validate(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    del broken["jobs"]["test"]["runs-on"]
    broken["jobs"]["deploy"]["needs"] = 3
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = validate(path)
    assert result.returncode != 0 and "runs-on" in result.stdout + result.stderr


def test_pull_requests_run_what_ci_runs_and_main_deploys_under_the_repositorys_name() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    test_steps = [s.get("run", "") for s in flow["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in test_steps, "pull requests must run .ci/run (make test), as CI does"
    assert flow["jobs"]["test"]["container"]["image"] == "debian:12"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "test"
    build = next(s for s in deploy["steps"] if "make build" in s.get("run", ""))
    assert {"SITE_URL", "REPO_URL", "REPO_BRANCH"} <= set(build["env"])
