"""Published versions that no alias routes to: still invocable by their ARN, still configured as published.

A version keeps the runtime, role, layers and environment it was published with:
a secret removed from ``$LATEST`` still lives in ``v1…vN``, and anyone allowed to
invoke ``function:3`` runs it. The region is listed with ``FunctionVersion=ALL``,
so every version's configuration arrives with the listing itself: one page per
50 versions in the region, and no call per function. Versions configured alike
(code aside: a deployment usually publishes new code only) are judged once, as
one document named after the newest of them; a configuration equal to
``$LATEST``'s adds nothing, and one an alias routes to is judged through the
alias (see ``functions``).

Version-qualified resource policies cost one ``GetPolicy`` each, so they are
read for the newest ``max_versions`` versions of each function (10 by default,
``--max-versions``); a function with more is named in a notice, with how many
of its versions' policies were not read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Document
from lambda_advisor.sources.account.calls import NOT_FOUND, Failed
from lambda_advisor.sources.account.functions import configuration_key
from lambda_advisor.sources.account.policies import parse_policy
from lambda_advisor.sources.account.qualifiers import statement_key
from lambda_advisor.sources.account.shapes import function_from_configuration, unqualified

if TYPE_CHECKING:
    from lambda_advisor.sources.account.listing import RegionAudit


@dataclass
class _Group:
    """Published versions of one function that share one configuration."""

    config: dict[str, Any]
    versions: list[int] = field(default_factory=list)


class PublishedVersions:
    """What the ``FunctionVersion=ALL`` listing says about versions, kept per function as it arrives.

    Only one configuration per distinct configuration is held (plus the version numbers), so a
    function with hundreds of versions costs memory for the few configurations it really had.
    """

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, _Group]] = {}
        self.count = 0

    def add(self, config: dict[str, Any]) -> None:
        version = config.get("Version")
        if not isinstance(version, str) or not version.isdigit():
            return
        arn = unqualified(str(config.get("FunctionArn", "")))
        group = self._groups.setdefault(arn, {}).setdefault(configuration_key(config), _Group(config))
        group.versions.append(int(version))
        self.count += 1

    def of(self, arn: str) -> list[_Group]:
        return list(self._groups.get(arn, {}).values())

    def numbers(self, arn: str) -> list[int]:
        return sorted(v for g in self.of(arn) for v in g.versions)


def version_documents(region: RegionAudit, latest: Document, latest_config: dict[str, Any],
                      published: PublishedVersions, max_versions: int) -> tuple[list[tuple[Document, list[str]]],
                                                                                 int]:
    """Documents for the version groups of one function that differ from ``$LATEST`` and from every
    aliased version; then each version policy (newest ``max_versions``) joins its group's document,
    or the function's own when its configuration matches. Returns the documents (with what could
    not be read for each) and the number of versions whose policy the budget left unread."""
    arn = str(latest["id"])
    groups = published.of(arn)
    if not groups:
        return [], 0
    aliased = {str(v) for info in ((latest.get("extra") or {}).get("aliases") or {}).values()
               for v in [info.get("version"), *((info.get("weights") or {}).keys())] if v}
    latest_key = configuration_key(latest_config)
    numbers = published.numbers(arn)
    budget = set(numbers[-max_versions:]) if max_versions > 0 else set()
    out: list[tuple[Document, list[str]]] = []
    for group in sorted(groups, key=lambda g: max(g.versions)):
        own_policy, missing = _version_policies(region, arn, sorted(v for v in group.versions if v in budget))
        if configuration_key(group.config) == latest_key or aliased & {str(v) for v in group.versions}:
            # Judged through $LATEST or the alias; a statement on one of these versions still counts.
            if own_policy and isinstance(latest.get("resource_policy"), list):
                seen = {statement_key(st) for st in latest["resource_policy"]}
                latest["resource_policy"].extend(st for st in own_policy if statement_key(st) not in seen)
            if missing:
                latest.setdefault("errors", []).extend(missing)
            continue
        out.append((_document(region, latest, group, own_policy, missing), missing))
    return out, max(len(numbers) - len(budget), 0)


def _version_policies(region: RegionAudit, arn: str, versions: list[int]) -> tuple[list[dict[str, Any]], list[str]]:
    statements: list[dict[str, Any]] = []
    missing: list[str] = []
    for version in versions:
        got = region.calls.call(region.region, region.lam_policy, "GetPolicy", FunctionName=arn,
                                Qualifier=str(version))
        if isinstance(got, Failed):
            missing.append(f"{got} (version {version})")
        elif got is not NOT_FOUND:
            for st in parse_policy(got.get("Policy") or "{}", origin=f"resource policy of version {version}"):
                st["qualifier"] = str(version)
                statements.append(st)
    return statements, missing


def _document(region: RegionAudit, latest: Document, group: _Group, policy: list[dict[str, Any]],
              missing: list[str]) -> Document:
    """One version group as a function document: its own configuration, role, layers and policy; what
    belongs to the function as a whole (tags, reserved concurrency, log group) copied from ``$LATEST``."""
    newest = max(group.versions)
    source = latest.get("source") or {}
    vfn = function_from_configuration(group.config, region=region.region, account=source.get("account"))
    vfn.id = vfn.source.arn = f"{latest['id']}:{newest}"
    vfn.name = f"{latest['name']}:{newest}"
    versions = sorted(group.versions)
    vfn.extra.update({"version": str(newest), "versions": [str(v) for v in versions], "version_of": latest["id"],
                      "aliases": []})
    vfn.tags = latest.get("tags")
    vfn.suppressions = list(latest.get("suppressions") or [])
    vfn.reserved_concurrency = latest.get("reserved_concurrency")
    vfn.logging = latest.get("logging")
    vfn.account_concurrency = latest.get("account_concurrency")
    vfn.deployment = latest.get("deployment")
    vfn.resource_policy = policy  # who may invoke this version by its ARN; triggers stay on the function
    own: list[str] = [*vfn.errors, *missing]
    region._layers(vfn, own)
    if isinstance(group.config.get("Role"), str):
        role, why = region.shared.role(group.config["Role"], region.shared.outcome.account)
        vfn.role = json.loads(json.dumps(role))
        own += why
    region._subnets(vfn, own)
    vfn.errors = list(dict.fromkeys(own))
    doc: Document = json.loads(json.dumps(vfn.to_json()))
    if len(versions) > 1:
        doc["extra"]["summary"] = f"versions {', '.join(map(str, versions))} share this configuration"
    return doc
