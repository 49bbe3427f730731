"""The GitHub Action (``action.yml``): valid action metadata, and its run steps produce the SARIF.

The schema is SchemaStore's ``github-action.json``, vendored under
``tests/data/actions`` (source and commit noted there). The run steps are
executed as the runner would, in a fresh virtual environment: inputs and
``github.action_path`` are substituted, ``GITHUB_OUTPUT`` and
``GITHUB_WORKSPACE`` are set; the ``uses:`` steps (setup-python, upload-sarif)
are GitHub's own and are not run here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from test_report_formats import sarif_validator

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
SCHEMA = REPO / "tests" / "data" / "actions" / "github-action.schema.json"


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def test_action_validates_against_the_published_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(_action()))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # the schema is not a pushover: a step without `shell` is refused
    broken = _action()
    next(step for step in broken["runs"]["steps"] if step.get("id") == "install").pop("shell")
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_inputs_are_never_pasted_into_scripts() -> None:
    for step in _action()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")  # only through env: (no script injection)


def _expand(value: str, context: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1).strip()
        assert key in context, f"the test does not know the expression {key!r}"
        return context[key]

    return re.sub(r"\$\{\{(.*?)\}\}", sub, value)


def _fresh_venv(where: Path) -> Path:
    """A new venv that sees the test environment's packages (so pip installs only lambda-advisor)."""
    venv.EnvBuilder(with_pip=False).create(where)
    bin_dir = where / ("Scripts" if os.name == "nt" else "bin")
    site = subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return bin_dir


WORKFLOW_SCHEMA = REPO / "tests" / "data" / "actions" / "github-workflow.schema.json"
DOCS = REPO / "docs" / "ci.md"
#: What each format leaves: (the report file the action writes when no output is given, text in the log).
FORMATS: dict[str, tuple[str | None, str]] = {
    "sarif": ("lambda-advisor.sarif", ""),
    "github": (None, "::error file=infra/template.yaml,line="),
    "gitlab": (None, '"check_name"'),
    "junit": (None, "<testsuites"),
    "json": (None, '"findings"'),
    "markdown": (None, "| severity |"),
    "html": (None, "<!DOCTYPE html>"),
    "text": (None, "infra/template.yaml:"),
    "concise": (None, "infra/template.yaml:"),
}


