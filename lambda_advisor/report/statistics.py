"""``--statistics``: how many findings each rule produced, most first (ruff's ``--statistics``)."""

from __future__ import annotations

import json
from collections import Counter

from lambda_advisor.findings import SEVERITY_RANK, Finding
from lambda_advisor.report.escape import json_text, terminal
from lambda_advisor.result import ScanResult


def rows(result: ScanResult) -> list[dict[str, object]]:
    counts = Counter(f.rule_id for f in result.active)
    functions: dict[str, set[str]] = {}
    first: dict[str, Finding] = {}
    for f in result.active:
        functions.setdefault(f.rule_id, set()).update(a.function_id for a in f.affected)
        first.setdefault(f.rule_id, f)
    ordered = sorted(counts, key=lambda r: (-counts[r], -SEVERITY_RANK[first[r].severity], r))
    return [{"rule_id": r, "count": counts[r], "functions": len(functions[r]), "severity": first[r].severity,
             "title": first[r].title} for r in ordered]


def render(result: ScanResult, *, as_json: bool = False) -> str:
    table = rows(result)
    if as_json:
        return json_text(json.dumps(table, indent=2)) + "\n"
    if not table:
        return "no findings\n"
    width = max(len(str(r["count"])) for r in table)
    lines = [f"{r['count']:>{width}}  {terminal(r['rule_id']):<6} {r['severity']:<8} {terminal(r['title'])} "
             f"({r['functions']} function{'s' if r['functions'] != 1 else ''})" for r in table]
    return "\n".join(lines) + "\n"
