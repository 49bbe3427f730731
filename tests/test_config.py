"""Configuration: found by walking up, validated with one clear message, folded into the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.config import ConfigError, find_config, load_config

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(e, c): pass"}
      Timeout: 700
"""


def _project(tmp_path: Path) -> Path:
    tpl = tmp_path / "infra" / "nested" / "template.yaml"
    tpl.parent.mkdir(parents=True)
    tpl.write_text(TEMPLATE, encoding="utf-8")
    return tpl


def _scan(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["scan", *args])
    return res.exit_code, res.stdout, res.stderr


def test_found_by_walking_up_yaml_wins_over_pyproject(tmp_path: Path) -> None:
    tpl = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.lambda-advisor]\nfail-on = "high"\n', encoding="utf-8")
    (tmp_path / "infra" / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")  # no table: passed over
    assert find_config(tpl) == tmp_path / "pyproject.toml"
    (tmp_path / "infra" / ".lambda-advisor.yaml").write_text("fail-on: medium\n", encoding="utf-8")
    assert find_config(tpl) == tmp_path / "infra" / ".lambda-advisor.yaml"
    (tmp_path / "infra" / "nested" / "pyproject.toml").write_text('[tool.lambda-advisor]\nformat = "json"\n',
                                                                  encoding="utf-8")
    assert find_config(tpl.parent) == tmp_path / "infra" / "nested" / "pyproject.toml"


def test_params_and_severity_change_the_findings(tmp_path: Path) -> None:
    tpl = _project(tmp_path)
    code, out, _ = _scan(str(tpl), "--select", "LA205")
    assert code == 0 and "LA205" not in out  # 700 s is under the default 840 s
    (tmp_path / ".lambda-advisor.yaml").write_text(
        "select: [LA205]\nparams:\n  LA205: {threshold_s: 600}\nseverity:\n  LA205: high\nformat: json\n",
        encoding="utf-8")
    code, out, _ = _scan(str(tpl))
    report = json.loads(out)  # format came from the config
    assert [(f["rule_id"], f["severity"]) for f in report["findings"]] == [("LA205", "high")]
    assert code == 1


def test_pyproject_table_select_ignore_and_fail_on(tmp_path: Path) -> None:
    tpl = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lambda-advisor]\nselect = ["LA2", "LA5"]\nignore = ["LA5"]\nfail-on = "critical"\n'
        '[tool.lambda-advisor.params.LA205]\nthreshold_s = 600\n', encoding="utf-8")
    code, out, _ = _scan(str(tpl), "--format", "json")
    rules = {f["rule_id"] for f in json.loads(out)["findings"]}
    assert "LA205" in rules and not any(r.startswith("LA5") for r in rules)
    assert code == 0  # LA205 is low, below fail-on critical
    code, _, _ = _scan(str(tpl), "--fail-on", "low")  # the command line wins
    assert code == 1


def test_explicit_config_file(tmp_path: Path) -> None:
    tpl = _project(tmp_path)
    cfg = tmp_path / "elsewhere.yaml"
    cfg.write_text("select: [LA205]\nparams: {LA205: {threshold_s: 600}}\n", encoding="utf-8")
    code, out, _ = _scan(str(tpl), "--config", str(cfg))
    assert code == 1 and "LA205" in out


@pytest.mark.parametrize(("text", "expected"), [
    ("selct: [LA1]\n", "unknown key 'selct'"),
    ("fail_on: high\n", "unknown key 'fail_on' (did you mean 'fail-on'?)"),
    ("fail-on: urgent\n", "invalid value for 'fail-on'"),
    ("select: LA1\n", "invalid value for 'select'"),
    ("severity: {LA205: huge}\n", "invalid value for 'severity.LA205'"),
    ("severity: {timeout: low}\n", "invalid key 'severity.timeout'"),
    ("params: {LA205: {threshold: 10}}\n", "unknown key 'params.LA205.threshold'; LA205 parameters: threshold_s"),
    ("params: {LA999: {x: 1}}\n", "invalid key 'params.LA999': no such rule"),
    ("- just\n- a list\n", "must be a mapping"),
])
def test_bad_config_is_one_clear_message_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    tpl = _project(tmp_path)
    cfg = tmp_path / ".lambda-advisor.yaml"
    cfg.write_text(text, encoding="utf-8")
    code, out, err = _scan(str(tpl))
    assert code == 2, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(cfg.resolve()) in lines[0] or str(cfg) in lines[0]
    assert expected in lines[0], lines[0]
    assert "Traceback" not in err


