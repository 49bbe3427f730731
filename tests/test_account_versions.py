"""Published versions against moto's server: every version's configuration from the listing, version
policies within a budget, weighted aliases' canaries, and no duplicate for a version like ``$LATEST``."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.sources.account import AuditOptions, audit
from lambda_advisor.sources.account.functions import configuration_key, same_configuration

REGION = "us-east-1"
SECRET = "AKIAIOSFODNN7EXAMPLE"


def _publish(lam: Any, name: str, **config: Any) -> str:
    if config:
        lam.update_function_configuration(FunctionName=name, **config)
    return str(lam.publish_version(FunctionName=name)["Version"])


def test_a_secret_removed_from_latest_is_found_in_the_versions_that_keep_it(moto: Any) -> None:
    moto.function("billing", Environment={"Variables": {"AWS_KEY": SECRET}}, MemorySize=256,
                  TracingConfig={"Mode": "Active"})
    lam = moto.client("lambda")
    v1 = _publish(lam, "billing")
    v2 = _publish(lam, "billing", Description="same settings")  # configured as v1: judged with it
    v3 = _publish(lam, "billing", Environment={"Variables": {"AWS_KEY_ARN": "arn:aws:secretsmanager:x"}})
    lam.add_permission(FunctionName="billing", StatementId="anyone", Action="lambda:InvokeFunction",
                       Principal="*", Qualifier=v1)
    result = CliRunner().invoke(cli, ["audit", "--endpoint-url", moto.endpoint, "--region", REGION,
                                      "--format", "json", "--quiet"], catch_exceptions=False)
    report = json.loads(result.stdout)
    by_name: dict[str, set[str]] = {}
    for f in report["findings"]:
        by_name.setdefault(f["location"]["function_name"], set()).add(f["rule_id"])
    assert "LA101" not in by_name.get("billing", set())  # $LATEST no longer holds it
    old = f"billing:{v2}"
    assert {"LA101", "LA103"} <= by_name[old], by_name  # the old versions do, and v1 is open to anyone
    assert not any(name.endswith(f":{v3}") for name in by_name)  # v3 is configured as $LATEST
    assert report["scope"]["inventory"] == {"event_functions": 1, "web_functions": 0, "versions": 1}
    assert report["gaps"] == []


def test_versions_cost_no_call_per_function_and_policies_stay_within_the_budget(moto: Any) -> None:
    moto.function("churn", Environment={"Variables": {"STEP": "0"}})
    lam = moto.client("lambda")
    for step in range(1, 13):
        _publish(lam, "churn", Environment={"Variables": {"STEP": str(step)}})
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], max_versions=3))
    assert outcome.gaps == []
    names = sorted(d["name"] for d in outcome.documents)
    assert len(names) == 12 and "churn" in names  # $LATEST plus 11 versions unlike it (v12 is $LATEST's twin)
    assert outcome.calls[f"{REGION} lambda GetPolicy"] == 1 + 3  # the function's, then the 3 newest versions'
    assert outcome.calls[f"{REGION} lambda ListFunctions"] == 1  # the versions came with the listing
    assert outcome.version_budget == [f"churn ({REGION}): 9 of 12"]


def test_a_weighted_alias_canary_is_read_and_a_snapstart_twin_is_no_duplicate(moto: Any) -> None:
    moto.function("checkout", Environment={"Variables": {"MODE": "a"}})
    lam = moto.client("lambda")
    stable = _publish(lam, "checkout")
    canary = _publish(lam, "checkout", Environment={"Variables": {"MODE": "b", "DB_PASSWORD": "hunter2hunter2"}})
    _publish(lam, "checkout", Environment={"Variables": {"MODE": "c"}})
    lam.create_alias(FunctionName="checkout", Name="live", FunctionVersion=stable,
                     RoutingConfig={"AdditionalVersionWeights": {canary: 0.1}})
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION]))
    docs = {d["name"]: d for d in outcome.documents}
    assert f"checkout:{canary}" in docs, sorted(docs)  # the canary, by its version number
    assert docs[f"checkout:{canary}"]["extra"]["aliases"] == ["live (10 % canary)"]
    assert "checkout:live" in docs  # the alias's main version differs from $LATEST too
    assert len(docs) == 3  # no third document for a version an alias already covers


def test_snapstart_versions_report_optimization_on_and_are_still_twins_of_latest() -> None:
    latest = {"Runtime": "java21", "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}}
    published = {"Runtime": "java21", "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}}
    assert same_configuration(published, latest)
    assert configuration_key(published) == configuration_key(latest)
    assert not same_configuration({**published, "SnapStart": {"ApplyOn": "None"}}, latest)


def test_max_versions_minus_one_reads_no_version(moto: Any) -> None:
    moto.function("plain", Environment={"Variables": {"A": "1"}})
    lam = moto.client("lambda")
    _publish(lam, "plain")
    _publish(lam, "plain", Environment={"Variables": {"A": "2"}})
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], max_versions=-1))
    assert [d["name"] for d in outcome.documents] == ["plain"]
