"""Pieces of the account source and the access checks, without an endpoint."""

from __future__ import annotations

import io
import time
from datetime import date
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.access import (
    function_url_public,
    missing_layer_versions,
    resource_policy_open,
)
from lambda_advisor.model import Function, Source
from lambda_advisor.sources.account import (
    LambdaRateLimiter,
    TerminalProgress,
    TokenBucket,
    event_source_from_mapping,
    parse_policy,
    suppressions_from_tags,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


def _doc(**kw: Any) -> dict[str, Any]:
    fn = Function(id=ARN, name="f", source=Source(kind="account", arn=ARN, region="us-east-1"), **kw)
    return fn.to_json()


def _ctx(**params: Any) -> Context:
    return Context(params=params, today=date(2026, 11, 22))


def test_parse_policy_reads_principals_and_source_conditions() -> None:
    policy = {"Statement": [
        {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
         "Resource": ARN, "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"},
                                        "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}},
        {"Sid": "two", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]},
         "Action": ["lambda:InvokeFunction"], "Resource": ARN},
    ]}
    statements = parse_policy(policy, origin="resource policy")
    assert statements[0]["principal"] == "s3.amazonaws.com"
    assert statements[0]["source_arn"] == "arn:aws:s3:::bucket"
    assert statements[0]["source_account"] == "123456789012"
    assert [s["principal"] for s in statements[1:]] == ["arn:aws:iam::111122223333:root", "*"]
    assert statements[1]["source_arn"] is False
    identity = parse_policy('{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}', origin="inline x")
    assert identity == [{"sid": None, "effect": "Allow", "actions": ["s3:*"], "resources": ["*"],
                         "conditions": None, "origin": "inline x"}]


def test_suppressions_from_tag() -> None:
    assert suppressions_from_tags({"lambda-advisor:ignore": "LA205,la502"}) == [
        {"rule": "LA205", "reason": None, "origin": "tag lambda-advisor:ignore"},
        {"rule": "LA502", "reason": None, "origin": "tag lambda-advisor:ignore"}]
    assert suppressions_from_tags({"lambda-advisor:ignore": "LA1 LA2",
                                   "lambda-advisor:ignore-reason": "accepted"})[1]["reason"] == "accepted"
    assert suppressions_from_tags({"team": "x"}) == []


def test_event_source_mappings_become_event_sources() -> None:
    kinesis = event_source_from_mapping({"UUID": "u1", "EventSourceArn": "arn:aws:kinesis:us-east-1:1:stream/s",
                                         "State": "Enabled", "MaximumRetryAttempts": -1,
                                         "BisectBatchOnFunctionError": False, "BatchSize": 100})
    assert kinesis["type"] == "kinesis" and kinesis["invocation"] == "poll"
    assert kinesis["maximum_retry_attempts"] is None and kinesis["on_failure"] is False
    ddb = event_source_from_mapping({"UUID": "u2", "EventSourceArn":
                                     "arn:aws:dynamodb:us-east-1:1:table/T/stream/2026", "State": "Disabled",
                                     "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:q"}}})
    assert ddb["type"] == "dynamodb" and ddb["enabled"] is False and ddb["on_failure"] == "arn:aws:sqs:us-east-1:1:q"
    sqs = event_source_from_mapping({"UUID": "u3", "EventSourceArn": "arn:aws:sqs:us-east-1:1:q",
                                     "ScalingConfig": {"MaximumConcurrency": 5}})
    assert sqs["type"] == "sqs" and sqs["maximum_concurrency"] == 5


def test_la102_names_cors_only_when_any_origin() -> None:
    hits = list(function_url_public(_doc(url={"auth_type": "NONE", "cors_allow_origins": ["*"]}), _ctx()))
    assert len(hits) == 1 and "any origin (*)" in hits[0].message and hits[0].pointer == "/url/auth_type"
    hits = list(function_url_public(_doc(url={"auth_type": "NONE", "cors_allow_origins": ["https://a.example"]}), _ctx()))
    assert len(hits) == 1 and "CORS" not in hits[0].message
    assert not list(function_url_public(_doc(url={"auth_type": "AWS_IAM"}), _ctx()))
    assert not list(function_url_public(_doc(url=False), _ctx()))


