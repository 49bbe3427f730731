"""Hostile names, paths and messages stay data in every medium (one regression test per attack class).

Forged GitHub annotations, terminal escapes, characters XML forbids and markdown
injection: each is fed through every field a reporter prints, and the output is
judged by what its reader would do (:mod:`report_oracles`).
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_oracles import (
    INJECTION,
    assert_github_annotations_hold,
    assert_inert_for_terminal,
    assert_json,
    assert_markdown_inert,
    assert_no_forged_commands,
    assert_xml_well_formed,
    html_tags,
    workflow_commands,
)

from lambda_advisor.cli import cli
from lambda_advisor.engine import Rule, load_rules
from lambda_advisor.findings import Finding, Location
from lambda_advisor.report import FORMATS, escape, render
from lambda_advisor.report.markdown_terminal import render as render_rule_page
from lambda_advisor.result import Gap, InputError, ScanResult

BAD = INJECTION


def hostile_result(bad: str = BAD) -> ScanResult:
    """Every text a reporter prints comes from ``bad``: names, files, messages, reasons, gaps, errors."""
    rule = Rule(id="LA101", title="secret " + bad, severity="critical", category="security", what=bad, why=bad,
                fix="Fix it:\n\n    " + bad + "\n", path="rules/LA101.yaml", builtin=False)  # from a rules folder
    tpl = Location(function_id=f"{bad}.yaml#{bad}", function_name=bad, kind="template", file=f"{bad}.yaml",
                   line=3, logical_id=bad, inherited_from=bad)
    live = Location(function_id=f"arn:{bad}", function_name=bad, kind="account", arn=f"arn:{bad}", account=bad,
                    region=bad)
    findings = [
        Finding("LA101", "critical", rule.title, bad, "Fix: " + bad, tpl, subject=bad),
        Finding("LA101", "critical", rule.title, bad, bad, live, subject=bad),
        Finding("LA101", "critical", rule.title, bad, bad, tpl, subject="s" + bad, suppressed=bad),
    ]
    docs = [{"id": tpl.function_id, "name": bad, "source": {"kind": "template", "file": tpl.file, "logical_id": bad,
                                                            "line": 3}},
            {"id": live.function_id, "name": bad, "source": {"kind": "snapshot", "arn": live.arn, "account": bad,
                                                             "region": bad}}]
    return ScanResult(findings=findings, documents=docs, rules=[rule],
                      baselined=[Finding("LA101", "critical", rule.title, bad, bad, live, subject="b" + bad)],
                      errors=[InputError(f"{bad}.yaml", bad, line=2)], gaps=[Gap(f"arn:{bad}", bad, [bad])],
                      stale_baseline=[{"fingerprint": bad, "rule_id": bad, "function": bad}],
                      meta={"show_suppressed": True})


# -- the escaping functions ---------------------------------------------------------------------

def test_terminal_makes_every_control_visible_and_keeps_text() -> None:
    out = escape.terminal("a\x1b[31mb\x07c\rd\ne\x9bf\x7fg\u202eh\tok é 日本")
    assert out == "a\\x1b[31mb\\x07c\\rd\\ne\\x9bf\\x7fg\\u202eh\\tok é 日本"
    assert escape.terminal("line one\nline two\r\n", multiline=True) == "line one\nline two\n"


def test_terminal_breaks_workflow_commands_but_keeps_arns() -> None:
    assert escape.terminal("::error::x") == "\\x3a:error::x"
    assert escape.terminal("a ::warning::x") == "a \\x3a:warning::x"
    assert escape.terminal("##[error]x") == "#\\x23[error]x"
    assert escape.terminal("arn:aws:iam::123456789012:role/r") == "arn:aws:iam::123456789012:role/r"
    assert escape.terminal("arn:aws:s3:::bucket") == "arn:aws:s3:::bucket"
    assert escape.terminal("!Join [, [arn:aws:logs:*:, :log-group:x]]") == "!Join [, [arn:aws:logs:*:, :log-group:x]]"
    assert escape.terminal(":") == "\\x3a"  # ours may follow (path:line), making '::'
    assert escape.terminal("a :") == "a \\x3a" and escape.terminal(":a") == "\\x3aa"
    assert not workflow_commands(escape.terminal("  x\n::add-mask::y", multiline=True))


def test_workflow_command_escaping_is_the_runners() -> None:
    # actions/runner ActionCommand: data escapes %, CR, LF; properties also ':' and ','.
    assert escape.workflow_data("100%\r\nx") == "100%25%0D%0Ax"
    assert escape.workflow_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_xml_removes_what_xml_forbids() -> None:
    text = escape.xml("a\x00b\x1bc\ufffed\ud800e")
    ET.fromstring(f"<x a='{text}'>{text}</x>")
    assert "\x00" not in text and "\x1b" not in text


def test_html_escapes_markup_and_shows_controls() -> None:
    out = escape.html('<img src=x onerror="alert(1)">\x1b[2J ##[error] ::x')
    assert "<img" not in out and "\x1b" not in out and "##[" not in out
    assert html_tags(f"<p>{out}</p>")[0] == {"p"}


@pytest.mark.parametrize("word", ["@octocat", "https://evil.example", "www.evil.example", "#12", "owner/repo#3",
                                  "deadbeefcafe", "a@b.example"])
def test_markdown_text_sets_linkish_words_as_code(word: str) -> None:
    out = escape.md_text(f"see {word} now")
    assert re.search(r"`[^`]+`", out), out


def test_markdown_code_survives_backticks_and_pipes() -> None:
    assert escape.md_code("a`b|c") == "``a`b\\|c``"
    assert escape.md_code("`x`") == "`` `x` ``"


def test_markdown_url_accepts_only_plain_http() -> None:
    assert escape.md_url("https://docs.aws.amazon.com/lambda/") == "https://docs.aws.amazon.com/lambda/"
    assert escape.md_url("javascript:alert(1)") is None
    assert escape.md_url("https://x.example/a) [evil](https://e") is None


def test_json_text_neutralises_del_and_legacy_commands() -> None:
    dumped = escape.json_text(json.dumps({"a": "##[error]x\x7f"}))
    assert json.loads(dumped) == {"a": "##[error]x\x7f"}
    assert "##[" not in dumped and "\x7f" not in dumped


# -- every format over a hostile result ---------------------------------------------------------

def test_class4_github_annotations_cannot_be_forged() -> None:
    out = render("github", hostile_result())
    assert_no_forged_commands(out, allowed=("error", "warning", "notice"))
    assert_github_annotations_hold(out)
    assert_inert_for_terminal(out)
    assert len([line for line in out.splitlines() if line.startswith("::")]) == 4  # 2 findings, 1 error, 1 gap


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_class7_terminal_formats_carry_no_live_escape(fmt: str) -> None:
    out = render(fmt, hostile_result())
    assert_inert_for_terminal(out)
    assert_no_forged_commands(out)
    assert "\\x1b]8;;" in out and "\\x1b]52;" in out  # made visible, not dropped


def test_class7_coloured_text_keeps_only_its_own_colours() -> None:
    out = render("text", hostile_result(), color=True)
    assert "\x1b[1m" in out
    assert_inert_for_terminal(out, colour=True)


def test_class7_rule_page_from_a_hostile_rule_file_is_inert() -> None:
    page = escape.terminal(f"# {BAD}\n\n{BAD}\n\n```\n{BAD}\n```\n", multiline=True)
    out = render_rule_page(page, width=80)
    assert_inert_for_terminal(out)
    assert_no_forged_commands(out)


def test_class8_junit_survives_every_control_character() -> None:
    bad = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\ufffe\uffff" + BAD
    out = render("junit", hostile_result(bad))
    root = assert_xml_well_formed(out)
    assert root.tag == "testsuites" and int(root.get("failures") or 0) >= 1
    assert_no_forged_commands(out)


def test_class8_html_is_well_formed_and_adds_no_markup() -> None:
    out = render("html", hostile_result())
    assert_inert_for_terminal(out)
    assert_no_forged_commands(out)
    tags, attrs = html_tags(out)
    assert "img" not in tags and "onerror" not in attrs
    assert out.count("<script>") == 1  # the report's own filtering script only


def test_class9_markdown_cannot_forge_rows_html_links_or_mentions() -> None:
    result = hostile_result()
    out = render("markdown", result)
    assert_markdown_inert(out)
    assert_no_forged_commands(out)
    rows = [line for line in out.splitlines() if line.startswith("| 🟣 critical | LA101 |")]
    assert len(rows) == len(result.active)
    for row in rows:  # four cells each: no pipe from input splits one
        assert len(re.findall(r"(?<!\\)\|", re.sub(r"`+[^`]*`+", "", row))) == 5


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab"])
def test_json_formats_stay_valid_and_inert(fmt: str) -> None:
    out = render(fmt, hostile_result())
    assert_json(out)
    assert "##[" not in out


def test_every_format_is_covered() -> None:
    assert set(FORMATS) == {"text", "concise", "json", "sarif", "junit", "markdown", "html", "github", "gitlab"}


# -- stderr and stdout lines of the command line -------------------------------------------------

HOSTILE_NAME = "t\n::error::forged\x1b]52;c;cHduZWQ=\x07 ##[warning]x\r::add-mask::y.yaml"


def _hostile_tree(tmp_path: Path) -> Path:
    (tmp_path / HOSTILE_NAME).write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n", encoding="utf-8")
    (tmp_path / ("n\n::error::x\x1b[2J.txt")).write_text("not a template\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_class4_class7_stderr_messages_are_inert(fmt: str, tmp_path: Path) -> None:
    root = _hostile_tree(tmp_path)
    res = CliRunner().invoke(cli, ["scan", str(root), "--format", fmt])
    assert res.exit_code == 2, res.output
    assert "forged" in res.stdout + res.stderr  # the error names the file…
    for stream in (res.stdout, res.stderr):  # …and neither stream carries a command or an escape
        assert_no_forged_commands(stream, allowed=("error", "warning", "notice") if fmt == "github" else ())
        assert_inert_for_terminal(stream)
    if fmt == "github":
        assert_github_annotations_hold(res.stdout)


def test_class4_show_files_lines_are_inert(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["scan", str(_hostile_tree(tmp_path)), "--show-files"])
    assert "forged" in res.stdout
    for stream in (res.stdout, res.stderr):
        assert_no_forged_commands(stream)
        assert_inert_for_terminal(stream)


def test_class7_audit_progress_line_is_inert() -> None:
    from lambda_advisor.sources.account.progress import TerminalProgress

    stream = io.StringIO()
    progress = TerminalProgress(stream, width=400)
    progress.for_account("\x1b]52;c;eA==\x07::error::x").region_total("us-east-1\n##[error]", 3)
    line = progress.line()
    assert_inert_for_terminal(line)
    assert_no_forged_commands(line)


def test_class9_a_user_rule_adds_no_markdown_or_link_to_code_scanning() -> None:
    result = hostile_result()
    result.rules[0].references = ["javascript:alert(1)"]
    rule = json.loads(render("sarif", result))["runs"][0]["tool"]["driver"]["rules"][0]
    assert "markdown" not in rule["help"] and "helpUri" not in rule
    shipped = [r for r in load_rules() if r.help_uri][:1]
    result.rules = shipped
    rule = json.loads(render("sarif", result))["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["help"]["markdown"] and rule["helpUri"].startswith("https://")

