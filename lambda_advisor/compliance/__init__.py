"""Compliance frameworks as data: which rules decide which requirement, and what a run says about each.

One YAML file per framework in this package (``id``, ``name``, ``source``, ``read``, and
``requirements``: ``id``, ``title``, ``rules``, optionally ``via``: the AWS controls the
relation goes through). A requirement no rule decides has ``rules: []`` and is always
"manual". Rules name requirements only through these files, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: What a run says about one requirement.
FAILED, PASSED, NOT_ASSESSED, MANUAL = "failed", "passed", "not assessed", "manual"


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    rules: tuple[str, ...]
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    source: str
    read: str
    requirements: tuple[Requirement, ...]

    @property
    def rules(self) -> set[str]:
        """Every rule that decides one of the framework's requirements."""
        return {r for req in self.requirements for r in req.rules}


@dataclass
class Row:
    """One requirement of one run: its status and the findings behind a failure."""

    requirement: Requirement
    status: str
    findings: list[Any] = field(default_factory=list)


@lru_cache(maxsize=1)
def frameworks() -> dict[str, Framework]:
    """Every framework shipped in this package, by ID."""
    from lambda_advisor.sources.yaml_loader import loads

    found: dict[str, Framework] = {}
    for path in sorted(HERE.glob("*.yaml")):
        data = loads(path.read_text(encoding="utf-8"), plain=True)
        found[data["id"]] = Framework(
            id=data["id"], name=data["name"], source=data["source"], read=str(data["read"]),
            requirements=tuple(Requirement(id=str(r["id"]), title=r["title"], rules=tuple(r.get("rules") or ()),
                                           via=tuple(r.get("via") or ())) for r in data["requirements"]))
    return found


def framework(name: str) -> Framework:
    """The framework called ``name`` (its ID, any case); ValueError naming the known ones otherwise."""
    known = frameworks()
    for fid, fw in known.items():
        if fid.lower() == name.strip().lower():
            return fw
    raise ValueError(f"unknown framework {name!r}; known: {', '.join(sorted(known))}")


def tags_for(rule_id: str) -> list[str]:
    """SARIF tags naming the requirements a rule decides: ``compliance/aws-fsbp/Lambda.1``."""
    return [f"compliance/{fw.id}/{req.id}" for fw in frameworks().values()
            for req in fw.requirements if rule_id in req.rules]


def assess(fw: Framework, findings: Iterable[Any], ran: Iterable[str], functions: int) -> list[Row]:
    """Each requirement's status in one run.

    ``failed``: a counted finding (not suppressed, not baselined) of one of its rules;
    ``passed``: all its rules ran over at least one function and none found anything;
    ``not assessed``: one of its rules did not run (not selected, or no function to run on);
    ``manual``: no rule decides it.
    """
    ran = set(ran)
    findings = list(findings)
    rows = []
    for req in fw.requirements:
        if not req.rules:
            rows.append(Row(req, MANUAL))
            continue
        behind = [f for f in findings if f.rule_id in req.rules]
        if behind:
            rows.append(Row(req, FAILED, behind))
        elif functions and all(r in ran for r in req.rules):
            rows.append(Row(req, PASSED))
        else:
            rows.append(Row(req, NOT_ASSESSED))
    return rows


def report_rows(result: Any) -> list[tuple[Framework, list[Row]]]:
    """The frameworks a run was asked about (``--framework``), each with its rows, for the reports."""
    names = (getattr(result, "meta", None) or {}).get("frameworks") or []
    ran = [r.id for r in result.rules or []]
    return [(framework(n), assess(framework(n), result.active, ran, len(result.documents))) for n in names]


def rows_json(result: Any) -> list[dict[str, Any]]:
    """``report_rows`` as the JSON report carries them (findings by fingerprint)."""
    return [{"framework": fw.id, "name": fw.name, "source": fw.source, "read": fw.read,
             "requirements": [{"id": row.requirement.id, "title": row.requirement.title, "status": row.status,
                               "rules": list(row.requirement.rules), "via": list(row.requirement.via),
                               "findings": [f.fingerprint for f in row.findings]} for row in rows]}
            for fw, rows in report_rows(result)]
