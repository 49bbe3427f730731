"""What real AWS answers and moto does not: botocore Stubbers with the service models' own shapes.

Aliases with their own policies, URLs and event invoke configs; an environment
AWS will not decrypt for the auditor; tags withheld (``TagsError``); credentials
that expire mid-audit or are refreshed before they do; a region an SCP denies;
an opt-in region that is not enabled; China's partition. STS, IAM and CloudWatch
Logs still go to moto unless a test stubs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.stub import Stubber

from lambda_advisor.audit import run_audit
from lambda_advisor.audit_emulator import AwsProxy
from lambda_advisor.pipeline import Settings, evaluate
from lambda_advisor.sources.account import AuditOptions, audit

REGION = "eu-west-1"
ACCT = "123456789012"
ARN = f"arn:aws:lambda:{REGION}:{ACCT}:function:orders"
T0 = "2026-01-01T00:00:00Z"


def _config(name: str = "orders", region: str = REGION, **extra: Any) -> dict[str, Any]:
    return {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:{region}:{ACCT}:function:{name}",
            "Runtime": "python3.12", "Role": f"arn:aws:iam::{ACCT}:role/stub-role", "Handler": "app.handler",
            "CodeSize": 1, "Timeout": 30, "MemorySize": 512, "LastModified": "2026-01-01T00:00:00.000+0000",
            "CodeSha256": "abc", "Version": "$LATEST", "TracingConfig": {"Mode": "Active"},
            "PackageType": "Zip", "Architectures": ["arm64"], **extra}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Policy": json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": list(statements)}),
            "RevisionId": "1"}


Stubs = dict[str, Callable[[Stubber], None]]


def _hooked(stubs: Stubs, stubbers: list[Stubber]) -> Callable[[str, str, Any], None]:
    """A client hook: the client named ``service`` (or ``service@region``) gets the responses ``stubs`` add."""

    def hook(service: str, region: str, client: Any) -> None:
        add = stubs.get(f"{service}@{region}") or stubs.get(service)
        if add is None:
            return
        stub = Stubber(client)
        add(stub)
        stub.activate()
        stubbers.append(stub)

    return hook


def _mappings(stub: Stubber) -> None:
    stub.add_response("list_event_source_mappings", {"EventSourceMappings": []})


def test_alias_policies_urls_and_destinations_are_read_per_qualifier(moto: Any) -> None:
    moto.role("stub-role")
    live = f"{ARN}:live"
    s3 = {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
          "Action": "lambda:InvokeFunction", "Resource": ARN,
          "Condition": {"StringEquals": {"AWS:SourceAccount": ACCT}, "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::in"}}}
    # What the console and `aws lambda add-permission` write for a public URL on an alias since
    # October 2025: InvokeFunctionUrl, and InvokeFunction only when invoked through the URL.
    url_public = {"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
                  "Action": "lambda:InvokeFunctionUrl", "Resource": live,
                  "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}
    url_invoke = {"Sid": "FunctionURLInvokeAllowPublicAccess", "Effect": "Allow", "Principal": "*",
                  "Action": "lambda:InvokeFunction", "Resource": live,
                  "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}
    stubbers: list[Stubber] = []
    stubs: Stubs = {
        "lambda:ListFunctions": lambda s: s.add_response("list_functions", {"Functions": [_config()]}),
        "lambda:ListEventSourceMappings": _mappings,
        "lambda:GetFunction": lambda s: s.add_response("get_function", {
            "Configuration": _config(State="Active", LastUpdateStatus="Successful"), "Tags": {}}),
        "lambda:GetPolicy": lambda s: (
            s.add_response("get_policy", _policy(s3), expected_params={"FunctionName": ARN}),
            s.add_response("get_policy", _policy(s3, url_public, url_invoke),  # s3 repeated: read once
                           expected_params={"FunctionName": ARN, "Qualifier": "live"})),
        "lambda": lambda s: (
            s.add_response("list_aliases", {"Aliases": [{
                "AliasArn": live, "Name": "live", "FunctionVersion": "7", "Description": "", "RevisionId": "r",
                "RoutingConfig": {"AdditionalVersionWeights": {"8": 0.1}}}]}),
            s.add_response("get_function_recursion_config", {"RecursiveLoop": "Terminate"}),
            s.add_response("list_function_url_configs", {"FunctionUrlConfigs": [{
                "FunctionUrl": "https://abcdefghij.lambda-url.eu-west-1.on.aws/", "FunctionArn": live,
                "AuthType": "NONE", "CreationTime": T0, "LastModifiedTime": T0}]}),
            s.add_response("list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": [
                {"FunctionArn": ARN, "MaximumRetryAttempts": 2, "LastModified": datetime(2026, 1, 1)},
                {"FunctionArn": live, "LastModified": datetime(2026, 1, 1), "DestinationConfig": {
                    "OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCT}:failed"}}}]}),
            # the version behind `live` is not $LATEST: an older runtime, a secret since removed
            s.add_response("get_function_configuration", _config(
                FunctionArn=f"{ARN}:7", Version="7", Runtime="python3.8", CodeSha256="old",
                Environment={"Variables": {"DB_PASSWORD": "pr0d-Passw0rd!x"}}),
                expected_params={"FunctionName": ARN, "Qualifier": "7"}),
            # the canary of the weighted alias is read too; configured as $LATEST, it adds no document
            s.add_response("get_function_configuration", _config(FunctionArn=f"{ARN}:8", Version="8"),
                           expected_params={"FunctionName": ARN, "Qualifier": "8"})),
    }
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                 client_hook=_hooked(stubs, stubbers)))
    for stub in stubbers:
        stub.assert_no_pending_responses()
    assert outcome.gaps == []
    doc, version = outcome.documents
    # what production runs behind the alias is a document of its own (its configuration only)
    assert (version["id"], version["name"]) == (live, "orders:live")
    assert version["runtime"] == "python3.8" and version["extra"]["version"] == "7"
    assert version["resource_policy"] is None and version["url"] is None and version["event_sources"] is None
    assert [(st["sid"], st["qualifier"]) for st in doc["resource_policy"]] == [
        ("s3", "$LATEST"), ("FunctionURLAllowPublicAccess", "live"), ("FunctionURLInvokeAllowPublicAccess", "live")]
    assert doc["resource_policy"][1]["function_url_auth_type"] == "NONE"
    assert doc["resource_policy"][2]["invoked_via_function_url"] is True
    assert doc["url"] == {"auth_type": "NONE", "url": "https://abcdefghij.lambda-url.eu-west-1.on.aws/",
                          "cors_allow_origins": None, "qualifier": "live", "invoke_function_granted": True}
    assert doc["event_invoke"]["on_failure"] == f"arn:aws:sqs:{REGION}:{ACCT}:failed"
    assert doc["event_invoke"]["qualifier"] == "live"
    assert doc["deployment"] == {"aliases": ["live"], "versions_published": True, "gradual": True}
    assert doc["extra"]["state"] == "Active" and doc["extra"]["last_update_status"] == "Successful"
    assert doc["recursive_loop"] == "Terminate"
    findings = evaluate(outcome.documents, Settings(today=date(2026, 11, 22)), kind="audit").findings
    rules = {f.rule_id for f in findings if f.location.arn == ARN}
    assert {f.rule_id for f in findings if f.location.arn == live} >= {"LA101", "LA501"}
    assert "LA102" in rules  # the public URL on the alias is seen
    assert "LA201" not in rules  # the alias's on-failure destination counts
    assert "LA103" not in rules  # the URL's InvokeFunction grant holds only through the URL


def test_undecryptable_environment_and_withheld_tags_are_named_gaps(moto: Any) -> None:
    moto.role("stub-role")
    env_error = {"ErrorCode": "KMSAccessDeniedException",
                 "Message": "Lambda was unable to decrypt the environment variables because KMS access was denied."}
    stubbers: list[Stubber] = []
    stubs: Stubs = {
        "lambda:ListFunctions": lambda s: s.add_response("list_functions", {"Functions": [
            _config(Environment={"Error": env_error})]}),
        "lambda:ListEventSourceMappings": _mappings,
        "lambda:GetFunction": lambda s: s.add_response("get_function", {
            "Configuration": _config(Environment={"Error": env_error}),
            "TagsError": {"ErrorCode": "AccessDeniedException",
                          "Message": f"User: arn:aws:sts::{ACCT}:assumed-role/Auditor/x is not authorized to "
                                     f"perform: lambda:ListTags on resource: {ARN}"}}),
        "lambda:GetPolicy": lambda s: s.add_client_error("get_policy", "ResourceNotFoundException", http_status_code=404),
        "lambda": lambda s: s.add_response("list_aliases", {"Aliases": []}),
    }
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                 client_hook=_hooked(stubs, stubbers)))
    [doc] = outcome.documents
    [gap] = outcome.gaps
    assert gap.where == ARN
    assert any("environment unreadable: KMSAccessDeniedException" in m for m in gap.missing)
    assert any("tags unreadable: AccessDeniedException" in m and "lambda:ListTags" in m for m in gap.missing)
    assert doc["environment"] is None and doc["tags"] is None and doc["suppressions"] == []


def test_credentials_expiring_mid_audit_are_gaps_and_one_notice(moto: Any) -> None:
    moto.role("stub-role")
    names = ["a", "b"]
    stubbers: list[Stubber] = []
    stubs: Stubs = {
        "lambda:ListFunctions": lambda s: s.add_response("list_functions", {"Functions": [
            _config(n) for n in names]}),
        "lambda:ListEventSourceMappings": _mappings,
        "lambda:GetFunction": lambda s: (
            s.add_response("get_function", {"Configuration": _config("a"), "Tags": {}}),
            s.add_client_error("get_function", "ExpiredTokenException", "The security token included in the "
                               "request is expired", http_status_code=403)),
        "lambda:GetPolicy": lambda s: [s.add_client_error("get_policy", "ResourceNotFoundException",
                                                          http_status_code=404) for _ in names],
        "lambda": lambda s: [s.add_response("list_aliases", {"Aliases": []}) for _ in names],
    }
    options = AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                           client_hook=_hooked(stubs, stubbers))
    result = run_audit(options, Settings(quiet=True))
    assert [d["name"] for d in result.documents] == names  # nothing dropped
    [gap] = result.gaps
    assert gap.where.endswith(":b") and "ExpiredTokenException" in gap.missing[0]
    assert any("expired or were revoked" in n for n in result.notices)


def _listing(regions: dict[str, Callable[[Stubber], None]]) -> Stubs:
    return {f"lambda:ListFunctions@{r}": add for r, add in regions.items()}


def test_region_denied_by_an_scp_is_told_apart_and_can_be_left_out(moto: Any) -> None:
    denied = ("User: arn:aws:sts::123456789012:assumed-role/Auditor/x is not authorized to perform: "
              "lambda:ListFunctions with an explicit deny in a service control policy")
    stubs = _listing({
        "us-east-1": lambda s: s.add_response("list_functions", {"Functions": []}),
        "eu-west-1": lambda s: s.add_client_error("list_functions", "AccessDeniedException", denied,
                                                  http_status_code=403)})
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1", "eu-west-1"],
                                 client_hook=_hooked(stubs, [])))
    # a service control policy (AWS Control Tower's Region deny control): a stated fact, not a gap (no exit 3)
    assert outcome.gaps == [] and outcome.denied_regions == ["eu-west-1"]
    [notice] = outcome.notices
    assert notice.startswith("region eu-west-1 not audited: a service control policy denies it")
    assert "--exclude-region eu-west-1" in notice
    # a permissions boundary is the role's own limit: that stays a gap
    boundary = denied.replace("service control policy", "permissions boundary")
    bounded = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1", "eu-west-1"],
                                 client_hook=_hooked(_listing({
                                     "us-east-1": lambda s: s.add_response("list_functions", {"Functions": []}),
                                     "eu-west-1": lambda s: s.add_client_error(
                                         "list_functions", "AccessDeniedException", boundary,
                                         http_status_code=403)}), [])))
    [gap] = bounded.gaps
    assert gap.where == "eu-west-1"
    assert gap.missing[0].startswith("region denied by policy (an SCP or permissions boundary)")
    left_out = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1", "eu-west-1"],
                                  exclude_regions=["eu-west-1"], client_hook=_hooked(stubs, [])))
    assert left_out.regions == ["us-east-1"] and left_out.gaps == []


def test_disabled_opt_in_region_is_not_reported_as_expired_credentials(moto: Any) -> None:
    stubs = _listing({
        "ap-east-1": lambda s: s.add_client_error("list_functions", "UnrecognizedClientException",
                                                  "The security token included in the request is invalid.",
                                                  http_status_code=403)})
    stubs["ec2@us-east-1"] = lambda s: s.add_response(
        "describe_regions", {"Regions": [{"RegionName": "ap-east-1", "OptInStatus": "not-opted-in",
                                          "Endpoint": "ec2.ap-east-1.amazonaws.com"}]},
        expected_params={"RegionNames": ["ap-east-1"], "AllRegions": True})
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=["ap-east-1"],
                                    client_hook=_hooked(stubs, [])), Settings(quiet=True))
    [gap] = result.gaps
    assert gap.missing[0].startswith("region not enabled for this account (opt-in region)")
    assert not any("expired" in n for n in result.notices)


def test_assumed_role_credentials_are_refreshed_before_they_expire(moto: Any) -> None:
    moto.function("f", REGION)
    now = datetime.now(timezone.utc)
    issued = iter([("ASIASHORTLIVED000001", now + timedelta(minutes=5)),  # inside botocore's refresh window
                   ("ASIAFRESH00000000002", now + timedelta(hours=1))])

    def sts(stub: Stubber) -> None:
        key, expires = next(issued)
        stub.add_response("assume_role", {"Credentials": {
            "AccessKeyId": key, "SecretAccessKey": "s" * 20, "SessionToken": "t" * 20, "Expiration": expires}},
            expected_params={"RoleArn": f"arn:aws:iam::{ACCT}:role/Auditor", "RoleSessionName": "lambda-advisor",
                             "ExternalId": "ext-1"})

    stubbers: list[Stubber] = []
    with AwsProxy(moto.endpoint) as proxy:
        outcome = audit(AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION], external_id="ext-1",
                                     role_arn=f"arn:aws:iam::{ACCT}:role/Auditor",
                                     client_hook=_hooked({"sts:AssumeRole": sts}, stubbers)))
    assert len(stubbers) == 2 and all(not s._queue for s in stubbers)  # assumed twice
    assert [d["name"] for d in outcome.documents] == ["f"] and outcome.gaps == []
    by_signer: dict[str, list[str]] = {}
    for key in proxy.stats.calls_by_caller:
        signer, _, service, op = key.split(" ", 3)
        by_signer.setdefault(signer, []).append(f"{service}:{op}")
    # the first credentials signed the identity check only; everything after, the refreshed ones did
    assert by_signer["ASIASHORTLIVED000001"] == ["sts:GetCallerIdentity"]
    assert "lambda:ListFunctions" in by_signer["ASIAFRESH00000000002"]


@pytest.mark.parametrize(("region", "home"), [("cn-north-1", "cn-north-1"), ("us-gov-west-1", "us-gov-west-1"),
                                              ("eu-west-1", "us-east-1")])
def test_iam_and_sts_are_reached_in_the_audited_partition(moto: Any, region: str, home: str) -> None:
    seen: list[tuple[str, str]] = []
    stubs = _listing({region: lambda s: s.add_response("list_functions", {"Functions": [
        _config("p", region, Role=f"arn:aws:iam::{ACCT}:role/stub-role")]})})
    hook = _hooked(stubs, [])

    def record(service: str, r: str, client: Any) -> None:
        seen.append((service, r))
        hook(service, r, client)

    audit(AuditOptions(endpoint_url=moto.endpoint, regions=[region], client_hook=record))
    assert ("iam", home) in seen  # AWS_DEFAULT_REGION is us-east-1: kept when it is in the same partition


def test_log_group_class_and_account_retention_policy_are_carried(moto: Any) -> None:
    moto.role("stub-role")
    names = ["orders", "billing"]
    stubs: Stubs = {
        "lambda:ListFunctions": lambda s: s.add_response("list_functions", {"Functions": [
            _config(n) for n in names]}),
        "lambda:ListEventSourceMappings": _mappings,
        "lambda:GetFunction": lambda s: [s.add_response("get_function", {"Configuration": _config(n), "Tags": {}})
                                         for n in names],
        "lambda:GetPolicy": lambda s: [s.add_client_error("get_policy", "ResourceNotFoundException",
                                                          http_status_code=404) for _ in names],
        "lambda": lambda s: [s.add_response("list_aliases", {"Aliases": []}) for _ in names],
        "logs": lambda s: s.add_response("describe_log_groups", {"logGroups": [
            # Lambda logs on their way to S3 or Firehose: one day, not the author's setting
            {"logGroupName": "/aws/lambda/orders", "logGroupClass": "DELIVERY", "retentionInDays": 1},
            # an account-level retention policy overrides the group's own (and shows its period)
            {"logGroupName": "/aws/lambda/billing", "logGroupClass": "STANDARD", "retentionInDays": 90,
             "retentionPolicyName": "baseline-90-days"}]},
            expected_params={"logGroupNamePrefix": "/aws/lambda/"}),
    }
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                 client_hook=_hooked(stubs, [])))
    assert outcome.gaps == []
    logging = {d["name"]: d["logging"] for d in outcome.documents}
    assert logging["orders"]["log_group_class"] == "DELIVERY" and logging["orders"]["account_retention"] is False
    assert logging["billing"] == {"log_group": "/aws/lambda/billing", "format": None, "retention_days": 90,
                                  "account_retention": True, "log_group_class": "STANDARD"}
