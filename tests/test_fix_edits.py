"""Text edits keep the author's file: line endings, BOM, tabs, a missing final newline, anchors; refuse what
they cannot edit safely; and the CLI's --diff / --fix contract (ruff's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.fixes.edit import CannotFix, TemplateText, get_att, ref

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "fixtures" / "fixes"


def _queue_template(newline: str = "\n", final_newline: bool = True) -> str:
    lines = ["Resources:", "  Q:  # a queue", "    Type: AWS::SQS::Queue", "    Properties:",
             "      VisibilityTimeout: 60"]
    return newline.join(lines) + (newline if final_newline else "")


def test_crlf_file_gets_crlf_lines() -> None:
    t = TemplateText(_queue_template("\r\n"), is_json=False)
    t.set(t.properties("Q"), "DelaySeconds", 5)
    assert t.result() == _queue_template("\r\n") + "      DelaySeconds: 5\r\n"


def test_file_without_final_newline() -> None:
    t = TemplateText(_queue_template(final_newline=False), is_json=False)
    t.set(t.properties("Q"), "DelaySeconds", 5)
    assert t.result() == _queue_template() + "      DelaySeconds: 5\n"
    assert yaml.safe_load(t.result())["Resources"]["Q"]["Properties"]["DelaySeconds"] == 5


def test_json_with_tabs_keeps_tabs() -> None:
    text = '{\n\t"Resources": {\n\t\t"Q": {\n\t\t\t"Type": "AWS::SQS::Queue"\n\t\t}\n\t}\n}\n'
    t = TemplateText(text, is_json=True)
    t.set(t.resource("Q"), "Properties", {"VisibilityTimeout": 180})
    assert t.result() == ('{\n\t"Resources": {\n\t\t"Q": {\n\t\t\t"Type": "AWS::SQS::Queue",\n'
                          '\t\t\t"Properties": {\n\t\t\t\t"VisibilityTimeout": 180\n\t\t\t}\n\t\t}\n\t}\n}\n')


def test_one_line_json_stays_on_one_line() -> None:
    t = TemplateText('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}', is_json=True)
    t.set(t.properties("Q"), "RedrivePolicy", {"deadLetterTargetArn": get_att("D", "Arn")})
    assert t.result() == ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": '
                          '{"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["D", "Arn"]}}}}}}')


def test_short_form_tags_and_quoting_are_written_as_yaml() -> None:
    t = TemplateText(_queue_template(), is_json=False)
    t.set(t.properties("Q"), "Tags", [{"Key": "stage", "Value": ref("Stage")}, {"Key": "q", "Value": "$x: y"}])
    assert t.result().endswith("      Tags:\n        - Key: stage\n          Value: !Ref Stage\n"
                               "        - Key: q\n          Value: \"$x: y\"\n")


ALIAS = ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: &shared\n      DelaySeconds: 1\n"
         "  B:\n    Type: AWS::SQS::Queue\n    Properties: *shared\n")
MERGE_KEY = ("Base: &base\n  DelaySeconds: 1\nResources:\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n"
             "      <<: *base\n      MessageRetentionPeriod: 60\n")
INTRINSIC = "Resources:\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Ref Seconds\n"


@pytest.mark.parametrize("text", [ALIAS, MERGE_KEY, INTRINSIC], ids=["alias", "merge-key", "intrinsic"])
def test_what_a_fix_cannot_edit_safely_is_refused(text: str) -> None:
    t = TemplateText(text, is_json=False)
    with pytest.raises(CannotFix):
        t.set(t.properties("B"), "DelaySeconds", 2)


def test_the_anchor_itself_may_change_and_keeps_its_anchor() -> None:
    t = TemplateText(ALIAS, is_json=False)
    t.set(t.properties("A"), "DelaySeconds", 2)
    assert "Properties: &shared\n      DelaySeconds: 2\n" in t.result()


def _copy(tmp_path: Path, name: str) -> Path:
    work = tmp_path / name
    shutil.copy(PAIRS / name, work)
    return work


def test_diff_prints_changes_nothing_and_exits_1(tmp_path: Path) -> None:
    work = _copy(tmp_path, "LA204-sam.yaml")
    before = work.read_text()
    out = CliRunner().invoke(cli, ["scan", str(work), "--diff", "--select", "LA204", "-q"])
    assert out.exit_code == 1, out.output
    assert "-      VisibilityTimeout: 60   # seconds" in out.output
    assert "+      VisibilityTimeout: 180   # seconds" in out.output
    assert work.read_text() == before
    fixed = CliRunner().invoke(cli, ["scan", str(work), "--fix", "--select", "LA204", "-q"])
    assert fixed.exit_code == 0, fixed.output
    assert work.read_text() == (PAIRS / "LA204-sam.fixed.yaml").read_text()
    again = CliRunner().invoke(cli, ["scan", str(work), "--diff", "--select", "LA204", "-q"])
    assert again.exit_code == 0 and again.output == ""


def test_bom_is_kept(tmp_path: Path) -> None:
    work = _copy(tmp_path, "LA204-sam.yaml")
    work.write_bytes(b"\xef\xbb\xbf" + work.read_bytes())
    CliRunner().invoke(cli, ["scan", str(work), "--fix", "--select", "LA204", "-q"])
    assert work.read_bytes() == b"\xef\xbb\xbf" + (PAIRS / "LA204-sam.fixed.yaml").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [work.name]  # no temporary file left behind


def test_a_file_that_does_not_read_fully_is_never_touched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lambda_advisor.sources.template as template_source

    class PartlyRead(template_source.TemplateReader):  # type: ignore[misc,name-defined]
        def read(self):  # type: ignore[no-untyped-def]
            docs = super().read()
            self.problems.append(("cannot read function Other: ValueError()", 3))
            return docs

    monkeypatch.setattr(template_source, "TemplateReader", PartlyRead)
    work = _copy(tmp_path, "LA204-sam.yaml")
    before = work.read_text()
    result = CliRunner().invoke(cli, ["scan", str(work), "--fix", "--select", "LA204"])
    assert "cannot read function Other" in result.output
    assert work.read_text() == before
    assert "not fixed: it did not parse fully" in result.output


def test_a_fix_that_does_not_remove_its_finding_is_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lambda_advisor.fixes.timeouts as timeouts

    def useless(ctx):  # type: ignore[no-untyped-def]
        ctx.template.set(ctx.template.properties("Jobs"), "DelaySeconds", 1)
        return "a change that does not help"

    monkeypatch.setattr(timeouts, "raise_visibility_timeout", useless)
    work = _copy(tmp_path, "LA204-sam.yaml")
    before = work.read_text()
    result = CliRunner().invoke(cli, ["scan", str(work), "--fix", "--select", "LA204"])
    assert work.read_text() == before
    assert "rolled back: the finding is still there after the fix" in result.output


def test_a_fix_that_adds_a_finding_is_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lambda_advisor.fixes.timeouts as timeouts

    def harmful(ctx):  # type: ignore[no-untyped-def]
        ctx.template.set(ctx.template.properties("Jobs"), "VisibilityTimeout", 180)
        ctx.template.set(ctx.template.properties("Worker"), "Runtime", "python3.9")  # deprecated: LA501
        return "fixes LA204 and breaks the runtime"

    monkeypatch.setattr(timeouts, "raise_visibility_timeout", harmful)
    work = _copy(tmp_path, "LA204-sam.yaml")
    before = work.read_text()
    result = CliRunner().invoke(cli, ["scan", str(work), "--fix", "--select", "LA204,LA501", "--today", "2026-11-22"])
    assert work.read_text() == before
    assert "rolled back: it adds LA501" in result.output


def test_config_fix_and_unfixable(tmp_path: Path) -> None:
    work = _copy(tmp_path, "LA502-sam.yaml")
    (tmp_path / ".lambda-advisor.yaml").write_text("fix: true\nunfixable: [LA5]\nselect: [LA502]\n")
    CliRunner().invoke(cli, ["scan", str(work), "-q"])
    assert work.read_text() == (PAIRS / "LA502-sam.yaml").read_text()
    (tmp_path / ".lambda-advisor.yaml").write_text("fix: true\nselect: [LA502]\n")
    CliRunner().invoke(cli, ["scan", str(work), "-q"])
    assert work.read_text() == (PAIRS / "LA502-sam.fixed.yaml").read_text()


def test_explain_says_whether_a_rule_has_a_fix() -> None:
    safe = CliRunner().invoke(cli, ["explain", "LA204", "--format", "markdown"]).output
    unsafe = CliRunner().invoke(cli, ["explain", "LA202", "--format", "markdown"]).output
    none = CliRunner().invoke(cli, ["explain", "LA101", "--format", "markdown"]).output
    assert "Fix availability: safe, applied by --fix." in " ".join(
        CliRunner().invoke(cli, ["explain", "LA204", "--no-color"]).output.split())
    assert "Fix availability: **safe**, applied by `--fix`." in safe
    assert "Fix availability: **unsafe**, applied by `--fix --unsafe-fixes`." in unsafe
    assert "Fix availability: **none**" in none


def test_append_to_a_sequence_whose_dash_stands_alone() -> None:
    text = ("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        -\n"
            "          PolicyName: a\n")
    t = TemplateText(text, is_json=False)
    t.append(t.get(t.properties("R"), "Policies"), {"PolicyName": "b"})  # type: ignore[arg-type]
    assert t.result() == text + "        - PolicyName: b\n"