def _stmt(principal: Any, actions: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    return {"sid": kw.pop("sid", "s"), "effect": "Allow", "actions": actions or ["lambda:InvokeFunction"],
            "resources": [ARN], "principal": principal, "source_arn": kw.pop("source_arn", False),
            "source_account": kw.pop("source_account", False), "conditions": kw.pop("conditions", None)}


@pytest.mark.parametrize(("statement", "fires"), [
    (_stmt("*"), True),
    (_stmt("*", conditions={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}), False),
    (_stmt("sns.amazonaws.com"), True),
    (_stmt("sns.amazonaws.com", source_arn="arn:aws:sns:us-east-1:1:t"), False),
    (_stmt("s3.amazonaws.com", source_account="123456789012"), False),
    (_stmt("alexa-appkit.amazonaws.com"), False),
    (_stmt("arn:aws:iam::111122223333:root"), False),
    (_stmt("*", ["lambda:InvokeFunctionUrl"], conditions={"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}), False),
    (_stmt("*", ["lambda:InvokeFunctionUrl"], conditions={"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}), True),
    (_stmt("*", ["lambda:GetFunction"]), False),
    (_stmt({"unresolved": "!Ref Principal"}), False),
])
def test_la103_cases(statement: dict[str, Any], fires: bool) -> None:
    ctx = _ctx(exempt_principals=["alexa-appkit.amazonaws.com"])
    hits = list(resource_policy_open(_doc(resource_policy=[statement]), ctx))
    assert bool(hits) is fires
    if hits:
        assert hits[0].pointer == "/resource_policy/0"


def test_la407_only_for_layers_known_deleted() -> None:
    doc = _doc(layers=[{"arn": "arn:aws:lambda:us-east-1:1:layer:a:1", "exists": True},
                       {"arn": "arn:aws:lambda:us-east-1:1:layer:b:3", "exists": False},
                       {"arn": "arn:aws:lambda:us-east-1:1:layer:c:2", "exists": None}])
    hits = list(missing_layer_versions(doc, _ctx()))
    assert [h.pointer for h in hits] == ["/layers/1/arn"] and "layer:b:3" in hits[0].message


def test_token_bucket_paces_calls() -> None:
    bucket = TokenBucket(rate=200.0)
    start = time.monotonic()
    for _ in range(21):
        bucket.take()
    assert 0.08 <= time.monotonic() - start < 0.5


def test_rate_limiter_routes_operations_to_their_quota() -> None:
    limiter = LambdaRateLimiter({"GetFunction": 1000.0, "GetPolicy": 1000.0, "other": 1000.0}, 1.0)
    limiter(event_name="before-send.lambda.GetPolicy")
    limiter(event_name="before-send.lambda.ListFunctions")
    assert limiter.buckets["GetPolicy"]._tokens < 1 and limiter.buckets["other"]._tokens < 1
    assert limiter.buckets["GetFunction"]._tokens == 1


def test_terminal_progress_draws_per_region_counts() -> None:
    out = io.StringIO()
    progress = TerminalProgress(out)
    progress.region_total("us-east-1", 2)
    progress.region_total("eu-west-1", 1)
    progress.advance("us-east-1")
    progress.advance("us-east-1")
    progress.advance("eu-west-1")
    progress.close()
    text = out.getvalue()
    assert "eu-west-1 1/1" in text and "us-east-1 2/2" in text and "3/3" in text and text.endswith("\n")


def test_fresh_url_is_read_again_only_once_it_may_have_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_advisor.sources.account import FreshUrl

    reads: list[str] = []

    def refetch() -> str:
        reads.append("GetFunction")
        return f"https://bucket.s3.amazonaws.com/code.zip?sig={len(reads)}"

    url = FreshUrl("https://bucket.s3.amazonaws.com/code.zip?sig=0", refetch)
    assert url and url.get().endswith("sig=0") and reads == []  # young: as read with the function
    monkeypatch.setattr(FreshUrl, "MAX_AGE_S", -1.0)  # as if it had waited past the age limit
    assert url.get().endswith("sig=1") and reads == ["GetFunction"]
    assert not FreshUrl(None, refetch)  # no location: nothing to download


def test_live_inspector_resolves_the_url_only_once_a_download_slot_is_free() -> None:
    from lambda_advisor.sources.package.live import LiveInspector
    from lambda_advisor.sources.package.scan import PackageError

    order: list[str] = []

    class Probe:
        def get(self) -> str | None:
            order.append("resolved")
            return "ftp://not-downloaded.example/"  # refused before any network use

    inspector = LiveInspector(concurrency=1)
    real_slots = inspector._slots

    class Slots:
        def __enter__(self) -> None:
            order.append("slot")
            real_slots.acquire()

        def __exit__(self, *exc: object) -> None:
            real_slots.release()

    inspector._slots = Slots()  # type: ignore[assignment]
    with pytest.raises(PackageError, match="refusing to download a ftp URL"):
        inspector.fetch(Probe())
    assert order == ["slot", "resolved"]


def test_la206_is_opt_in_on_live_documents_only() -> None:
    from lambda_advisor.pipeline import Settings, evaluate

    def api_function(kind: str) -> dict[str, Any]:
        doc = _doc(timeout_s=60, event_sources=[{"type": "api", "invocation": "sync", "arn": None,
                                                 "api_timeout_ms": 29000}])
        doc["source"]["kind"] = kind
        if kind == "template":
            doc["id"] = doc["source"]["file"] = "template.yaml"
        return doc

    def fired(kind: str, select: list[str]) -> bool:
        result = evaluate([api_function(kind)], Settings(select=select, today=date(2026, 11, 22)))
        return any(f.rule_id == "LA206" for f in result.findings)

    assert fired("template", []) and fired("template", ["LA2"])
    for kind in ("account", "snapshot"):
        assert not fired(kind, []) and not fired(kind, ["LA2"])  # the integration timeout is unknown live
        assert fired(kind, ["LA206"]) and fired(kind, ["ALL"])


def test_the_audit_takes_half_of_each_quota_by_default() -> None:
    from lambda_advisor.sources.account import DEFAULT_HEADROOM, LAMBDA_QUOTAS, AuditOptions

    assert AuditOptions().headroom == DEFAULT_HEADROOM == 0.5
    limiter = LambdaRateLimiter(LAMBDA_QUOTAS, AuditOptions().headroom)
    assert {k: b.rate for k, b in limiter.buckets.items()} == {"GetFunction": 50.0, "GetPolicy": 7.5, "other": 7.5}


@pytest.mark.parametrize(("args", "message"), [
    (["--accounts", "111122223333"], "--accounts, --exclude-accounts, --shard and --list-accounts go with --org-role"),
    (["--org-role", "Audit", "--role-arn", "arn:aws:iam::111122223333:role/A"], "either --role-arn"),
    (["--quota-share", "1.5"], "--quota-share"),
])
def test_audit_option_misuse_is_a_usage_error(args: list[str], message: str) -> None:
    from click.testing import CliRunner

    from lambda_advisor.cli import cli

    result = CliRunner().invoke(cli, ["audit", "--region", "us-east-1", *args])
    assert result.exit_code == 2 and message in result.output


def test_a_version_configured_as_latest_needs_no_document_of_its_own() -> None:
    from lambda_advisor.sources.account.functions import same_configuration

    latest = {"FunctionArn": "arn:aws:lambda:r:1:function:f", "Version": "$LATEST", "CodeSha256": "a",
              "Runtime": "python3.12", "Layers": [{"Arn": "l:1"}, {"Arn": "l:2"}], "LastModified": "x",
              "VpcConfig": {"SubnetIds": ["s1", "s2"], "VpcId": "v"}, "Environment": {"Variables": {"A": "1"}}}
    published = {**latest, "FunctionArn": "arn:aws:lambda:r:1:function:f:3", "Version": "3", "LastModified": "y",
                 "Layers": [{"Arn": "l:2"}, {"Arn": "l:1"}], "VpcConfig": {"SubnetIds": ["s2", "s1"]}}
    assert same_configuration(published, latest)
    assert not same_configuration({**published, "Environment": {"Variables": {"A": "2"}}}, latest)
    assert not same_configuration({**published, "CodeSha256": "b"}, latest)
