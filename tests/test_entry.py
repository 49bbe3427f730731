"""The program around the command line: exit statuses and output survive ending without teardown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_advisor.entry import _exit_status

REPO = Path(__file__).resolve().parent.parent
PROGRAM = [sys.executable, "-m", "lambda_advisor"]


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (1, 1), (2, 2), (130, 130), (256 + 3, 3)])
def test_exit_status_is_what_the_interpreter_would_give(code: object, status: int) -> None:
    assert _exit_status(code) == status


def test_a_message_given_to_exit_goes_to_stderr_with_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status("lambda-advisor: stopped") == 1
    assert capsys.readouterr().err == "lambda-advisor: stopped\n"


def test_a_large_report_reaches_a_pipe_whole_with_the_exit_status(tmp_path: Path) -> None:
    # Many functions, each with a plaintext secret: a JSON report far larger than a pipe's buffer.
    functions = "".join(f"""
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://bucket/key.zip
      Environment:
        Variables:
          DB_PASSWORD: hunter2-{i:04d}-not-a-placeholder
""" for i in range(300))
    (tmp_path / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:" + functions)
    done = subprocess.run([*PROGRAM, "scan", str(tmp_path), "--format", "json", "-q"], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert done.returncode == 1, done.stderr
    assert len(done.stdout) > 256 * 1024
    report = json.loads(done.stdout)
    assert sum(f["rule_id"] == "LA101" for f in report["findings"]) == 300


def test_usage_errors_and_clean_runs_keep_their_status(tmp_path: Path) -> None:
    assert subprocess.run([*PROGRAM, "scan"], capture_output=True, cwd=REPO).returncode == 2
    (tmp_path / "t.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    clean = subprocess.run([*PROGRAM, "scan", str(tmp_path / "t.yaml"), "-q"], capture_output=True, text=True,
                           cwd=REPO)
    assert clean.returncode == 0, clean.stderr


def test_a_reader_that_goes_away_is_no_traceback(tmp_path: Path) -> None:
    functions = "".join(f"""
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.8, Handler: app.handler, CodeUri: s3://b/k.zip}}
""" for i in range(400))
    (tmp_path / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:" + functions)
    proc = subprocess.Popen([*PROGRAM, "scan", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=REPO)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c 100`
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode == 1, (proc.returncode, err)  # the findings decide, as with a reader that stays


def test_a_message_given_to_exit_is_inert_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status("stopped \x1b]52;c;cGF5bG9hZA==\x07\n::error::forged") == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and err.count("\n") == 1
