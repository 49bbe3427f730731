"""Fixes that deploy: each class of deploy failure found on real templates, refused or fixed right.

Pairs with an expected result live in ``fixtures/fixes/`` (test_fixes.py runs them);
these are the refusals and the cases that need a file system or a date.
"""

from __future__ import annotations

import stat
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.fixes.permissions import Need, needs, new_unmet, unmet
from lambda_advisor.pipeline import Settings, render, run_scan
from lambda_advisor.sources.yaml_loader import loads

TODAY = date(2026, 11, 22)
ROLE = """  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
"""
SAM = 'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\n'
CFN = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def fix(path: Path, select: list[str], *, diff: bool = False, today: date = TODAY, **extra: Any) -> Any:
    key = "diff" if diff else "fix"
    return run_scan([path], Settings(today=today, select=select, quiet=True,
                                     extra={key: True, "unsafe_fixes": True, **extra}))


def refusals(result: Any) -> dict[str, str]:
    return {f"{n['rule_id']}:{n['function']}": n["reason"] for n in result.meta["fixes"]["not_applicable_fixes"]}


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- 1. permissions -------------------------------------------------------------------------------

def test_tracing_in_globals_only_when_every_function_can_trace(tmp_path: Path) -> None:
    """One function's role comes from outside: the others get tracing one by one, it gets a refusal."""
    path = write(tmp_path, SAM + """Globals:
  Function:
    Runtime: python3.13
    Handler: index.handler
    InlineCode: "def handler(e, c): pass"
Resources:
""" + ROLE + """  Own:
    Type: AWS::Serverless::Function
  Mine:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt Role.Arn
  Theirs:
    Type: AWS::Serverless::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/shared
""")
    result = fix(path, ["LA502"])
    text = path.read_text()
    assert "Globals:\n  Function:\n    Runtime: python3.13\n    Handler: index.handler\n    InlineCode" in text
    assert "    Tracing: Active" not in text.split("Resources:")[0]
    assert text.count("Tracing: Active") == 2
    assert "xray:PutTraceSegments" in text  # Mine's role in the template got the right
    assert "outside this template" in refusals(result)["LA502:Theirs"]
    assert not new_unmet(None, loads(text))


def test_the_verifier_reads_sam_roles_policy_templates_and_connectors() -> None:
    tree = loads(SAM + """Resources:
  Q:
    Type: AWS::SQS::Queue
  T:
    Type: AWS::SNS::Topic
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Tracing: Active
      Policies:
        - SQSSendMessagePolicy: {QueueName: !GetAtt Q.QueueName}
      EventInvokeConfig:
        DestinationConfig:
          OnFailure: {Type: SQS, Destination: !GetAtt Q.Arn}
          OnSuccess: {Destination: !Ref T}
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Role: !Sub arn:aws:iam::${AWS::AccountId}:role/x
      Tracing: Active
  Link:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Id: Fn}
      Destination: {Id: T}
      Permissions: [Write]
""")
    wanted = needs(tree)
    assert Need("Fn", "sqs:SendMessage", "Q", "the OnFailure destination") in wanted
    assert {n.action for n in wanted if n.function == "Fn"} == {
        "xray:PutTraceSegments", "xray:PutTelemetryRecords", "sqs:SendMessage", "sns:Publish"}
    missing = unmet(tree, wanted)
    assert {m.function for m, _ in missing} == {"Other"}
    assert all("outside this template" in why for _, why in missing)
    del tree["Resources"]["Link"]
    assert {(m.function, m.action) for m, _ in unmet(tree, wanted)} >= {("Fn", "sns:Publish")}


def test_a_fix_whose_requirement_is_not_granted_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fix stage itself refuses, whatever the fix function wrote."""
    from lambda_advisor.fixes import async_errors

    monkeypatch.setattr(async_errors, "grant", lambda *a, **k: None)  # a fix that forgets the right
    path = write(tmp_path, CFN + "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n" + ROLE + """  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {ZipFile: "def handler(e, c): pass"}
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceArn: !GetAtt Bucket.Arn
      SourceAccount: !Ref AWS::AccountId
