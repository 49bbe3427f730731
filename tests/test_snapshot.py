"""Account snapshots: schema-validated, secrets redacted, re-scanned offline with their gaps."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.model import Function, Source
from lambda_advisor.result import Gap
from lambda_advisor.sources import snapshot

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:{}"


def _fn(name: str, **kw: Any) -> dict[str, Any]:
    arn = ARN.format(name)
    fields: dict[str, Any] = {
        "runtime": "python3.12", "handler": "app.handler", "package_type": "Zip", "architectures": ["x86_64"],
        "memory_mb": 128, "timeout_s": 3, "environment": {}, "event_sources": [], "resource_policy": [],
        "dead_letter_target": False, "layers": [], **kw}
    doc = Function(id=arn, name=name, source=Source(kind="account", arn=arn, account="123456789012",
                                                    region="eu-west-1"), **fields)
    return doc.to_json()


def _write(tmp_path: Path, docs: list[dict[str, Any]], gaps: list[Gap] | None = None) -> Path:
    path = tmp_path / "snap.json"
    snapshot.save(path, snapshot.build_snapshot(docs, gaps or [], account="123456789012", regions=["eu-west-1"]))
    return path


def test_every_value_is_redacted_by_default_except_what_rules_read(tmp_path: Path) -> None:
    env = {"DB_PASSWORD": "hunter2hunter2", "KEY": "AKIAIOSFODNN7EXAMPLE", "TABLE": "orders",
           "LOOKS_HARMLESS": "s3cr3t-that-LA101-misses", "QUEUE": "arn:aws:sqs:eu-west-1:123456789012:q",
           "DB_HOST": "db1.abc123xyz.eu-west-1.rds.amazonaws.com", "NEXT": "worker"}
    path = _write(tmp_path, [_fn("api", environment=env), _fn("worker")])
    text = path.read_text()
    for secret in ("hunter2hunter2", "AKIAIOSFODNN7EXAMPLE", "s3cr3t-that-LA101-misses", '"orders"'):
        assert secret not in text
    data = json.loads(text)
    assert data["environment_values"] == "redacted"
    saved = data["functions"][0]["environment"]
    facts = data["functions"][0]["extra"]["environment_facts"]
    # a placeholder the rules treat as unknown; the facts keep the length and a keyed hash
    assert saved["TABLE"] == {"unresolved": "redacted: 6 chars"}
    assert facts["TABLE"]["chars"] == 6 and len(facts["TABLE"]["hmac"]) == 32
    # what rules read stays: ARNs (LA105, LA301), AWS hostnames (LA302), audited function names (LA301)
    assert saved["QUEUE"] == env["QUEUE"] and saved["NEXT"] == "worker"
    assert facts["DB_HOST"]["hosts"] == [env["DB_HOST"]]
    assert {r["variable"] for r in data["redacted"]} == {"DB_PASSWORD", "KEY"}
    assert data["functions"][0]["extra"]["redacted_environment"] == {
        "DB_PASSWORD": "a plaintext secret", "KEY": "an AWS access key ID"}
    assert text.lstrip().startswith('{\n "format": "lambda-advisor-snapshot"')


def test_keep_env_values_keeps_all_but_the_secrets(tmp_path: Path) -> None:
    env = {"DB_PASSWORD": "hunter2hunter2", "TABLE": "orders"}
    path = tmp_path / "snap.json"
    snapshot.save(path, snapshot.build_snapshot([_fn("api", environment=env)], [], account="123456789012",
                                                regions=["eu-west-1"], keep_values=True))
    data = json.loads(path.read_text())
    assert data["environment_values"] == "kept"
    assert data["functions"][0]["environment"]["TABLE"] == "orders"
    assert "hunter2hunter2" not in path.read_text()


def test_scan_reruns_rules_and_brings_the_gaps_back(tmp_path: Path) -> None:
    public = _fn("public", url={"auth_type": "NONE", "cors_allow_origins": None, "url": None})
    gap = Gap(where=ARN.format("hidden"), region="eu-west-1", missing=["GetPolicy: AccessDeniedException (HTTP 403)"])
    path = _write(tmp_path, [public, _fn("hidden", resource_policy=None)], [gap])
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "-q", "--select", "LA102"])
    assert result.exit_code == 3, result.stderr  # the gaps come back, and they win over findings
    report = json.loads(result.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["LA102"]
    assert report["findings"][0]["location"]["kind"] == "snapshot"
    assert report["findings"][0]["location"]["arn"] == ARN.format("public")
    assert report["gaps"] == [{"where": gap.where, "region": "eu-west-1", "missing": gap.missing}]
    only_gaps = CliRunner().invoke(cli, ["scan", str(path), "-q", "--select", "LA407"])
    assert only_gaps.exit_code == 3
    assert "not fully evaluated" in only_gaps.stdout


def test_invalid_snapshot_names_the_key(tmp_path: Path) -> None:
    path = _write(tmp_path, [_fn("api")])
    data = json.loads(path.read_text())
    data["functions"][0]["timeout_s"] = "three"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(cli, ["scan", str(path)])
    assert result.exit_code == 2
    assert "invalid snapshot key functions/0/timeout_s" in result.output


def test_unknown_version_is_refused_clearly(tmp_path: Path) -> None:
    path = _write(tmp_path, [_fn("api")])
    data = json.loads(path.read_text())
    data["version"] = 99
    path.write_text(json.dumps(data))
    loaded = snapshot.load(path)
    assert loaded.documents == []
    assert "snapshot version 99 is not supported" in loaded.errors[0].message


def test_ordinary_json_is_not_claimed(tmp_path: Path) -> None:
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}')
    assert not snapshot.claims_file(other, other.read_bytes())


def test_scanning_a_snapshot_never_imports_boto3(tmp_path: Path) -> None:
    path = _write(tmp_path, [_fn("api")])
    code = (
        "import sys\n"
        "from lambda_advisor.cli import cli\n"
        f"try:\n    cli(['scan', {str(path)!r}, '-q'])\nexcept SystemExit:\n    pass\n"
        "print('BOTO3' if 'boto3' in sys.modules or 'botocore' in sys.modules else 'CLEAN')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("CLEAN"), out.stdout + out.stderr
