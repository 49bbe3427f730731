"""Compliance frameworks as data: every mapped rule exists, and each report carries the requirements."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_report_formats import report_validator, sarif_validator

from lambda_advisor import compliance
from lambda_advisor.cli import cli
from lambda_advisor.engine import load_rules

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"


def test_every_mapped_rule_exists_and_every_framework_says_where_it_was_read() -> None:
    ids = {r.id for r in load_rules()}
    fws = compliance.frameworks()
    assert {"aws-fsbp", "nist-800-53-r5", "pci-dss-4.0.1", "cis-aws-foundations-7.0"} <= set(fws)
    for fw in fws.values():
        assert fw.source.startswith("https://") and date.fromisoformat(fw.read)
        assert len({r.id for r in fw.requirements}) == len(fw.requirements), fw.id  # no requirement twice
        for req in fw.requirements:
            assert set(req.rules) <= ids, (fw.id, req.id, set(req.rules) - ids)
            assert req.title.strip(), (fw.id, req.id)
            assert set(req.via) <= {r.id for r in fws["aws-fsbp"].requirements}, (fw.id, req.id)


def test_unmapped_requirements_are_manual_and_never_padded() -> None:
    fsbp = {r.id: r.rules for r in compliance.framework("aws-fsbp").requirements}
    assert fsbp["Lambda.3"] == () and fsbp["Lambda.6"] == ()  # no rule decides them
    assert fsbp["Lambda.1"] == ("LA103",) and fsbp["Lambda.2"] == ("LA501",)
    rows = compliance.assess(compliance.framework("aws-fsbp"), [], ["LA103", "LA501", "LA507", "LA502"], 3)
    assert {r.requirement.id: r.status for r in rows} == {
        "Lambda.1": "passed", "Lambda.2": "passed", "Lambda.3": "manual", "Lambda.5": "passed",
        "Lambda.6": "manual", "Lambda.7": "passed"}
    rows = compliance.assess(compliance.framework("aws-fsbp"), [], ["LA103"], 3)
    assert {r.requirement.id: r.status for r in rows}["Lambda.2"] == "not assessed"  # its rule did not run
    rows = compliance.assess(compliance.framework("aws-fsbp"), [], ["LA103"], 0)
    assert {r.requirement.id: r.status for r in rows}["Lambda.1"] == "not assessed"  # no function to judge


def _scan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["scan", str(DEMO), "--today", "2026-11-22", *args])
    return result.exit_code, result.stdout


def test_framework_selects_its_rules_and_reports_each_requirement_in_json() -> None:
    code, out = _scan("--framework", "AWS-FSBP", "--format", "json")
    report = json.loads(out)
    assert not list(report_validator().iter_errors(report))
    assert {f["rule_id"] for f in report["findings"]} <= compliance.framework("aws-fsbp").rules
    (fw,) = report["compliance"]
    status = {r["id"]: r for r in fw["requirements"]}
    assert status["Lambda.3"]["status"] == "manual"
    failed = [r for r in fw["requirements"] if r["status"] == "failed"]
    fingerprints = {f["fingerprint"] for f in report["findings"]}
    assert failed and all(set(r["findings"]) <= fingerprints and r["findings"] for r in failed)
    assert code == 1


def test_an_unknown_framework_is_a_usage_error_naming_the_known_ones() -> None:
    result = CliRunner().invoke(cli, ["scan", str(DEMO), "--framework", "sox"])
    assert result.exit_code == 2 and "aws-fsbp" in result.output


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_markdown_and_html_show_a_table_per_framework(fmt: str) -> None:
    _, out = _scan("--framework", "aws-fsbp", "--framework", "cis-aws-foundations-7.0", "--format", fmt)
    for text in ("Lambda functions should be tagged", "Ensure AWS resource policies do not allow", "manual"):
        assert text in out or text.replace('"', "&quot;") in out
    assert "failed" in out


def test_sarif_tags_rules_with_their_requirements_and_cwe() -> None:
    _, out = _scan("--format", "sarif", "--select", "ALL")
    sarif = json.loads(out)
    assert not list(sarif_validator().iter_errors(sarif))
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "external/cwe/cwe-798" in rules["LA101"]["properties"]["tags"]
    assert "compliance/aws-fsbp/Lambda.1" in rules["LA103"]["properties"]["tags"]
    assert "compliance/aws-fsbp/Lambda.7" in rules["LA502"]["properties"]["tags"]
    taxonomies = {t["name"]: {x["id"] for x in t["taxa"]} for t in run["taxonomies"]}
    assert "798" in taxonomies["CWE"] and "Lambda.1" in taxonomies["aws-fsbp"]
    for rule in rules.values():  # every relationship points at a taxon the run carries
        for rel in rule.get("relationships", []):
            assert rel["target"]["id"] in taxonomies[rel["target"]["toolComponent"]["name"]]
