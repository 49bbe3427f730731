"""Every output format over a template and a snapshot whose every name and value is an injection string.

File names, logical IDs, function names, environment names and values, a
suppression reason, snapshot regions and gaps all carry line breaks, ``::``
workflow commands, the legacy ``##[`` form, ESC/CSI/OSC sequences, markdown and
HTML metacharacters and characters XML forbids. Each output must be well-formed
for its reader (JSON, SARIF against its schema, JUnit XML, HTML, markdown) and
carry no live control sequence and no workflow command but the github format's own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from report_oracles import (
    assert_github_annotations_hold,
    assert_inert_for_terminal,
    assert_json,
    assert_markdown_inert,
    assert_no_forged_commands,
    assert_xml_well_formed,
    html_tags,
)
from test_report_formats import report_validator, sarif_validator

from lambda_advisor.cli import FORMAT_CHOICES, cli
from lambda_advisor.model import Function, Source
from lambda_advisor.sources import snapshot

#: As a YAML double-quoted scalar (escapes YAML turns into the characters) and as text.
_YAML_BAD = ('x\\n::error file=a.yaml::forged\\r\\n::add-mask::s\\n::stop-commands::t ##[error]legacy '
             '\\e[31mred\\e[0m \\e]8;;https://evil.example/\\aclick\\e]8;;\\a \\e]52;c;cHduZWQ=\\a \\a\\b\\x0b\\x7f'
             '\\u009b31m \\u202eevil\\u2028 | --- | row |\\n<img src=x onerror=alert(1)> '
             '![i](https://evil.example/i.png) [l](https://evil.example) @octocat <https://evil.example> '
             'www.evil.example #12 **b** `c` &amp; \\x00\\ufffe')
SECRET = "hunter2-very-secret-Pa55"
#: A file name holding what a file name can: everything above but NUL and '/'.
FILE_NAME = "t\n::error::forged\x1b]52;c;cHduZWQ=\x07 ##[warning]x\r| a | b |<img src=x>@octocat [l](http:x).yaml"


def _bad_text() -> str:
    import yaml

    return str(yaml.safe_load(f'k: "{_YAML_BAD}"')["k"])


def _template() -> str:
    bad = _YAML_BAD
    return f"""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  "{bad}":
    Type: AWS::Serverless::Function
    Metadata:
      lambda-advisor:
        ignore: [{{id: LA205, reason: "{bad}"}}]
    Properties:
      FunctionName: "{bad}"
      Description: "{bad}"
      Handler: "app.{bad}"
      Runtime: python3.8
      Timeout: 900
      CodeUri: "src/"
      Environment:
        Variables:
          DB_PASSWORD: {SECRET}
          "{bad}": "{bad}"
          NOTE: "{bad}"
"""


def _snapshot_doc(bad: str) -> dict[str, Any]:
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{bad}"
    return Function(id=arn, name=bad, source=Source(kind="account", arn=arn, account="123456789012", region=bad),
                    runtime="python3.8", handler=bad, package_type="Zip", architectures=["x86_64"], memory_mb=128,
                    timeout_s=3, environment={bad: bad, "DB_PASSWORD": SECRET}, event_sources=[],
                    resource_policy=[], dead_letter_target=False, layers=[],
                    url={"auth_type": "NONE", "cors_allow_origins": [bad], "url": bad}).to_json()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from lambda_advisor.result import Gap

    root = tmp_path_factory.mktemp("hostile")
    template = root / FILE_NAME
    template.write_text(_template(), encoding="utf-8")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    bad = _bad_text()
    snap = root / (FILE_NAME.replace(".yaml", ".json"))
    snapshot.save(snap, snapshot.build_snapshot([_snapshot_doc(bad)], [Gap(bad, bad, [bad])],
                                                account="123456789012", regions=[bad]))
    return [template, snap]


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["scan", *args, "--today", "2026-12-06", "--show-suppressed"])


def test_the_inputs_are_read_and_hostile(inputs: list[Path]) -> None:
    res = _run(*map(str, inputs), "--format", "json")
    report = json.loads(res.stdout)
    assert report["summary"]["functions"] == 2 and not report["errors"], report["errors"]
    bad = _bad_text()
    assert all("::stop-commands::t ##[error]legacy \x1b[31m" in f["message"] for f in report["findings"])
    assert any(bad in f["suppressed"] for f in report["suppressed"])  # the suppression reason too
    assert {f["rule_id"] for f in report["findings"]} >= {"LA101", "LA102", "LA501"}


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_every_format_is_well_formed_and_inert(fmt: str, inputs: list[Path]) -> None:
    res = _run(*map(str, inputs), "--format", fmt)
    assert res.exit_code == 3, (res.exit_code, res.stderr)  # findings, and the snapshot's gap wins
    out = res.stdout
    assert "stop-commands" in out  # the hostile names are in the report, inert
    assert SECRET not in out + res.stderr
    assert_inert_for_terminal(res.stderr)
    assert_no_forged_commands(res.stderr)
    if fmt == "github":
        assert_no_forged_commands(out, allowed=("error", "warning", "notice"))
        assert_github_annotations_hold(out)
        assert_inert_for_terminal(out)
        return
    assert_no_forged_commands(out)
    if fmt in ("json", "sarif", "gitlab"):
        data = assert_json(out)
        if fmt == "sarif":
            errors = list(sarif_validator().iter_errors(data))
            assert not errors, errors[0].message
        if fmt == "json":
            report_validator().validate(data)
    elif fmt == "junit":
        root = assert_xml_well_formed(out)
        assert int(root.get("failures") or 0) >= 2
    elif fmt == "html":
        assert_inert_for_terminal(out)
        tags, attrs = html_tags(out)
        assert "img" not in tags and not {a for a in attrs if a.startswith("on")}
        assert out.count("<script>") == 1
    elif fmt == "markdown":
        from lambda_advisor.engine import load_rules
        from lambda_advisor.report.markdown import _shipped_prose

        for rule in load_rules():  # the fix texts shipped with lambda-advisor keep their own markdown
            out = out.replace(_shipped_prose(rule.fix), "")
        assert_markdown_inert(out)
    else:
        assert_inert_for_terminal(out)


def test_coloured_text_is_inert_but_for_its_colours(inputs: list[Path]) -> None:
    res = CliRunner().invoke(cli, ["scan", *map(str, inputs), "--today", "2026-12-06", "--color"])
    assert "\x1b[1m" in res.stdout
    assert_inert_for_terminal(res.stdout, colour=True)
    assert_no_forged_commands(res.stdout)


def test_the_diff_is_inert_and_redacted(inputs: list[Path]) -> None:
    res = CliRunner().invoke(cli, ["scan", str(inputs[0]), "--diff", "--unsafe-fixes", "--today", "2026-12-06"])
    assert res.exit_code == 1, res.stderr
    assert re.search(r"^\+\s+Runtime: python3\.\d+", res.stdout, re.M)
    assert SECRET not in res.stdout
    for stream in (res.stdout, res.stderr):
        assert_inert_for_terminal(stream)
        assert_no_forged_commands(stream)
