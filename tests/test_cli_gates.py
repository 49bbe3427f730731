"""Gates that cannot silently pass: unknown selectors, scanning nothing, exclusions, report-only mode."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli

REPO = Path(__file__).resolve().parent.parent
CDK_OUT = REPO / "fixtures" / "cdk" / "cdk.out"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
{top}Resources:
  Slow:
    Type: AWS::Serverless::Function
{meta}    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Timeout: 900
  Quick:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Timeout: 3
"""


def _template(folder: Path, name: str = "template.yaml", *, top: str = "", meta: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(TEMPLATE.format(top=top, meta=meta), encoding="utf-8")
    return path


def _run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        res = CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def _rules(stdout: str) -> list[str]:
    return sorted({f["rule_id"] for f in json.loads(stdout)["findings"]})


# -- unknown selectors ---------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--select", "LA999"], ["--select", "LA205,LA2O6"], ["--ignore", "la9"]])
def test_unknown_selector_on_the_command_line_is_refused(tmp_path: Path, args: list[str]) -> None:
    code, _, err = _run("scan", str(_template(tmp_path)), *args)
    assert code == 2
    assert f"{args[0]}: '" in err and "matches no rule" in err


def test_selector_names_the_closest_ids(tmp_path: Path) -> None:
    code, _, err = _run("scan", str(_template(tmp_path)), "--select", "LA2O5")
    assert code == 2
    assert "'LA2O5' matches no rule; closest: LA205" in err


def test_selectors_accept_any_case(tmp_path: Path) -> None:
    code, out, _ = _run("scan", str(_template(tmp_path)), "--select", "la205", "-f", "json", "-q")
    assert code == 1
    assert _rules(out) == ["LA205"]


@pytest.mark.parametrize("config", ["select: [LA205, LA2O1]\n", "ignore: [la77]\n",
                                    "per-file-ignores:\n  'legacy/**': [LA90]\n"])
def test_unknown_selector_in_the_configuration_is_refused(tmp_path: Path, config: str) -> None:
    (tmp_path / ".lambda-advisor.yaml").write_text(config, encoding="utf-8")
    code, _, err = _run("scan", str(_template(tmp_path)))
    assert code == 2
    assert ".lambda-advisor.yaml" in err and "matches no rule" in err


def test_lowercase_selectors_in_the_configuration_work(tmp_path: Path) -> None:
    (tmp_path / ".lambda-advisor.yaml").write_text("select: [la205]\n", encoding="utf-8")
    code, out, _ = _run("scan", str(_template(tmp_path)), "-f", "json", "-q")
    assert code == 1 and _rules(out) == ["LA205"]


# -- suppressions that name no rule or suppress nothing ------------------------------------------

def test_suppression_warnings(tmp_path: Path) -> None:
    meta = "    Metadata:\n      lambda-advisor:\n        ignore: [la205, LA999, LA102]\n"
    path = _template(tmp_path, meta=meta)
    code, out, err = _run("scan", str(path), "-f", "json", "--select", "LA205,LA102")
    assert code == 0, err  # la205 (any case) suppressed the only finding
    assert [f["rule_id"] for f in json.loads(out)["suppressed"]] == ["LA205"]
    assert "names an unknown rule: 'LA999' matches no rule" in err
    assert "of LA102 suppresses nothing" in err
    assert "of LA205 suppresses nothing" not in err


def test_template_wide_suppression_is_reported_once(tmp_path: Path) -> None:
    top = "Metadata:\n  lambda-advisor:\n    ignore: [LA207]\n"
    _, _, err = _run("scan", str(_template(tmp_path, top=top)), "--select", "LA2")
    assert err.count("of LA207 suppresses nothing") == 1


# -- scanning nothing ----------------------------------------------------------------------------

def test_empty_folder_says_nothing_was_scanned(tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    code, _, err = _run("scan", str(tmp_path))
    assert code == 0
    assert f"no templates found under {tmp_path}" in err


@pytest.mark.parametrize(("name", "advice"), [("serverless.yml", "run `serverless package` first"),
                                              ("cdk.json", "run `cdk synth` first")])
def test_framework_project_without_its_output_gets_advice(tmp_path: Path, name: str, advice: str) -> None:
    (tmp_path / name).write_text("service: x\n" if name.endswith("yml") else '{"app": "x"}', encoding="utf-8")
    for target in (tmp_path, tmp_path / name):
        code, _, err = _run("scan", str(target))
        assert code == 0
        assert advice in err and "no templates found" in err


def test_framework_file_beside_its_output_gets_no_advice(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "x"}', encoding="utf-8")
    shutil.copytree(CDK_OUT, tmp_path / "cdk.out")
    _, _, err = _run("scan", str(tmp_path))
    assert "cdk synth" not in err


def test_symlinked_folders_are_followed_once(tmp_path: Path) -> None:
    root = tmp_path / "root"
    real = root / "real"
    _template(real / "app")
    (root / "app").symlink_to(real / "app", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)  # a cycle must not hang the walk
    outside = tmp_path / "outside"
    _template(outside)
    (root / "elsewhere").symlink_to(outside, target_is_directory=True)  # out of the scanned folder: not followed
    code, out, _ = _run("scan", str(root), "-f", "json", "-q", "--select", "LA205")
    assert code == 1
    assert len(json.loads(out)["findings"]) == 1


# -- report-only rollout -------------------------------------------------------------------------

def test_exit_zero_hides_findings_but_not_broken_inputs(tmp_path: Path) -> None:
    path = _template(tmp_path)
    assert _run("scan", str(path), "--exit-zero", "-q")[0] == 0
    (tmp_path / "broken.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n", encoding="utf-8")
    assert _run("scan", str(tmp_path), "--exit-zero", "-q")[0] == 2


# -- monorepos: exclude, per-file-ignores, .gitignore --------------------------------------------

def test_exclude_extend_exclude_and_per_file_ignores(tmp_path: Path) -> None:
    _template(tmp_path / "services" / "a")
    _template(tmp_path / "services" / "b")
    _template(tmp_path / "vendor")
    _template(tmp_path / "legacy")
    (tmp_path / ".lambda-advisor.yaml").write_text(
        "extend-exclude: [vendor/, 'services/b/*.yaml']\nper-file-ignores:\n  'legacy/**': [la2]\n", encoding="utf-8")
    code, out, _ = _run("scan", str(tmp_path), "-f", "json", "-q", "--select", "LA205")
    assert code == 1
    report = json.loads(out)
    files = sorted({Path(f["location"]["file"]).parent.name for f in report["findings"]})
    assert files == ["a"]
    assert [Path(f["location"]["file"]).parent.name for f in report["suppressed"]] == ["legacy"]
    assert "per-file-ignores" in report["suppressed"][0]["suppressed"]
    _, listing, _ = _run("scan", str(tmp_path), "--show-files")
    assert "excluded" in listing and "vendor" in listing and "services/b/template.yaml (exclude)" in listing


def test_gitignore_is_respected_but_not_for_cdk_out(tmp_path: Path) -> None:
    if shutil.which("git"):  # nothing is tracked yet: .gitignore applies to everything
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    else:
        (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\ncdk.out/\n", encoding="utf-8")
    _template(tmp_path / "build")
    _template(tmp_path / "src")
    shutil.copytree(CDK_OUT, tmp_path / "cdk.out")
    code, listing, _ = _run("scan", str(tmp_path), "--show-files")
    assert code == 0
    assert "scanned   " + str(tmp_path / "src" / "template.yaml") in listing
    assert "scanned   " + str(tmp_path / "cdk.out") in listing  # git-ignored build output is what we read
    assert f"excluded  {tmp_path / 'build'} ({tmp_path / '.gitignore'})" in listing
    # a git-ignored folder named on the command line is scanned anyway (as ruff does)
    _, listing, _ = _run("scan", str(tmp_path / "build"), "--show-files")
    assert "scanned   " + str(tmp_path / "build" / "template.yaml") in listing
    (tmp_path / ".lambda-advisor.yaml").write_text("respect-gitignore: false\n", encoding="utf-8")
    _, listing, _ = _run("scan", str(tmp_path), "--show-files")
    assert "scanned   " + str(tmp_path / "build" / "template.yaml") in listing


# -- statistics and transparency -----------------------------------------------------------------

def test_statistics_counts_per_rule(tmp_path: Path) -> None:
    code, out, _ = _run("scan", str(_template(tmp_path)), "--statistics", "--select", "LA205,LA504", "-q")
    assert code == 1
    lines = out.splitlines()
    assert any(line.split()[:2] == ["1", "LA205"] for line in lines), out
    code, out, _ = _run("scan", str(_template(tmp_path)), "--statistics", "-f", "json", "--select", "LA205", "-q")
    assert json.loads(out) == [{"rule_id": "LA205", "count": 1, "functions": 1, "severity": "low",
                                "title": json.loads(out)[0]["title"]}]


def test_show_settings_says_where_each_value_came_from(tmp_path: Path) -> None:
    cfg = tmp_path / ".lambda-advisor.yaml"
    cfg.write_text("ignore: [LA205]\nfail-on: medium\n", encoding="utf-8")
    code, out, _ = _run("scan", str(_template(tmp_path)), "--show-settings", "--format", "json")
    assert code == 0
    assert f"configuration file: {cfg}" in out
    assert f"fail-on            medium  [{cfg}]" in out
    assert "format             json  [command line (--format)]" in out
    assert "select             (none)  [default]" in out
    assert f"LA205  off   ignored by 'LA205' ({cfg})" in out
    assert "LA502  off   opt-in" in out or "LA502  runs" not in out
    assert "LA201  runs  medium" in out
