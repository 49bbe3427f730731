"""`lambda-advisor scan` end to end through the CLI: the issue's done-when cases."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lambda_advisor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
MIXED = ROOT / "fixtures" / "sources" / "mixed"


def _scan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["scan", *args, "--today", "2026-11-22"])
    return result.exit_code, result.stdout, result.stderr


def test_mixed_folder_findings_skips_and_the_broken_file() -> None:
    code, out, err = _scan(str(MIXED), "--format", "json")
    assert code == 2
    report = json.loads(out)
    found = sorted((Path(f["location"]["file"]).name, f["location"]["line"], f["rule_id"]) for f in report["findings"])
    assert found == [("app.yaml", 4, "LA205"), ("cfn.yml", 8, "LA205"), ("plain.json", 10, "LA205")]
    assert report["findings"][0]["location"]["inherited_from"] == "Globals"
    (error,) = report["errors"]
    assert error["where"].endswith("broken.yaml") and error["line"] == 7
    assert "broken.yaml:7" in err  # the human sees it on stderr when the report is JSON
    assert any(s.endswith("docker-compose.yml") for s in report["skipped"])
    assert any(s.endswith(".pre-commit-config.yaml") for s in report["skipped"])


def test_text_report_names_the_broken_file_and_counts() -> None:
    code, out, _ = _scan(str(MIXED), "--no-color")
    assert code == 2
    assert "broken.yaml:7: cannot parse" in out
    assert out.rstrip().endswith("3 findings (3 low) in 3 functions; 1 input error")


def test_fail_on_and_select() -> None:
    template = str(MIXED / "nested" / "cfn.yml")
    assert _scan(template)[0] == 1
    assert _scan(template, "--fail-on", "medium")[0] == 0
    assert _scan(template, "--ignore", "LA205")[0] == 0
    code, out, _ = _scan(template, "--select", "LA1,LA5")
    assert code == 0 and "no findings" in out


def test_explicit_non_template_is_a_notice_and_exit_0() -> None:
    code, _, err = _scan(str(MIXED / "docker-compose.yml"))
    assert code == 0 and "skipped, not a CloudFormation" in err
    code, _, err = _scan(str(MIXED / "docker-compose.yml"), "--quiet")
    assert code == 0 and err == ""


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "scan.json"
    code, stdout, _ = _scan(str(MIXED / "app.yaml"), "--format", "json", "--output", str(out))
    assert code == 1 and stdout == ""
    assert json.loads(out.read_text())["summary"]["findings"] == 1


def test_rules_and_explain() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["rules"])
    assert listing.exit_code == 0 and "LA205" in listing.output and "LA101" in listing.output
    page = runner.invoke(cli, ["explain", "la205"])
    assert page.exit_code == 0
    for part in ("\nWhat it does\n", "\nWhy is this bad?\n", "\nExample\n", "\nUse instead\n", "Step Functions"):
        assert part in page.output
    missing = runner.invoke(cli, ["explain", "LA999"])
    assert missing.exit_code == 2 and "no rule 'LA999'" in missing.output
