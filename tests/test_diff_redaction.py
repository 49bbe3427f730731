"""``--diff`` is a report: a secret in its context or changed lines is shown by its length, never whole."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from report_oracles import assert_inert_for_terminal, assert_no_forged_commands

from lambda_advisor.cli import cli
from lambda_advisor.report.redact import redact_diff

SECRETS = ["hunter2-very-secret-Pa55", "Url-s3cret-Pass", "AKIAQ4XZ7J2M5N8P3R6T", "xyzzy"]
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Environment:
        Variables:
          DB_PASSWORD: hunter2-very-secret-Pa55
          DATABASE_URL: "postgres://app:Url-s3cret-Pass@db.example.com/app"
      Runtime: python3.8
      CodeUri: src/
      Tags:
        KEY_HOLDER: "AKIAQ4XZ7J2M5N8P3R6T"
        "API_TOKEN": 'xyzzy'
"""


def test_class10_diff_context_lines_hold_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    res = CliRunner().invoke(cli, ["scan", str(path), "--diff", "--unsafe-fixes", "--select", "LA501",
                                   "--today", "2026-12-06", "-q"])
    assert res.exit_code == 1, res.output
    assert "+      Runtime: python3." in res.stdout  # the diff is there…
    assert "DB_PASSWORD: <redacted: 24 characters>" in res.stdout  # …its context names the variable and length…
    assert "postgres://app:<redacted: 15 characters>@db.example.com/app" in res.stdout
    assert not [s for s in SECRETS if s in res.stdout + res.stderr]  # …and no secret
    assert path.read_text(encoding="utf-8") == TEMPLATE  # the file on disk is the user's


def test_class10_changed_lines_and_json_are_redacted_too() -> None:
    diff = ('--- a/t.json\n+++ b/t.json\n@@ -1,3 +1,3 @@\n'
            '-        "DB_PASSWORD": "hunter2-very-secret-Pa55",\n'
            '+        "DB_PASSWORD": "hunter2-very-secret-Pa55" ,\n'
            '         "PLAIN": "AKIAQ4XZ7J2M5N8P3R6T"\n')
    out = redact_diff(diff, [])
    assert not [s for s in SECRETS if s in out]
    assert out.count("<redacted: 24 characters>") == 2 and out.startswith("--- a/t.json\n")


def test_diff_output_is_inert_for_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    hostile = "CodeUri: src/  # \u202eevil \u2066x\n      Description: |\n        ::warning::y ##[error]z\n"  # valid YAML
    path.write_text(TEMPLATE.replace("      CodeUri: src/\n", f"      {hostile}"), encoding="utf-8")
    res = CliRunner().invoke(cli, ["scan", str(path), "--diff", "--unsafe-fixes", "--select", "LA501",
                                   "--today", "2026-12-06", "-q"])
    assert res.exit_code == 1, res.output
    assert "\\u202e" in res.stdout and "\\x3a:warning" in res.stdout  # in the diff, shown inert
    assert_inert_for_terminal(res.stdout)
    assert_no_forged_commands(res.stdout)
