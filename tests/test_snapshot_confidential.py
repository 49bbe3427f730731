"""Snapshots are confidential by construction: no part of an environment value, yet the same findings.

The values that leaked before: a libpq or JDBC URL with a password, a ``rediss://``
URL with a token, an ``execute-api`` URL with ``?api_key=``, a presigned S3 URL with
a session token. The audit of an emulated account and the scan of its snapshot
must agree finding for finding (LA302 was lost when its RDS host sat in a redacted
value), and the snapshot must hold none of those credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import FORMAT_CHOICES, cli
from lambda_advisor.model import Function, Source
from lambda_advisor.sources import env_facts, snapshot

ACCOUNT = "123456789012"
CREDENTIALS = ["Pg-s3cret-Pass", "Jdbc-s3cret-Pass", "Redis-t0ken-value", "Api-k3y-value-123",
               "IQoJb3JpZ2luX2VjEXAMPLEtoken", "ASIAQ4XZ7J2M5N8P3R6T", "Cfg-t0ken-zz", "plain-s3cret-Value"]
RDS_HOST = "orders.cluster-abc123xyz.us-east-1.rds.amazonaws.com"
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "orders-api": {"DATABASE_URL": f"postgresql://app:Pg-s3cret-Pass@{RDS_HOST}:5432/orders"},
    "billing-api": {"JDBC_URL": "jdbc:postgresql://billing.c9akciq32xyz.us-east-1.rds.amazonaws.com:5432/billing"
                                "?user=app&password=Jdbc-s3cret-Pass"},
    "sessions": {"REDIS_URL": "rediss://:Redis-t0ken-value@master.sessions.abc123.use1.cache.amazonaws.com:6379"},
    "items-proxy": {"API_URL": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items"
                               "?api_key=Api-k3y-value-123"},
    "reports": {"REPORT_URL": "https://reports-bucket.s3.us-east-1.amazonaws.com/r.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                              "&X-Amz-Credential=ASIAQ4XZ7J2M5N8P3R6T%2F20261206%2Fus-east-1%2Fs3%2Faws4_request"
                              "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLEtoken&X-Amz-Signature=0a1b2c3d",
                "SIGNING_SECRET": "plain-s3cret-Value"},
    "router": {"CONFIG": json.dumps({"target": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker",
                                     "token": "Cfg-t0ken-zz"}),
               "NEXT": "worker"},
    "worker": {"MODE": "fast"},
}


def _doc(name: str, env: dict[str, str]) -> dict[str, Any]:
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    return Function(id=arn, name=name, source=Source(kind="account", arn=arn, account=ACCOUNT, region="us-east-1"),
                    runtime="python3.12", handler="app.handler", package_type="Zip", architectures=["x86_64"],
                    memory_mb=128, timeout_s=3, environment=env, event_sources=[], resource_policy=[],
                    dead_letter_target=False, layers=[]).to_json()


def _leaks(text: str) -> list[str]:
    return [c for c in CREDENTIALS if c in text]


def test_facts_keep_locations_and_drop_credentials() -> None:
    key = env_facts.new_key()
    for env in ENVIRONMENTS.values():
        for value in env.values():
            facts = env_facts.extract(value, key)
            assert not _leaks(json.dumps(facts)), (value, facts)
            assert facts["chars"] == len(value)
    assert env_facts.extract(ENVIRONMENTS["orders-api"]["DATABASE_URL"], key)["hosts"] == [RDS_HOST]
    # a password that looks like a host is user info, cut before anything is extracted
    assert "hosts" not in env_facts.extract("postgres://u:x.amazonaws.com@localhost/db", key)
    for keyword in ("host=db.abc.eu-west-1.rds.amazonaws.com password=pw.amazonaws.com dbname=app",
                    "jdbc:sqlserver://db.abc.eu-west-1.rds.amazonaws.com:1433;user=u;password=pw.amazonaws.com;db=d",
                    '{"host": "db.abc.eu-west-1.rds.amazonaws.com", "db_password": "pw.amazonaws.com"}'):
        assert env_facts.extract(keyword, key)["hosts"] == ["db.abc.eu-west-1.rds.amazonaws.com"], keyword
    assert env_facts.extract(ENVIRONMENTS["router"]["CONFIG"], key)["arns"] == [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker"]


def test_keyed_hash_is_per_snapshot_and_equal_values_compare_equal(tmp_path: Path) -> None:
    docs = [_doc("a", {"TABLE": "orders"}), _doc("b", {"TABLE": "orders", "OTHER": "items"})]
    first = snapshot.build_snapshot(docs, [], account=ACCOUNT, regions=["us-east-1"])
    second = snapshot.build_snapshot(docs, [], account=ACCOUNT, regions=["us-east-1"])
    snapshot.validate(first)

    def hashes(snap: dict[str, Any]) -> list[str]:
        return [f["extra"]["environment_facts"]["TABLE"]["hmac"] for f in snap["functions"]]

    assert hashes(first)[0] == hashes(first)[1]  # equal values compare equal in one snapshot
    assert hashes(first)[0] != hashes(second)[0]  # but not across snapshots (a fresh key each)
    assert first["functions"][1]["extra"]["environment_facts"]["OTHER"]["hmac"] != hashes(first)[1]
    key = bytes.fromhex(first["redaction"]["key"])
    assert hashes(first)[0] == hmac.new(key, b"orders", hashlib.sha256).hexdigest()[:32]
    assert hashlib.sha256(b"orders").hexdigest()[:16] not in json.dumps(first)  # no unsalted digest


def test_keep_env_values_is_explicit_and_still_redacts_secrets() -> None:
    snap = snapshot.build_snapshot([_doc(n, e) for n, e in ENVIRONMENTS.items()], [], account=ACCOUNT,
                                   regions=["us-east-1"], keep_values=True)
    text = json.dumps(snap)
    assert snap["environment_values"] == "kept"
    assert "Pg-s3cret-Pass" not in text and "plain-s3cret-Value" not in text  # LA101's finds, even so
    assert "Jdbc-s3cret-Pass" in text  # kept in clear: what the flag asks for


def test_an_old_snapshot_with_a_prefix_is_reported_by_length_only(tmp_path: Path) -> None:
    doc = _doc("legacy", {"DB_PASSWORD": '"hu…", 14 chars'})
    doc["extra"] = {"redacted_environment": {"DB_PASSWORD": "a plaintext secret"}}
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "lambda-advisor-snapshot", "version": 1,
                                "created": "2026-01-01T00:00:00+00:00", "account": ACCOUNT, "regions": ["us-east-1"],
                                "functions": [doc], "gaps": []}))
    res = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "-q", "--select", "LA101"])
    finding = json.loads(res.stdout)["findings"][0]
    assert "14 characters, not shown" in finding["message"] and "hu" not in finding["message"].split("(")[1]


@pytest.fixture
def seeded(moto: Any) -> Any:
    role = moto.role(inline=[{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}])
    for name, env in ENVIRONMENTS.items():
        moto.function(name, role=role, Environment={"Variables": env})
    return moto


def test_live_and_snapshot_find_the_same_and_the_snapshot_holds_no_credential(seeded: Any, tmp_path: Path) -> None:
    snap = tmp_path / "snap.json"
    live = CliRunner().invoke(cli, ["audit", "--endpoint-url", seeded.endpoint, "--region", "us-east-1",
                                    "--format", "json", "--save", str(snap), "--quiet"])
    assert live.exit_code == 1, live.stderr
    text = snap.read_text(encoding="utf-8")
    assert not _leaks(text)
    assert "api_key" not in text and "X-Amz-Security-Token" not in text and "password=" not in text
    rescan = CliRunner().invoke(cli, ["scan", str(snap), "--format", "json", "--quiet"])
    assert rescan.exit_code == 1, rescan.stderr
    live_report, offline = json.loads(live.stdout), json.loads(rescan.stdout)

    def fingerprints(report: dict[str, Any]) -> set[tuple[str, str]]:
        return {(f["rule_id"], f["fingerprint"]) for f in report["findings"]}

    assert fingerprints(offline) == fingerprints(live_report)
    rules = {(f["rule_id"], f["location"]["function_name"]) for f in offline["findings"]}
    assert {("LA302", "orders-api"), ("LA302", "billing-api"), ("LA301", "router")} <= rules
    assert ("LA101", "reports") in rules and ("LA101", "orders-api") in rules
    assert not _leaks(live.stdout + live.stderr)
    for fmt in FORMAT_CHOICES:  # no report shows a character of a secret (the audit renders the same way)
        out = CliRunner().invoke(cli, ["scan", str(snap), "--format", fmt, "--quiet"])
        assert not _leaks(out.stdout + out.stderr), fmt
    out = CliRunner().invoke(cli, ["audit", "--endpoint-url", seeded.endpoint, "--region", "us-east-1", "--quiet"])
    assert "characters, not shown" in out.stdout and not _leaks(out.stdout + out.stderr)


def test_keep_env_values_warns(seeded: Any, tmp_path: Path) -> None:
    snap = tmp_path / "kept.json"
    res = CliRunner().invoke(cli, ["audit", "--endpoint-url", seeded.endpoint, "--region", "us-east-1",
                                   "--format", "json", "--save", str(snap), "--keep-env-values"])
    assert "keeps environment values in clear" in res.stderr
    assert "Jdbc-s3cret-Pass" in snap.read_text() and "Pg-s3cret-Pass" not in snap.read_text()
