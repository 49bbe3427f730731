"""The pre-commit hook, run by the real ``pre-commit try-repo`` on a temporary git repository.

``try-repo`` installs the hook from this repository's committed ``HEAD`` (we pass
``--ref`` so that uncommitted work in a shared tree does not leak in) into a
fresh virtualenv with pip, so it needs the package index. The two runs (a bad
template that must fail, a good one plus an unrelated YAML file that must pass;
the temporary project sets ``fail-on: high`` in its ``.lambda-advisor.yaml``)
go in parallel; each takes about 15 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

BAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 30
      Environment:
        Variables:
          DB_PASSWORD: "hunter2-very-secret-Pa55"
"""
GOOD = BAD.replace('DB_PASSWORD: "hunter2-very-secret-Pa55"', "DB_PASSWORD_SECRET_ARN: !Ref DbPasswordSecret").replace(
    "      Timeout: 30\n",
    "      Timeout: 30\n      Policies:\n        - AWSSecretsManagerGetSecretValuePolicy:\n"
    "            SecretArn: !Ref DbPasswordSecret\n")
GOOD += """\
  DbPasswordSecret:
    Type: AWS::SecretsManager::Secret
"""
# The project fails commits on high and critical findings only (advice such as X-Ray stays in CI reports).
CONFIG = "fail-on: high\n"
WORKFLOW = "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n"


def test_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "lambda-advisor")
    assert hook["language"] == "python"
    assert hook["entry"].startswith("lambda-advisor scan")
    import re

    files = re.compile(hook["files"])
    for name in ("template.yaml", "infra/app.yml", "stack.json", "x.template"):
        assert files.search(name), name
    for name in ("README.md", "app.py"):
        assert not files.search(name), name


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_try_repo_fails_bad_and_passes_good(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: try-repo needs this repository's history")
    head = _git(REPO, "rev-parse", "HEAD").strip()
    committed = _git(REPO, "ls-tree", "--name-only", "HEAD").split()
    assert ".pre-commit-hooks.yaml" in committed, "commit .pre-commit-hooks.yaml first"

    work = tmp_path / "project"
    work.mkdir()
    (work / "bad.yaml").write_text(BAD, encoding="utf-8")
    (work / "good.yaml").write_text(GOOD, encoding="utf-8")
    (work / "workflow.yaml").write_text(WORKFLOW, encoding="utf-8")
    (work / ".lambda-advisor.yaml").write_text(CONFIG, encoding="utf-8")
    _git(work, "init", "-q")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "templates")

    def start(*files: str) -> subprocess.Popen[str]:
        cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lambda-advisor", "--ref", head,
               "--files", *files]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRE_COMMIT")}
        return subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    bad, good = start("bad.yaml"), start("good.yaml", "workflow.yaml")
    # pre-commit installs the hook environment from the package index: minutes on a busy machine
    bad_out, _ = bad.communicate(timeout=420)
    good_out, _ = good.communicate(timeout=420)

    assert bad.returncode == 1, bad_out
    assert "lambda-advisor" in bad_out and "Failed" in bad_out
    assert "LA101" in bad_out and "bad.yaml" in bad_out and "DB_PASSWORD" in bad_out
    assert "hunter2-very-secret-Pa55" not in bad_out

    assert good.returncode == 0, good_out
    assert "Passed" in good_out
    assert "workflow.yaml" not in good_out  # not a template: skipped silently
