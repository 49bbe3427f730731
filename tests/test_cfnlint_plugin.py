"""Our template rules inside cfn-lint (``--append-rules lambda_advisor.integrations.cfnlint``), run for real.

Fixtures mark each line a finding must point at with ``# expect: <cfn-lint id> …``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lambda_advisor.integrations.cfnlint import cfnlint_id

DATA = Path(__file__).resolve().parent / "data" / "cfnlint"
PLUGIN = "lambda_advisor.integrations.cfnlint"


def _cfn_lint() -> list[str]:
    script = Path(sys.executable).parent / "cfn-lint"
    if script.exists():
        return [str(script)]
    found = shutil.which("cfn-lint")
    if found is None:
        pytest.skip("cfn-lint is not installed")
    return [found]


def _expected(path: Path) -> Counter[tuple[int, str]]:
    out: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = re.search(r"#\s*expect:\s*([EWI]9\d{3}(?:\s+[EWI]9\d{3})*)\s*$", line)
        if m:
            out.update((number, rid) for rid in m.group(1).split())
    return out


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # --append-rules takes one or more values, so the template goes first (or after "--").
    return subprocess.run([*_cfn_lint(), *args], capture_output=True, text=True, timeout=120, check=False)


def _ours(stdout: str) -> Counter[tuple[int, str]]:
    found: Counter[tuple[int, str]] = Counter()
    for line in stdout.splitlines():
        parts = line.split(":", 6)  # file:line:col:end-line:end-col:id:message
        if len(parts) == 7 and re.fullmatch(r"[EWI]9\d{3}", parts[5]):
            found[(int(parts[1]), parts[5])] += 1
    return found


def test_id_mapping() -> None:
    assert cfnlint_id("LA101", "high") == "E9101"
    assert cfnlint_id("LA205", "low") == "W9205"
    assert cfnlint_id("LA403", "medium") == "W9403"
    assert cfnlint_id("LA504", "info") == "I9504"


@pytest.mark.parametrize("fixture", ["plain.yaml", "sam.yaml"])
def test_findings_and_lines_match_the_fixture(fixture: str) -> None:
    path = DATA / fixture
    proc = _run(str(path), "--format", "parseable", "--append-rules", PLUGIN)
    assert "Traceback" not in proc.stderr, proc.stderr
    expected = _expected(path)
    about = {rid for _, rid in expected}  # the rules this fixture is about; others may fire as rules are added
    found = Counter({k: n for k, n in _ours(proc.stdout).items() if k[1] in about})
    assert found == expected, proc.stdout
    assert proc.returncode != 0


def test_documented_command_form_with_double_dash() -> None:
    proc = _run("--append-rules", PLUGIN, "--", str(DATA / "sam.yaml"))
    assert "E9101" in proc.stdout and "[LA101]" in proc.stdout
    assert "hunter2-very-secret-Pa55" not in proc.stdout
    assert "sam.yaml:16:1" in proc.stdout
    assert "(inherited from Globals" in proc.stdout


def test_cfn_lint_ignore_checks_with_our_ids() -> None:
    proc = _run(str(DATA / "plain.yaml"), "--format", "parseable", "--append-rules", PLUGIN,
                "--ignore-checks", "W9205")
    assert not [k for k in _ours(proc.stdout) if k[1] == "W9205"], proc.stdout


def test_bad_configuration_is_reported_once(tmp_path: Path) -> None:
    template = tmp_path / "plain.yaml"
    template.write_text((DATA / "plain.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".lambda-advisor.yaml").write_text("fail_on: high\n", encoding="utf-8")
    proc = _run(str(template), "--append-rules", PLUGIN)
    assert proc.stdout.count("E0002") == 1, proc.stdout
    assert "unknown key 'fail_on'" in proc.stdout and ".lambda-advisor.yaml" in proc.stdout


CODE_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.7
Resources:
  Caller:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.7
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/x
      Code:
        ZipFile: "def handler(e, c): pass"
"""


def test_code_findings_columns_and_no_double_runtime_warning(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(CODE_TEMPLATE, encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\n\ndef handler(event, context):\n    boto3.client('lambda').invoke(FunctionName='other')\n",
        encoding="utf-8")
    proc = _run(str(template), "--format", "parseable", "--append-rules", PLUGIN)
    assert "Traceback" not in proc.stderr, proc.stderr
    rows = [line.split(":", 6) for line in proc.stdout.splitlines() if line.count(":") >= 6]
    ours = {(int(r[1]), int(r[2]), r[5]) for r in rows if re.fullmatch(r"[EWI]9\d{3}", r[5])}
    # the invoke call found in the handler's code, as `scan` reports it, at the CodeUri key (column 7)
    assert (11, 7, cfnlint_id("LA301", "medium")) in ours, proc.stdout
    # cfn-lint reports deprecated runtimes itself (E2531, also on SAM Globals): we do not say it again
    assert any(r[5] in ("E2531", "W2531") for r in rows), proc.stdout
    assert not [r for r in ours if r[2].endswith("9501")], proc.stdout
    assert all(col >= 1 for _, col, _ in ours) and any(col > 1 for _, col, _ in ours)


def test_unknown_selector_in_the_configuration_is_reported(tmp_path: Path) -> None:
    template = tmp_path / "plain.yaml"
    template.write_text((DATA / "plain.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".lambda-advisor.yaml").write_text("ignore: [LA2O5]\n", encoding="utf-8")
    proc = _run(str(template), "--append-rules", PLUGIN)
    assert proc.stdout.count("E0002") == 1, proc.stdout
    assert "'LA2O5' matches no rule; closest: LA205" in proc.stdout
