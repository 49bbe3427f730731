"""Exit codes, and a secret that keeps its finding after a snapshot redacted it."""

from __future__ import annotations

from datetime import date

from lambda_advisor.checks import Context
from lambda_advisor.checks.secrets import plaintext_secrets
from lambda_advisor.findings import Finding, Location
from lambda_advisor.result import Gap, InputError, ScanResult
from lambda_advisor.sources.snapshot import redact_documents


def _finding(severity: str) -> Finding:
    return Finding("LA205", severity, "t", "m", "f", Location("id", "fn", "account"))


def test_exit_codes_in_order_of_precedence() -> None:
    assert ScanResult([], []).exit_code("low") == 0
    assert ScanResult([_finding("low")], []).exit_code("low") == 1
    assert ScanResult([_finding("low")], []).exit_code("medium") == 0
    gap = Gap("arn:aws:lambda:us-east-1:1:function:f", "us-east-1", ["GetPolicy: AccessDenied"])
    # an audit that could not see everything says so even when it also found problems
    assert ScanResult([_finding("high")], [], gaps=[gap]).exit_code("low") == 3
    assert ScanResult([_finding("high")], [], errors=[InputError("x.yaml", "bad")], gaps=[gap]).exit_code("low") == 2


def test_a_redacted_secret_is_still_reported_on_rescan() -> None:
    doc = {"id": "arn:aws:lambda:us-east-1:1:function:f", "name": "f", "source": {"kind": "account"},
           "environment": {"UPSTREAM": "AKIAIOSFODNN7EXAMPLF", "STAGE": "prod"}}
    (redacted,), what = redact_documents([doc])
    assert what == [{"function": doc["id"], "variable": "UPSTREAM"}]
    assert "AKIAIOSFODNN7EXAMPLF" not in str(redacted)
    ctx = Context(params={}, today=date(2026, 11, 22))
    before = list(plaintext_secrets(doc, ctx))
    after = list(plaintext_secrets(redacted, ctx))
    assert [h.subject for h in after] == [h.subject for h in before] == ["env:UPSTREAM"]
    assert "AWS access key" in after[0].message and "AKIAIOSFODNN7EXAMPLF" not in after[0].message
