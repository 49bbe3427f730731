"""Every output format on one hand-built result: shape, validity, and what each must say."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from lambda_advisor.engine import Rule
from lambda_advisor.findings import Finding, Location
from lambda_advisor.report import FORMATS, render
from lambda_advisor.result import Gap, InputError, ScanResult

REPO = Path(__file__).resolve().parent.parent


def sarif_schema() -> dict:
    shared = REPO / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    path = shared if shared.is_file() else REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = sarif_schema()
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def report_validator() -> jsonschema.Draft202012Validator:
    path = REPO / "lambda_advisor" / "schema" / "report.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _rule(rid: str, severity: str, category: str, title: str) -> Rule:
    return Rule(id=rid, title=title, severity=severity, category=category, what=f"Flags {title}.",
                why=f"{title} hurts <in production> & more.", fix=f"Do not do {title}.", path=f"rules/{rid}.yaml")


def sample_result() -> ScanResult:
    rules = [_rule("LA101", "critical", "security", "secret in a plaintext environment variable"),
             _rule("LA205", "medium", "reliability", "timeout near the 15-minute maximum"),
             _rule("LA502", "low", "operations", "X-Ray tracing off")]
    tpl = Location(function_id="infra/app.yaml#Orders", function_name="Orders", kind="template",
                   file="infra/app.yaml", line=12, logical_id="Orders")
    tpl2 = Location(function_id="infra/app.yaml#Clean", function_name="Clean", kind="template",
                    file="infra/app.yaml", line=30, logical_id="Clean")
    live = Location(function_id="arn:aws:lambda:eu-west-1:123456789012:function:billing",
                    function_name="billing", kind="account", arn="arn:aws:lambda:eu-west-1:123456789012:function:billing",
                    account="123456789012", region="eu-west-1")
    findings = [
        Finding("LA101", "critical", rules[0].title, 'environment variable DB_PASSWORD holds a plaintext secret ("hu…", 24 chars) <b>',
                "Store it in Secrets Manager.", tpl, subject="/environment/DB_PASSWORD"),
        Finding("LA205", "medium", rules[1].title, "Orders: timeout 900 s is near the 15-minute maximum",
                "Move long work to Step Functions.", Location(**{**tpl.__dict__, "line": 5, "inherited_from": "Globals, line 5"}),
                subject="/timeout_s"),
        Finding("LA502", "low", rules[2].title, "billing: X-Ray tracing is off", "Set Tracing: Active.", live,
                subject="/tracing"),
        Finding("LA502", "low", rules[2].title, "Orders: X-Ray tracing is off", "Set Tracing: Active.", tpl,
                subject="/tracing", suppressed="we sample with OpenTelemetry"),
    ]
    baselined = [Finding("LA205", "medium", rules[1].title, "billing: timeout 900 s", "Move.", live, subject="/timeout_s")]
    docs = [
        {"id": tpl.function_id, "name": "Orders", "source": {"kind": "template", "file": "infra/app.yaml",
                                                             "logical_id": "Orders", "line": 12}},
        {"id": tpl2.function_id, "name": "Clean", "source": {"kind": "template", "file": "infra/app.yaml",
                                                             "logical_id": "Clean", "line": 30}},
        {"id": live.function_id, "name": "billing", "source": {"kind": "account", "arn": live.arn,
                                                               "account": "123456789012", "region": "eu-west-1"}},
    ]
    return ScanResult(findings=findings, documents=docs, rules=rules, baselined=baselined,
                      errors=[InputError("infra/broken.yaml", "mapping values are not allowed here", line=3)],
                      gaps=[Gap("arn:aws:lambda:us-east-1:123456789012:function:x", "us-east-1", ["GetPolicy: AccessDenied"])],
                      stale_baseline=[{"fingerprint": "0" * 32, "rule_id": "LA999"}])


def test_every_format_is_registered() -> None:
    assert set(FORMATS) == {"text", "concise", "json", "sarif", "junit", "markdown", "html", "github", "gitlab"}


@pytest.mark.parametrize("show_suppressed", [False, True])
def test_sarif_validates_against_official_schema(show_suppressed: bool) -> None:
    result = sample_result()
    result.meta["show_suppressed"] = show_suppressed
    doc = json.loads(render("sarif", result))
    errors = sorted(sarif_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["LA101", "LA205", "LA502"]
    assert "helpUri" not in rules[0]  # the sample rule cites no documentation: no made-up address
    assert "## What it does" in rules[0]["help"]["markdown"]
    assert rules[0]["properties"]["security-severity"] == "9.5"
    assert "security" in rules[0]["properties"]["tags"]
    results = run["results"]
    assert len(results) == (5 if show_suppressed else 3)
    by_rule = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r for r in results}
    secret = by_rule[("LA101", "Orders")]
    assert secret["level"] == "error"
    phys = secret["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "infra/app.yaml", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    assert phys["region"]["startLine"] == 12
    live = by_rule[("LA502", "billing")]
    assert live["level"] == "note"
    # code scanning refuses an upload with a result that has no physical location
    assert live["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "aws/123456789012/eu-west-1/lambda/billing"
    assert live["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:lambda:")
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert len(r["partialFingerprints"]["lambdaAdvisorFingerprint/v1"]) == 32
    if show_suppressed:
        sup = [r for r in results if "suppressions" in r]
        assert {s["suppressions"][0]["kind"] for s in sup} == {"inSource", "external"}
        assert any(s["suppressions"][0]["justification"] == "we sample with OpenTelemetry" for s in sup)


def test_sarif_fingerprint_ignores_line_numbers() -> None:
    a, b = sample_result(), sample_result()
    b.findings[0].location.line = 99
    fa = json.loads(render("sarif", a))["runs"][0]["results"][0]["partialFingerprints"]
    fb = json.loads(render("sarif", b))["runs"][0]["results"][0]["partialFingerprints"]
    assert fa == fb


def test_sarif_fingerprint_ignores_how_the_path_was_written() -> None:
    a, b = sample_result(), sample_result()
    b.findings[0].location.file = str(Path.cwd() / "infra" / "." / "app.yaml")
    fa = json.loads(render("sarif", a))["runs"][0]["results"][0]
    fb = json.loads(render("sarif", b))["runs"][0]["results"][0]
    assert fa["partialFingerprints"] == fb["partialFingerprints"]
    assert fb["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/app.yaml"


def test_json_report_validates_against_its_schema() -> None:
    doc = json.loads(render("json", sample_result()))
    report_validator().validate(doc)
    assert doc["summary"] == {"functions": 3, "findings": 3, "suppressed": 1, "baselined": 1, "errors": 1, "gaps": 1}
    assert doc["suppressed"][0]["suppressed"] == "we sample with OpenTelemetry"


def test_report_schema_ships_in_the_package() -> None:
    from importlib import resources

    text = resources.files("lambda_advisor").joinpath("schema/report.schema.json").read_text(encoding="utf-8")
    assert json.loads(text)["title"] == "lambda-advisor JSON report"


def test_junit_one_case_per_rule_and_function() -> None:
    root = ET.fromstring(render("junit", sample_result()))
    assert root.tag == "testsuites"
    cases = {(c.get("classname"), c.get("name", "").split()[0]): c for c in root.iter("testcase")}
    # 3 functions x 3 rules, plus the unreadable file and the gap
    assert len(cases) == 9 + 2
    fail = cases[("infra/app.yaml.Orders", "LA101")].find("failure")
    assert fail is not None and "DB_PASSWORD" in (fail.get("message") or "")
    assert "infra/app.yaml:12" in (fail.text or "")
    assert cases[("infra/app.yaml.Orders", "LA502")].find("skipped") is not None  # suppressed
    assert cases[("eu-west-1.billing", "LA205")].find("skipped") is not None  # baselined
    assert cases[("infra/app.yaml.Clean", "LA101")].find("failure") is None
    assert root.get("failures") == "3"
    assert root.get("errors") == "2"
    assert root.get("tests") == "11"
    assert sum(int(s.get("tests") or 0) for s in root.iter("testsuite")) == 11


def test_markdown_summary_for_a_pull_request() -> None:
    md = render("markdown", sample_result())
    assert md.startswith("## lambda-advisor")
    assert "**3 findings** in 3 functions." in md
    assert "| 🟣 critical | 1 |" in md
    assert "`infra/app.yaml:12`" in md
    assert "1 suppressed" in md and "1 already in the baseline" in md
    assert "infra/broken.yaml:3" in md
    assert "<b>" not in md and "\\<b\\>" in md  # messages cannot inject HTML into the comment


def test_html_is_self_contained_and_escaped() -> None:
    html = render("html", sample_result())
    assert html.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", "src=", "<link", "@import"):
        # the only URL allowed is the SVG namespace
        assert external not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), external
    assert "&lt;b&gt;" in html  # the message's markup is escaped
    assert "<svg" in html and "How to fix:" in html
    assert re.search(r'data-total="critical"[^>]*><b>1</b>', html)
    assert re.search(r'data-total="findings"[^>]*><b>3</b>', html)
    assert "eu-west-1" in html and "infra/app.yaml" in html
    assert "GetPolicy: AccessDenied" in html


def test_text_and_json_list_suppressed_when_asked() -> None:
    result = sample_result()
    text = render("text", result)
    assert "1 suppressed" in text
    result.meta["show_suppressed"] = True
    text = render("text", result)
    assert "we sample with OpenTelemetry" in text
