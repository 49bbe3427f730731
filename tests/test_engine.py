"""The engine: rule files, user rules in pure YAML, selection, params, fingerprints, suppression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.engine import Engine, RuleError, RunOptions, load_rules, select_rules
from lambda_advisor.sources.template import load_template

ROOT = Path(__file__).resolve().parent.parent
ORG_RULE = """\
id: ORG001
title: Functions must carry a cost-centre tag
severity: medium
category: operations
what: Flags functions without a cost-centre tag.
why: Untagged functions cannot be charged back to a team.
fix: "Add Tags: {cost-centre: <team>}."
params:
  tag: cost-centre
match:
  properties:
    tags:
      type: object
      not: {required: [{$param: tag}]}
locate: /tags
message: "{doc[name]} has no {params[tag]} tag"
"""

TEMPLATE = """\
Resources:
  Tagged:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: a.h
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: x}
      Tags: [{Key: cost-centre, Value: "42"}]
  Untagged:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: a.h
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: x}
      Timeout: 899
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "org-rules").mkdir()
    (tmp_path / "org-rules" / "ORG001-cost-centre.yaml").write_text(ORG_RULE)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def test_an_organisation_rule_in_pure_yaml(project: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(project / "template.yaml"), "--rules-dir",
                                      str(project / "org-rules"), "--select", "ORG", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert [(f["rule_id"], f["message"], f["location"]["logical_id"]) for f in report["findings"]] == [
        ("ORG001", "Untagged has no cost-centre tag", "Untagged")]


@pytest.mark.parametrize(("edit", "key"), [
    (lambda t: t.replace("severity: medium", "severity: urgent"), "severity"),
    (lambda t: t + "check: tags.missing\n", "(top level)"),
    (lambda t: t + "colour: red\n", "colour"),
    (lambda t: t.replace("id: ORG001", "id: org-1"), "id"),
    (lambda t: t.replace("type: object", "type: objekt"), "match/properties/tags/type"),
    (lambda t: t.replace("{$param: tag}", "{$param: nope}"), "match"),
])
def test_a_broken_rule_file_names_the_file_and_the_key(project: Path, edit, key: str) -> None:  # type: ignore[no-untyped-def]
    path = project / "org-rules" / "ORG001-cost-centre.yaml"
    path.write_text(edit(ORG_RULE))
    with pytest.raises(RuleError) as exc:
        load_rules([project / "org-rules"])
    assert str(path) in str(exc.value) and key in str(exc.value)
    result = CliRunner().invoke(cli, ["scan", str(project / "template.yaml"), "--rules-dir", str(project / "org-rules")])
    assert result.exit_code == 2 and str(path) in result.output
    assert "LA" in result.output and "finding" in result.output  # the built-in rules still ran


def test_a_missing_rules_directory_is_one_error_and_the_built_in_rules_run(project: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(project / "template.yaml"), "--rules-dir",
                                      str(project / "nowhere"), "--format", "json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [e["where"] for e in report["errors"]] == [str(project / "nowhere")]
    assert report["findings"], "the built-in rules still ran"


def test_duplicate_rule_ids_are_an_error(project: Path) -> None:
    (project / "org-rules" / "LA205-mine.yaml").write_text(ORG_RULE.replace("ORG001", "LA205"))
    with pytest.raises(RuleError, match="already defined"):
        load_rules([project / "org-rules"])


def test_selection_by_prefix() -> None:
    rules = load_rules()
    ids = {r.id for r in select_rules(rules, ["LA2"], ["LA205"])}
    assert ids and all(i.startswith("LA2") for i in ids) and "LA205" not in ids


def test_params_and_severity_overrides(project: Path) -> None:
    docs = load_template(project / "template.yaml", explicit=True).documents
    rules = select_rules(load_rules(), ["LA205"])
    assert Engine(rules).run(docs)[0].location.logical_id == "Untagged"
    assert Engine(rules, RunOptions(params={"LA205": {"threshold_s": 900}})).run(docs) == []
    (finding,) = Engine(rules, RunOptions(severity={"LA205": "critical"})).run(docs)
    assert finding.severity == "critical"


def test_fingerprints_survive_moved_lines(project: Path) -> None:
    rules = select_rules(load_rules(), ["LA205"])
    path = project / "template.yaml"
    before = Engine(rules).run(load_template(path, explicit=True).documents)
    path.write_text("Description: moved everything down\nMetadata: {a: 1}\n" + TEMPLATE)
    after = Engine(rules).run(load_template(path, explicit=True).documents)
    assert before[0].location.line != after[0].location.line
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]


def test_metadata_suppression_marks_the_finding(project: Path) -> None:
    path = project / "template.yaml"
    path.write_text(TEMPLATE.replace("  Untagged:\n    Type: AWS::Lambda::Function\n",
                                     "  Untagged:\n    Type: AWS::Lambda::Function\n    Metadata:\n"
                                     "      lambda-advisor: {ignore: [{id: LA205, reason: batch}]}\n"))
    (finding,) = Engine(select_rules(load_rules(), ["LA205"])).run(load_template(path, explicit=True).documents)
    assert finding.suppressed == "batch"


def test_every_builtin_rule_has_ruff_style_docs() -> None:
    for rule in load_rules():
        assert rule.what.strip() and rule.why.strip() and rule.fix.strip(), rule.id
        assert rule.example and rule.use_instead, f"{rule.id} lacks an example or a use_instead"
        assert rule.references, f"{rule.id} has no references"


def test_fingerprints_do_not_depend_on_how_the_path_was_written(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "sub").mkdir()
    rules = select_rules(load_rules(), ["LA205"])
    plain = Engine(rules).run(load_template(Path("template.yaml"), explicit=True).documents)
    dotted = Engine(rules).run(load_template(Path("./sub/../template.yaml"), explicit=True,
                                             display_path="./sub/../template.yaml").documents)
    assert plain and [f.fingerprint for f in plain] == [f.fingerprint for f in dotted]
