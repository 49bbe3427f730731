"""LA106: functions with different execution roles on one Lambda Managed Instances capacity provider.

A capacity provider is the security boundary of Managed Instances: its functions run as
containers on shared EC2 instances, and containers do not isolate them from each other the
way Firecracker microVMs do. Functions whose roles differ are, by their own configuration,
not equally trusted; roles that grant exactly the same (SAM's generated roles with the same
policies) are not told apart. A graph rule: it groups the functions of the scan by capacity provider,
and reports once per provider (``Hit.group``), naming every function and role.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit

#: Roles named in one message before "and N more".
MAX_NAMED = 4


def _identity(doc: Document, part: Any) -> str | None:
    """A capacity provider or role of a document: its logical ID in the document's file, or its ARN."""
    if not isinstance(part, dict):
        return None
    if part.get("logical_id"):
        return f"{(doc.get('source') or {}).get('file') or ''}#{part['logical_id']}"
    arn = part.get("arn")
    return arn if isinstance(arn, str) else None


def _provider(doc: Document) -> str | None:
    return _identity(doc, doc.get("capacity_provider"))


def _provider_name(doc: Document) -> str:
    cp = doc.get("capacity_provider") or {}
    arn = cp.get("arn")
    return str(cp.get("logical_id") or (arn.rsplit(":", 1)[-1] if isinstance(arn, str) else "capacity provider"))


def _role(doc: Document) -> str | None:
    """What a role grants, to compare two functions by: its statements and managed policies when
    they are completely known (two roles that grant the same are no escalation), else its identity;
    None when neither is known."""
    role = doc.get("role") or {}
    if role.get("complete") is True and isinstance(role.get("statements"), list):
        grants = sorted(json.dumps([st.get("effect"), st.get("actions"), st.get("not_actions"), st.get("resources")],
                                   sort_keys=True, default=str) for st in role["statements"])
        return json.dumps([grants, sorted(map(str, role.get("managed_policies") or []))])
    return _identity(doc, role)


def _role_name(doc: Document) -> str:
    role = doc.get("role") or {}
    arn = role.get("arn")
    return str(role.get("logical_id") or (arn.rsplit("/", 1)[-1] if isinstance(arn, str) else "?"))


def roles_share_capacity_provider(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA106: one hit per function of a provider shared by functions of two or more roles (merged by group)."""
    provider = _provider(doc)
    if provider is None or _role(doc) is None:
        return
    peers = [fn for fn in ctx.functions if _provider(fn) == provider and _role(fn) is not None]
    roles: dict[str, list[str]] = {}
    for fn in peers:
        roles.setdefault(_role_name(fn), []).append(str(fn["name"]))
    if len({_role(fn) for fn in peers}) < 2:
        return  # one role, or roles that grant the same
    shown = sorted(roles.items())
    parts = [f"{', '.join(sorted(names))} (role {role})" for role, names in shown[:MAX_NAMED]]
    if len(shown) > MAX_NAMED:
        parts.append(f"{len(shown) - MAX_NAMED} more roles")
    yield Hit(
        message=(f"capacity provider {_provider_name(doc)} runs functions with {len(roles)} different execution "
                 f"roles: {'; '.join(parts)}; a capacity provider is Managed Instances' security boundary "
                 f"(its functions share instances, and containers do not isolate them), so give functions "
                 f"that are not equally trusted their own capacity provider"),
        pointer="/capacity_provider",
        subject=f"capacity-provider:{_provider_name(doc)}",
        group=f"capacity-provider:{provider}",
        extra={"capacity_provider": _provider_name(doc), "roles": sorted(roles)},
    )
