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
    broken["runs"]["steps"][1].pop("shell")
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


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps run in bash")
def test_run_steps_produce_the_sarif(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(REPO / "fixtures" / "demo", workspace / "infra")
    bin_dir = _fresh_venv(tmp_path / "venv")
    assert not (bin_dir / "lambda-advisor").exists()
    outputs = tmp_path / "github_output"
    outputs.touch()
    action = _action()
    context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    context.update({"inputs.paths": "infra", "github.action_path": str(REPO)})
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PIP_", "VIRTUAL_ENV"))},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_OUTPUT": str(outputs), "GITHUB_WORKSPACE": str(workspace),
        # pip installs lambda-advisor alone, from this checkout, with the build backend already here
        "PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_NO_INDEX": "1",
    }
    codes = []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            continue
        if "steps.scan.outputs.exit-code" in str(step.get("env")):
            found = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
            context.update({f"steps.scan.outputs.{k}": v for k, v in found.items()})
        step_env = {k: _expand(str(v), context) for k, v in (step.get("env") or {}).items()}
        proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env={**env, **step_env},
                              capture_output=True, text=True, timeout=300, check=False)
        codes.append(proc.returncode)
        if step.get("id") == "scan":
            assert proc.returncode == 0, proc.stderr  # the scan step records the code; the last step fails
            assert "lambda-advisor scan infra --format sarif" in proc.stdout
        elif step["name"] == "Install lambda-advisor":
            assert proc.returncode == 0, proc.stderr
            assert (bin_dir / "lambda-advisor").exists()
    assert codes[-1] == 1  # findings fail the job after the upload step
    assert "exit-code=1" in outputs.read_text()
    sarif = json.loads((workspace / "lambda-advisor.sarif").read_text(encoding="utf-8"))
    assert not list(sarif_validator().iter_errors(sarif))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"infra/template.yaml"}  # relative to the workspace, as code scanning needs


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
    step_env = {k: _expand(str(v), context) for k, v in step["env"].items()}
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                               "GITHUB_OUTPUT": str(tmp_path / "out"), **step_env}, check=True)
    assert ("--isolated" in proc.stdout.splitlines()) is expected