""")
    before = path.read_text()
    result = fix(path, ["LA201"])
    assert path.read_text() == before
    assert "is not allowed sqs:SendMessage" in refusals(result)["LA201:Fn"]


# -- 4. other duties ------------------------------------------------------------------------------

def test_timeout_is_not_cut_for_a_function_with_other_triggers(tmp_path: Path) -> None:
    path = write(tmp_path, SAM + """Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 5400}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(e, c): pass"
      Timeout: 900
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
""")
    before = path.read_text()
    result = fix(path, ["LA206"])
    assert path.read_text() == before
    reason = refusals(result)["LA206:Fn"]
    assert "schedule" in reason and "sqs" in reason and "split" in reason


# -- 5. Globals and functions the run cannot see --------------------------------------------------

def test_globals_are_not_edited_when_a_loop_makes_more_functions(tmp_path: Path) -> None:
    path = write(tmp_path, SAM.replace("Transform: AWS::Serverless-2016-10-31",
                                       "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]") + """Globals:
  Function:
    Runtime: python3.9
    Handler: index.handler
    InlineCode: "def handler(e, c): pass"
Resources:
  A:
    Type: AWS::Serverless::Function
  B:
    Type: AWS::Serverless::Function
  Fn::ForEach::Workers:
    - Name
    - [One, Two]
    - Worker${Name}:
        Type: AWS::Serverless::Function
""")
    fix(path, ["LA501"])
    text = path.read_text()
    assert "    Runtime: python3.9\n" in text.split("Resources:")[0]  # Globals untouched
    assert text.count("Runtime: python3.14") == 2  # A and B got their own


# -- 6. FIFO through an intrinsic -----------------------------------------------------------------

def test_fifo_decided_at_deploy_time_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, SAM + """Parameters:
  Ordered: {Type: String, AllowedValues: ["true", "false"]}
Conditions:
  IsOrdered: !Equals [!Ref Ordered, "true"]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: !If [IsOrdered, true, !Ref AWS::NoValue]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(e, c): pass"
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
""")
    before = path.read_text()
    result = fix(path, ["LA202"])
    assert path.read_text() == before
    assert "deploy time" in refusals(result)["LA202:Fn"]


# -- 7. evidence from the function's own code -----------------------------------------------------

def test_partial_batch_evidence_comes_from_the_own_handler(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "reporter.py").write_text("def handler(event, context):\n    return {'batchItemFailures': []}\n")
    (src / "plain.py").write_text("def handler(event, context):\n    return None\n")
    path = write(tmp_path, SAM + """Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Other:
    Type: AWS::SQS::Queue
  Reporter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: reporter.handler
      CodeUri: src/
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: plain.handler
      CodeUri: src/
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Other.Arn}}
""")
    fix(path, ["LA210"])
    text = path.read_text()
    assert text.count("ReportBatchItemFailures") == 1
    assert text.index("ReportBatchItemFailures") < text.index("  Plain:")


# -- 8. runtime successor -------------------------------------------------------------------------

NODE_CALLBACK = CFN + "Resources:\n" + ROLE + """  Legacy:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs16.x
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          exports.handler = function (event, context, callback) {
            callback(null, "ok");
          };
