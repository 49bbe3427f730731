"""Policies: resource policy and IAM statements in the document's shape, and execution roles read once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from lambda_advisor.policy_conditions import condition_value
from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once
from lambda_advisor.sources.principals import INVOKERS
from lambda_advisor.wildcards import wildcard_match

#: Service principal -> (event source type, invocation) for resource policy statements.
SERVICE_SOURCES = INVOKERS


class RoleReader:
    """Execution roles, each read once per audit; managed policies once per policy."""

    def __init__(self, calls: Calls, iam: Callable[[], Any]) -> None:
        self.calls = calls
        self.iam = iam
        self.roles = Once()
        self.managed = Once()


    def role(self, role_arn: str, account: str | None) -> tuple[dict[str, Any], list[str]]:
        result: tuple[dict[str, Any], list[str]] = self.roles.get(role_arn, lambda: self._read_role(role_arn, account))
        return result

    def _read_role(self, role_arn: str, account: str | None) -> tuple[dict[str, Any], list[str]]:
        role: dict[str, Any] = {"arn": role_arn, "statements": [], "managed_policies": [], "complete": True}
        missing: list[str] = []
        m = re.match(r"arn:[^:]+:iam::(\d+):role/(?:.*/)?([^/]+)$", role_arn)
        if not m:
            role["complete"] = False
            return role, [f"IAM: cannot parse role ARN {role_arn}"]
        role_account, name = m.groups()
        if account and role_account != account:
            role["complete"] = False
            return role, [f"IAM: role {name} belongs to account {role_account}, not readable from {account}"]
        iam, calls = self.iam(), self.calls
        names, failed = calls.pages("global", iam, "ListRolePolicies", "PolicyNames", RoleName=name)
        if failed:
            missing.append(f"{failed} (role {name})")
        for policy_name in names:
            got = calls.call("global", iam, "GetRolePolicy", RoleName=name, PolicyName=policy_name)
            if isinstance(got, Failed) or got is NOT_FOUND:
                missing.append(f"{got if isinstance(got, Failed) else 'GetRolePolicy: gone'} (role {name}, policy {policy_name})")
                continue
            role["statements"] += parse_policy(got["PolicyDocument"], origin=f"inline {policy_name}")
        attached, failed = calls.pages("global", iam, "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name)
        if failed:
            missing.append(f"{failed} (role {name})")
        for pol in attached:
            arn = pol["PolicyArn"]
            role["managed_policies"].append(arn)
            statements, why = self.managed.get(arn, partial(self._read_managed, arn))
            if why:
                missing.append(f"{why} (role {name})")
            role["statements"] += statements
        if missing:
            role["complete"] = False
        return role, missing

    def _read_managed(self, arn: str) -> tuple[list[dict[str, Any]], str | None]:
        iam, calls = self.iam(), self.calls
        got = calls.call("global", iam, "GetPolicy", PolicyArn=arn)
        if isinstance(got, Failed) or got is NOT_FOUND:
            return [], f"{got if isinstance(got, Failed) else 'GetPolicy: gone'} (policy {arn})"
        version = calls.call("global", iam, "GetPolicyVersion", PolicyArn=arn,
                             VersionId=got["Policy"]["DefaultVersionId"])
        if isinstance(version, Failed) or version is NOT_FOUND:
            return [], f"{version if isinstance(version, Failed) else 'GetPolicyVersion: gone'} (policy {arn})"
        return parse_policy(version["PolicyVersion"]["Document"], origin=arn), None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _condition_value(conditions: dict[str, Any], key: str) -> str | None:
    value = condition_value(conditions, key)
    return str(value) if value is not None else None


def _principals(principal: Any) -> list[str]:
    if principal is None:
        return []
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        out: list[str] = []
        for value in principal.values():
            out += [str(v) for v in _as_list(value)]
        return out
    return [str(p) for p in _as_list(principal)]


def parse_policy(policy: str | dict[str, Any], *, origin: str) -> list[dict[str, Any]]:
    """IAM / resource policy JSON -> statements in the document's shape (one per principal)."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    out: list[dict[str, Any]] = []
    for st in _as_list((doc or {}).get("Statement")):
        if not isinstance(st, dict):
            continue
        conditions = st.get("Condition") or None
        base: dict[str, Any] = {
            "sid": st.get("Sid"),
            "effect": st.get("Effect", "Allow"),
            "actions": [str(a) for a in _as_list(st.get("Action"))],
            "resources": [str(r) for r in _as_list(st.get("Resource"))],
            "conditions": conditions,
            "origin": origin,
        }
        if st.get("NotAction") is not None:
            base["not_actions"] = [str(a) for a in _as_list(st.get("NotAction"))]
        if "Principal" not in st and "NotPrincipal" not in st:
            out.append(base)  # identity policy
            continue
        source_arn = _condition_value(conditions or {}, "aws:SourceArn")
        source_account = (_condition_value(conditions or {}, "aws:SourceAccount")
                          or _condition_value(conditions or {}, "aws:SourceOwner"))
        principals: list[str | None] = [*_principals(st.get("Principal"))] or [None]
        via_url = _condition_value(conditions or {}, "lambda:InvokedViaFunctionUrl")
        url_auth = _condition_value(conditions or {}, "lambda:FunctionUrlAuthType")
        for principal in principals:
            out.append({**base, "principal": principal, "source_arn": source_arn or False,
                        "source_account": source_account or False,
                        "invoked_via_function_url": str(via_url).lower() == "true" if via_url is not None else None,
                        "function_url_auth_type": url_auth})
    return out


def grants(statement: dict[str, Any], action: str) -> bool:
    return any(isinstance(a, str) and wildcard_match(action.lower(), a.lower()) for a in statement["actions"])
