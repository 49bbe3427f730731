"""Bad input of every kind in one scan: each is a clear error naming the file, and the rest goes on."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.engine import load_rules

ROOT = Path(__file__).resolve().parent.parent

SAM_WITH_ZIP = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Packed:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: build/packed.zip
"""


def test_every_kind_of_bad_input_is_named_and_the_good_template_still_scanned(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(ROOT / "fixtures" / "sources" / "mixed" / "nested" / "cfn.yml", good / "cfn.yml")

    snap = tmp_path / "audit.json"  # a snapshot whose version field is wrong
    snap.write_text(json.dumps({"format": "lambda-advisor-snapshot", "version": "one", "functions": []}))

    cdk_out = tmp_path / "app" / "cdk.out"  # a cloud assembly whose manifest is not JSON
    cdk_out.mkdir(parents=True)
    (cdk_out / "cdk.out").write_text('{"version": "36.0.0"}')
    (cdk_out / "manifest.json").write_text("{not json")

    sam = tmp_path / "sam"  # a SAM app whose package is not a zip
    (sam / "build").mkdir(parents=True)
    (sam / "template.yaml").write_text(SAM_WITH_ZIP)
    (sam / "build" / "packed.zip").write_bytes(b"PK\x03\x04 this is not really a zip")

    broken = tmp_path / "broken.yaml"  # a template that does not parse
    broken.write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: [x\n")

    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--select", "LA205",
                                      "--today", "2026-11-22"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    named = sorted(Path(e["where"]).name for e in report["errors"])
    assert named == ["audit.json", "broken.yaml", "manifest.json", "packed.zip"], report["errors"]
    by_name = {Path(e["where"]).name: e for e in report["errors"]}
    assert by_name["broken.yaml"]["line"] == 4 or by_name["broken.yaml"]["line"] == 5
    assert "version 'one' is not supported" in by_name["audit.json"]["message"]
    assert "not valid JSON" in by_name["manifest.json"]["message"]
    assert "Packed: not a readable zip" in by_name["packed.zip"]["message"]
    # the good template was scanned all the same, and so was the function with the broken package
    assert [(Path(f["location"]["file"]).name, f["rule_id"]) for f in report["findings"]] == [("cfn.yml", "LA205")]
    assert report["summary"]["functions"] >= 2


# -- one small regression test per class of bad input -------------------------------------------
#
# Each case is one bad file beside a good template; the good template's finding must survive,
# the bad one is at most one error entry (never a traceback), and stdout is always a report.

GOOD = (ROOT / "fixtures" / "sources" / "mixed" / "nested" / "cfn.yml").read_text()
FN = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"

BAD_TEMPLATES: dict[str, tuple[str, str | None]] = {
    # Values of the wrong kind where the document has a closed shape (the autouse fixture validates each document).
    "odd-enum-values": (FN + "      PackageType: 99999999999999999999999\n      Layers: [null, arn:aws:lambda:us-east-1:1:layer:x:1]\n"
                        "      DurableConfig: {ExecutionTimeout: weird}\n      Role: !GetAtt R.Arn\n"
                        "  R:\n    Type: AWS::IAM::Role\n    Properties: {ManagedPolicyArns: [null]}\n"
                        "  G:\n    Type: AWS::Logs::LogGroup\n"
                        "    Properties: {LogGroupName: /aws/lambda/Fn, LogGroupClass: 12345}\n"
                        "  Q:\n    Type: AWS::SQS::Queue\n    Properties: {RedrivePolicy: 7}\n"
                        "  M:\n    Type: AWS::Lambda::EventSourceMapping\n"
                        "    Properties: {FunctionName: !Ref Fn, EventSourceArn: !GetAtt Q.Arn}\n"
                        "  S:\n    Type: AWS::Serverless::Function\n"
                        "    Properties: {Runtime: python3.12, Handler: a.h, CodeUri: s3://b/k, "
                        "DeadLetterQueue: {Type: SQS, TargetArn: null}}\n", None),
    "null-statement-parts": (FN + "      Role: !GetAtt R.Arn\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
                             "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n"
                             "            Statement:\n              - {Effect: Allow, Action: [null], Resource: null}\n"
                             "  P:\n    Type: AWS::Lambda::Permission\n"
                             "    Properties: {FunctionName: !Ref Fn, Action: null, Principal: s3.amazonaws.com}\n"
                             "  Q:\n    Type: AWS::Lambda::Permission\n"
                             "    Properties: {FunctionName: null, Action: lambda:InvokeFunction, Principal: '*'}\n", None),
    # name: (text, expected error message fragment, or None when it reads without an error)
    "type-is-mapping": ("Resources:\n  Fn:\n    Type: {a: b}\n  G:\n    Type: AWS::Lambda::Function\n",
                        "resource Fn: Type must be a string, not a mapping"),
    "type-is-null": ("Resources:\n  Fn:\n    Type: null\n  G:\n    Type: AWS::Lambda::Function\n",
                     "resource Fn: Type must be a string, not a null"),
    "globals-function-is-text": ("Transform: AWS::Serverless-2016-10-31\nGlobals: {Function: .inf}\nResources:\n"
                                 "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12}\n"
                                 "  Nightly:\n    Type: AWS::Events::Rule\n"
                                 "    Properties: {Targets: [{Arn: !Ref Fn.Alias, Id: x}]}\n", None),
    "properties-is-list": (FN.replace("Properties:\n", "Properties: [1, 2]\n    Metadata: 5\n"), None),
    "logical-id-is-number": ("Resources:\n  123:\n    Type: AWS::Lambda::Function\n    Properties: {Timeout: 900}\n",
                             None),
    "timeout-inf": (FN + "      Timeout: .inf\n      MemorySize: .nan\n", None),
    "timeout-5000-digits": (FN + "      Timeout: " + "9" * 5000 + "\n", None),
    "select-index-inf": (FN + "      Runtime: !Select [.inf, [a, b]]\n", None),
    "findinmap-self": ("Mappings:\n  M:\n    A:\n      B: !FindInMap [M, A, B]\n" + FN
                       + "      Runtime: !FindInMap [M, A, B]\n", None),
    "alias-cycle": ("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n  A1:\n    Type: AWS::Lambda::Alias\n"
                    "    Properties: {FunctionName: !Ref A2}\n  A2:\n    Type: AWS::Lambda::Alias\n"
                    "    Properties: {FunctionName: !Ref A1}\n  P:\n    Type: AWS::Lambda::Permission\n"
                    "    Properties: {FunctionName: !Ref A1, Principal: s3.amazonaws.com}\n", None),
    "role-is-number": (FN + "      Role: 7\n      Timeout: true\n", None),
    "policy-condition-is-list": ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                                 "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                                 "      Handler: a.b\n      Policies:\n        - Statement:\n"
                                 "            - {Effect: Allow, Action: s3:*, Resource: '*', Condition: [1]}\n", None),
    "env-value-200k": (FN + "      Environment: {Variables: {DB_URL: " + "a" * 200_000 + "}}\n", None),
    "code-uri-too-long": ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                          "    Properties: {Runtime: python3.12, Handler: a.b, CodeUri: " + "a" * 5000 + "}\n", None),
    "duplicate-key": (FN + "      Timeout: 900\n      Timeout: 30\n", None),  # a finding (LA001), not an error
    "alias-bomb": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n"
                             for i in range(8))
                   + FN + "      Environment: {Variables: {X: *i}}\n", "alias bomb"),
    "nesting-deep": (FN + "      Environment: " + "[" * 500 + "]" * 500 + "\n", "deep"),
    "control-character": (FN + "      Runtime: py\x07thon\n", "control characters are not allowed"),
}


