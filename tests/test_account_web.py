"""Web Functions, network connectors, runtime aliases and MicroVM images in a live audit.

moto has no Lambda Web, Core or MicroVMs: the emulator serves them beside it in their wire
protocol, from botocore's service models (``lambda_advisor.lambda_next_emulator``).
"""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.audit import run_audit
from lambda_advisor.audit_emulator import AwsProxy, Call, lambda_error
from lambda_advisor.pipeline import Settings
from lambda_advisor.sources.account import AuditOptions, audit

REGION = "us-east-1"


def _web(moto: Any, name: str, **kw: Any) -> str:
    return str(moto.web_function(name, REGION, role=moto.role(), **kw))


def _ops(proxy: AwsProxy) -> dict[str, int]:
    """Operation -> calls the emulator answered (one region)."""
    out: dict[str, int] = {}
    for key, n in proxy.stats.calls.items():
        op = key.split(" ")[-1]
        out[op] = out.get(op, 0) + n
    return out


def test_web_functions_are_listed_page_by_page_and_read_with_what_their_endpoints_serve(moto: Any) -> None:
    for name in ("a", "b", "c"):  # the emulator pages by two: three functions need two pages
        _web(moto, name, environment={"TABLE": name})
    web = moto.client("lambda-web")
    # a second revision the endpoint does not serve (auto-deployment off): never read
    web.create_web_function_endpoint(functionName="a", endpointName="pinned", endpointType="HomeRegion",
                                     authType="IamAuth", autoDeploymentMode="Disabled",
                                     revisionWeights=[{"revisionId": "1", "weight": 100}])
    with AwsProxy(moto.endpoint) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION]))
    assert outcome.gaps == []
    docs = {d["name"]: d for d in outcome.documents}
    assert set(docs) == {"a", "b", "c"} and all(d["kind"] == "web" for d in docs.values())
    a = docs["a"]
    assert a["id"] == f"arn:aws:lambda:{REGION}:123456789012:web-function/a"
    assert [e["name"] for e in a["endpoints"]] == ["live", "pinned"]
    assert [r["id"] for r in a["revisions"]] == ["1"]
    assert a["revisions"][0]["served_by"] == ["live", "pinned"]
    assert a["revisions"][0]["runtime"] == "nodejs24.x" and a["revisions"][0]["timeout_s"] == 60
    assert a["revisions"][0]["environment"] == {"TABLE": "a"}
    assert a["revisions"][0]["logging"]["log_group"] == "/aws/lambda/web/a"
    assert a["revisions"][0]["role"]["arn"].endswith(":role/fn-role")
    assert a["endpoints"][0]["weights"] == [{"revision": "1", "revision_index": 0, "weight": 100}]
    assert a["resource_policy"] == [] and a["tags"] == {}
    assert a["extra"]["web_account_quotas"]["max_total_arm_vcpus"] == 400
    ops = _ops(proxy)
    assert ops["ListWebFunctions"] == 2  # two pages
    assert ops["GetWebFunctionRevision"] == 3  # one served revision per function
    assert ops["GetWebAccountSettings"] == 1  # once per region
    # read-only: the audit sent nothing but reads
    assert all(op.startswith(("Get", "List", "Describe")) for op in ops), ops


