"""LA501: phases by date, the lifecycle table read without importing cfnlint."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

import pytest

from lambda_advisor.checks import Context, runtimes
from lambda_advisor.checks.runtimes import deprecated_runtime, lifecycle, runtime_phase
from lambda_advisor.engine import Engine, RunOptions, load_rules, select_rules

TODAY = date(2026, 11, 22)


def doc(runtime: Any) -> dict[str, Any]:
    return {"id": "t.yaml#Fn", "name": "Fn", "runtime": runtime, "lines": {"/runtime": 9},
            "source": {"kind": "template", "file": "t.yaml", "line": 5, "logical_id": "Fn"},
            "suppressions": []}


def ctx(today: date = TODAY, **params: Any) -> Context:
    return Context(params={"warn_days": 180, **params}, today=today)


@pytest.mark.parametrize(("runtime", "today", "phase"), [
    ("python3.9", date(2026, 11, 22), "deprecated"),
    ("python3.9", date(2027, 2, 1), "create_blocked"),
    ("python3.9", date(2027, 3, 3), "update_blocked"),
    ("python3.9", date(2025, 7, 1), "upcoming"),
    ("python3.9", date(2025, 1, 1), None),
    ("python3.13", date(2026, 11, 22), None),
    ("nodejs", date(2026, 11, 22), "update_blocked"),
    ("not-a-runtime", date(2026, 11, 22), None),
])
def test_phase_by_date(runtime: str, today: date, phase: str | None) -> None:
    found = runtime_phase(runtime, today)
    assert (found[0] if found else None) == phase


def test_message_has_dates_and_successor_and_severity_follows_phase() -> None:
    (hit,) = deprecated_runtime(doc("python3.9"), ctx())
    assert hit.message == ("Fn uses runtime python3.9: deprecated since 2025-12-15; function creation "
                           "blocked from 2027-02-01; updates blocked from 2027-03-03; move to python3.14")
    assert hit.pointer == "/runtime" and hit.severity == "medium"
    (hit,) = deprecated_runtime(doc("python3.9"), ctx(date(2027, 3, 4)))
    assert hit.severity == "high" and hit.extra["phase"] == "update_blocked"


def test_severity_by_phase_is_a_param_and_reaches_the_finding() -> None:
    rules = select_rules(load_rules(), ["LA501"])
    opts = RunOptions(today=TODAY, params={"LA501": {"severity_by_phase": {"deprecated": "critical"}}})
    (f,) = Engine(rules, opts).run([doc("python3.9")])
    assert f.severity == "critical" and f.location.line == 9
    (f,) = Engine(rules, RunOptions(today=date(2026, 6, 1))).run([doc("python3.9")])
    assert f.severity == "medium"
    assert Engine(rules, RunOptions(today=TODAY)).run([doc("python3.13")]) == []


@pytest.mark.parametrize("runtime", [None, {"unresolved": "!Ref Runtime"}])
def test_unknown_runtime_passes(runtime: Any) -> None:
    assert list(deprecated_runtime(doc(runtime), ctx())) == []


def test_bundled_fallback_when_cfnlint_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtimes, "cfnlint_lifecycle_file", lambda: None)
    lifecycle.cache_clear()
    try:
        assert lifecycle()["python3.9"]["successor"] == "python3.14"
    finally:
        lifecycle.cache_clear()


def test_cfnlint_file_is_found_and_cfnlint_not_imported() -> None:
    code = ("import sys; from lambda_advisor.checks.runtimes import cfnlint_lifecycle_file, lifecycle;"
            "p = cfnlint_lifecycle_file(); lifecycle();"
            "print(p is not None, 'cfnlint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]