def test_bad_pyproject_table_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.lambda-advisor]\nrules-dirs = "rules"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "pyproject.toml")
    assert "pyproject.toml" in str(exc.value) and "'rules-dirs'" in str(exc.value)


def test_rules_dirs_relative_to_the_config(tmp_path: Path) -> None:
    tpl = _project(tmp_path)
    (tmp_path / "org-rules").mkdir()
    (tmp_path / "org-rules" / "ORG001.yaml").write_text(
        "id: ORG001\ntitle: functions must say who owns them\nseverity: medium\ncategory: operations\n"
        "what: Flags functions without an owner tag.\nwhy: Nobody answers the page.\nfix: Tag it with owner.\n"
        "match:\n  not: {properties: {tags: {type: object, required: [owner]}}, required: [tags]}\n",
        encoding="utf-8")
    (tmp_path / ".lambda-advisor.yaml").write_text("rules-dirs: [org-rules]\nselect: [ORG]\n", encoding="utf-8")
    code, out, err = _scan(str(tpl))
    assert code == 1, err
    assert "ORG001" in out


def test_baseline_and_show_suppressed_from_the_config(tmp_path: Path) -> None:
    tpl = _project(tmp_path)
    (tmp_path / ".lambda-advisor.yaml").write_text("select: [LA205]\nparams: {LA205: {threshold_s: 600}}\n",
                                                  encoding="utf-8")
    (tmp_path / ".lambda-advisor.yaml").write_text(
        "select: [LA205]\nparams: {LA205: {threshold_s: 600}}\nbaseline: bl.json\nshow-suppressed: true\n",
        encoding="utf-8")
    res = CliRunner().invoke(cli, ["baseline", "create", str(tpl)])  # writes where the config says
    assert res.exit_code == 0, res.output
    assert (tmp_path / "bl.json").is_file()
    code, out, err = _scan(str(tpl))
    assert code == 0, out + err
    assert "[in baseline]" in out and "1 in baseline" in out


def test_explicit_pyproject_without_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"has no \[tool.lambda-advisor\] table"):
        load_config(tmp_path / "pyproject.toml")


@pytest.mark.parametrize("text", [
    '[tool.lambda-advisor]\nselect = ["LA1"]\n',
    '[tool."lambda-advisor"]\nselect = ["LA1"]\n',
    '[ tool . "lambda-advisor" . params ]\nLA205 = {}\n',
    'tool.lambda-advisor.select = ["LA1"]\n',
    '[tool]\nlambda-advisor = { select = ["LA1"] }\n',
    'tool = { lambda-advisor = { select = ["LA1"] } }\n',
    '[project]\nname = "x"\ndependencies = ["lambda-advisor>=0.1"]\n[tool.lambda-advisor]\nselect = ["LA1"]\n',
])
def test_every_spelling_of_the_table_is_found(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"


@pytest.mark.parametrize("text", [
    '[project]\nname = "lambda-advisor-rules"\n',
    '[project]\ndependencies = ["lambda-advisor>=0.1", "click"]\n',
    '[project]\ndependencies = [\n  "lambda-advisor>=0.1",\n]\n',  # parsed to be sure, and has no table
    '[project.scripts]\nlambda-advisor = "lambda_advisor.entry:main"\n',
])
def test_a_pyproject_naming_the_tool_only_as_a_value_is_not_ours(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    assert find_config(tmp_path) is None