def test_web_function_findings_and_inventory(moto: Any) -> None:
    ec2 = moto.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    connector = moto.network_connector("egress", [subnet])
    arn = _web(moto, "shop", auth="ApplicationManaged", connector=connector,
               environment={"STRIPE_KEY": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"})
    moto.client("lambda-web").put_resource_policy(resourceArn=arn, policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "edge", "Effect": "Allow",
                                                "Principal": {"Service": "cloudfront.amazonaws.com"},
                                                "Action": "lambda:InvokeWebFunctionEndpoint", "Resource": arn}]}))
    _web(moto, "capped", auth="ApplicationManaged", throttleConfig={"rateLimit": 50})
    moto.function("event-fn", TracingConfig={"Mode": "Active"}, MemorySize=256)
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION]), Settings(quiet=True))
    assert result.gaps == []
    found: dict[str, set[str]] = {}
    for f in result.findings:
        found.setdefault(f.location.function_name or "", set()).add(f.rule_id)
    assert found["shop"] == {"LA101", "LA102", "LA103", "LA107", "LA507"}
    assert "LA107" not in found.get("capped", set())  # a rate limit caps it
    assert "event-fn" not in found
    shop = next(d for d in result.documents if d["name"] == "shop")
    connector_facts = shop["revisions"][0]["network_connector"]
    assert connector_facts["versioned"] is True and connector_facts["subnet_ids"] == [subnet]
    assert connector_facts["availability_zones"] == ["us-east-1b"]
    assert connector_facts["compute_types"] == ["WebFunction"]
    assert result.inventory() == {"event_functions": 1, "web_functions": 2, "versions": 0}
    assert result.meta["scope"]["inventory"] == {"event_functions": 1, "web_functions": 2, "versions": 0}
    from lambda_advisor.report.text import summary

    assert "3 functions (1 Event Function, 2 Web Functions)" in summary(result)


def test_customer_managed_runtime_alias_deprecated_is_la501(moto: Any) -> None:
    runtime = moto.runtime_alias("legacy", "prod", ReleaseState="DEPRECATED", DeprecationDate="2026-02-01")
    moto.runtime_alias("fresh", "prod", ReleaseState="GA", DeprecationDate="2030-01-01")
    for name, rt in (("old", runtime), ("new", runtime.replace("legacy", "fresh"))):
        moto.function(name, runtime="provided.al2023", TracingConfig={"Mode": "Active"}, MemorySize=256,
                      RuntimeConfig={"RuntimeArn": rt, "RuntimeAlias": "prod"})
    with AwsProxy(moto.endpoint) as proxy:
        result = run_audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION]), Settings(quiet=True))
    assert result.gaps == []
    la501 = [f for f in result.findings if f.rule_id == "LA501"]
    assert [f.location.function_name for f in la501] == ["old"]
    old = next(d for d in result.documents if d["name"] == "old")
    assert old["runtime_config"]["release_state"] == "DEPRECATED"
    assert old["runtime_config"]["deprecation_date"] == "2026-02-01"
    assert _ops(proxy)["GetRuntimeAlias"] == 2  # once per alias


def test_an_endpoint_without_lambda_web_has_no_web_functions_and_no_gap(moto: Any) -> None:
    moto.function("classic")

    def not_served(call: Call) -> Any:
        if call.operation in ("ListWebFunctions", "ListMicrovmImages"):
            return 404, {"Content-Type": "text/html"}, b"<html>404 Not Found</html>"
        return None

    with AwsProxy(moto.endpoint, faults=[not_served]) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION]))
    assert outcome.gaps == [] and [d["name"] for d in outcome.documents] == ["classic"]
    assert not outcome.failed_calls


def test_denied_web_reads_are_gaps_that_name_the_call_and_keep_the_function(moto: Any) -> None:
    ec2 = moto.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    _web(moto, "private", connector=moto.network_connector("egress", [subnet]))

    def deny(call: Call) -> Any:
        if call.operation in ("GetNetworkConnector", "ListTags"):
            return lambda_error(403, "AccessDeniedException", f"not authorized to perform: lambda:{call.operation}")
        return None

    with AwsProxy(moto.endpoint, faults=[deny]) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION], max_attempts=1))
    [doc] = outcome.documents
    assert doc["name"] == "private" and doc["revisions"][0]["runtime"] == "nodejs24.x"
    assert doc["tags"] is None  # unknown, not "no tags"
    [gap] = outcome.gaps
    assert gap.where == doc["id"]
    assert any(m.startswith("GetNetworkConnector: AccessDeniedException") and "network connector" in m
               for m in gap.missing), gap.missing
    assert any(m.startswith("ListTags: AccessDeniedException") for m in gap.missing), gap.missing
    assert outcome.failed_calls[f"{REGION} lambda-core GetNetworkConnector"] == 1


