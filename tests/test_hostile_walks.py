"""A folder walk reads what the repository holds: no .gitignore hides a tracked template, no symbolic
link leads out of the scanned folder, and one unreadable entry does not end the walk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli

SECRET = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Timeout: 900
      Environment:
        Variables:
          DB_PASSWORD: hunter2hunter2hunter2
"""

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _scan(args: list[str]) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["scan", *args, "--format", "json", "--select", "LA101,LA205",
                                      "--today", "2026-11-22"])
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


@needs_git
@pytest.mark.parametrize("ignore", ["*\n", "*.yaml\n", "infra/\n", "/deploy/\n**\n"])
def test_a_nested_gitignore_does_not_hide_a_tracked_template(tmp_path: Path, ignore: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _git(tmp_path, "init", "-q")
    template = tmp_path / "deploy" / "infra" / "template.yaml"
    template.parent.mkdir(parents=True)
    template.write_text(SECRET)
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "template")
    (tmp_path / "deploy" / ".gitignore").write_text(ignore)  # written after the commit, as a pull request would
    (tmp_path / "deploy" / "infra" / "untracked.yaml").write_text(SECRET.replace("Fn:", "Other:"))
    code, report = _scan(["."])
    assert code == 1
    names = {(Path(f["location"]["file"]).name, f["rule_id"]) for f in report["findings"]}
    assert ("template.yaml", "LA101") in names and ("template.yaml", "LA205") in names
    assert all(name != "untracked.yaml" for name, _ in names)  # what git ignores and does not track stays out


@needs_git
def test_a_gitignore_committed_with_the_template_does_not_hide_it_either(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _git(tmp_path, "init", "-q")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "template.yaml").write_text(SECRET)
    (tmp_path / "app" / ".gitignore").write_text("*\n")
    _git(tmp_path, "add", "-f", "app/template.yaml", "app/.gitignore")
    _git(tmp_path, "commit", "-qm", "x")
    code, report = _scan([str(tmp_path)])
    assert code == 1 and {f["rule_id"] for f in report["findings"]} == {"LA101", "LA205"}


def test_outside_a_repository_gitignore_means_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "template.yaml").write_text(SECRET)
    (tmp_path / "app" / ".gitignore").write_text("*\n")
    code, report = _scan(["."])
    assert code == 1 and len(report["findings"]) == 2