def _documented_workflow() -> dict[str, Any]:
    """The workflow that docs/ci.md gives for the action (the block that `uses:` it)."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    (text,) = [b for b in blocks if "jobs:" in b and "uses: lambda-advisor/lambda-advisor@" in b]
    workflow: dict[str, Any] = yaml.safe_load(text)
    if True in workflow:  # YAML 1.1 reads the key `on` as true; GitHub (YAML 1.2) reads it as "on"
        workflow["on"] = workflow.pop(True)
    return workflow


def test_the_documented_workflow_validates_and_pins_a_commit() -> None:
    schema = json.loads(WORKFLOW_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    workflow = _documented_workflow()
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(workflow))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    (step,) = [s for s in workflow["jobs"]["scan"]["steps"] if "lambda-advisor/lambda-advisor@" in s.get("uses", "")]
    assert step["uses"].endswith("@<commit-sha>")  # no tag exists yet: the docs pin a commit
    broken = json.loads(json.dumps(workflow))
    broken["jobs"]["scan"]["steps"][0]["colour"] = "red"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))  # the schema is not a pushover


def _clean_copy(dest: Path) -> Path:
    """What a fresh clone holds: the tracked files only (no venv, no caches, no build output)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False)
    if listed.returncode != 0:  # not a git checkout (an unpacked archive): take the tree as it is
        shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info"))
        return dest
    for name in listed.stdout.decode().split("\0"):
        if name and (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


class _Runner:
    """Runs the action's own run steps as the runner would: inputs, contexts and GITHUB_OUTPUT."""

    def __init__(self, tmp: Path, action_path: Path) -> None:
        self.tmp = tmp
        self.action_path = action_path
        self.workspace = tmp / "workspace"
        shutil.copytree(REPO / "fixtures" / "demo", self.workspace / "infra")
        shutil.copytree(REPO / "fixtures" / "sources" / "sam", self.workspace / "more")
        self.runner_temp = tmp / "runner-temp"
        self.runner_temp.mkdir()
        # The private venv the install step creates; made here first so that it sees this environment's
        # packages and pip installs lambda-advisor alone, from the clean copy, without an index.
        self.bin_dir = _fresh_venv(self.runner_temp / "lambda-advisor-venv")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PIP_", "VIRTUAL_ENV"))},
            "GITHUB_WORKSPACE": str(self.workspace), "RUNNER_TEMP": str(self.runner_temp),
            "PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_NO_INDEX": "1",
        }
        self.steps = _action()["runs"]["steps"]

    def run(self, inputs: dict[str, str], only: set[str] | None = None) -> tuple[dict[str, str], list[str], list[int]]:
        """Each run step in order (``only``: those step ids); returns the outputs, logs and exit codes."""
        outputs_file = self.tmp / "github_output"
        outputs_file.write_text("")
        context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
        context.update({f"inputs.{k}": v for k, v in inputs.items()})
        context.update({"github.action_path": str(self.action_path), "runner.temp": str(self.runner_temp),
                        "steps.python.outputs.python-path": getattr(sys, "_base_executable", sys.executable),
                        "steps.install.outputs.bin": str(self.bin_dir)})
        logs, codes = [], []
        for step in self.steps:
            if "uses" in step or (only is not None and step.get("id") not in only):
                continue
            found = dict(line.split("=", 1) for line in outputs_file.read_text().splitlines() if "=" in line)
            context.update({f"steps.scan.outputs.{k}": v for k, v in found.items()})
            step_env = {k: _expand(str(v), context) for k, v in (step.get("env") or {}).items()}
            proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=self.workspace,
                                  env={**self.env, **step_env, "GITHUB_OUTPUT": str(outputs_file)},
                                  capture_output=True, text=True, timeout=300, check=False)
            logs.append(proc.stdout + proc.stderr)
            codes.append(proc.returncode)
        found = dict(line.split("=", 1) for line in outputs_file.read_text().splitlines() if "=" in line)
        return found, logs, codes


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> _Runner:
    """The action from a clean copy of the repository, its install step run once (as the first run of a job)."""
    tmp = tmp_path_factory.mktemp("action")
    runner = _Runner(tmp, _clean_copy(tmp / "action"))
    assert not (runner.bin_dir / "lambda-advisor").exists()
    outputs, logs, codes = runner.run({}, only={"install"})
    assert codes == [0], logs
    assert outputs["bin"] == str(runner.bin_dir) and (runner.bin_dir / "lambda-advisor").exists()
    return runner


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="the action's steps run in bash")
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_runs_as_documented(installed: _Runner, fmt: str) -> None:
    for leftover in installed.workspace.glob("lambda-advisor.*"):
        leftover.unlink()
    outputs, logs, codes = installed.run({"paths": "infra", "format": fmt}, only={"scan", None})
    scan_log = logs[0]
    assert f"lambda-advisor scan infra --format {fmt}" in scan_log
    assert codes[0] == 0, scan_log  # the scan step records the code; the last step fails the job
    assert codes[-1] == 1 and outputs["exit-code"] == "1"  # findings fail the job after the upload step
    report_file, in_log = FORMATS[fmt]
    assert outputs["report"] == (report_file or "")
    written = sorted(p.name for p in installed.workspace.glob("lambda-advisor.*"))
    assert written == ([report_file] if report_file else []), written
    if report_file:
        sarif = json.loads((installed.workspace / report_file).read_text(encoding="utf-8"))
        assert not list(sarif_validator().iter_errors(sarif))
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
        assert uris == {"infra/template.yaml"}  # relative to the workspace, as code scanning needs
    else:
        assert in_log in scan_log, scan_log[:2000]


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="the action's steps run in bash")
def test_an_output_is_written_whatever_the_format_and_every_line_of_paths_is_scanned(installed: _Runner) -> None:
    outputs, logs, codes = installed.run({"paths": "infra\n\n  more/invoke.yaml more/all-events.yaml\n", "format": "json",
                                          "output": "reports/la.json", "exit-zero": "true"}, only={"scan", None})
    assert codes == [0, 0], logs
    assert outputs["report"] == "reports/la.json" and outputs["exit-code"] == "0"
    report = json.loads((installed.workspace / "reports" / "la.json").read_text(encoding="utf-8"))
    files = {Path(f["location"]["file"]).parts[0] for f in report["findings"]}
    assert files == {"infra", "more"}, files
    assert "lambda-advisor scan infra more/invoke.yaml more/all-events.yaml --format json" in logs[0]


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps run in bash")
@pytest.mark.parametrize(("isolated", "expected"), [("true", True), ("false", False), ("", False)])
def test_the_isolated_input_passes_isolated(tmp_path: Path, isolated: str, expected: bool) -> None:
    fake = tmp_path / "bin" / "lambda-advisor"  # prints the command line the step built
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    (step,) = [s for s in _action()["runs"]["steps"] if s.get("id") == "scan"]
    context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    context["inputs.isolated"] = isolated
    context["steps.install.outputs.bin"] = ""  # lambda-advisor from PATH: the fake
    step_env = {k: _expand(str(v), context) for k, v in step["env"].items()}
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                               "GITHUB_OUTPUT": str(tmp_path / "out"), **step_env}, check=True)
    assert ("--isolated" in proc.stdout.splitlines()) is expected