def _scan(runner_args: list[str]) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["scan", *runner_args, "--format", "json", "--today", "2026-11-22"])
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout), result.stderr


@pytest.mark.parametrize("name", sorted(BAD_TEMPLATES))
def test_a_bad_template_is_at_most_one_error_and_the_good_one_survives(tmp_path: Path, name: str) -> None:
    text, expected = BAD_TEMPLATES[name]
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(text)
    code, report, _ = _scan([str(tmp_path), "--select", "LA205"])
    assert ("good.yaml", "LA205") in [(Path(f["location"]["file"]).name, f["rule_id"]) for f in report["findings"]]
    bad_errors = [e for e in report["errors"] if Path(e["where"]).name == "bad.yaml"]
    assert all("internal error" not in e["message"] for e in report["errors"]), report["errors"]
    if expected is None:
        assert report["errors"] == [], report["errors"]
        assert code == 1
    else:
        assert len(bad_errors) == 1 and expected in bad_errors[0]["message"], report["errors"]
        assert bad_errors[0]["line"], bad_errors[0]
        assert code == 2


@pytest.mark.parametrize(("first", "last", "expected"), [(30, 900, [("LA001", 6), ("LA205", 6)]),
                                                      (900, 30, [("LA001", 6)])])
def test_a_duplicate_key_is_a_finding_and_the_template_is_read_with_the_last_value(
        tmp_path: Path, first: int, last: int, expected: list[tuple[str, int]]) -> None:
    # LA001 at the second line, never an input error (exit 1, not 2): the functions are checked with
    # the last value, the one the SAM CLI and CloudFormation deploy, so one slip hides nothing else.
    (tmp_path / "bad.yaml").write_text(FN + f"      Timeout: {first}\n      Timeout: {last}\n")
    code, report, _ = _scan([str(tmp_path), "--select", "LA001,LA205"])
    assert report["errors"] == []
    assert sorted((f["rule_id"], f["location"]["line"]) for f in report["findings"]) == expected
    assert "'Timeout'" in report["findings"][0]["message"] and "lines 5 and 6" in report["findings"][0]["message"]
    assert code == 1
    code, report, _ = _scan([str(tmp_path), "--select", "LA001,LA205", "--exit-zero"])
    assert code == 0


