"""Formats for CI platforms and terminals: github, gitlab, concise, the text layout, SARIF locations."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_report_formats import sample_result, sarif_validator
from test_snapshot import ARN, _fn, _write

from lambda_advisor.cli import cli
from lambda_advisor.findings import Finding, Location
from lambda_advisor.report import render
from lambda_advisor.report.columns import column_of
from lambda_advisor.report.github import command
from lambda_advisor.report.terminal import use_color, width
from lambda_advisor.result import ScanResult

REPO = Path(__file__).resolve().parent.parent
SAM = REPO / "fixtures" / "demo" / "template.yaml"

LONG_FIX = ("Store the value in Secrets Manager (or an SSM SecureString), pass its ARN or\n"
            "name in the environment, and read it at cold start (the Parameters and\n"
            "Secrets Lambda extension caches it); then rotate the exposed secret.\n\n"
            "  Environment:\n    Variables:\n      DB_SECRET_ARN: !Ref DbSecret\n")


def _scan(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        res = CliRunner().invoke(cli, ["scan", *args])
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout


def test_github_workflow_commands_from_a_subfolder() -> None:
    # Run from fixtures/: paths must still be relative to the repository root.
    code, out = _scan("demo", "--format", "github", "-q", cwd=REPO / "fixtures")
    assert code == 1
    lines = [ln for ln in out.splitlines() if ln.startswith("::")]
    assert lines, out
    pattern = re.compile(r"^::(error|warning|notice) file=fixtures/demo/template\.yaml,line=\d+,col=\d+,"
                         r"title=LA\d{3} [^:]*\[(critical|high|medium|low|info)\]::.+%0A%0AFix%3A |"
                         r"^::(error|warning|notice) file=fixtures/demo/template\.yaml,line=\d+,col=\d+,title=[^:]+::.+")
    for line in lines:
        assert pattern.match(line), line
        assert "\n" not in line
    assert any("%0A%0AFix: " in ln for ln in lines)
    assert out.splitlines()[-1].endswith("functions") or "finding" in out.splitlines()[-1]


def test_github_escaping_keeps_one_command_a_line() -> None:
    line = command("error", "50% done\nnext: x", file="a,b:c.yaml", line=3, title="T: 1, 2")
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,title=T%3A 1%2C 2::50%25 done%0Anext: x"


def test_github_levels_and_live_findings() -> None:
    out = render("github", sample_result())
    assert out.splitlines()[0].startswith("::error file=infra/app.yaml,line=12,title=LA101 ")
    assert out.splitlines()[1].startswith("::warning file=infra/app.yaml,line=5,")
    live = out.splitlines()[2]
    assert live.startswith("::notice title=LA502 ") and "arn:aws:lambda:eu-west-1:123456789012:function:billing" in live
    assert "::error file=infra/broken.yaml,line=3," in out
    assert "::warning title=lambda-advisor%3A not fully evaluated::" in out


def test_gitlab_code_quality_json() -> None:
    issues = json.loads(render("gitlab", sample_result()))
    assert len(issues) == 3
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    assert issues[0]["severity"] == "blocker" and issues[0]["location"] == {"path": "infra/app.yaml",
                                                                            "lines": {"begin": 12}}
    assert issues[2]["location"]["path"] == "aws/123456789012/eu-west-1/lambda/billing"
    assert len({i["fingerprint"] for i in issues}) == 3


def test_concise_is_one_finding_a_line_with_columns() -> None:
    code, out = _scan(str(SAM.relative_to(REPO)), "--format", "concise", "-q", cwd=REPO)
    assert code == 1
    lines = out.splitlines()
    assert all(re.match(r"^fixtures/demo/template\.yaml:\d+:\d+: LA\d{3} \[\w+\] ", ln) for ln in lines[:-1]), lines
    assert "finding" in lines[-1]


def test_column_is_where_the_key_starts() -> None:
    assert column_of("    Timeout: 900") == 5
    assert column_of("      - Effect: Allow") == 9
    assert column_of('  "Timeout": 900,') == 3
    text = render("concise", ScanResult(findings=[_finding(SAM, 1)], documents=[]))
    assert text.startswith(f"{SAM}:1:1: ")


def _finding(file: Path, line: int, *, name: str = "Orders", fix: str = LONG_FIX, live: bool = False) -> Finding:
    if live:
        loc = Location(function_id=ARN.format(name), function_name=name, kind="account", arn=ARN.format(name),
                       account="123456789012", region="eu-west-1")
    else:
        loc = Location(function_id=f"{file}#{name}", function_name=name, kind="template", file=str(file),
                       line=line, logical_id=name)
    return Finding("LA101", "high", "secret", f"environment variable DB_PASSWORD of {name} holds a plaintext "
                   "secret (\"hu…\", 24 chars); anyone who can read the function configuration can read it",
                   fix, loc, subject="/environment/DB_PASSWORD")


def test_text_shows_the_whole_fix_wrapped_to_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = ScanResult(findings=[_finding(SAM.relative_to(REPO), 2)], documents=[])
    out = render("text", result, width=60)
    assert all(len(line) <= 60 for line in out.splitlines() if not line.startswith("      ")), out
    flat = " ".join(out.split())
    assert "then rotate the exposed secret." in flat  # the last sentence of a multi-line fix
    assert "      DB_SECRET_ARN: !Ref DbSecret" in out  # a snippet keeps its layout
    assert out.startswith("fixtures/demo/template.yaml:2:")
    unwrapped = render("text", result, width=None)
    assert "anyone who can read the function configuration can read it" in unwrapped.splitlines()[0]


def test_sarif_and_junit_carry_the_whole_fix() -> None:
    result = ScanResult(findings=[_finding(SAM, 2)], documents=[])
    sarif = json.loads(render("sarif", result))
    assert sarif["runs"][0]["results"][0]["message"]["text"].endswith("DB_SECRET_ARN: !Ref DbSecret")
    assert "then rotate the exposed secret." in render("junit", result)


def test_live_columns_stay_aligned_with_long_names() -> None:
    names = ["api", "orders-ingest", "a-very-long-function-name-that-overflows-any-column-1234567"]
    result = ScanResult(findings=[_finding(SAM, 0, name=n, fix="Fix it.", live=True) for n in names], documents=[])
    out = render("text", result, width=120)
    rows = [ln for ln in out.splitlines() if " LA101 " in ln]
    assert len(rows) == 3
    assert len({ln.index("LA101") for ln in rows}) == 1, out  # one column for every row
    assert len({ln.index("high") for ln in rows}) == 1


@pytest.mark.parametrize(("flag", "env", "tty", "expected"), [
    (None, {}, True, True), (None, {}, False, False),
    (None, {"NO_COLOR": "1"}, True, False), (None, {"NO_COLOR": ""}, True, True),
    (None, {"FORCE_COLOR": "1"}, False, True), (None, {"FORCE_COLOR": "0"}, False, False),
    (True, {"NO_COLOR": "1"}, False, True), (False, {"FORCE_COLOR": "1"}, True, False),
])
def test_color_follows_flag_then_no_color_then_force_color(flag: bool | None, env: dict[str, str], tty: bool,
                                                           expected: bool) -> None:
    assert use_color(flag, tty, env) is expected


def test_force_color_colours_piped_text_and_no_color_wins() -> None:
    res = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": None}).invoke(cli, ["scan", str(SAM), "-q"])
    assert "\x1b[" in res.stdout
    res = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).invoke(cli, ["scan", str(SAM), "-q"])
    assert "\x1b[" not in res.stdout


def test_width_comes_from_columns_or_the_terminal() -> None:
    assert width(False, {"COLUMNS": "72"}) == 72
    assert width(False, {}) is None  # a pipe: no wrapping
    assert (width(True, {}) or 0) > 20


def test_snapshot_sarif_is_accepted_by_code_scanning(tmp_path: Path) -> None:
    public = _fn("public", url={"auth_type": "NONE", "cors_allow_origins": None, "url": None})
    path = _write(tmp_path, [public, _fn("quiet")])
    out = tmp_path / "snap.sarif"
    res = CliRunner().invoke(cli, ["scan", str(path), "--format", "sarif", "-o", str(out), "-q"])
    assert res.exit_code == 1, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert not list(sarif_validator().iter_errors(doc))
    results = doc["runs"][0]["results"]
    assert results
    for r in results:  # GitHub refuses the whole upload when one result lacks a physical location
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("aws/123456789012/eu-west-1/lambda/"), uri
        assert r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:lambda:")
    for rule in doc["runs"][0]["tool"]["driver"]["rules"]:
        assert rule.get("helpUri", "https://docs.aws.amazon.com/").startswith("https://docs.aws.amazon.com/")
        assert "## Why is this bad?" in rule["help"]["markdown"]


def test_explain_renders_for_a_terminal() -> None:
    res = CliRunner(env={"COLUMNS": "60", "NO_COLOR": "1"}).invoke(cli, ["explain", "la101"])
    assert res.exit_code == 0
    out = res.stdout
    assert out.startswith("LA101: ")
    assert "\nWhy is this bad?\n" in out and "## " not in out and "```" not in out and "`" not in out
    assert "    Environment:" in out  # the example keeps its layout, indented
    prose = [ln for ln in out.splitlines() if ln and not ln.startswith("    ")]
    too_long = [ln for ln in prose if len(ln) > 60 and max(len(w) for w in ln.split()) < 40]  # URLs cannot break
    assert not too_long
    raw = CliRunner().invoke(cli, ["explain", "LA101", "--format", "markdown"]).stdout
    assert raw.startswith("# LA101: ") and "## Why is this bad?" in raw
    coloured = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": None}).invoke(cli, ["explain", "LA101"]).stdout
    assert "\x1b[1m" in coloured


def test_explain_suggests_the_closest_rule() -> None:
    res = CliRunner().invoke(cli, ["explain", "LA2O5"])
    assert res.exit_code == 2 and "closest: LA205" in res.stderr


def test_sarif_paths_are_relative_to_the_repository_root_from_any_folder() -> None:
    code, out = _scan("demo", "--format", "sarif", "-q", cwd=REPO / "fixtures")
    assert code == 1
    run = json.loads(out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    locations = {json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"], sort_keys=True)
                 for r in run["results"]}
    assert locations == {json.dumps({"uri": "fixtures/demo/template.yaml", "uriBaseId": "%SRCROOT%"}, sort_keys=True)}
