"""Machine-readable report; its shape is ``schema/report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from lambda_advisor import __version__
from lambda_advisor.report.escape import json_text
from lambda_advisor.result import ScanResult

REPORT_VERSION = 1


def to_dict(result: ScanResult) -> dict[str, Any]:
    out = _body(result)
    if isinstance(result.meta.get("scope"), dict):
        out["scope"] = result.meta["scope"]  # what an audit covered (absent for a template scan)
    return out


def _body(result: ScanResult) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "lambda-advisor", "version": __version__},
        "kind": result.kind,
        "summary": {
            "functions": len(result.documents),
            "findings": len(result.active),
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
            "errors": len(result.errors),
            "gaps": len(result.gaps),
        },
        "findings": [f.to_json() for f in result.active],
        "suppressed": [f.to_json() for f in result.suppressed],
        "baselined": [f.to_json() for f in result.baselined],
        "stale_baseline": result.stale_baseline,
        "errors": [{"where": e.where, "line": e.line, "message": e.message} for e in result.errors],
        "gaps": [{"where": g.where, "region": g.region, "missing": g.missing} for g in result.gaps],
        "skipped": result.skipped,
    }


def render(result: ScanResult, *, color: bool = False) -> str:
    out = to_dict(result)
    if result.meta.get("frameworks"):
        from lambda_advisor.compliance import rows_json

        out["compliance"] = rows_json(result)
    return json_text(json.dumps(out, indent=2, sort_keys=False)) + "\n"
