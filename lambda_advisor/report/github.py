"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

``::error file=infra/app.yaml,line=12,col=7,title=LA101 …::message`` — no code
scanning needed. critical/high are ``error``, medium ``warning``, low/info
``notice``. Paths are relative to the repository root (``$GITHUB_WORKSPACE``);
live findings have no file and carry the ARN in the message. Every field from
input is first made inert for a log (:func:`lambda_advisor.report.escape.terminal`),
then escaped as the runner expects (``%``, CR, LF; and ``:`` ``,`` in properties).
"""

from __future__ import annotations

from lambda_advisor.findings import Finding
from lambda_advisor.report.escape import terminal as t
from lambda_advisor.report.escape import workflow_data, workflow_property
from lambda_advisor.report.paths import repo_relative
from lambda_advisor.report.text import reflow, summary
from lambda_advisor.result import ScanResult

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "notice", "info": "notice"}


def command(level: str, message: str, **props: object) -> str:
    """One workflow command; ``message`` may hold line breaks of ours, its input parts already inert."""
    body = ",".join(f"{k}={workflow_property(t(v))}" for k, v in props.items() if v not in (None, ""))
    return f"::{level}{' ' + body if body else ''}::{workflow_data(message)}"


def _annotation(f: Finding) -> str:
    loc = f.location
    message = t(f.message) if loc.file else f"{t(loc.arn or loc.function_id)}: {t(f.message)}"
    names = f.function_names
    if len(names) > 1:
        message += f"\nFunctions: {', '.join(t(n) for n in names)}"
    if loc.inherited_from:
        message += f"\n(inherited from {t(loc.inherited_from)})"
    if f.fix:  # prose re-joined, snippets as written
        message += "\n\nFix: " + "\n".join(reflow(t(f.fix, multiline=True)))
    file = (repo_relative(loc.file) or loc.file) if loc.file else None
    return command(LEVELS[f.severity], message, file=file, line=loc.line if file else None,
                   col=loc.column if file and loc.line else None,
                   title=f"{f.rule_id} {f.title} [{f.severity}]")


def render(result: ScanResult, *, color: bool = False) -> str:
    out = [_annotation(f) for f in result.active]
    if result.meta.get("show_suppressed"):  # plain log lines, not annotations: they do not count
        out += [f"suppressed: {t(f.location.editor())}: {t(f.rule_id)} {t(f.message)} [{t(f.suppressed)}]"
                for f in result.suppressed]
        out += [f"in baseline: {t(f.location.editor())}: {t(f.rule_id)} {t(f.message)}" for f in result.baselined]
    for e in result.errors:
        file = repo_relative(e.where) if result.kind == "scan" else None
        out.append(command("error", t(str(e) if file is None else e.message), file=file,
                           line=e.line if file else None, title="lambda-advisor: input not read"))
    for g in result.gaps:
        out.append(command("warning", t(f"{g.where} ({g.region or 'all regions'}): {'; '.join(g.missing)}"),
                           title="lambda-advisor: not fully evaluated"))
    out.append(summary(result))
    return "\n".join(out) + "\n"
