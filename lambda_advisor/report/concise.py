"""One finding a line, like ruff's ``concise`` and cfn-lint's ``parseable`` output.

``path:line:col: LA205 [low] message`` for template findings, the ARN for live
ones; then inputs that could not be read, and a summary line.
"""

from __future__ import annotations

from lambda_advisor.report.text import summary
from lambda_advisor.result import ScanResult


def render(result: ScanResult, *, color: bool = False) -> str:
    out = [f"{f.location.editor()}: {f.rule_id} [{f.severity}] {' '.join(f.message.split())}" for f in result.active]
    if result.meta.get("show_suppressed"):
        out += [f"{f.location.editor()}: {f.rule_id} [{f.severity}] {' '.join(f.message.split())} "
                f"[suppressed: {f.suppressed}]" for f in result.suppressed]
        out += [f"{f.location.editor()}: {f.rule_id} [{f.severity}] {' '.join(f.message.split())} [in baseline]"
                for f in result.baselined]
    out += [f"{e.where}:{e.line or 1}:1: error: {e.message}" for e in result.errors]
    out += [f"{g.where}: not fully evaluated ({g.region or 'all regions'}): {'; '.join(g.missing)}"
            for g in result.gaps]
    out.append(summary(result))
    return "\n".join(out) + "\n"
