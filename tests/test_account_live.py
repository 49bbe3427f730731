"""The live audit end to end against moto's server: pitfalls found, nothing lost, read-only."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lambda_advisor.audit import run_audit
from lambda_advisor.audit_emulator import (
    EXPECTED_PITFALLS,
    AwsProxy,
    Call,
    lambda_error,
    query_error,
    seed_pitfalls,
    throttled,
)
from lambda_advisor.cli import cli
from lambda_advisor.pipeline import Settings
from lambda_advisor.sources.account import AuditOptions, ReadOnlyViolation, audit, open_session

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def _by_function(report: dict[str, Any], key: str = "findings") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in report[key]:
        out.setdefault(f["location"]["function_name"], set()).add(f["rule_id"])
    return out


def test_all_regions_reports_every_seeded_pitfall_and_snapshot_round_trips(moto: Any, tmp_path: Path) -> None:
    placed = seed_pitfalls(moto.endpoint)
    snap = tmp_path / "snap.json"
    result = _invoke("audit", "--endpoint-url", moto.endpoint, "--all-regions", "--format", "json",
                     "--save", str(snap), "--quiet")
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "audit"
    assert report["summary"]["functions"] == len(placed) == len(EXPECTED_PITFALLS)
    assert report["gaps"] == []
    found = _by_function(report)
    for name, rules in EXPECTED_PITFALLS.items():
        assert rules <= found.get(name, set()), (name, found.get(name))
    assert "LA407" in found["legacy-tools"]  # the layer version was deleted after the function was created
    assert "LA205" not in found.get("quiet-batch", set())
    assert _by_function(report, "suppressed")["quiet-batch"] == {"LA205"}
    # the finding points at the live function
    la102 = next(f for f in report["findings"] if f["rule_id"] == "LA102")
    assert la102["location"]["region"] == "us-east-1" and la102["location"]["account"] == "123456789012"
    assert "CORS" in la102["message"] and "(*)" in la102["message"]

    # the snapshot: valid, secrets redacted, and `scan` re-runs every rule offline with the same result
    text = snap.read_text()
    assert "pr0d-Passw0rd!x" not in text and "s3ss10n-S3cret!x" not in text and '"catalog"' not in text
    assert json.loads(text)["redacted"] == [
        {"function": "arn:aws:lambda:us-east-1:123456789012:function:billing-api", "variable": "DB_PASSWORD"},
        {"function": "arn:aws:lambda:us-east-1:123456789012:web-function/storefront revision 1",
         "variable": "SESSION_SECRET"}]
    # Web Functions and MicroVM images are counted apart from Event Functions
    inventory = report["scope"]["inventory"]
    assert inventory["web_functions"] == 1 and inventory["microvm_images"] == 1
    assert inventory["event_functions"] == len(placed) - 1
    rescan = _invoke("scan", str(snap), "--format", "json", "--quiet")
    assert rescan.exit_code == 1, rescan.stderr
    again = json.loads(rescan.stdout)
    assert {f["fingerprint"] for f in again["findings"]} == {f["fingerprint"] for f in report["findings"]}
    assert again["summary"]["functions"] == report["summary"]["functions"]


def test_read_only_guard_refuses_mutating_calls_through_the_audit_session(moto: Any) -> None:
    moto.function("keep-me")
    with AwsProxy(moto.endpoint) as proxy:
        session, account = open_session(AuditOptions(endpoint_url=proxy.endpoint, regions=["us-east-1"]))
        assert account == "123456789012"
        lam = session.client("lambda", region_name="us-east-1", endpoint_url=proxy.endpoint)
        with pytest.raises(ReadOnlyViolation, match="refused lambda:DeleteFunction"):
            lam.delete_function(FunctionName="keep-me")
        iam = session.client("iam", region_name="us-east-1", endpoint_url=proxy.endpoint)
        with pytest.raises(ReadOnlyViolation, match="refused iam:CreateUser"):
            iam.create_user(UserName="intruder")
        lam.get_function(FunctionName="keep-me")  # reads pass
        sent = set(proxy.stats.calls)
    assert not any("Delete" in k or "Create" in k for k in sent), sent
    assert moto.client("lambda").get_function(FunctionName="keep-me")["Configuration"]["FunctionName"] == "keep-me"


def test_calls_are_few_per_function_and_shared_facts_are_read_once(moto: Any) -> None:
    role = moto.role("shared-role")
    for i in range(4):
        moto.function(f"fn{i}", "us-east-1", role=role)
    for i in range(3):
        moto.function(f"eu{i}", "eu-west-1", role=role)
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1", "eu-west-1"]))
    assert len(outcome.documents) == 7 and outcome.gaps == []
    calls = outcome.calls
    assert calls["us-east-1 lambda GetFunction"] == 4 and calls["us-east-1 lambda GetPolicy"] == 4
    assert calls["eu-west-1 lambda GetFunction"] == 3 and calls["eu-west-1 lambda GetPolicy"] == 3
    # aliases: one ListAliases per function names the qualifiers (none here: no alias policy read)
    assert calls["us-east-1 lambda ListAliases"] == 4 and calls["eu-west-1 lambda ListAliases"] == 3
    assert calls["us-east-1 lambda ListEventSourceMappings"] == 1
    assert calls["eu-west-1 lambda ListEventSourceMappings"] == 1
    assert sum(v for k, v in calls.items() if k.endswith("iam ListRolePolicies")) == 1
    # no policy grants a URL and nothing invokes them asynchronously: those calls are skipped
    assert not any("UrlConfig" in k or "EventInvokeConfig" in k or "Recursion" in k for k in calls)
    lambda_calls = sum(v for k, v in calls.items() if " lambda " in k)
    # 3 per function + ListFunctions, mappings and GetAccountSettings per region
    assert lambda_calls <= 3 * 7 + 3 * 2


def test_throttling_is_retried_until_it_succeeds(moto: Any) -> None:
    for name in ("a", "b"):
        moto.function(name, "eu-west-1")
    moto.function("c", "us-east-1")
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def twice_429(call: Call) -> Any:
        if call.operation != "GetPolicy" or call.region != "eu-west-1":
            return None
        with lock:
            seen[call.region] = seen.get(call.region, 0) + 1
            return throttled() if seen[call.region] == 1 else None

    with AwsProxy(moto.endpoint, faults=[twice_429]) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=["eu-west-1", "us-east-1"]))
        faults = sum(proxy.stats.faults.values())
    assert faults == 1  # a real HTTP 429 TooManyRequestsException answer
    assert outcome.gaps == []
    assert sorted(d["name"] for d in outcome.documents) == ["a", "b", "c"]
    assert all(d["resource_policy"] == [] for d in outcome.documents)
    assert outcome.calls["eu-west-1 lambda GetPolicy"] == 3  # 2 functions + 1 retry


def test_throttled_past_retries_is_a_gap_and_the_function_is_kept(moto: Any) -> None:
    for name in ("ok", "hot"):
        moto.function(name, "eu-west-1")
    moto.function("elsewhere", "us-east-1")

    def always_429(call: Call) -> Any:
        return throttled() if call.operation == "GetPolicy" and call.region == "eu-west-1" else None

    with AwsProxy(moto.endpoint, faults=[always_429]) as proxy:
        # One attempt keeps the test short: botocore's adaptive limiter slows a client hard after a 429.
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=["eu-west-1", "us-east-1"],
                                     max_attempts=1))
    assert sorted(d["name"] for d in outcome.documents) == ["elsewhere", "hot", "ok"]
    gaps = {g.where.rsplit(":", 1)[-1]: g for g in outcome.gaps}
    assert set(gaps) == {"ok", "hot"}
    for gap in gaps.values():
        assert gap.region == "eu-west-1"
        assert any("GetPolicy: TooManyRequestsException (HTTP 429)" in m and "throttled past retries" in m
                   for m in gap.missing), gap.missing
    hot = next(d for d in outcome.documents if d["name"] == "hot")
    assert hot["resource_policy"] is None  # unknown, not "no policy"
    assert hot["errors"]
    assert outcome.failed_calls["eu-west-1 lambda GetPolicy"] == 2


def test_access_denied_on_one_api_names_every_function_and_exits_3(moto: Any) -> None:
    seed_pitfalls(moto.endpoint)

    def deny(call: Call) -> Any:  # resource policies: GetPolicy (Event Functions), GetResourcePolicy (Web)
        if call.operation in ("GetPolicy", "GetResourcePolicy"):
            return lambda_error(403, "AccessDeniedException",
                                "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: "
                                f"lambda:{call.operation}")
        return None

    with AwsProxy(moto.endpoint, faults=[deny]) as proxy:
        result = _invoke("audit", "--endpoint-url", proxy.endpoint, "--region", ",".join(REGIONS),
                         "--format", "json", "--fail-on", "critical", "-q")
    assert result.exit_code == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["functions"] == len(EXPECTED_PITFALLS)
    assert len(report["gaps"]) == len(EXPECTED_PITFALLS)
    for gap in report["gaps"]:
        assert any(m.startswith(("GetPolicy: AccessDeniedException (HTTP 403)",
                                 "GetResourcePolicy: AccessDeniedException (HTTP 403)")) for m in gap["missing"])


def test_unreachable_region_is_named_and_the_others_are_complete(moto: Any) -> None:
    seed_pitfalls(moto.endpoint)
    options = AuditOptions(endpoint_url=moto.endpoint, regions=REGIONS, max_attempts=2, connect_timeout=1,
                           region_endpoints={"ap-southeast-2": "http://127.0.0.1:9"})
    result = run_audit(options, Settings(quiet=True))
    assert {d["source"]["region"] for d in result.documents} == {"us-east-1", "eu-west-1"}
    assert len(result.gaps) == 1
    gap = result.gaps[0]
    assert gap.where == "ap-southeast-2"
    assert "ListFunctions" in gap.missing[0] and "region could not be listed" in gap.missing[0]
    assert result.exit_code("critical") == 3
    from lambda_advisor.report import render

    text = render("text", result)
    assert "not fully evaluated" in text and "ap-southeast-2" in text


def test_missing_credentials_is_one_clear_message_and_exit_2(moto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    result = _invoke("audit", "--endpoint-url", moto.endpoint, "--region", "us-east-1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("lambda-advisor: error: no AWS credentials found")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_expired_credentials_is_one_clear_message_and_exit_2(moto: Any) -> None:
    def expired(call: Call) -> Any:
        if call.service == "sts":
            return query_error(403, "ExpiredToken", "The security token included in the request is expired")
        return None

    with AwsProxy(moto.endpoint, faults=[expired]) as proxy:
        result = _invoke("audit", "--endpoint-url", proxy.endpoint, "--region", "us-east-1")
    assert result.exit_code == 2
    assert "have expired" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_profile_and_no_region_exit_2(moto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke("audit", "--profile", "nope", "--region", "us-east-1")
    assert result.exit_code == 2 and "profile 'nope' not found" in result.stderr
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = _invoke("audit", "--endpoint-url", moto.endpoint)
    assert result.exit_code == 2 and "no region" in result.stderr


def test_role_arn_is_assumed_with_external_id(moto: Any) -> None:
    moto.function("fn")
    role = moto.role("auditor")
    seen: list[str] = []

    def watch(call: Call) -> Any:
        seen.append(f"{call.service} {call.operation}")
        return None

    with AwsProxy(moto.endpoint, faults=[watch]) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=["us-east-1"], role_arn=role,
                                     external_id="xyz"))
    assert "sts AssumeRole" in seen
    assert [d["name"] for d in outcome.documents] == ["fn"]


def test_inspect_code_hook_gets_the_code_location_and_layers(moto: Any) -> None:
    lam = moto.client("lambda")
    from lambda_advisor.audit_emulator import tiny_zip

    layer = lam.publish_layer_version(LayerName="libs", Content={"ZipFile": tiny_zip()})["LayerVersionArn"]
    moto.function("with-layer", Layers=[layer])
    got: list[tuple[str, Any, Any]] = []

    def inspect(doc: dict[str, Any], location: str | None, layers: dict[str, str | None]) -> None:
        got.append((doc["name"], location, layers))
        doc["code"]["inspection"] = {"files": 1}

    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"], inspect_code=inspect))
    assert got and got[0][0] == "with-layer" and list(got[0][2]) == [layer]
    assert outcome.documents[0]["code"]["inspection"] == {"files": 1}
    assert outcome.documents[0]["layers"][0]["exists"] is True


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_progress_only_on_a_terminal_and_never_with_quiet(moto: Any) -> None:
    moto.function("a", "us-east-1")
    moto.function("b", "eu-west-1")
    regions = ["us-east-1", "eu-west-1"]
    tty = _Stream(tty=True)
    run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=regions), Settings(), progress_stream=tty)
    assert "2/2" in tty.getvalue() and "eu-west-1 1/1" in tty.getvalue() and "us-east-1 1/1" in tty.getvalue()
    pipe = _Stream(tty=False)
    run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=regions), Settings(), progress_stream=pipe)
    quiet = _Stream(tty=True)
    run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=regions), Settings(quiet=True), progress_stream=quiet)
    assert pipe.getvalue() == "" and quiet.getvalue() == ""


def test_all_regions_needs_describe_regions_and_says_so(moto: Any) -> None:
    def deny(call: Call) -> Any:
        if call.operation == "DescribeRegions":
            return query_error(403, "UnauthorizedOperation", "You are not authorized to perform this operation.")
        return None

    with AwsProxy(moto.endpoint, faults=[deny]) as proxy:
        result = _invoke("audit", "--endpoint-url", proxy.endpoint, "--all-regions")
    assert result.exit_code == 2
    assert "cannot list the account's enabled regions (EC2 DescribeRegions): UnauthorizedOperation" in result.stderr
    assert "pass --region instead" in result.stderr and "Traceback" not in result.stderr


def test_credentials_expiring_mid_audit_are_gaps_and_one_notice(moto: Any) -> None:
    moto.function("a")
    moto.function("b")

    def expire(call: Call) -> Any:
        if call.operation == "GetFunction":
            return lambda_error(403, "ExpiredTokenException", "The security token included in the request is expired")
        return None

    with AwsProxy(moto.endpoint, faults=[expire]) as proxy:
        result = run_audit(AuditOptions(endpoint_url=proxy.endpoint, regions=["us-east-1"]), Settings())
    assert len(result.documents) == 2 and len(result.gaps) == 2
    assert result.exit_code("critical") == 3
    assert [n for n in result.notices if "expired" in n] == [
        "the AWS credentials expired or were revoked during the audit: 2 functions or regions were not fully "
        "read; refresh them and audit again"]


def test_la206_selected_reads_the_api_gateway_integrations(moto: Any) -> None:
    arn = moto.function("slow-api", Timeout=60)
    other = moto.function("ws-handler", Timeout=60)
    lam, rest, v2 = moto.client("lambda"), moto.client("apigateway"), moto.client("apigatewayv2")
    api = rest.create_rest_api(name="orders")["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    rest.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="POST", timeoutInMillis=29000,
                         uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    lam.add_permission(FunctionName="slow-api", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{api}/*/GET/")
    ws = v2.create_api(Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")["ApiId"]
    v2.create_integration(ApiId=ws, IntegrationType="AWS_PROXY", IntegrationUri=other)
    lam.add_permission(FunctionName="ws-handler", StatementId="ws", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{ws}/*")
    args = ["audit", "--endpoint-url", moto.endpoint, "--region", "us-east-1", "--format", "json", "--quiet"]
    default = json.loads(_invoke(*args).stdout)
    assert "LA206" not in {f["rule_id"] for f in default["findings"]}
    plain = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"]))
    assert not any("apigateway" in k for k in plain.calls)  # not read unless LA206 is asked for
    selected = json.loads(_invoke(*args, "--select", "LA206").stdout)
    assert selected["gaps"] == []
    la206 = [f for f in selected["findings"] if f["rule_id"] == "LA206"]
    assert [f["location"]["function_name"] for f in la206] == ["slow-api"]  # the WebSocket route is not one
    assert "29 s" in la206[0]["message"]


def test_an_alias_on_a_version_like_latest_adds_facts_not_documents(moto: Any) -> None:
    moto.function("orders")
    lam = moto.client("lambda")
    version = lam.publish_version(FunctionName="orders")["Version"]
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion=version)
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"]))
    assert outcome.gaps == []
    [doc] = outcome.documents
    assert doc["deployment"] == {"aliases": ["live"], "versions_published": True, "gradual": None}
    assert outcome.calls["us-east-1 lambda GetFunctionConfiguration"] == 1  # the version was compared