"""


def test_callback_handler_moves_to_the_newest_runtime_that_runs_it(tmp_path: Path) -> None:
    path = write(tmp_path, NODE_CALLBACK)
    result = fix(path, ["LA501"], today=date(2026, 1, 10))
    assert "Runtime: nodejs22.x" in path.read_text()
    assert "takes a callback" in result.meta["fixes"]["applied"][0]["change"]


def test_callback_handler_with_no_live_runtime_left_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, NODE_CALLBACK)
    result = fix(path, ["LA501"])  # nodejs22.x is within the warning window by then
    assert "Runtime: nodejs16.x" in path.read_text()
    assert "make the handler async" in refusals(result)["LA501:Legacy"]


def test_python2_code_is_not_moved_to_python3(tmp_path: Path) -> None:
    path = write(tmp_path, CFN + "Resources:\n" + ROLE + """  Old:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python2.7
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              print "hello"
""")
    result = fix(path, ["LA501"])
    assert "Runtime: python2.7" in path.read_text()
    assert "Python 2 code" in refusals(result)["LA501:Old"]


def test_no_visible_code_says_the_jump_needs_testing(tmp_path: Path) -> None:
    path = write(tmp_path, CFN + "Resources:\n" + ROLE + """  Old:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.8
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: b, S3Key: k.zip}
""")
    result = fix(path, ["LA501"])
    assert "no code is visible" in result.meta["fixes"]["applied"][0]["change"]


# -- 9. files -------------------------------------------------------------------------------------

LA502_CFN = CFN + "Resources:\n" + ROLE + """  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: b, S3Key: k.zip}
"""

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def test_a_folder_that_cannot_be_written_is_a_per_file_error_and_the_rest_is_fixed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only folder refuses the temporary file (simulated: a superuser could write anyway)."""
    import tempfile

    locked = tmp_path / "locked"
    locked.mkdir()
    write(locked, LA502_CFN)
    free = write(tmp_path, LA502_CFN, "free.yaml")
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs["dir"]) == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = fix(tmp_path, ["LA502"])
    rendered = render(result, Settings(select=["LA502"], quiet=True))
    assert "TracingConfig" in free.read_text()
    assert "TracingConfig" not in (locked / "t.yaml").read_text()
    assert any("locked" in e.where for e in result.errors)
    assert rendered.exit_code == 2 and "1 input error" in rendered.stdout


@posix_only
def test_a_read_only_file_is_not_overwritten_and_modes_are_kept(tmp_path: Path) -> None:
    ro = write(tmp_path, LA502_CFN, "ro.yaml")
    rw = write(tmp_path, LA502_CFN, "rw.yaml")
    ro.chmod(0o444)
    rw.chmod(0o640)
    result = fix(tmp_path, ["LA502"])
    assert ro.read_text() == LA502_CFN
    assert "read-only" in " ".join(str(e) for e in result.errors)
    assert "TracingConfig" in rw.read_text() and stat.S_IMODE(rw.stat().st_mode) == 0o640


def test_a_symlinked_template_stays_a_link_and_its_target_is_fixed(tmp_path: Path) -> None:
    real = write(tmp_path, LA502_CFN, "real.yaml")
    (tmp_path / "link.yaml").symlink_to(real.name)
    fix(tmp_path / "link.yaml", ["LA502"], )
    assert (tmp_path / "link.yaml").is_symlink()
    assert "TracingConfig" in real.read_text()


def test_a_symlink_out_of_the_scanned_folder_is_never_written_through(tmp_path: Path) -> None:
    outside = write(tmp_path, LA502_CFN, "outside.yaml")
    scanned = tmp_path / "repo"
    scanned.mkdir()
    (scanned / "t.yaml").symlink_to(outside)
    result = fix(scanned, ["LA502"])
    assert outside.read_text() == LA502_CFN
    assert "outside the scanned paths" in " ".join(str(e) for e in result.errors) or \
        not result.meta["fixes"]["applied"]


# -- 10. --diff -----------------------------------------------------------------------------------

def test_diff_paths_apply_with_git_and_say_would_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    path = write(repo / "infra", LA502_CFN)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = fix(path.resolve(), ["LA502"], diff=True)  # an absolute path outside the current folder
    patch = result.meta["diff"]
    assert "--- a/t.yaml" in patch and ".." not in patch.splitlines()[0]
    assert any(n.startswith("would fix LA502") for n in result.notices)
    assert any(str(path.parent) in n for n in result.notices)
    monkeypatch.chdir(repo)
    rel = fix(Path("infra/t.yaml"), ["LA502"], diff=True).meta["diff"]
    subprocess.run(["git", "init", "-q"], check=True)
    (repo / "p.diff").write_text(rel)
    subprocess.run(["git", "apply", "p.diff"], check=True)
    assert "TracingConfig" in path.read_text()


# -- 11. LA103 -----------------------------------------------------------------------------------

