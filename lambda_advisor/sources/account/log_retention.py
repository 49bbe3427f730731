"""Account-level log retention (CloudWatch Logs ``RETENTION_POLICY``) for log groups not created yet.

Lambda creates ``/aws/lambda/<name>`` on the first invocation, with no retention of
its own; an account-level retention policy applies to it from then on. So a group
that does not exist yet is judged by the policies that will cover it: read once
per region, only when some function's group is missing
(``DescribeAccountPolicies`` with ``policyType=RETENTION_POLICY``).

The shapes, as botocore's ``logs`` model documents ``PutAccountPolicy``: the
``policyDocument`` is JSON ``{"retentionInDays": 90 | "NEVER_EXPIRE",
"enforcementMode": "NEW_ONLY" | "RETROACTIVE"}`` (either mode covers a group
created later); ``selectionCriteria`` is absent (every group) or
``LogGroupNamePrefix IN ["/aws/lambda/"]`` (also ``NOT IN``). Where several
policies cover a group the longest retention wins, ``NEVER_EXPIRE`` longest of all.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambda_advisor.sources.account.calls import Calls, Failed, Once

_CRITERIA = re.compile(r"^\s*LogGroupNamePrefix\s+(NOT\s+IN|IN)\s+(\[.*\])\s*$", re.IGNORECASE | re.DOTALL)

def parse_policies(items: list[dict[str, Any]]) -> list[tuple[int | None, str | None, list[str] | None, bool]]:
    """(days or None for never, criteria kind "IN"/"NOT IN"/None for all/"?" unreadable, prefixes, readable)."""
    out: list[tuple[int | None, str | None, list[str] | None, bool]] = []
    for item in items:
        if item.get("policyType") not in (None, "RETENTION_POLICY"):
            continue
        try:
            document = json.loads(item.get("policyDocument") or "{}")
        except ValueError:
            out.append((None, "?", None, False))
            continue
        days = document.get("retentionInDays") if isinstance(document, dict) else None
        readable = (isinstance(days, int) and not isinstance(days, bool)) or days == "NEVER_EXPIRE"
        criteria = item.get("selectionCriteria")
        if not criteria:
            out.append((days if isinstance(days, int) else None, None, None, readable))
            continue
        m = _CRITERIA.match(str(criteria))
        try:
            prefixes = json.loads(m.group(2)) if m else None
        except ValueError:
            prefixes = None
        if not m or not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
            out.append((None, "?", None, False))
            continue
        kind = "NOT IN" if m.group(1).upper().startswith("NOT") else "IN"
        out.append((days if isinstance(days, int) else None, kind, prefixes, readable))
    return out


def retention_for(group: str, policies: list[tuple[int | None, str | None, list[str] | None, bool]]
                  ) -> dict[str, Any] | None:
    """The ``logging`` facts a not-yet-created group will have: None when no policy covers it, or
    when a policy that might cover it cannot be read (then nothing is claimed)."""
    covering: list[int | None] = []
    for days, kind, prefixes, readable in policies:
        if kind == "?":
            return None
        hit = kind is None or (any(group.startswith(p) for p in prefixes or []) == (kind == "IN"))
        if not hit:
            continue
        if not readable:
            return None
        covering.append(days)
    if not covering:
        return None
    never = any(d is None for d in covering)
    longest = None if never else max(d for d in covering if d is not None)
    return {"retention_days": longest if longest is not None else False, "account_retention": True}


class AccountRetentionReads:
    """Mixed into the region's audit: ``calls``, ``region``, ``logs()`` and ``account_retention``."""

    region: str
    calls: Calls
    account_retention: Once

    def logs(self) -> Any:
        raise NotImplementedError

    def _future_group_retention(self, group: str) -> tuple[dict[str, Any] | None, str | None]:
        policies, why = self.account_retention.get("policies", self._read_retention_policies)
        if why:
            return None, why
        return retention_for(group, policies), None

    def _read_retention_policies(self) -> tuple[list[Any], str | None]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"policyType": "RETENTION_POLICY"}
        for _ in range(100):  # botocore has no paginator for it: follow nextToken (20 policies at most)
            got = self.calls.call(self.region, self.logs(), "DescribeAccountPolicies", newer_api=True, **params)
            if isinstance(got, Failed) and got.code in {"404", "UnknownOperationException", "InvalidAction"}:
                return [], None  # an emulator that does not serve it: no policy known
            if isinstance(got, Failed):
                return [], f"{got} (account-level log retention, for log groups not created yet)"
            if not isinstance(got, dict):
                break
            items += got.get("accountPolicies") or []
            if not got.get("nextToken"):
                break
            params["nextToken"] = got["nextToken"]
        return parse_policies(items), None