def test_listing_web_functions_denied_is_a_region_gap(moto: Any) -> None:
    moto.function("classic")

    def deny(call: Call) -> Any:
        if call.operation == "ListWebFunctions":
            return lambda_error(403, "AccessDeniedException", "not authorized to perform: lambda:ListWebFunctions")
        return None

    with AwsProxy(moto.endpoint, faults=[deny]) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION], max_attempts=1))
    assert [d["name"] for d in outcome.documents] == ["classic"]
    [gap] = outcome.gaps
    assert gap.where == REGION and "ListWebFunctions: AccessDeniedException" in gap.missing[0]
    assert "Web Functions not listed" in gap.missing[0]


def test_inspect_code_reads_a_served_revision_package_from_s3(moto: Any) -> None:
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="web-code")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.mjs", "import express from 'express';\nexport const app = express();\n")
        zf.writestr("node_modules/express/package.json", '{"name": "express"}')
    s3.put_object(Bucket="web-code", Key="site.zip", Body=buf.getvalue())
    _web(moto, "site")
    from lambda_advisor.sources.package.live import LiveInspector

    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], inspect_code=LiveInspector()))
    [doc] = outcome.documents
    inspection = doc["revisions"][0]["code"]["inspection"]
    assert inspection is not None and not inspection.get("errors"), inspection
    assert outcome.gaps == []


def test_the_emulator_validates_requests_and_answers_against_the_service_model(moto: Any) -> None:
    import boto3
    import botocore.config

    # botocore's own parameter validation off: the emulator must refuse what AWS refuses
    client = boto3.client("lambda-web", region_name=REGION, endpoint_url=moto.endpoint,
                          config=botocore.config.Config(parameter_validation=False))
    with pytest.raises(client.exceptions.ValidationException, match="endpointType"):
        client.create_web_function_endpoint(functionName="nope", endpointName="e", endpointType="Nowhere",
                                            authType="IamAuth")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_web_function(functionName="nope")
    # a request no operation of the three services matches goes on to moto untouched
    req = urllib.request.Request(f"{moto.endpoint}/2025-03-07/no-such-thing")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(req, timeout=10)


def test_snapshot_keeps_web_functions_and_rescans_to_the_same_findings(moto: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lambda_advisor.cli import cli

    _web(moto, "shop", auth="ApplicationManaged",
         environment={"DB_PASSWORD": "hunter2-Prod!x9", "CATALOG": "catalog-table"})
    snap = tmp_path / "snap.json"
    live = CliRunner().invoke(cli, ["audit", "--endpoint-url", moto.endpoint, "--region", REGION,
                                    "--format", "json", "--save", str(snap), "-q"], catch_exceptions=False)
    assert live.exit_code == 1, live.stderr
    text = snap.read_text()
    assert "hunter2-Prod!x9" not in text and "catalog-table" not in text
    saved = json.loads(text)
    [fn] = saved["functions"]
    assert fn["kind"] == "web" and fn["revisions"][0]["environment"]["CATALOG"]["unresolved"].startswith("redacted")
    again = CliRunner().invoke(cli, ["scan", str(snap), "--format", "json", "-q"], catch_exceptions=False)
    assert again.exit_code == 1, again.stderr
    live_report, scan_report = json.loads(live.stdout), json.loads(again.stdout)
    assert {f["rule_id"] for f in live_report["findings"]} >= {"LA101", "LA102", "LA107"}
    assert {f["fingerprint"] for f in scan_report["findings"]} == {f["fingerprint"] for f in live_report["findings"]}
    assert scan_report["scope"]["inventory"]["web_functions"] == 1
    assert live_report["scope"]["inventory"]["web_functions"] == 1