def test_a_duplicate_key_can_be_suppressed_ignored_and_baselined(tmp_path: Path) -> None:
    from lambda_advisor.cli import cli as main

    template = tmp_path / "bad.yaml"
    template.write_text(FN + "      Timeout: 30\n      Timeout: 60\n")
    assert _scan([str(template), "--ignore", "LA001"])[1]["findings"] == []
    baseline = tmp_path / "baseline.json"
    made = CliRunner().invoke(main, ["baseline", "create", str(template), "-o", str(baseline)])
    assert made.exit_code == 0, made.output
    code, report, _ = _scan([str(template), "--baseline", str(baseline)])
    assert code == 0 and report["findings"] == [] and [f["rule_id"] for f in report["baselined"]] == ["LA001"]
    suppressed = FN.replace("    Properties:\n", "    Metadata:\n      lambda-advisor:\n        ignore: [LA001]\n"
                                                 "    Properties:\n", 1)
    template.write_text(suppressed + "      Timeout: 30\n      Timeout: 60\n")
    code, report, _ = _scan([str(template), "--select", "LA001"])
    assert code == 0 and report["findings"] == []


def test_a_fifo_is_skipped_with_a_notice_never_opened(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    os.mkfifo(tmp_path / "pipe.yaml")
    code, report, stderr = _scan([str(tmp_path), "--select", "LA205"])
    assert code == 1 and report["errors"] == []
    assert "pipe.yaml: skipped, not a regular file (a named pipe (FIFO))" in stderr
    code, report, stderr = _scan([str(tmp_path / "pipe.yaml")])  # named on the command line too
    assert code == 0 and "not a regular file" in stderr


def test_an_oversized_template_is_refused_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_advisor import sources

    monkeypatch.setattr(sources, "MAX_TEMPLATE_BYTES", 100)
    (tmp_path / "big.yaml").write_text(GOOD)
    code, report, _ = _scan([str(tmp_path)])
    assert code == 2 and "larger than" in report["errors"][0]["message"]


def test_snapshot_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    snap = {"format": "lambda-advisor-snapshot", "version": 1, "created": "2026-01-01T00:00:00+00:00",
            "tool_version": "0", "account": "123456789012", "regions": [], "redacted": [], "functions": [],
            "gaps": []}
    (tmp_path / "snap.json").write_text("\ufeff" + json.dumps(snap), encoding="utf-8")
    code, report, _ = _scan([str(tmp_path / "snap.json")])
    assert report["errors"] == [] and code == 0


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "html"])
def test_a_file_name_that_is_not_utf8_survives_every_format(tmp_path: Path, fmt: str) -> None:
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    with open(folder + b"/t\xff.yaml", "w") as fh:
        fh.write(GOOD)
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["scan", os.fsdecode(folder), "--format", fmt, "-o", str(out),
                                      "--select", "LA205", "--today", "2026-11-22"])
    assert result.exit_code == 1, (result.stderr, result.exception)
    text = out.read_text(encoding="utf-8")  # valid UTF-8 ...
    # ... naming the file: U+FFFD for the bytes that are not UTF-8, or SARIF's percent-encoded URI of them
    assert "caf\ufffd" in text or "caf\\ufffd" in text or "caf%E9/t%FF.yaml" in text
    assert "\\udc" not in text


