"""One fact, one finding: a value set once (a Globals line) is one finding naming every function.

Fingerprints of merged findings do not depend on which functions share the fact, old baselines
(one entry per function) still match, and every output format names the functions.
"""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli

REPO = Path(__file__).resolve().parent.parent

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.8
    Handler: app.handler
    CodeUri: src/
Resources:
{functions}
  Explicit:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.8
"""
NAMES = ("Orders", "Billing", "Shipping")


def _template(names: tuple[str, ...] = NAMES) -> str:
    body = "".join(f"  {n}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 10\n" for n in names)
    return TEMPLATE.format(functions=body.rstrip("\n"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "template.yaml").write_text(_template(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _scan(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["scan", "template.yaml", "--select", "LA501", *args])
    return res.exit_code, res.stdout


def _findings(*args: str) -> list[dict]:
    return json.loads(_scan("--format", "json", *args)[1])["findings"]


def test_a_globals_value_is_one_finding_naming_every_function(project: Path) -> None:
    findings = _findings()
    shared = [f for f in findings if len(f["functions"]) > 1]
    own = [f for f in findings if len(f["functions"]) == 1]
    assert len(shared) == 1 and len(own) == 1
    assert sorted(a["function_name"] for a in shared[0]["functions"]) == sorted(NAMES)
    assert shared[0]["location"]["line"] == 5 and shared[0]["location"]["inherited_from"] == "Globals"
    assert shared[0]["group"]
    # The function that writes the same runtime itself is its own fact, on its own line.
    assert own[0]["functions"][0]["function_name"] == "Explicit" and own[0]["group"] is None


def test_the_merged_fingerprint_does_not_depend_on_who_shares_it(project: Path) -> None:
    before = {f["group"]: f["fingerprint"] for f in _findings() if f["group"]}
    project.joinpath("template.yaml").write_text(_template(("Shipping", "Audit", "Billing")), encoding="utf-8")
    after = {f["group"]: f["fingerprint"] for f in _findings() if f["group"]}
    assert before == after and len(before) == 1


def _old_key(rule: str, function: str, subject: str) -> str:
    """How a baseline entry was keyed before findings were merged: one per function."""
    return hashlib.sha256("\x1f".join((rule, function, subject)).encode()).hexdigest()[:32]


def test_an_old_per_function_baseline_still_matches_the_merged_finding(project: Path) -> None:
    entries = [{"fingerprint": _old_key("LA501", f"template.yaml#{n}", "runtime:python3.8"), "rule_id": "LA501",
                "function": f"template.yaml#{n}", "subject": "runtime:python3.8", "file": "template.yaml"}
               for n in (*NAMES, "Explicit")]
    project.joinpath("old.json").write_text(json.dumps({"version": 1, "findings": entries}), encoding="utf-8")
    code, out = _scan("--baseline", "old.json")
    assert code == 0, out
    assert "0 findings" in out and "stale" not in out


def test_a_baseline_made_today_matches_tomorrow(project: Path) -> None:
    res = CliRunner().invoke(cli, ["baseline", "create", "-o", "base.json", "template.yaml"])
    assert res.exit_code == 0, res.output
    findings = json.loads(CliRunner().invoke(cli, ["scan", "template.yaml", "--format", "json"]).stdout)["findings"]
    entries = json.loads(project.joinpath("base.json").read_text(encoding="utf-8"))["findings"]
    assert f"wrote {len(findings)} finding" in res.stderr  # a shared fact is one finding …
    assert len(entries) == sum(len(f["functions"]) for f in findings) > len(findings)  # … kept per function
    data = json.loads(project.joinpath("base.json").read_text(encoding="utf-8"))
    assert {e["function"] for e in data["findings"] if e["rule_id"] == "LA501"} >= {f"template.yaml#{n}" for n in NAMES}
    code, out = _scan("--baseline", "base.json")
    assert code == 0 and "stale" not in out, out


def test_every_format_names_the_functions(project: Path) -> None:
    _, text = _scan()
    assert "functions (3): Billing, Orders, Shipping" in text
    report = json.loads(_scan("--format", "json")[1])
    schema = json.loads((REPO / "lambda_advisor" / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)
    sarif = json.loads(_scan("--format", "sarif")[1])
    results = sarif["runs"][0]["results"]
    assert any(sorted(r["properties"]["functions"]) == sorted(NAMES) and "Functions (3)" in r["message"]["text"]
               for r in results)
    assert "functions (3): Billing, Orders, Shipping" in _scan("--format", "markdown")[1]
    assert "functions (3): Billing, Orders, Shipping" in _scan("--format", "html")[1]
    junit = ET.fromstring(_scan("--format", "junit")[1])
    failing = {s.get("name", "").split(" ")[0] for s in junit.iter("testsuite") if int(s.get("failures", "0"))}
    assert failing >= {*NAMES, "Explicit"}  # the shared fact fails each function's case


def test_evidence_grouped_into_one_finding_still_matches_an_old_baseline(tmp_path: Path) -> None:
    """LA301 once reported each piece of evidence (role, environment) apart; a baseline of those keys
    still accepts the one finding that now groups them."""
    template = tmp_path / "template.yaml"
    template.write_text((REPO / "fixtures" / "rules" / "LA301-invoke.fail.yaml").read_text(encoding="utf-8"),
                        encoding="utf-8")
    fn = "template.yaml#OrderFunction"
    entries = [{"fingerprint": _old_key("LA301", fn, subject), "rule_id": "LA301", "function": fn,
                "subject": subject, "file": "template.yaml"}
               for subject in ("role:PaymentFunction", "env:PAYMENT_FUNCTION:PaymentFunction")]
    (tmp_path / "old.json").write_text(json.dumps({"version": 1, "findings": entries}), encoding="utf-8")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(cli, ["scan", "template.yaml", "--select", "LA301", "--baseline", "old.json"])
    finally:
        os.chdir(old)
    assert res.exit_code == 0, res.stdout
    assert "0 findings" in res.stdout and "1 in baseline" in res.stdout and "stale" not in res.stdout