def test_without_git_a_repository_keeps_gitignore_as_written(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    (tmp_path / ".git").mkdir()
    (tmp_path / "built").mkdir()
    (tmp_path / "built" / "template.yaml").write_text(SECRET)
    (tmp_path / ".gitignore").write_text("built/\n")
    (tmp_path / "template.yaml").write_text(SECRET)
    code, report = _scan(["."])
    assert code == 1 and {f["location"]["file"] for f in report["findings"]} == {"template.yaml"}


@needs_git
def test_when_git_refuses_the_repository_nothing_is_hidden_and_a_notice_says_why(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # not a repository git can read
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "template.yaml").write_text(SECRET)
    (tmp_path / "app" / ".gitignore").write_text("*\n")
    result = CliRunner().invoke(cli, ["scan", ".", "--select", "LA205"])
    assert result.exit_code == 1
    assert ".gitignore files were not applied: git could not list the tracked files" in result.stderr


@pytest.mark.parametrize("kind", ["folder", "file", "root-sibling"])
def test_a_symlink_out_of_the_scanned_folder_is_not_followed(tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "own.yaml").write_text(SECRET.replace("Fn:", "Own:"))
    if kind == "folder":
        (repo / "linked").symlink_to(outside, target_is_directory=True)
    elif kind == "file":
        (repo / "linked.yaml").symlink_to(outside / "secret.yaml")
    else:  # a link whose target only looks inside: ../repo-evil
        evil = tmp_path / "repo-evil"
        evil.mkdir()
        (evil / "x.yaml").write_text(SECRET)
        (repo / "linked").symlink_to(Path("..") / "repo-evil", target_is_directory=True)
    result = CliRunner().invoke(cli, ["scan", str(repo), "--format", "json", "--select", "LA205"])
    report = json.loads(result.stdout)
    assert {f["location"]["function_name"] for f in report["findings"]} == {"Own"}
    assert "leads outside the scanned folder" in result.stderr


def test_a_symlink_inside_the_scanned_folder_is_followed_once(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "t.yaml").write_text(SECRET)
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real" / "t.yaml")
    code, report = _scan([str(tmp_path)])
    assert code == 1 and len([f for f in report["findings"] if f["rule_id"] == "LA205"]) >= 1
    assert report["errors"] == []


def _deep(root: Path, depth: int = 25) -> Path:
    """A folder deeper than PATH_MAX, made with descriptors (a path that long cannot be named)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d" * 200, dir_fd=fd)
            nfd = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        with open(os.open("t.yaml", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd), "w") as fh:
            fh.write(SECRET)
    finally:
        os.close(fd)
    return root / ("d" * 200)


def test_a_name_too_long_is_one_input_error_and_the_walk_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    _deep(tmp_path / "a")
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "t.yaml").write_text(SECRET)
    code, report = _scan([str(tmp_path)])
    assert code == 2
    (err,) = report["errors"]
    assert err["where"].startswith(str(tmp_path / "a" / ("d" * 200))) and "too long" in err["message"]
    assert "internal error" not in err["message"]
    assert {Path(f["location"]["file"]).parent.name for f in report["findings"]} == {"z"}


def test_a_folder_that_cannot_be_listed_is_one_input_error_and_the_walk_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "t.yaml").write_text(SECRET)
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # root may read any folder: refuse one as a locked folder would
        if os.fspath(path).endswith(os.sep + "b"):  # type: ignore[call-overload]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore[call-overload]
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", scandir)
    code, report = _scan([str(tmp_path)])
    assert code == 2
    (err,) = report["errors"]
    assert err["where"] == str(tmp_path / "b") and "Permission denied" in err["message"]
    assert {Path(f["location"]["file"]).parent.name for f in report["findings"]} == {"a", "c"}


OPENAPI = (Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA206-openapi-files.fail"
           / "rest-api.yaml").read_text()
API_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  ExportFunction:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.13, Handler: app.handler, CodeUri: s3://b/app.zip, Timeout: 120}}
  Api:
    Type: {api_type}
    Properties:
{props}
"""
API_SHAPES = {
    "DefinitionUri": ("AWS::Serverless::Api", "      StageName: prod\n      DefinitionUri: {location}\n"),
    "AWS::Include": ("AWS::Serverless::Api", "      StageName: prod\n      DefinitionBody:\n        Fn::Transform:\n"
                     "          Name: AWS::Include\n          Parameters: {{Location: {location}}}\n"),
    "BodyS3Location": ("AWS::ApiGateway::RestApi", "      BodyS3Location: {location}\n"),
}


def _api_project(tmp_path: Path, shape: str, location: str) -> Path:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    api_type, props = API_SHAPES[shape]
    (project / "template.yaml").write_text(API_TEMPLATE.format(api_type=api_type,
                                                               props=props.format(location=location)))
    return project


@pytest.mark.parametrize("shape", sorted(API_SHAPES))
@pytest.mark.parametrize("where", ["parent", "absolute", "symlink"])
def test_an_api_definition_outside_the_project_is_not_read(tmp_path: Path, shape: str, where: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "api.yaml").write_text(OPENAPI)
    location = {"parent": "../outside/api.yaml", "absolute": str(outside / "api.yaml"), "symlink": "api.yaml"}[where]
    project = _api_project(tmp_path, shape, location)
    if where == "symlink":
        (project / "api.yaml").symlink_to(outside / "api.yaml")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["scan", "template.yaml", "--select", "LA206", "--format", "json"])
    assert json.loads(result.stdout)["findings"] == [] and result.exit_code == 0
    assert "is outside the scanned project; not read" in result.stderr


@pytest.mark.parametrize("shape", sorted(API_SHAPES))
def test_an_api_definition_inside_the_project_is_read(tmp_path: Path, shape: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    project = _api_project(tmp_path, shape, "api/rest.yaml")
    (project / "api").mkdir()
    (project / "api" / "rest.yaml").write_text(OPENAPI)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["scan", "template.yaml", "--select", "LA206", "--format", "json"])
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == ["LA206"], result.stderr