def test_an_output_that_cannot_be_written_is_exit_2_and_one_line(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "good.yaml"), "-o", str(blocker / "out.json")])
    assert result.exit_code == 2
    assert result.stderr.startswith("lambda-advisor: error: cannot write the report to ") and \
        "Traceback" not in result.stderr


def test_a_rule_that_raises_is_one_error_naming_rule_and_input(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_advisor.checks import runtimes

    def boom(doc: dict, ctx: object) -> list:
        raise KeyError("surprise")

    (tmp_path / "good.yaml").write_text(GOOD)
    check = next(r.check for r in load_rules() if r.id == "LA501")
    assert check == "runtimes.deprecated_runtime"
    monkeypatch.setattr(runtimes, "deprecated_runtime", boom)
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "-f", "json", "--select", "LA205,LA501",
                                      "--today", "2030-01-01"])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    (err,) = report["errors"]
    assert Path(err["where"]).name == "good.yaml"
    assert "internal error in rule LA501 on function LongFn (KeyError: 'surprise')" in err["message"]
    assert "please report it to its developers" in err["message"]
    assert [f["rule_id"] for f in report["findings"]] == ["LA205"]  # the other rule still ran


def test_debug_prints_the_traceback_of_an_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_advisor import barrier
    from lambda_advisor.sources import template

    def boom(path: Path, *, explicit: bool) -> None:
        raise TypeError("unhashable type: 'LineDict'")

    monkeypatch.setattr(barrier, "_debug", False)  # restored after the test: --debug is process-wide
    monkeypatch.setattr(template, "load", boom)
    (tmp_path / "t.yaml").write_text(GOOD)
    quiet = CliRunner().invoke(cli, ["scan", str(tmp_path), "-f", "json"])
    loud = CliRunner().invoke(cli, ["scan", "--debug", str(tmp_path), "-f", "json"])
    assert quiet.exit_code == loud.exit_code == 2
    assert "Traceback" not in quiet.stderr and "--debug" in quiet.stderr
    assert "Traceback" in loud.stderr
    assert json.loads(loud.stdout)["errors"]


# -- packages: what SAM deploys, regular files only, never outside the project -----------------

SAM_FN = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: function.handler
      CodeUri: {uri}
