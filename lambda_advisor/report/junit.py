"""JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure DevOps).

One ``testsuite`` per function, one ``testcase`` per (rule, function): a rule
that found something is a ``failure`` carrying the messages; a suppressed or
baselined finding is ``skipped`` with its reason; an input that could not be
read is an ``error`` in a suite of its own. Every text from input passes
:func:`lambda_advisor.report.escape.xml`: one control character in a name
must not cost the whole test report (XML 1.0 forbids most of them).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from lambda_advisor.findings import SEVERITY_RANK, Finding
from lambda_advisor.report.escape import xml
from lambda_advisor.result import ScanResult


def _classname(doc_or_finding: Any) -> str:
    if isinstance(doc_or_finding, Finding):
        loc = doc_or_finding.location
        file, logical, region, name = loc.file, loc.logical_id, loc.region, loc.function_name
    else:
        src = doc_or_finding.get("source") or {}
        file, logical, region, name = src.get("file"), src.get("logical_id"), src.get("region"), doc_or_finding["name"]
    if file:
        return xml(f"{file}.{logical or name}")
    return xml(f"{region or 'live'}.{name}")


def _applies(rule: Any, doc: dict[str, Any]) -> bool:
    return not rule.sources or (doc.get("source") or {}).get("kind") in rule.sources


def render(result: ScanResult, *, color: bool = False) -> str:
    by_function: dict[str, dict[str, list[tuple[Finding, str | None]]]] = defaultdict(lambda: defaultdict(list))
    # A fact shared by several functions (a Globals value, a shared statement) fails each one's case.
    for f in result.active:
        for a in f.affected:
            by_function[a.function_id][f.rule_id].append((f, None))
    for f in result.suppressed:
        for a in f.affected:
            by_function[a.function_id][f.rule_id].append((f, f"suppressed: {f.suppressed}"))
    for f in result.baselined:
        for a in f.affected:
            by_function[a.function_id][f.rule_id].append((f, "in baseline"))

    suites = ET.Element("testsuites", name="lambda-advisor")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    titles = {r.id: r.title for r in result.rules}
    seen: set[str] = set()

    def add_suite(name: str, classname: str, cases: dict[str, list[tuple[Finding, str | None]]],
                  rule_ids: list[str]) -> None:
        suite = ET.SubElement(suites, "testsuite", name=name)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for rule_id in rule_ids:
            hits = cases.get(rule_id, [])
            title = titles.get(rule_id) or (hits[0][0].title if hits else rule_id)
            case = ET.SubElement(suite, "testcase", name=xml(f"{rule_id} {title}"), classname=classname, time="0")
            counts["tests"] += 1
            failing = [f for f, why in hits if why is None]
            if failing:
                worst = max(failing, key=lambda f: SEVERITY_RANK[f.severity])
                body = "\n\n".join(f"{xml(f.location.editor())}: [{f.severity}] {xml(f.message)}\n"
                                   f"fix: {xml(f.fix.strip(), multiline=True)}" for f in failing)
                failure = ET.SubElement(case, "failure", message=xml(failing[0].message), type=worst.severity)
                failure.text = body
                counts["failures"] += 1
            elif hits:
                skipped = ET.SubElement(case, "skipped", message=xml("; ".join(why or "" for _, why in hits)))
                skipped.text = "\n".join(f"{xml(f.location.short())}: [{f.severity}] {xml(f.message)}" for f, _ in hits)
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value

    for doc in result.documents:
        fid = doc["id"]
        seen.add(fid)
        cases = by_function.get(fid, {})
        rule_ids = [r.id for r in result.rules if _applies(r, doc)]
        rule_ids += sorted(set(cases) - set(rule_ids))
        add_suite(f"{xml(doc['name'])} ({_classname(doc)})", _classname(doc), cases, rule_ids)
    # Findings whose function is not among the documents (should not happen; never drop them).
    for fid, cases in by_function.items():
        if fid in seen:
            continue
        first = next(iter(cases.values()))[0][0]
        add_suite(f"{xml(first.location.function_name)} ({_classname(first)})", _classname(first), cases,
                  sorted(cases))

    if result.errors or result.gaps:
        suite = ET.SubElement(suites, "testsuite", name="inputs")
        n = 0
        for err in result.errors:
            case = ET.SubElement(suite, "testcase", name=xml(f"read {err.where}"), classname="inputs", time="0")
            ET.SubElement(case, "error", message=xml(err.message), type="InputError").text = xml(err)
            n += 1
        for gap in result.gaps:
            case = ET.SubElement(suite, "testcase", name=xml(f"evaluate {gap.where}"), classname="inputs", time="0")
            ET.SubElement(case, "error", message="not fully evaluated", type="Gap").text = xml("; ".join(gap.missing))
            n += 1
        for key, value in (("tests", n), ("failures", 0), ("errors", n), ("skipped", 0)):
            suite.set(key, str(value))
            totals[key] += value

    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
