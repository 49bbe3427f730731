"""LA101 on hand-built documents: shapes, names, the traps, and that no output leaks a secret."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.secrets import (
    find_secret_shape,
    is_secret_value,
    plaintext_secrets,
    redact,
    redact_environment,
    secret_in,
)
from lambda_advisor.engine import Engine, load_rules, select_rules

NOECHO = {"unresolved": "!Ref DbPass", "refs": [{"logical_id": "DbPass", "type": "Parameter", "no_echo": True}]}

#: (name, value): each must be reported. Also used to measure detect-secrets (see secrets.py).
SECRETS: list[tuple[str, Any]] = [
    ("DB_PASSWORD", "hunter2"),
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("UPSTREAM_CREDENTIAL", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("SIGNING_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9\n-----END RSA PRIVATE KEY-----"),
    ("GH_BOT", "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"),
    ("GH_FINE", "github_pat_11ABCDEFG0" + "a1B2c3D4e5F6g7H8i9J0" * 3 + "k1L2m3N4o5P6q7R8s9"),
    ("SLACK_BOT", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("ALERT_HOOK", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("PAYMENTS", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("PAYMENTS_SANDBOX", "sk_test_" + "51H8xYzAbCdEfGhIjKlMnOpQ"),
    ("DATABASE_URL", "postgres://app:S3cr3tPass@db.example.com:5432/app"),
    ("SERVICE_JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("API_KEY", "abc123def456"),
    ("SIGNING_MATERIAL", "q8Vz3LmP0xK7rT2wY9bN4cF6hJ1sD5gA"),
    ("MYSQL_PASSWORD", "correct horse battery staple"),
    ("JWT_SECRET", "my-super-secret-signing-key"),
    ("DB_ADMIN_PASSWORD", "P@ssw0rd!"),
]

#: (name, value): none may be reported.
NOT_SECRETS: list[tuple[str, Any]] = [
    ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
    ("PASSWORD_MIN_LENGTH", "12"),
    ("BUCKET_NAME", "acme-production-artifacts-eu-west-1-0042"),
    ("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"),
    ("DB_PASSWORD_PARAM", "/prod/db/password"),
    ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db:SecretString:password}}"),
    ("API_TOKEN", "{{resolve:ssm-secure:/prod/api/token:3}}"),
    ("SECRET_NAME", "prod/db/credentials"),
    ("ARTIFACT_SHA256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    ("LOG_LEVEL", "INFO"),
    ("TABLE_NAME", "Orders-Table-1A2B3C4D5E6F"),
    ("TOKEN_URL", "https://auth.example.com/oauth2/token"),
    ("UPSTREAM_HOST", "203.0.113.10"),
    ("REQUEST_NAMESPACE", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
    ("TOKEN_TTL", "3600"),
    ("TOKEN_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf"),
    ("TOKEN_TABLE", "tokens-table"),
    ("JWT_ALGORITHM", "HS256"),
    ("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "1000"),
    ("SECRETS_MANAGER_TTL", "300"),
    ("PASSWORD_MAX_AGE_DAYS", "90"),
]


def _ctx(params: dict[str, Any] | None = None) -> Context:
    return Context(params=params or {}, today=date(2026, 11, 22))


def _doc(env: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": "t.yaml#Fn", "name": "Fn", "source": {"kind": "template", "file": "t.yaml", "line": 3,
                                                         "logical_id": "Fn"},
            "environment": env, "lines": {}, "suppressions": []}


def _secret_part(name: str, value: Any) -> str:
    m = secret_in(name, value)
    assert m is not None
    return m.secret


@pytest.mark.parametrize(("name", "value"), SECRETS, ids=[n for n, _ in SECRETS])
def test_secret_is_reported(name: str, value: Any) -> None:
    assert is_secret_value(name, value)
    hits = list(plaintext_secrets(_doc({name: value}), _ctx()))
    assert len(hits) == 1
    assert hits[0].pointer == f"/environment/{name}"
    assert name in hits[0].message
    assert _secret_part(name, value) not in hits[0].message


@pytest.mark.parametrize(("name", "value"), NOT_SECRETS, ids=[n for n, _ in NOT_SECRETS])
def test_non_secret_is_not_reported(name: str, value: Any) -> None:
    assert not is_secret_value(name, value)


def test_unresolved_values_are_not_secrets_by_name() -> None:
    assert not is_secret_value("DB_PASSWORD", NOECHO)
    assert not is_secret_value("DB_PASSWORD", {"unresolved": "!GetAtt Secret.Arn"})
    assert not is_secret_value("DB_PASSWORD", {"unresolved": "!Sub '{{resolve:secretsmanager:${S}}}'"})


def test_sub_with_literal_password_in_url_is_reported() -> None:
    value = {"unresolved": "!Sub postgres://app:Pa55word9@${Db.Endpoint.Address}/app",
             "refs": [{"logical_id": "Db", "type": "AWS::RDS::DBInstance", "attribute": "Endpoint.Address"}]}
    m = secret_in("DATABASE_URL", value)
    assert m is not None and m.secret == "Pa55word9"
    assert not is_secret_value("DATABASE_URL", {"unresolved": "!Sub postgres://app:${DbPass}@${Host}/app"})


def test_numbers_and_booleans_are_settings() -> None:
    assert not is_secret_value("TOKEN_LIMIT", 5)
    assert not is_secret_value("SECRET_ROTATION", True)


def test_name_patterns_are_configurable() -> None:
    assert not is_secret_value("PASSPHRASE", "open sesame")
    assert is_secret_value("PASSPHRASE", "open sesame", {"name_patterns": ["*PASSPHRASE*"]})
    assert not is_secret_value("DB_PASSWORD", "hunter2", {"ignore_name_patterns": ["DB_*"]})


def test_entropy_can_be_switched_off() -> None:
    assert not is_secret_value("SIGNING_MATERIAL", "q8Vz3LmP0xK7rT2wY9bN4cF6hJ1sD5gA", {"entropy": False})


def test_shapes_are_found_in_any_variable() -> None:
    assert find_secret_shape("key=AKIAIOSFODNN7EXAMPLE;") is not None
    assert find_secret_shape("eyJnotajwt.eyJ.x") is None


def test_redact_shows_the_length_and_no_character() -> None:
    assert redact("hunter2") == "7 characters, not shown"
    assert redact("AKIAIOSFODNN7EXAMPLE") == "20 characters, not shown"
    assert redact(1) == "1 character, not shown"
    for _, value in SECRETS:
        if isinstance(value, str):
            shown = redact(value)
            assert shown == f"{len(value)} characters, not shown"


def test_redact_environment_keeps_non_secrets() -> None:
    env = {"DB_PASSWORD": "hunter2", "LOG_LEVEL": "INFO", "DB": NOECHO}
    out = redact_environment(env)
    assert out == {"DB_PASSWORD": "7 characters, not shown", "LOG_LEVEL": "INFO", "DB": NOECHO}
    assert redact_environment(None) is None


def test_no_finding_output_contains_a_secret() -> None:
    """Through the real engine: message, fix and the JSON of every finding."""
    env = {f"{name}_{i}" if name.startswith("X") else name: value for i, (name, value) in enumerate(SECRETS)}
    doc = _doc(env)
    rules = select_rules(load_rules(), ["LA101"])
    findings = Engine(rules).run([doc])
    assert len(findings) == len(SECRETS)
    blob = json.dumps([f.to_json() for f in findings]) + "\n".join(f.message for f in findings)
    for name, value in SECRETS:
        secret = _secret_part(name, value)
        assert secret not in blob, name
        assert json.dumps(secret)[1:-1] not in blob, name


def test_empty_or_unknown_environment() -> None:
    assert list(plaintext_secrets(_doc(None), _ctx())) == []
    assert list(plaintext_secrets(_doc({}), _ctx())) == []


FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA101-secrets-by-name-and-shape.fail.yaml"
#: Secret parts written in that fixture ("hunter2" is left out: the rule's own example shows it).
FIXTURE_SECRETS = ["S3cr3tPass", "abc123def456ghi789", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG",
                   "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5", "XXXXXXXXXXXXXXXXXXXXXXXX", "dozjgNryP4J3jVmNHl0w5N",
                   "q8Vz3LmP0xK7rT2wY9bN4cF6hJ1sD5gA", "Pa55word9", "MIIEowIBAAKCAQEA7bq9"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "html"])
def test_no_report_format_prints_a_scanned_secret(fmt: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lambda_advisor.cli import cli

    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["scan", str(FIXTURE), "--today", "2026-11-22", "-f", fmt, "-o", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_text(encoding="utf-8") + result.output
    assert "LA101" in text
    leaked = [s for s in FIXTURE_SECRETS if s in text or s.replace("/", "\\/") in text]
    assert not leaked


def test_rule_file_params_match_the_code_defaults() -> None:
    """The rule file documents the defaults; the check falls back to the same lists."""
    from lambda_advisor.checks.secrets import DEFAULT_IGNORE_NAME_PATTERNS, DEFAULT_NAME_PATTERNS

    (rule,) = select_rules(load_rules(), ["LA101"])
    assert rule.params["name_patterns"] == DEFAULT_NAME_PATTERNS
    assert rule.params["ignore_name_patterns"] == DEFAULT_IGNORE_NAME_PATTERNS