"""


def test_a_single_source_file_as_code_uri_is_a_package_of_one_file(tmp_path: Path) -> None:
    """`sam package` zips a CodeUri that is one file (not a zip) on its own; we inspect it the same way."""
    from lambda_advisor.sources.package import inspect_package

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "function.js").write_text(
        "const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');\n"
        "exports.handler = async () => new LambdaClient({}).send(new InvokeCommand({FunctionName: 'x'}));\n")
    facts = inspect_package(tmp_path / "src" / "function.js")
    assert facts["files"] == 1 and facts["errors"] == []
    assert [c["path"] for c in facts["invoke_calls"]] == ["function.js"]
    (tmp_path / "template.yaml").write_text(SAM_FN.format(uri="src/function.js"))
    code, report, _ = _scan([str(tmp_path), "--select", "LA301"])
    assert code == 1 and report["errors"] == [] and [f["rule_id"] for f in report["findings"]] == ["LA301"]


def test_a_fifo_or_device_as_code_uri_is_never_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "template.yaml").write_text(SAM_FN.format(uri="pipe"))
    code, report, _ = _scan([str(tmp_path)])
    (err,) = report["errors"]
    assert "not a regular file but a named pipe (FIFO)" in err["message"] and code == 2


@pytest.mark.parametrize("uri", ["/", "/dev/zero", "../../../../../../../../etc"])
def test_a_package_outside_the_project_is_not_read(tmp_path: Path, uri: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "template.yaml").write_text(SAM_FN.format(uri=uri))
    code, report, stderr = _scan([str(tmp_path / "app")])
    assert report["errors"] == [] and code in (0, 1)
    assert "is outside the scanned project; not inspected" in stderr


def test_cdk_stages_that_point_back_at_their_assembly_are_read_once(tmp_path: Path) -> None:
    cdk_out = tmp_path / "cdk.out"
    cdk_out.mkdir()
    (cdk_out / "cdk.out").write_text('{"version": "36.0.0"}')
    (cdk_out / "Stack.template.json").write_text(json.dumps({"Resources": {"Fn": {
        "Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Timeout": 900}}}}))
    artifacts = {"Stack": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Stack.template.json"}}}
    artifacts |= {f"Self{i}": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}} for i in range(30)}
    artifacts["Out"] = {"type": "cdk:cloud-assembly", "properties": {"directoryName": "../.."}}
    artifacts["Bad"] = {"type": "aws:cloudformation:stack", "properties": ["not", "a", "mapping"]}
    (cdk_out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    code, report, _ = _scan([str(cdk_out), "--select", "LA205"])
    assert code == 2 and len(report["findings"]) == 1
    assert [e["message"] for e in report["errors"]] == ["stage Out: outside the assembly; not read"]


# -- configuration, rule files and baselines: one line naming the file, exit 2 -----------------

BAD_CONFIGS: dict[str, tuple[bytes, str]] = {
    "not-utf8": (b"select: [LA2]\nignore: [caf\xe9]\n", "line 2: not UTF-8 text"),
    "deep": (b"params: " + b"[" * 300 + b"]" * 300 + b"\n", "nested more than 100 levels deep"),
    "number-key": (b"1: x\n", "unknown key '1'"),
    "huge-int": (b"params:\n  LA205: {threshold_s: " + b"9" * 5000 + b"}\n", "invalid value for 'params.LA205.threshold_s'"),
    "duplicate": (b"select: [LA2]\nselect: [LA1]\n", "line 2: not valid YAML: duplicate key 'select' (first on line 1)"),
    "alias-bomb": (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n".encode() for i in range(8)),
        "alias bomb"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_a_broken_configuration_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    text, expected = BAD_CONFIGS[name]
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / ".lambda-advisor.yaml").write_bytes(text)
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "-f", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"lambda-advisor: error: {tmp_path / '.lambda-advisor.yaml'}: ") and expected in line, line


@pytest.mark.parametrize("text", [b"[tool]\nname = 'x'\n[tool\n", b"tool = 5\n", b"x = \xff\n",
                                  b"a = " + b"[" * 2000 + b"]" * 2000 + b"\n", b"[tool]\nx = " + b"9" * 5000 + b"\n"])
def test_an_unrelated_broken_pyproject_never_stops_a_scan(tmp_path: Path, text: bytes) -> None:
    (tmp_path / "pyproject.toml").write_bytes(text)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "good.yaml").write_text(GOOD)
    code, report, _ = _scan([str(tmp_path / "app"), "--select", "LA205"])
    assert code == 1 and len(report["findings"]) == 1


@pytest.mark.parametrize(("text", "expected"), [
    (b"tool = 5\n", "'tool' must be a table"),
    (b"[tool.lambda-advisor]\nselect = " + b"[" * 2000 + b"]" * 2000 + b"\n", "nested too deep"),
    (b"[tool.lambda-advisor]\nselect = ['LA2'\n", "not valid TOML"),
])
def test_a_broken_pyproject_named_or_with_our_table_is_one_line(tmp_path: Path, text: bytes, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_bytes(text)
    (tmp_path / "good.yaml").write_text(GOOD)
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--config", str(tmp_path / "pyproject.toml")])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert expected in line and "pyproject.toml" in line, line


RULE = """\
id: ORG001
title: Functions must carry a cost-centre tag
severity: low
category: operations
what: Flags functions without a cost-centre tag.
why: Untagged functions cannot be charged back.
fix: Add a cost-centre tag.
"""


@pytest.mark.parametrize(("text", "expected"), [
    (RULE.encode() + b"match: {required: [name]}\nmessage: \"{doc[nonexistent]} lacks it\"\n",
     "invalid key message: {doc[nonexistent]}: the function document has no key 'nonexistent'"),
    (RULE.encode() + b"match: {required: [name]}\nmessage: \"{params[limit]} too many\"\n",
     "the rule has no parameter 'limit'"),
    (RULE.encode() + b"match: {required: [name]}\nmessage: \"{doc[name]\"\n", "invalid key message"),
    (RULE.encode() + b"check: timeouts.visibility_shorter_than_timeout\n", "invalid key params: check "
     "timeouts.visibility_shorter_than_timeout needs parameter(s)"),
    (RULE.encode().replace(b"Untagged", b"Untagg\xe9d") + b"match: {required: [name]}\n", "line 6"),
    (RULE.encode() + b"match: " + b"{not: " * 200 + b"{}" + b"}" * 200 + b"\n", "nested more than 100"),
])
def test_a_broken_user_rule_is_an_error_naming_file_and_key(tmp_path: Path, text: bytes, expected: str) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "org001.yaml").write_bytes(text)
    (tmp_path / "good.yaml").write_text(GOOD)
    (rules / "org002.yaml").write_text(RULE.replace("ORG001", "ORG002") + "match: {required: [name]}\n")
    code, report, _ = _scan([str(tmp_path / "good.yaml"), "--rules-dir", str(rules)])
    assert code == 2
    (err,) = report["errors"]
    assert err["where"] == str(rules / "org001.yaml") and expected in err["message"], err
    # One broken file is one input error: the built-in rules and the other custom rule still report.
    assert {"LA205", "ORG002"} <= {f["rule_id"] for f in report["findings"]}, report["findings"]
    assert "ORG001" not in {f["rule_id"] for f in report["findings"]}


@pytest.mark.parametrize(("text", "expected"), [
    (b"\xef\xbb\xbf" + json.dumps({"version": 1, "findings": []}).encode(), None),
    (b'{"version": 1, "findings": [\xff]}', "not UTF-8 text: byte 0xff"),
    (b"[" * 5000 + b"]" * 5000, "nested more than 100 levels deep"),
    (b'{"version": NaN, "findings": []}', "NaN is not a JSON number"),
    (b'{"version": ' + b"9" * 5000 + b', "findings": []}', "integer with 5000 digits"),
])
def test_a_broken_baseline_is_an_error_naming_it(tmp_path: Path, text: bytes, expected: str | None) -> None:
    (tmp_path / "baseline.json").write_bytes(text)
    (tmp_path / "good.yaml").write_text(GOOD)
    code, report, _ = _scan([str(tmp_path / "good.yaml"), "--select", "LA205", "--baseline",
                             str(tmp_path / "baseline.json")])
    if expected is None:
        assert code == 1 and report["errors"] == []
        return
    assert code == 2
    (err,) = report["errors"]
    assert err["where"] == str(tmp_path / "baseline.json") and expected in err["message"], err


# -- the batch: the whole fixtures tree and one bad input of each class, in one scan -------------

def test_the_whole_fixture_tree_with_a_bad_input_of_every_class_keeps_every_expected_finding(
        tmp_path: Path) -> None:
    from test_rule_fixtures import expected, fixtures

    tree = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", tree, symlinks=True)
    bad = tree / "bad"
    bad.mkdir()
    for name, (text, _) in BAD_TEMPLATES.items():
        (bad / f"{name}.yaml").write_text(text)
    (bad / "broken.json").write_text('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function",')
    os.mkfifo(bad / "pipe.yaml")
    os.mkdir(os.fsencode(bad) + b"/caf\xe9")
    with open(os.fsencode(bad) + b"/caf\xe9/t\xff.yaml", "w") as fh:
        fh.write(GOOD.replace("LongFn", "LatinFn"))
    (bad / "snap.json").write_text('{"format": "lambda-advisor-snapshot", "version": 1, "functions": [' * 3)
    (bad / "pkg").mkdir()
    (bad / "pkg" / "template.yaml").write_text(SAM_FN.format(uri="/dev/zero"))
    (bad / "pkg2").mkdir()
    (bad / "pkg2" / "not.zip").write_bytes(b"PK\x03\x04 broken")
    (bad / "pkg2" / "template.yaml").write_text(SAM_FN.format(uri="not.zip"))
    loop = bad / "loop" / "cdk.out"
    loop.mkdir(parents=True)
    (loop / "cdk.out").write_text("{}")
    (loop / "manifest.json").write_text(json.dumps({"artifacts": {
        "Self": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}},
        "Up": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "../../.."}}}}))
    (bad / "baseline.json").write_bytes(b"[" * 5000)

    result = CliRunner().invoke(cli, ["scan", str(tree), "-f", "json", "--select", "ALL", "--today", "2026-11-22",
                                      "--baseline", str(bad / "baseline.json")])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert not [e for e in report["errors"] if "internal error" in e["message"]]
    got = {(Path(f["location"]["file"]).resolve(), f["location"]["line"], f["rule_id"])
           for f in [*report["findings"], *report["suppressed"]] if f["location"]["file"]}
    # Snapshot fixtures mark the function (a snapshot has no lines).
    by_function = {(f"function={f['location']['function_name']}", f["rule_id"])
                   for f in [*report["findings"], *report["suppressed"]] if f["location"]["line"] is None}
    checked = 0
    for fixture in fixtures():
        copy = tree / fixture.resolve().relative_to(ROOT / "fixtures")
        base = copy if copy.is_dir() else copy.parent
        marks = expected(fixture)
        # With every rule selected, LA102 states LA211's fact too (one finding for one URL).
        missing = {(rel, line, rule) for rel, line, rule in marks
                   if ((line, rule) not in by_function if isinstance(line, str)
                       else ((base / rel).resolve(), line, rule) not in got
                       and not (rule == "LA211" and ((base / rel).resolve(), line, "LA102") in got))}
        assert not missing, f"{fixture.name}: {sorted(missing)}"
        checked += len(marks)
    assert checked > 100  # every rule fixture's marks were looked for
    assert any(f["location"]["logical_id"] == "LatinFn" for f in report["findings"])


@pytest.mark.parametrize(("text", "expected"), [
    ('{"format": "lambda-advisor-snapshot", "version": 1, "functions": ' + "[" * 3000 + "]" * 3000 + "}",
     "nested more than 100 levels deep"),
    ('{"format": "lambda-advisor-snapshot", "version": 1, "functions": [], "x": NaN}', "NaN is not a JSON number"),
    ('{"format": "lambda-advisor-snapshot", "version": ' + "9" * 5000 + "}", "integer with 5000 digits"),
])
def test_a_broken_snapshot_is_one_error_naming_it(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "snap.json").write_text(text)
    (tmp_path / "good.yaml").write_text(GOOD)
    code, report, _ = _scan([str(tmp_path), "--select", "LA205"])
    assert code == 2 and len(report["findings"]) == 1
    (err,) = report["errors"]
    assert Path(err["where"]).name == "snap.json" and expected in err["message"], err


def test_the_exit_codes_are_in_the_help() -> None:
    text = CliRunner().invoke(cli, ["--help"]).output
    for line in ("0  nothing at or above --fail-on", "1  findings", "2  usage error, unreadable input",
                 "3  an audit"):
        assert line in text, text