def test_source_account_only_where_the_service_honours_it(tmp_path: Path) -> None:
    template = CFN + "Resources:\n" + ROLE + """  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: b, S3Key: k.zip}
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: PRINCIPAL
"""
    for principal, expect in [("iot.amazonaws.com", "SourceAccount: !Ref AWS::AccountId"),
                              ("elasticloadbalancing.amazonaws.com", ":targetgroup/*"),
                              ("events.amazonaws.com", ":rule/*")]:
        path = write(tmp_path, template.replace("PRINCIPAL", principal))
        fix(path, ["LA103"])
        assert expect in path.read_text(), principal
    path = write(tmp_path, template.replace("PRINCIPAL", "cognito-idp.amazonaws.com"))
    result = fix(path, ["LA103"])
    assert path.read_text()[-len("Principal: cognito-idp.amazonaws.com\n"):] == "Principal: cognito-idp.amazonaws.com\n"
    assert "set Perm.SourceArn" in refusals(result)["LA103:Fn"]


# -- the report's closing line --------------------------------------------------------------------

def test_text_report_says_how_many_are_fixable(tmp_path: Path) -> None:
    path = write(tmp_path, LA502_CFN.replace("python3.13", "python3.9"))
    result = run_scan([path], Settings(today=TODAY, select=["LA502", "LA501"], quiet=True))
    out = render(result, Settings(quiet=True)).stdout
    assert out.rstrip().endswith("1 fixable with `--fix` (1 more with `--unsafe-fixes`)")


def test_sarif_proposals_of_one_file_apply_together(tmp_path: Path) -> None:
    """Two functions share a role with no Policies: each tracing fix would add the key; only one may."""
    import json

    from test_fixes import _apply_sarif_fixes

    from lambda_advisor.report import render as render_format
    from lambda_advisor.sources.template import load_template

    fn = """  FUNC:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: b, S3Key: k.zip}
"""
    text = CFN + "Resources:\n" + ROLE + fn.replace("FUNC", "One") + fn.replace("FUNC", "Two")
    path = write(tmp_path, text)
    result = run_scan([path], Settings(today=TODAY, select=["LA502"], fmt="sarif", quiet=True,
                                       extra={"unsafe_fixes": True}))
    results = json.loads(render_format("sarif", result))["runs"][0]["results"]
    assert sum(1 for r in results if "fixes" in r) == 1
    path.write_text(_apply_sarif_fixes(text, results))
    assert not load_template(path, explicit=True).errors


def test_timeout_is_not_cut_for_a_function_with_a_url(tmp_path: Path) -> None:
    """A streaming function URL may run for minutes: the API's limit is not the function's."""
    path = write(tmp_path, SAM + """Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => ({})"
      Timeout: 300
      FunctionUrlConfig: {AuthType: AWS_IAM, InvokeMode: RESPONSE_STREAM}
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: post}}
""")
    before = path.read_text()
    result = fix(path, ["LA206"])
    assert path.read_text() == before
    assert "function URL" in refusals(result)["LA206:Fn"]


def test_tracing_is_not_turned_on_where_x_ray_does_not_trace(tmp_path: Path) -> None:
    path = write(tmp_path, SAM + """Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(e, c): pass"
      Events:
        Broker:
          Type: MQ
          Properties:
            Broker: arn:aws:mq:us-east-1:123456789012:broker:b:b-1
            Queues: [work]
            SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:123456789012:secret:s}]
""")
    result = fix(path, ["LA502"])
    assert "Tracing" not in path.read_text()
    assert "Amazon MQ" in refusals(result)["LA502:Fn"]


def test_fixes_that_meet_in_one_place_apply_over_rounds_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    """Found by the fix property test: the LA201 and LA502 fixes both write into one role's policies; the
    tracing fix was refused beside the other and applied only by a second `--fix`. Fixing now repeats until
    nothing changes, as ruff does."""
    path = tmp_path / "t.json"
    path.write_text((Path(__file__).parent / "data" / "fix-rounds.json").read_text())
    first = fix(path, ["ALL"])
    assert any(a["rule_id"] == "LA502" for a in first.meta["fixes"]["applied"]), first.meta["fixes"]
    fixed = path.read_text()
    again = fix(path, ["ALL"])
    assert again.meta["fixes"]["files_changed"] == [] and path.read_text() == fixed
