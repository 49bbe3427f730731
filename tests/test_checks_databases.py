"""LA302: direct RDS connections, judged from the environment only."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.databases import rds_without_proxy

CTX = Context(params={}, today=date(2026, 11, 22))


def _doc(env: dict[str, Any] | None) -> dict[str, Any]:
    return {"name": "fn", "environment": env}


def _ref(kind: str, attribute: str | None) -> dict[str, Any]:
    return {"unresolved": "x", "refs": [{"logical_id": "Db", "type": kind, "attribute": attribute}]}


@pytest.mark.parametrize("value", [
    "mydb.c9akciq32.eu-west-1.rds.amazonaws.com",
    "jdbc:mysql://app.cluster-ro-c9akciq32.us-east-1.rds.amazonaws.com:3306/app",
    "db.c9akciq32.cn-north-1.rds.amazonaws.com.cn",
    _ref("AWS::RDS::DBInstance", "Endpoint.Address"),
    _ref("AWS::RDS::DBCluster", "ReadEndpoint.Address"),
])
def test_direct_endpoints_fire(value: Any) -> None:
    (hit,) = rds_without_proxy(_doc({"DB": value, "STAGE": "prod"}), CTX)
    assert hit.pointer == "/environment/DB" and "RDS Proxy" in hit.message and hit.subject == "env:DB"


@pytest.mark.parametrize("env", [
    None, {},
    {"DB": "orders.proxy-c9akciq32.eu-west-1.rds.amazonaws.com"},
    {"DB": _ref("AWS::RDS::DBProxy", "Endpoint")},
    {"DB": _ref("AWS::RDS::DBInstance", None)},  # !Ref: the instance identifier, not an endpoint
    {"DB": _ref("AWS::RDS::DBInstance", "Endpoint.Address"), "PROXY": _ref("AWS::RDS::DBProxyEndpoint", "Endpoint")},
    {"URL": "https://notrds.amazonaws.com.example.org", "HOST": "rds.amazonaws.com.evil.example"},
])
def test_proxies_identifiers_and_lookalikes_pass(env: dict[str, Any] | None) -> None:
    assert list(rds_without_proxy(_doc(env), CTX)) == []
