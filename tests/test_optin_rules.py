"""Opt-in rules (``default: false``): off unless ``select`` names their full ID or ``ALL``.

A prefix such as ``LA5`` never pulls them in, as ruff's preview rules need an
explicit selection. The same holds for ``--select`` and for ``select`` in the
configuration.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.config import ConfigError, load_config
from lambda_advisor.docs import rule_markdown, rules_page
from lambda_advisor.engine import RuleError, load_rule_file, load_rules, select_rules

OPT_IN = {"LA210", "LA502", "LA503", "LA504", "LA506"}
#: The opt-in rules the test template triggers (LA210 needs a queue or stream source).
ON_TEMPLATE = OPT_IN - {"LA210"}

#: One SAM function that trips every opt-in rule and no default one.
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
"""


def _ids(select: list[str] | None = None, ignore: list[str] | None = None) -> set[str]:
    return {r.id for r in select_rules(load_rules(), select or (), ignore or ())}


def test_the_advisory_rules_are_opt_in() -> None:
    assert {r.id for r in load_rules() if not r.default} == OPT_IN


def test_no_select_leaves_opt_in_rules_out() -> None:
    chosen = _ids()
    assert chosen and not chosen & OPT_IN
    assert chosen == {r.id for r in load_rules() if r.default}


def test_a_prefix_does_not_pull_in_opt_in_rules() -> None:
    chosen = _ids(["LA5"])
    assert {"LA501", "LA505", "LA507"} <= chosen
    assert not chosen & OPT_IN
    assert not _ids(["LA50"]) & OPT_IN
    assert not _ids(["LA"]) & OPT_IN


def test_the_full_id_selects_an_opt_in_rule() -> None:
    assert _ids(["LA502"]) == {"LA502"}
    assert _ids(["LA5", "LA504"]) == (_ids(["LA5"]) | {"LA504"})


def test_all_selects_every_rule_and_ignore_still_wins() -> None:
    every = {r.id for r in load_rules()}
    assert _ids(["ALL"]) == every
    assert _ids(["ALL"], ["LA503"]) == every - {"LA503"}
    assert _ids(["ALL"], ["LA5"]) == {i for i in every if not i.startswith("LA5")}
    assert _ids(["LA502"], ["ALL"]) == set()


def test_a_user_rule_can_be_opt_in(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "ORG001.yaml").write_text(
        "id: ORG001\ntitle: team tag missing\nseverity: low\ncategory: operations\ndefault: false\n"
        "what: w\nwhy: w\nfix: f\nmatch: {type: object}\n", encoding="utf-8")
    rules = load_rules([rules_dir])
    assert "ORG001" not in {r.id for r in select_rules(rules)}
    assert "ORG001" not in {r.id for r in select_rules(rules, ["ORG"])}
    assert "ORG001" in {r.id for r in select_rules(rules, ["ORG001"])}


def test_default_must_be_a_boolean(tmp_path: Path) -> None:
    bad = tmp_path / "ORG002.yaml"
    bad.write_text("id: ORG002\ntitle: bad default\nseverity: low\ncategory: operations\ndefault: maybe\n"
                   "what: w\nwhy: w\nfix: f\nmatch: {type: object}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="invalid key default"):
        load_rule_file(bad)


def _scan(path: Path, *args: str) -> set[str]:
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "--today", "2026-11-22", *args])
    assert result.exit_code in (0, 1), result.output
    return {f["rule_id"] for f in json.loads(result.stdout)["findings"]}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def test_cli_select(template: Path) -> None:
    assert _scan(template) == set()
    assert _scan(template, "--select", "LA5") == set()
    assert _scan(template, "--select", "LA502") == {"LA502"}
    assert _scan(template, "--select", "LA503,LA506") == {"LA503", "LA506"}
    assert _scan(template, "--select", "ALL") == ON_TEMPLATE
    assert _scan(template, "--select", "ALL", "--ignore", "LA504") == ON_TEMPLATE - {"LA504"}


