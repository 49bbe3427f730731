"""A secret found is never printed, not even in part, in any format (nor in the baseline file, nor through cfn-lint)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import FORMAT_CHOICES, cli

TEMPLATE = Path(__file__).resolve().parent / "data" / "secrets" / "template.yaml"
SECRETS = [
    "hunter2-very-secret-Pa55",
    "AKIAQ4XZ7J2M5N8P3R6T",
    "q8Vz3Lr2mN7pX1kT9wB4yH6cJ5dF0gS2aE8uR7iO",
    "Zx9-Sup3rS3cret-Qw",
    "tok_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0",  # in a function whose LA101 is suppressed
]


def _leaks(text: str) -> list[str]:
    # A secret is shown by its length alone: not even its first characters appear.
    return [s for s in SECRETS if s[:8] in text or s[4:] in text]


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_no_format_prints_a_secret(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    res = CliRunner().invoke(cli, ["scan", str(TEMPLATE), "--format", fmt, "--output", str(out), "--show-suppressed"])
    assert res.exit_code == 1, res.output
    text = out.read_text(encoding="utf-8")
    if fmt == "markdown":
        text = text.replace("\\", "")  # DB\_PASSWORD renders as DB_PASSWORD
    assert "DB_PASSWORD" in text and "AWS_SECRET_ACCESS_KEY" in text  # the findings are there…
    if fmt != "gitlab":  # Code Quality has no notion of a suppressed issue
        assert "API_TOKEN" in text  # …the suppressed one too…
    assert not _leaks(text + res.output)  # …and no secret.
    if fmt == "json":
        assert len(json.loads(text)["findings"]) >= 4


def test_baseline_file_holds_no_secret(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    res = CliRunner().invoke(cli, ["baseline", "create", "-o", str(out), str(TEMPLATE)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "DB_PASSWORD" in text
    assert not _leaks(text)
