"""``--isolated``: the pull request's own configuration files and rule folders have no say in the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli

TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: app.handler, Timeout: 900, Code: {ZipFile: "x"}}
"""
RULE = """\
id: PR001
title: A rule the pull request brought
severity: critical
category: operations
what: Flags every function.
why: Because the pull request says so.
fix: Nothing.
match: {required: [name]}
"""
#: What a pull request would commit to quiet the gate: everything ignored, its own rules, fixes on.
HOSTILE = {
    ".lambda-advisor.yaml": "ignore: [ALL]\nrules-dirs: [pr-rules]\nfix: true\nfail-on: critical\n",
    "pyproject.toml": '[tool.lambda-advisor]\nignore = ["ALL"]\nrules-dirs = ["pr-rules"]\n',
}


def _project(tmp_path: Path, name: str) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "t.yaml").write_text(TEMPLATE)
    (tmp_path / name).write_text(HOSTILE[name])
    (tmp_path / "pr-rules").mkdir()
    (tmp_path / "pr-rules" / "pr001.yaml").write_text(RULE)
    return tmp_path


def _scan(*args: str, select: str = "LA205") -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["scan", *args, "--format", "json", "--select", select,
                                      "--today", "2026-11-22"])
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_without_isolated_the_tree_configures_the_run(tmp_path: Path, name: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, name))
    code, report = _scan("infra", select="LA205,PR001")
    assert code == 0 and report["findings"] == []  # what --isolated exists for


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_isolated_ignores_the_configuration_and_rule_folders_of_the_tree(tmp_path: Path, name: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, name))
    code, report = _scan("infra", "--isolated")
    assert code == 1 and [f["rule_id"] for f in report["findings"]] == ["LA205"]
    assert (tmp_path / "infra" / "t.yaml").read_text() == TEMPLATE  # the tree's `fix: true` did nothing


def test_isolated_takes_a_trusted_config_file_and_its_rule_folders(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, ".lambda-advisor.yaml"))
    trusted = tmp_path.parent / f"{tmp_path.name}-trusted"
    (trusted / "rules").mkdir(parents=True)
    (trusted / "rules" / "org.yaml").write_text(RULE.replace("PR001", "ORG001"))
    (trusted / "gate.yaml").write_text("rules-dirs: [rules]\n")
    code, report = _scan("infra", "--isolated", "--config", str(trusted / "gate.yaml"), select="LA205,ORG001")
    assert code == 1 and sorted(f["rule_id"] for f in report["findings"]) == ["LA205", "ORG001"]


def test_baseline_create_takes_isolated_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path, ".lambda-advisor.yaml"))
    result = CliRunner().invoke(cli, ["baseline", "create", "infra", "--isolated", "--select", "LA205",
                                      "-o", "b.json"])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads((tmp_path / "b.json").read_text())["findings"]) == 1
