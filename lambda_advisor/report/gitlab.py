"""GitLab Code Quality JSON (``artifacts: reports: codequality``), shown in merge requests.

An array of issues with ``description``, ``check_name``, ``fingerprint``,
``severity`` (GitLab's info/minor/major/critical/blocker) and ``location``
(``path`` relative to the project, ``lines.begin``). A live finding has no file:
its path is a stable synthetic one per account, region and function. The
fingerprint is the SARIF one (no line numbers), so issues survive edits.
"""

from __future__ import annotations

import json
from typing import Any

from lambda_advisor.findings import Finding
from lambda_advisor.report.escape import json_text
from lambda_advisor.report.paths import live_path, repo_relative
from lambda_advisor.report.sarif import fingerprint
from lambda_advisor.result import ScanResult

SEVERITIES = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor", "info": "info"}


def _issue(f: Finding) -> dict[str, Any]:
    loc = f.location
    if loc.file:
        path = repo_relative(loc.file) or loc.file
        begin = loc.line or 1
    else:
        path, begin = live_path(loc.account, loc.region, loc.function_name), 1
    description = f"{f.rule_id} {f.message}" if loc.file else f"{f.rule_id} {loc.arn or loc.function_id}: {f.message}"
    names = f.function_names
    if len(names) > 1:
        description += f" (functions: {', '.join(names)})"
    issue: dict[str, Any] = {
        "type": "issue",
        "description": description,
        "check_name": f.rule_id,
        "fingerprint": fingerprint(f),
        "severity": SEVERITIES[f.severity],
        "content": {"body": f.fix.strip()},
        "location": {"path": path, "lines": {"begin": begin}},
    }
    return issue


def render(result: ScanResult, *, color: bool = False) -> str:
    return json_text(json.dumps([_issue(f) for f in result.active], indent=2)) + "\n"