def test_config_select_all(template: Path) -> None:
    config = template.parent / ".lambda-advisor.yaml"
    config.write_text("select: [ALL]\n", encoding="utf-8")
    assert load_config(config).select == ["ALL"]
    assert _scan(template) == ON_TEMPLATE
    config.write_text("select: [LA5]\n", encoding="utf-8")
    assert _scan(template) == set()
    config.write_text("select: [LA2, LA504]\n", encoding="utf-8")
    assert _scan(template) == {"LA504"}
    config.write_text("select: [ALL]\nignore: [LA502]\n", encoding="utf-8")
    assert _scan(template) == ON_TEMPLATE - {"LA502"}
    assert _scan(template, "--select", "LA503") == {"LA503"}  # the command line replaces the file's select


def test_config_selectors_accept_any_case(tmp_path: Path) -> None:
    config = tmp_path / ".lambda-advisor.yaml"
    config.write_text("select: [all]\nignore: [la502]\n", encoding="utf-8")
    loaded = load_config(config)
    assert (loaded.select, loaded.ignore) == (["ALL"], ["LA502"])
    config.write_text("select: [LA-5]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="select"):
        load_config(config)


def test_rules_listing_marks_opt_in_rules() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["rules"])
    assert listing.exit_code == 0
    rows = {line.split()[0]: line.split()[3] for line in listing.output.splitlines() if line.startswith("LA")}
    assert {rule for rule, mark in rows.items() if mark == "opt-in"} == OPT_IN
    assert rows["LA501"] == "on"
    assert "names their full ID or ALL" in listing.stderr  # stdout stays one rule a line
    as_json = json.loads(runner.invoke(cli, ["rules", "--format", "json"]).output)
    assert {r["id"] for r in as_json if r["default"] is False} == OPT_IN


def test_docs_mark_opt_in_rules() -> None:
    rules = load_rules()
    page = rules_page(rules)
    assert "`--select LA5` does not turn them on" in page
    for rule in rules:
        row = next(line for line in page.splitlines() if line.startswith(f"| [{rule.id}]"))
        assert ("**opt-in**" in row) == (rule.id in OPT_IN), row
    by_id = {r.id: r for r in rules}
    assert "**opt-in**: runs only with `--select LA503` (or `ALL`)" in rule_markdown(by_id["LA503"])
    assert "opt-in" not in rule_markdown(by_id["LA205"])


def test_template_tracing_mode_for_la502(tmp_path: Path) -> None:
    """Left out or SAM's Disabled is PassThrough (LA502 fires); written but unresolvable is unknown (silent)."""
    from lambda_advisor.sources.template import load_template

    path = tmp_path / "template.yaml"
    path.write_text("""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Mode: {Type: String}
Conditions:
  Prod: !Equals [!Ref Mode, Active]
Globals:
  Function: {Runtime: python3.13, Handler: app.handler, CodeUri: src/}
Resources:
  Omitted: {Type: AWS::Serverless::Function}
  Disabled: {Type: AWS::Serverless::Function, Properties: {Tracing: Disabled}}
  FromParameter: {Type: AWS::Serverless::Function, Properties: {Tracing: !Ref Mode}}
  Plain:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.13, Handler: i.h, Role: arn:aws:iam::1:role/r, Code: {ZipFile: x}}
  Conditional:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: i.h
      Role: arn:aws:iam::1:role/r
      Code: {ZipFile: x}
      TracingConfig: !If [Prod, {Mode: Active}, !Ref AWS::NoValue]
""", encoding="utf-8")
    docs = {d["source"]["logical_id"]: d for d in load_template(path, explicit=True).documents}
    assert {lid: d["tracing"] for lid, d in docs.items()} == {
        "Omitted": "PassThrough", "Disabled": "PassThrough", "FromParameter": None,
        "Plain": "PassThrough", "Conditional": None}
    xray = {lid for lid, d in docs.items() if d["role"] and "AWSXrayWriteOnlyAccess" in str(d["role"])}
    assert xray == {"FromParameter"}  # as SAM: any Tracing but Disabled gets the X-Ray policy
