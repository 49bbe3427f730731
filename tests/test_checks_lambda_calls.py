"""LA301 on hand-built documents: role, SAM LambdaInvokePolicy, environment, code; one finding per
caller->callee pair; durable callers, destinations and roles that cannot invoke."""

from __future__ import annotations

from datetime import date
from typing import Any

from lambda_advisor.checks import Context
from lambda_advisor.checks.lambda_calls import lambda_invokes_lambda


def fn(lid: str, name: str | None = None, file: str = "t.yaml", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": f"{file}#{lid}", "name": name or lid, "environment": {},
                            "role": {"statements": []}, "code": None, "lines": {},
                            "source": {"kind": "template", "file": file, "logical_id": lid, "line": 1}}
    base.update(fields)
    return base


def ref(lid: str, attribute: str | None = None, typ: str = "AWS::Serverless::Function") -> dict[str, Any]:
    text = f"!GetAtt {lid}.{attribute}" if attribute else f"!Ref {lid}"
    return {"unresolved": text, "refs": [{"logical_id": lid, "type": typ, "attribute": attribute}]}


def stmt(resources: list[Any], actions: list[str] | None = None, origin: str = "inline policy p",
         effect: str = "Allow") -> dict[str, Any]:
    return {"effect": effect, "actions": actions or ["lambda:InvokeFunction"], "resources": resources,
            "origin": origin, "line": 12}


def hits(doc: dict[str, Any], *others: dict[str, Any]) -> list[Any]:
    return list(lambda_invokes_lambda(doc, Context(params={}, today=date(2026, 11, 22),
                                                   functions=[doc, *others])))


WORKER = fn("Worker")
NAMED = fn("Payments", name="acme-payments")


def test_role_statement_on_another_function_names_both() -> None:
    api = fn("Api", role={"statements": [stmt([ref("Worker", "Arn")], origin="SAM LambdaInvokePolicy")]})
    (hit,) = hits(api, WORKER)
    assert hit.pointer == "/role/statements/0"
    assert hit.subject == "call:Worker"  # no path: fingerprints must not depend on the cwd
    assert hit.aliases == ["role:Worker"]  # what earlier versions keyed baselines on
    assert hit.message == ("Api may invoke Worker directly: its role allows lambda:InvokeFunction on it "
                           "(from SAM LambdaInvokePolicy)")


