"""Run-time evidence end to end: metrics seeded in moto with PutMetricData, read back by the audit
through the real ListMetrics and GetMetricData path; Compute Optimizer through a Stubber (moto does
not serve it), which checks every request and response against the service model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from click.testing import CliRunner
from test_account_real_shapes import _hooked

from lambda_advisor.audit import run_audit
from lambda_advisor.audit_emulator import Account, AwsProxy, Call
from lambda_advisor.cli import cli
from lambda_advisor.emulator_metrics import put_daily
from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.sources.account import AuditOptions
from lambda_advisor.sources.account.evidence import EvidenceOptions

REGION = "us-east-1"
ACCOUNT = "123456789012"
DAYS = 14


def _seed(acct: Account) -> dict[str, list[float | None]]:
    """Four functions and what CloudWatch holds for them; returns the seeded Invocations of 'busy'."""
    acct.function("busy", REGION, Timeout=3, MemorySize=1024)
    acct.function("thumbnailer", REGION, Timeout=30)
    lam = acct.client("lambda", REGION)
    lam.add_permission(FunctionName="thumbnailer", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads", SourceAccount=ACCOUNT)
    acct.function("worker", REGION)
    lam.put_function_concurrency(FunctionName="worker", ReservedConcurrentExecutions=5)
    acct.function("idle", REGION)
    cw = acct.client("cloudwatch", REGION)
    busy = [1000.0] * DAYS
    put_daily(cw, "busy", "Invocations", busy)
    put_daily(cw, "busy", "Errors", [0.0] * 11 + [150.0, 2.0, 0.0])
    put_daily(cw, "busy", "Duration", [1200.0] * 10 + [3000.5, 900.0, 850.0, 800.0])
    put_daily(cw, "thumbnailer", "Invocations", [50.0] * DAYS)
    put_daily(cw, "thumbnailer", "AsyncEventsDropped", [0.0] * 12 + [312.0, 0.0])
    put_daily(cw, "worker", "Invocations", [400.0] * DAYS)
    put_daily(cw, "worker", "Throttles", [0.0] * 13 + [418.0])
    put_daily(cw, "worker", "ConcurrentExecutions", [3.0] * 13 + [5.0])
    put_daily(cw, None, "ClaimedAccountConcurrency", [120.0] * DAYS)
    return {"busy": busy}


def _memory_stub(arn: str) -> dict[str, Any]:
    return {"lambdaFunctionRecommendations": [{
        "functionArn": f"{arn}:$LATEST", "functionVersion": "$LATEST", "accountId": ACCOUNT,
        "currentMemorySize": 1024, "lookbackPeriodInDays": 14.0, "finding": "NotOptimized",
        "findingReasonCodes": ["MemoryOverprovisioned"],
        "memorySizeRecommendationOptions": [{"rank": 1, "memorySize": 256, "savingsOpportunity": {
            "savingsOpportunityPercentage": 60.0, "estimatedMonthlySavings": {"currency": "USD", "value": 4.2}}}]}]}


def test_metrics_are_read_back_judged_and_kept_in_the_snapshot(moto: Any, tmp_path: Path) -> None:
    acct = Account(moto.endpoint)
    seeded = _seed(acct)
    busy_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:busy"
    stubbers: list[Stubber] = []
    announced: list[str] = []
    options = AuditOptions(endpoint_url=moto.endpoint, regions=[REGION],
                           evidence=EvidenceOptions(days=DAYS, announce=announced.append),
                           client_hook=_hooked({"compute-optimizer": lambda s: s.add_response(
                               "get_lambda_function_recommendations", _memory_stub(busy_arn), {})}, stubbers))
    snapshot = tmp_path / "snap.json"
    result = run_audit(options, Settings(quiet=True), save=snapshot)
    for stub in stubbers:
        stub.assert_no_pending_responses()
    docs = {d["name"]: d for d in result.documents}

    busy = docs["busy"]["evidence"]
    assert set(busy["metrics"]) == {"Invocations", "Errors", "Throttles", "Duration"}  # nothing async, no stream
    assert busy["metrics"]["Invocations"]["values"] == seeded["busy"]
    assert busy["metrics"]["Errors"]["values"][-3:] == [150, 2, 0]
    assert busy["metrics"]["Duration"]["stat"] == "Maximum"
    assert busy["metrics"]["Throttles"]["values"] == [None] * DAYS  # read, and nothing there: not zero-filled
    assert busy["memory"]["finding"] == "NotOptimized" and busy["memory"]["recommended_mb"] == 256
    assert busy["account"]["claimed_concurrency"]["values"] == [120] * DAYS
    thumb = docs["thumbnailer"]["evidence"]["metrics"]
    assert {"AsyncEventsDropped", "DeadLetterErrors", "DestinationDeliveryFailures", "AsyncEventAge",
            "RecursiveInvocationsDropped"} <= set(thumb)  # S3 invokes it asynchronously, and can loop
    assert "ConcurrentExecutions" in docs["worker"]["evidence"]["metrics"]  # reserved concurrency only
    assert "ConcurrentExecutions" not in thumb and "IteratorAge" not in thumb
    idle = docs["idle"]["evidence"]["metrics"]
    assert set(idle) == {"Invocations"} and len(idle["Invocations"]["values"]) == 90  # one 90-day query

    found = {(f.location.function_name, f.rule_id): f for f in result.findings}
    assert {("busy", "LA601"), ("busy", "LA602"), ("busy", "LA607"), ("thumbnailer", "LA604"),
            ("worker", "LA603"), ("idle", "LA606")} <= set(found)
    assert "reserved concurrency of 5" in found[("worker", "LA603")].message
    la201 = found[("thumbnailer", "LA201")]
    assert la201.message.endswith("measured: 312 asynchronous events dropped in the last 14 days")
    assert la201.extra["evidence"] == {"AsyncEventsDropped": 312}

    # 4 base metrics x 4 functions that ran (idle did not) + 4 async + 1 loop + 1 reserved, 1 idle, 1 region
    assert result.meta["evidence"]["metrics_requested"] == 3 * 4 + 4 + 1 + 1 + 1 + 1
    assert result.meta["calls"][f"{REGION} cloudwatch ListMetrics"] == 2
    assert result.meta["calls"][f"{REGION} cloudwatch GetMetricData"] == 2  # one 14-day call, one 90-day call
    assert any("requesting 20 metrics" in line for line in announced)
    assert any("$0.01 per 1,000 metrics" in n for n in result.notices)

    offline = scan_paths([snapshot], Settings(quiet=True))
    live = {(f.location.function_name, f.rule_id) for f in result.findings if f.rule_id.startswith("LA6")}
    assert {(f.location.function_name, f.rule_id) for f in offline.findings if f.rule_id.startswith("LA6")} == live


def test_cloudwatch_denied_is_a_notice_and_the_configuration_audit_is_complete(moto: Any) -> None:
    acct = Account(moto.endpoint)
    _seed(acct)

    def deny(call: Call) -> Any:
        if call.service == "monitoring" and call.operation in {"ListMetrics", "GetMetricData"}:
            body = json.dumps({"__type": "AccessDenied", "message": f"not authorized: cloudwatch:{call.operation}"})
            return 400, {"Content-Type": "application/x-amz-json-1.0"}, body.encode()
        return None

    with AwsProxy(moto.endpoint, faults=[deny]) as proxy:
        result = CliRunner().invoke(cli, ["audit", "--endpoint-url", proxy.endpoint, "--region", REGION,
                                          "--format", "json", "--fail-on", "critical"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr  # no gap: the configuration was read in full
    report = json.loads(result.stdout)
    assert report["summary"]["functions"] == 4 and report["gaps"] == []
    assert not any(f["rule_id"].startswith("LA6") for f in report["findings"])
    assert "evidence not read: GetMetricData: AccessDenied" in result.stderr
    assert "ListMetrics: AccessDenied" in result.stderr


def test_compute_optimizer_not_enrolled_is_a_notice_never_a_guess(moto: Any) -> None:
    acct = Account(moto.endpoint)
    _seed(acct)
    stubbers: list[Stubber] = []
    options = AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], evidence=EvidenceOptions(days=DAYS),
                           client_hook=_hooked({"compute-optimizer": lambda s: s.add_client_error(
                               "get_lambda_function_recommendations", "OptInRequiredException",
                               "The account is not opted in", 400)}, stubbers))
    result = run_audit(options, Settings(quiet=True))
    assert all("memory" not in d["evidence"] for d in result.documents)
    assert not any(f.rule_id == "LA607" for f in result.findings)
    assert any("memory evidence not read: the account is not enrolled in Compute Optimizer" in n
               for n in result.notices)
    assert not result.gaps


def test_throttled_get_metric_data_is_retried_and_complete(moto: Any) -> None:
    acct = Account(moto.endpoint)
    _seed(acct)
    answered: list[str] = []

    def throttle_first(call: Call) -> Any:
        if call.operation == "GetMetricData" and "GetMetricData" not in answered:
            answered.append("GetMetricData")
            body = json.dumps({"__type": "Throttling", "message": "Rate exceeded"})
            return 400, {"Content-Type": "application/x-amz-json-1.0"}, body.encode()
        return None

    with AwsProxy(moto.endpoint, faults=[throttle_first]) as proxy:
        result = run_audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION],
                                        evidence=EvidenceOptions(days=DAYS, compute_optimizer=False)),
                           Settings(quiet=True))
    assert answered
    assert all("evidence" in d for d in result.documents)
    assert result.meta["calls"][f"{REGION} cloudwatch GetMetricData"] == 3  # two calls, one retried
    assert not result.meta["failed_calls"]


def test_no_evidence_makes_no_cloudwatch_call(moto: Any) -> None:
    acct = Account(moto.endpoint)
    acct.function("busy", REGION)
    seen: list[str] = []

    def record(call: Call) -> Any:
        seen.append(call.service)
        return None

    with AwsProxy(moto.endpoint, faults=[record]) as proxy:
        result = CliRunner().invoke(cli, ["audit", "--endpoint-url", proxy.endpoint, "--region", REGION,
                                          "--no-evidence", "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    assert "monitoring" not in seen and "compute-optimizer" not in seen
    assert "lambda" in seen


@pytest.mark.parametrize("days", [1, 30])
def test_evidence_days_sets_the_window(moto: Any, days: int) -> None:
    acct = Account(moto.endpoint)
    acct.function("busy", REGION)
    put_daily(acct.client("cloudwatch", REGION), "busy", "Invocations", [5.0] * 40)
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION],
                                    evidence=EvidenceOptions(days=days, compute_optimizer=False)),
                       Settings(quiet=True))
    series = result.documents[0]["evidence"]["metrics"]["Invocations"]
    assert series["values"] == [5] * days and series["period_s"] == 86400


def test_the_demo_account_shows_each_evidence_finding_it_seeds(moto: Any) -> None:
    from lambda_advisor.audit_emulator import seed_pitfalls
    from lambda_advisor.emulator_metrics import seed_evidence

    placed = seed_pitfalls(moto.endpoint)
    expected = seed_evidence(moto.endpoint, placed)
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=sorted(set(placed.values())),
                                    evidence=EvidenceOptions(compute_optimizer=False)), Settings(quiet=True))
    got: dict[str, set[str]] = {}
    for f in result.findings:
        if f.rule_id.startswith("LA6"):
            got.setdefault(f.location.function_name, set()).add(f.rule_id)
    assert got == {name: rules for name, rules in expected.items() if rules}
    la205 = next(f for f in result.findings if f.rule_id == "LA205" and f.location.function_name == "nightly-batch")
    assert "measured: the longest invocation in the last 14 days took 781 s of its 900 s timeout" in la205.message
