"""Which findings a run may fix: the policy of ``--unsafe-fixes``/``fixable``/``unfixable``, and its candidates.

Kept apart from :mod:`lambda_advisor.fixes.apply` so that a plain scan can count
what ``--fix`` would take on (the report's closing line) without loading the
fixers, the editor and the re-scan they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambda_advisor.engine import Rule
    from lambda_advisor.findings import Finding
    from lambda_advisor.result import ScanResult

#: Template producers whose files are written by hand; generated ones (cdk.out, .serverless) are not fixed.
FIXABLE_FORMATS = ("cloudformation", "sam")


@dataclass
class FixPolicy:
    """Which fixes a run may apply: ``--unsafe-fixes`` and the ``fixable``/``unfixable`` lists."""

    unsafe: bool = False
    fixable: list[str] = field(default_factory=lambda: ["ALL"])
    unfixable: list[str] = field(default_factory=list)

    def allows(self, rule: Rule) -> bool:
        spec = rule.autofix
        if not spec:
            return False
        if spec.get("safety") != "safe" and not self.unsafe:
            return False
        if not any(p == "ALL" or rule.id.startswith(p) for p in self.fixable):
            return False
        return not any(p == "ALL" or rule.id.startswith(p) for p in self.unfixable)


def candidates(result: ScanResult, policy: FixPolicy) -> list[Finding]:
    """Active template findings whose rule offers a fix this policy allows."""
    rules = {r.id: r for r in result.rules}
    docs = {d["id"]: d for d in result.documents}
    out = []
    for f in result.active:
        rule = rules.get(f.rule_id)
        doc = docs.get(f.location.function_id)
        if rule is None or doc is None or not policy.allows(rule):
            continue
        src = doc.get("source") or {}
        if src.get("kind") == "template" and src.get("format") in FIXABLE_FORMATS and src.get("file"):
            out.append(f)
    return out
