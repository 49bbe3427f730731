"""SARIF taxonomies: the CWE weaknesses and compliance requirements each rule stands for.

Each rule gets tags GitHub code scanning shows and filters on (``external/cwe/cwe-798``,
``compliance/aws-fsbp/Lambda.1``) and ``relationships`` to the taxa of ``run.taxonomies``,
one taxonomy per framework in :mod:`lambda_advisor.compliance` plus CWE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lambda_advisor import compliance

CWE = "CWE"


def rule_tags(rule: Any) -> list[str]:
    return [*(f"external/cwe/cwe-{n}" for n in rule.cwe), *compliance.tags_for(rule.id)]


def relationships(rule: Any) -> list[dict[str, Any]]:
    out = [{"target": {"id": str(n), "toolComponent": {"name": CWE}}, "kinds": ["relevant"]} for n in rule.cwe]
    for fw in compliance.frameworks().values():
        out += [{"target": {"id": req.id, "toolComponent": {"name": fw.id}}, "kinds": ["relevant"]}
                for req in fw.requirements if rule.id in req.rules]
    return out


def taxonomies(rules: Sequence[Any]) -> list[dict[str, Any]]:
    """The taxonomies the rules of this run point into (none when no rule has a relationship)."""
    cwes = sorted({n for r in rules for n in r.cwe})
    out: list[dict[str, Any]] = []
    if cwes:
        out.append({"name": CWE, "organization": "MITRE", "informationUri": "https://cwe.mitre.org/",
                    "taxa": [{"id": str(n), "helpUri": f"https://cwe.mitre.org/data/definitions/{n}.html"}
                             for n in cwes]})
    ran = {r.id for r in rules}
    for fw in compliance.frameworks().values():
        taxa = [{"id": req.id, "shortDescription": {"text": req.title}}
                for req in fw.requirements if ran & set(req.rules)]
        if taxa:
            out.append({"name": fw.id, "fullName": fw.name, "informationUri": fw.source, "taxa": taxa})
    return out
