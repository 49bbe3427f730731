"""Baseline: made today, a later scan stays green after unrelated edits and turns red on a new finding."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from lambda_advisor.baseline import SCHEMA_PATH
from lambda_advisor.cli import cli

TODAY = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 900
  Billing:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 30
"""

# Unrelated edits: a description, parameters and comments above the functions, memory changed.
LATER = TODAY.replace(
    'Transform: AWS::Serverless-2016-10-31\n',
    'Transform: AWS::Serverless-2016-10-31\nDescription: orders service\n'
    'Parameters:\n  Stage:\n    Type: String\n    Default: prod\n# the order pipeline\n# owned by team-a\n',
).replace("      CodeUri: src/\n      Timeout: 900\n", "      CodeUri: src/\n      MemorySize: 512\n      Timeout: 900\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "template.yaml").write_text(TODAY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_baseline_survives_unrelated_edits_and_catches_new_findings(project: Path) -> None:
    code, _, err = _run("scan", "template.yaml", "--select", "LA205")
    assert code == 1, err
    code, _, err = _run("baseline", "create", "-o", ".lambda-advisor-baseline.json", "--select", "LA205",
                        "template.yaml")
    assert code == 0, err
    assert "wrote 1 finding" in err
    data = json.loads((project / ".lambda-advisor-baseline.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(data)
    assert [(e["rule_id"], e["function"]) for e in data["findings"]] == [("LA205", "template.yaml#Orders")]

    # Lines inserted above the function: the same finding, now on another line, stays accepted.
    (project / "template.yaml").write_text(LATER, encoding="utf-8")
    code, out, err = _run("scan", "template.yaml", "--select", "LA205", "--baseline", ".lambda-advisor-baseline.json")
    assert code == 0, out + err
    assert "1 in baseline" in out
    code, out, _ = _run("scan", "template.yaml", "--select", "LA205", "--baseline", ".lambda-advisor-baseline.json",
                        "--format", "json")
    report = json.loads(out)
    assert report["findings"] == [] and report["baselined"][0]["location"]["line"] == 18

    # The same problem in another function is new: red, and only the new one is reported.
    (project / "template.yaml").write_text(LATER.replace("Timeout: 30", "Timeout: 850"), encoding="utf-8")
    code, out, _ = _run("scan", "template.yaml", "--select", "LA205", "--baseline", ".lambda-advisor-baseline.json",
                        "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [f["location"]["function_name"] for f in report["findings"]] == ["Billing"]
    assert [f["location"]["function_name"] for f in report["baselined"]] == ["Orders"]


def test_baseline_from_another_directory(project: Path) -> None:
    """Entries are relative to the baseline file, so the scan may run from a sub-folder."""
    _run("baseline", "create", "-o", ".lambda-advisor-baseline.json", "--select", "LA205", "template.yaml")
    (project / "sub").mkdir()
    os.chdir(project / "sub")
    code, out, err = _run("scan", "../template.yaml", "--select", "LA205", "--baseline", "../.lambda-advisor-baseline.json")
    assert code == 0, out + err


def test_stale_entries_are_reported(project: Path) -> None:
    _run("baseline", "create", "-o", "bl.json", "--select", "LA205", "template.yaml")
    (project / "template.yaml").write_text(TODAY.replace("Timeout: 900", "Timeout: 60"), encoding="utf-8")
    code, out, err = _run("scan", "template.yaml", "--select", "LA205", "--baseline", "bl.json", "--format", "json")
    assert code == 0
    stale = json.loads(out)["stale_baseline"]
    assert [(s["rule_id"], s["function"]) for s in stale] == [("LA205", "template.yaml#Orders")]
    assert "1 baseline entry no longer found" in err
    # A scan of another file does not call this file's entries stale.
    (project / "other.yaml").write_text(TODAY.replace("Orders", "Other"), encoding="utf-8")
    code, out, _ = _run("scan", "other.yaml", "--select", "LA205", "--baseline", "bl.json", "--format", "json")
    assert json.loads(out)["stale_baseline"] == []


def test_suppressed_findings_are_counted_and_listed_on_request(project: Path) -> None:
    (project / "template.yaml").write_text(TODAY.replace(
        "  Orders:\n    Type: AWS::Serverless::Function\n",
        "  Orders:\n    Type: AWS::Serverless::Function\n    Metadata:\n      lambda-advisor:\n        ignore:\n"
        "          - id: LA205\n            reason: nightly batch, moving to Step Functions in Q3\n"), encoding="utf-8")
    code, out, _ = _run("scan", "template.yaml", "--select", "LA205")
    assert code == 0
    assert "1 suppressed" in out and "nightly batch" not in out
    code, out, _ = _run("scan", "template.yaml", "--select", "LA205", "--show-suppressed")
    assert "nightly batch, moving to Step Functions in Q3" in out
    code, out, _ = _run("scan", "template.yaml", "--select", "LA205", "--show-suppressed", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert results[0]["suppressions"][0]["justification"] == "nightly batch, moving to Step Functions in Q3"


def test_broken_baseline_is_an_input_error(project: Path) -> None:
    (project / "bl.json").write_text('{"version": 1, "findings": [{"rule_id": "LA205"}]}', encoding="utf-8")
    code, out, err = _run("scan", "template.yaml", "--baseline", "bl.json")
    assert code == 2
    assert "bl.json: invalid baseline at findings/0: 'fingerprint' is a required property" in out + err


def _live(region: str, name: str, rule: str = "LA502") -> tuple[dict, object]:
    from lambda_advisor.findings import Finding, Location

    arn = f"arn:aws:lambda:{region}:123456789012:function:{name}"
    loc = Location(function_id=arn, function_name=name, kind="account", arn=arn, account="123456789012",
                   region=region)
    doc = {"id": arn, "name": name, "source": {"kind": "account", "arn": arn, "region": region}}
    return doc, Finding(rule, "low", "X-Ray tracing off", f"{name}: tracing off", "Turn it on.", loc,
                        subject="/tracing")


def test_live_baseline_keys_on_arn_and_only_judges_scanned_regions(tmp_path: Path) -> None:
    from lambda_advisor.baseline import apply, write
    from lambda_advisor.result import ScanResult

    d1, f1 = _live("eu-west-1", "orders")
    d2, f2 = _live("us-east-1", "billing")
    path = tmp_path / "bl.json"
    write(ScanResult(findings=[f1, f2], documents=[d1, d2], kind="audit"), path)

    # Only eu-west-1 audited today, and orders is fixed: its entry is stale, billing's is not judged.
    d3, f3 = _live("eu-west-1", "payments")
    result = ScanResult(findings=[f3], documents=[d1, d3], kind="audit")
    apply(result, path)
    assert [f.location.function_name for f in result.findings] == ["payments"]
    assert [e["function"] for e in result.stale_baseline] == [f1.location.arn]
