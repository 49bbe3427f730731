"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer).

* every rule that ran is a ``reportingDescriptor`` with its whole page in
  ``help.markdown`` (:func:`lambda_advisor.docs.rule_markdown`) and, as
  ``helpUri``, the AWS documentation the rule cites first (left out when it
  cites none);
* a template finding has a physical location (the file relative to the
  repository root, under ``uriBaseId`` ``%SRCROOT%``, with line and column)
  and a logical location (the resource's logical ID);
* a live finding (audit or snapshot) has a stable synthetic physical location,
  ``aws/<account>/<region>/lambda/<name>`` — code scanning refuses a whole
  upload when one result has none — and keeps the ARN as its logical location;
* ``partialFingerprints`` carries our own fingerprint (rule, function identity,
  subject — no line numbers), so alerts survive edits;
* severity maps to ``level`` and to the ``security-severity`` property that
  GitHub reads to rank security alerts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lambda_advisor import __version__
from lambda_advisor.findings import Finding
from lambda_advisor.report.escape import json_text, md_url
from lambda_advisor.report.paths import absolute, live_path, repo_relative, repo_root
from lambda_advisor.result import ScanResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "lambdaAdvisorFingerprint/v1"

#: lambda-advisor severity -> SARIF level.
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
#: lambda-advisor severity -> GitHub ``security-severity`` (critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low < 4).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def artifact_uri(file: str, root: Path | None = None) -> str:
    """A repository-relative URI (forward slashes) when the file is under the root; else a file URI."""
    relative = repo_relative(file, root)
    return relative if relative is not None else absolute(file).as_uri()


def artifact_location(file: str) -> dict[str, Any]:
    """``{"uri": "infra/app.yaml", "uriBaseId": "%SRCROOT%"}``, or an absolute file URI outside the root."""
    relative = repo_relative(file)
    if relative is None:
        return {"uri": absolute(file).as_uri()}
    return {"uri": relative, "uriBaseId": SRCROOT}


def _descriptor(rule: Any) -> dict[str, Any]:
    from lambda_advisor.docs import rule_markdown
    from lambda_advisor.report.sarif_taxonomies import relationships, rule_tags

    tags = list(dict.fromkeys([rule.category, "lambda", *rule_tags(rule)]))
    related = relationships(rule)
    return {
        "id": rule.id,
        "name": _camel(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(rule.what.split())},
        # A rule from a rules folder of the scanned tree is input: its page goes as plain text only, and
        # its link only when it is a plain http(s) address (code scanning renders markdown and follows links).
        "help": {"text": f"{rule.why.strip()}\n\nFix: {rule.fix.strip()}",
                 **({"markdown": rule_markdown(rule)} if getattr(rule, "builtin", True) else {})},
        **({"helpUri": md_url(rule.help_uri)} if md_url(rule.help_uri) else {}),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        **({"relationships": related} if related else {}),
        "properties": {
            "tags": tags,
            "precision": "high",
            "problem.severity": _problem_severity(rule.severity),
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _bare_descriptor(f: Finding) -> dict[str, Any]:
    """For a finding whose rule is not in ``result.rules`` (kept valid, just less helpful)."""
    return {
        "id": f.rule_id,
        "shortDescription": {"text": f.title},
        "defaultConfiguration": {"level": LEVELS[f.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[f.severity]},
    }


def _problem_severity(severity: str) -> str:
    return {"critical": "error", "high": "error", "medium": "warning"}.get(severity, "recommendation")


def _camel(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _location(f: Finding) -> dict[str, Any]:
    loc = f.location
    out: dict[str, Any] = {}
    if loc.file:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(loc.file)}
        if loc.line:
            physical["region"] = {"startLine": loc.line, **({"startColumn": loc.column} if loc.column else {})}
        out["physicalLocation"] = physical
    else:
        uri = live_path(loc.account, loc.region, loc.function_name)
        out["physicalLocation"] = {"artifactLocation": {"uri": uri}}
    logical: dict[str, Any]
    if loc.arn or not loc.file:
        logical = {"name": loc.function_name, "fullyQualifiedName": loc.arn or loc.function_id,
                   "kind": "function"}
    else:
        logical = {"name": loc.logical_id or loc.function_name,
                   "fullyQualifiedName": f"{artifact_uri(loc.file)}#{loc.logical_id or loc.function_name}",
                   "kind": "resource"}
    out["logicalLocations"] = [logical]
    if loc.inherited_from:
        out["message"] = {"text": f"inherited from {loc.inherited_from}"}
    return out


def fingerprint(f: Finding) -> str:
    """Rule + function identity + subject, with the file as a repository-relative URI.

    Like :attr:`Finding.fingerprint` (no line numbers), but ``infra/app.yaml``,
    ``./infra/app.yaml`` and an absolute path give the same value.
    """
    loc = f.location
    if f.group is not None:  # one fact shared by several functions: the group, whoever shares it
        text = "\x1f".join((f.rule_id, artifact_uri(loc.file) if loc.file else (loc.account or ""), "group", f.group))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    if loc.file and loc.logical_id is not None:
        identity = f"{artifact_uri(loc.file)}#{loc.logical_id}"
    else:
        identity = loc.arn or loc.function_id
    text = "\x1f".join((f.rule_id, identity, f.subject))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _fixes(proposal: Any) -> list[dict[str, Any]]:
    """A ``--fix`` proposal as SARIF ``fixes``: artifact changes with replacement regions."""
    replacements = [{"deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec},
                     "insertedContent": {"text": text}} for sl, sc, el, ec, text in proposal.replacements]
    return [{"description": {"text": proposal.description},
             "artifactChanges": [{"artifactLocation": artifact_location(proposal.file), "replacements": replacements}]}]


def _result(f: Finding, index: int, suppression: dict[str, Any] | None = None,
            proposal: Any = None) -> dict[str, Any]:
    message = f.message
    names = f.function_names
    if len(names) > 1:
        message += f"\nFunctions ({len(names)}): {', '.join(names)}"
    if f.fix:
        message += f"\nFix: {f.fix.strip()}"
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": LEVELS[f.severity],
        "message": {"text": message},
        "locations": [_location(f)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
        "properties": {"severity": f.severity, "subject": f.subject, "functions": f.function_names},
    }
    loc = f.location
    if loc.account or loc.region:
        out["properties"].update({k: v for k, v in (("account", loc.account), ("region", loc.region)) if v})
    if suppression is not None:
        out["suppressions"] = [suppression]
    if proposal is not None:
        out["fixes"] = _fixes(proposal)
    return out


def to_dict(result: ScanResult) -> dict[str, Any]:
    show_suppressed = bool(result.meta.get("show_suppressed"))
    descriptors: list[dict[str, Any]] = [_descriptor(r) for r in result.rules]
    index = {d["id"]: i for i, d in enumerate(descriptors)}

    entries: list[tuple[Finding, dict[str, Any] | None]] = [(f, None) for f in result.active]
    if show_suppressed:
        entries += [(f, {"kind": "inSource", "status": "accepted", "justification": f.suppressed or ""})
                    for f in result.suppressed]
        entries += [(f, {"kind": "external", "status": "accepted", "justification": "in baseline"})
                    for f in result.baselined]
    results = []
    for f, suppression in entries:
        if f.rule_id not in index:
            index[f.rule_id] = len(descriptors)
            descriptors.append(_bare_descriptor(f))
        proposal = None if suppression else (result.meta.get("fix_proposals") or {}).get(f.fingerprint)
        results.append(_result(f, index[f.rule_id], suppression, proposal))

    notifications = [
        {"level": "error", "message": {"text": str(e)},
         **({"locations": [{"physicalLocation": {"artifactLocation": artifact_location(e.where),
                                                 **({"region": {"startLine": e.line}} if e.line else {})}}]}
            if result.kind == "scan" else {})}
        for e in result.errors
    ]
    notifications += [{"level": "warning", "message": {"text": f"{g.where} ({g.region or 'all regions'}) not fully "
                                                         f"evaluated: {'; '.join(g.missing)}"}}
                      for g in result.gaps]
    from lambda_advisor.report.sarif_taxonomies import taxonomies

    taxa = taxonomies(result.rules)
    driver: dict[str, Any] = {"name": "lambda-advisor", "version": __version__, "semanticVersion": __version__,
                              "rules": descriptors}
    if taxa:
        driver["supportedTaxonomies"] = [{"name": t["name"]} for t in taxa]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        **({"taxonomies": taxa} if taxa else {}),
        "automationDetails": {"id": f"lambda-advisor/{result.kind}/"},
        "originalUriBaseIds": {SRCROOT: {"uri": repo_root().as_uri().rstrip("/") + "/"}},
        "invocations": [{"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {"suppressed": len(result.suppressed), "baselined": len(result.baselined),
                       "functions": len(result.documents)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, *, color: bool = False) -> str:
    return json_text(json.dumps(to_dict(result), indent=2)) + "\n"