def test_sam_policy_template_with_literal_name_and_wildcard_suffix() -> None:
    resource = {"unresolved": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:acme-payments*"}
    api = fn("Api", role={"statements": [stmt([resource], origin="SAM LambdaInvokePolicy")]})
    (hit,) = hits(api, NAMED)
    assert "acme-payments" in hit.message


def test_wildcard_actions_count_but_wildcard_resources_do_not() -> None:
    api = fn("Api", role={"statements": [stmt([ref("Worker", "Arn")], actions=["lambda:*"]),
                                         stmt(["*"], actions=["*"]),
                                         stmt(["arn:aws:lambda:us-east-1:1:function:*"])]})
    assert [h.pointer for h in hits(api, WORKER)] == ["/role/statements/0"]


def test_deny_and_other_actions_do_not_count() -> None:
    api = fn("Api", role={"statements": [stmt([ref("Worker", "Arn")], effect="Deny"),
                                         stmt([ref("Worker", "Arn")], actions=["lambda:GetFunction"])]})
    assert hits(api, WORKER) == []


def test_environment_by_ref_getatt_literal_name_and_arn() -> None:
    api = fn("Api", environment={
        "WORKER": ref("Worker"),
        "WORKER_ARN": ref("Worker", "Arn"),
        "PAYMENTS": "acme-payments",
        "PAYMENTS_ARN": "arn:aws:lambda:us-east-1:123456789012:function:acme-payments",
        "TABLE": ref("Table", None, "AWS::DynamoDB::Table"),
        "MODE": "Worker",  # the logical ID as a literal is no evidence
    })
    found = {(h.pointer, h.extra["target"], h.extra["evidence"]) for h in hits(api, WORKER, NAMED)}
    assert found == {("/environment/WORKER", "t.yaml#Worker", 2), ("/environment/PAYMENTS", "t.yaml#Payments", 2)}
    message = next(h.message for h in hits(api, WORKER) if h.pointer == "/environment/WORKER")
    assert message == ("Api may invoke Worker directly: environment variable WORKER carries its name or ARN; "
                       "environment variable WORKER_ARN carries its name or ARN")


def test_refs_only_match_functions_of_the_same_file() -> None:
    other_file = fn("Worker", file="other.yaml")
    api = fn("Api", environment={"WORKER": ref("Worker")})
    assert hits(api, other_file) == []


def test_self_reference_is_not_a_call() -> None:
    api = fn("Api", environment={"SELF": ref("Api")})
    assert hits(api) == []


def test_code_invoke_calls_are_hits_naming_file_and_line() -> None:
    api = fn("Api", code={"inspection": {"invoke_calls": [
        {"path": "src/app.py", "line": 42, "call": "lambda_client.invoke", "target": "acme-payments"},
        {"path": "src/app.py", "line": 50, "call": "client.invoke"},
    ]}})
    (hit,) = hits(api, NAMED)  # one callee known: the call that hides its target is to it too
    assert hit.message == ("Api invokes acme-payments directly: its code calls it: lambda_client.invoke at "
                           "src/app.py:42; its code calls it: client.invoke at src/app.py:50")
    assert hit.pointer == "/code" and "42" not in (hit.subject or "")
    assert hit.aliases == ["code:src/app.py#1", "code:src/app.py#2"]


def test_a_hidden_target_stays_apart_when_two_callees_are_known() -> None:
    api = fn("Api", code={"inspection": {"invoke_calls": [
        {"path": "app.py", "line": 4, "target": "acme-payments"},
        {"path": "app.py", "line": 5, "target": "worker-fn"},
        {"path": "app.py", "line": 6, "target": "fn_name"},
    ]}}, environment={})
    worker = fn("Worker", name="Worker")
    messages = sorted(h.message for h in hits(api, NAMED, {**worker, "name": "worker-fn"}))
    assert messages[0] == "Api invokes acme-payments directly: its code calls it: app.py:4"
    assert messages[1] == "Api invokes another function (fn_name) directly: its code calls it: app.py:6"
    assert messages[2] == "Api invokes worker-fn directly: its code calls it: app.py:5"


def test_code_invoke_target_read_from_the_environment_is_followed() -> None:
    for target in ("os.environ['PAYMENT_FUNCTION']", 'os.environ.get("PAYMENT_FUNCTION")',
                   "process.env.PAYMENT_FUNCTION"):
        api = fn("Api", environment={"PAYMENT_FUNCTION": ref("Payments")},
                 code={"inspection": {"invoke_calls": [{"path": "app.py", "line": 3, "target": target}]}})
        (hit,) = hits(api, NAMED)  # the variable and the call: one caller->callee pair
        assert hit.pointer == "/environment/PAYMENT_FUNCTION"
        assert hit.message == ("Api invokes acme-payments directly: environment variable PAYMENT_FUNCTION carries "
                               f"its name or ARN; its code calls it via {target}: app.py:3"), target


def test_a_durable_caller_is_not_reported() -> None:
    api = fn("Api", durable={"execution_timeout_s": 3600}, environment={"WORKER": ref("Worker")},
             role={"statements": [stmt([ref("Worker", "Arn")])], "complete": True})
    assert hits(api, WORKER) == []


def test_an_async_destination_is_not_a_call() -> None:
    grant = stmt([ref("Worker", "Arn")], origin="SAM EventInvokeConfig OnSuccess destination")
    api = fn("Api", event_invoke={"on_success": ref("Worker", "Arn"), "on_failure": False},
             role={"statements": [grant], "complete": True})
    assert hits(api, WORKER) == []


def test_a_name_in_the_environment_needs_a_role_that_may_invoke() -> None:
    table = stmt([ref("Table", "Arn", "AWS::DynamoDB::Table")], actions=["dynamodb:PutItem"])
    complete = {"statements": [table], "complete": True}
    assert hits(fn("Api", environment={"TARGET": ref("Worker", "Arn")}, role=complete), WORKER) == []
    partial = {"statements": [table], "complete": False}  # an unread policy may allow it
    sam_only = {"statements": [table], "complete": False, "unread": ["SAM DynamoDBStreamReadPolicy"]}
    assert hits(fn("Api", environment={"TARGET": ref("Worker", "Arn")}, role=sam_only), WORKER) == []
    managed = {**sam_only, "unread": ["SAM DynamoDBStreamReadPolicy", "managed policy AWSLambda_FullAccess"]}
    assert len(hits(fn("Api", environment={"TARGET": ref("Worker", "Arn")}, role=managed), WORKER)) == 1
    assert len(hits(fn("Api", environment={"TARGET": ref("Worker", "Arn")}, role=partial), WORKER)) == 1
    anywhere = {"statements": [table, stmt(["*"])], "complete": True}
    assert len(hits(fn("Api", environment={"TARGET": ref("Worker", "Arn")}, role=anywhere), WORKER)) == 1


def test_a_call_the_role_refuses_is_reported_and_says_so() -> None:
    api = fn("Api", role={"statements": [], "complete": True},
             code={"inspection": {"invoke_calls": [{"path": "app.py", "line": 9, "target": "acme-payments"}]}})
    (hit,) = hits(api, NAMED)
    assert hit.message.endswith("so the call fails with AccessDeniedException")


def test_starting_a_durable_function_is_not_reported() -> None:
    workflow = fn("Workflow", durable={"execution_timeout_s": 86400})
    api = fn("Api", role={"statements": [stmt([ref("Workflow", "Arn")])], "complete": True},
             environment={"WORKFLOW": ref("Workflow")})
    assert hits(api, workflow) == []


def test_a_grant_on_a_shared_role_is_the_function_that_names_the_callee() -> None:
    role = {"logical_id": "Shared", "statements": [stmt([ref("A", "Arn"), ref("B", "Arn")])]}
    orchestrator = fn("Orchestrator", role=role, environment={"A": ref("A"), "B": ref("B")})
    a, b = fn("A", role=role), fn("B", role=role)
    everyone = (orchestrator, a, b)
    found = {doc["name"]: sorted(h.subject for h in hits(doc, *[o for o in everyone if o is not doc]))
             for doc in everyone}
    assert found == {"Orchestrator": ["call:A", "call:B"], "A": [], "B": []}
    # nobody names the callee: the grant is the only evidence, for every function on the role
    assert [h.subject for h in hits(fn("A", role=role), fn("B", role=role))] == ["call:B"]
    # a role of its own is no role mate
    alone = fn("A", role={**role, "logical_id": "Other"})
    assert [h.subject for h in hits(alone, orchestrator, fn("B", role=role))] == ["call:B"]
