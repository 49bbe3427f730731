"""LA101: secrets written in plain text into a function's environment.

Why regexes and not detect-secrets at run time (measured 2026-11-22, Python 3.11,
detect-secrets 1.5.0):

* import cost (``python -X importtime``): ``from detect_secrets import
  SecretsCollection`` 85-110 ms, ``detect_secrets.core.scan`` up to 270 ms cold
  (``plugins.base`` imports ``requests`` for verification, the registry loads
  all 27 plugins); this module: 3-5 ms. Most templates have some literal
  environment value, so a lazy import would be paid on nearly every scan.
* accuracy on the 39 cases of ``tests/test_checks_secrets.py`` (18 secrets, 21
  non-secrets; detect-secrets' default settings scanning them as a YAML
  template, 14 ms): detect-secrets finds 14 of 18 (misses an AWS secret key
  without an "aws" word on its line, a ``github_pat_`` token, a Stripe test key
  and a 32-char random key under a neutral name) and raises 4 false positives
  (its keyword plugin on ``MYSQL_ALLOW_EMPTY_PASSWORD: yes``, on a
  ``{{resolve:secretsmanager:…}}`` reference, on ``DB_SECRET_ARN`` and on
  ``SECRET_NAME``). The code below finds 18 of 18 with 0 false positives,
  because an environment variable hands us its name and value separately
  instead of a line to guess from. (We wrote the cases, so 18 of 18 is a
  regression floor, not an independent benchmark.)

So we keep detect-secrets' well-kept patterns (AWS, private keys, GitHub,
Slack, Stripe, JWT, basic-auth URLs, Shannon entropy at its 4.5 base64 limit)
as the ideas, copied below with their source named, and no run-time
dependency. ``redact`` is the one place that decides how a secret is shown: by its
length, never a character of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.wildcards import wildcard_match

DEFAULT_NAME_PATTERNS = ["*PASSWORD*", "*PASSWD*", "*SECRET*", "*TOKEN*", "*API_KEY*", "*APIKEY*",
                         "*PRIVATE_KEY*", "*CLIENT_KEY*", "*ACCESS_KEY*"]
#: Names that talk *about* a secret (where it lives, how long it is), not the secret itself.
DEFAULT_IGNORE_NAME_PATTERNS = [
    # where a secret lives or how it is handled, not the secret
    "*_ARN", "*_NAME", "*_ID", "*_IDS", "*_PATH", "*_PARAM", "*_PARAMETER", "*_FILE", "*_URL", "*_URI",
    "*_ENDPOINT", "*_HOST", "*_PORT", "*_REGION", "*_TABLE", "*_BUCKET", "*_QUEUE", "*_TOPIC", "*_STREAM",
    "*_STORE", "*_PROVIDER", "*_SOURCE", "*_PREFIX", "*_SUFFIX", "*_KEY_ID", "*_KMS_KEY*",
    "PARAMETERS_SECRETS_*", "SECRETS_MANAGER_*",
    # settings about a secret
    "*_LENGTH", "*_LEN", "*_MIN", "*_MIN_*", "*_MAX", "*_MAX_*", "*_COUNT", "*_LIMIT", "*_TTL", "*_TIMEOUT", "*_INTERVAL",
    "*_SECONDS", "*_EXPIRY", "*_EXPIRATION", "*_EXPIRES*", "*_ENABLED", "*_REQUIRED", "*_TYPE", "*_MODE",
    "*_FORMAT", "*_FIELD", "*_HEADER", "*_POLICY", "*_ROTATION*", "*ALLOW_EMPTY*", "*_VERSION",
    "*_ALGORITHM", "*_ALG", "*_ISSUER", "*_AUDIENCE", "*_SCOPE", "*_SCOPES", "*_USER", "*_USERNAME",
]
#: Values that are obviously settings, never credentials.
_TRIVIAL = {"", "yes", "no", "true", "false", "on", "off", "y", "n", "none", "null", "nil",
            "enabled", "disabled", "required", "optional", "empty", "changeme_in_ssm", "-"}
ENTROPY_LIMIT = 4.5  # detect-secrets' Base64HighEntropyString default
ENTROPY_MIN_LENGTH = 20

# Patterns after detect-secrets 1.5 plugins (aws, private_key, github_token, slack, stripe, jwt,
# basic_auth), widened where an environment value needs no surrounding quotes or keywords.
_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("an AWS access key ID", re.compile(r"\b(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9_]{36,}|github_pat_[A-Za-z0-9_]{60,})")),
    ("a Slack token", re.compile(r"\bxox[aboprs]-(?:\d+-)+[A-Za-z0-9-]+", re.IGNORECASE)),
    ("a Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+")),
    ("a Stripe key", re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{24,}")),
    ("a JWT", re.compile(r"(?<![A-Za-z0-9_=-])eyJ[A-Za-z0-9_=-]+\.eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_.+/=-]*")),
]
#: The kind of a secret passed in through a template parameter without NoEcho.
PLAIN_PARAMETER = "a secret from a parameter without NoEcho"
_URL_PASSWORD = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@{}$]+:([^\s@/{}$]+)@")
#: A URL without credentials under a secret-looking name (TOKEN_ISSUER, PASSWORD_RESET_PAGE) is an address.
_PLAIN_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S*$")
_AWS_SECRET_KEY = re.compile(r"^[A-Za-z0-9/+]{40}$")
_BASE64ISH = re.compile(r"^[A-Za-z0-9+/=_-]+$")
_SUBSTITUTION = re.compile(r"\$\{[^{}]*\}")  # stops at a brace: linear over ${${${…
_PLACEHOLDER = re.compile(r"^(?:\$\{[^}]*\}|\{\{[^}]*\}\}|<[^>]*>|%\([^)]*\)s|\*+|x+|X+)$")


@dataclass(frozen=True)
class SecretMatch:
    """What looks secret about one value: the kind and the secret part (for redaction only)."""

    kind: str
    secret: str


def redact(value: str | int) -> str:
    """Show a secret by its length alone, never a character of it: ``7 characters, not shown``.

    ``value`` is the secret, or its length when only the length is known (a snapshot).
    """
    n = value if isinstance(value, int) else len(str(value))
    return f"{n} character{'s' if n != 1 else ''}, not shown"


def shannon_entropy(text: str) -> float:
    """Bits per character, as detect-secrets computes it."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _name_matches(name: str, patterns: Sequence[str]) -> bool:
    upper = name.upper()
    return any(wildcard_match(upper, p.upper()) for p in patterns)


def is_reference(value: str) -> bool:
    """A pointer to a secret rather than the secret: dynamic references, ARNs, SSM paths."""
    v = value.strip()
    return (v.startswith("{{resolve:") or v.startswith("arn:") or
            (v.startswith("/") and " " not in v and not v.startswith("//")) or
            bool(_PLACEHOLDER.match(v)))


def _is_trivial(value: str) -> bool:
    v = value.strip()
    if v.lower() in _TRIVIAL:
        return True
    try:
        float(v)
        return True
    except ValueError:
        return False


def _looks_like_jwt(token: str) -> bool:
    header = token.split(".", 1)[0]
    try:
        data = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        return isinstance(json.loads(data), dict)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False


def find_secret_shape(value: str, *, entropy: bool = True) -> SecretMatch | None:
    """The known secret shape in ``value``, whatever the variable is called."""
    for kind, pattern in _SHAPES:
        m = pattern.search(value)
        if m and (kind != "a JWT" or _looks_like_jwt(m.group(0))):
            return SecretMatch(kind, m.group(0))
    m = _URL_PASSWORD.search(value)
    if m and not _PLACEHOLDER.match(m.group(1)):
        return SecretMatch("a URL with an embedded password", m.group(1))
    v = value.strip()
    if _AWS_SECRET_KEY.match(v) and re.search(r"[A-Z]", v) and re.search(r"[a-z]", v) and re.search(r"\d", v):
        return SecretMatch("an AWS secret access key", v)
    if entropy and not is_reference(v) and _is_high_entropy(v):
        return SecretMatch("a high-entropy string", v)
    return None


def _is_high_entropy(v: str) -> bool:
    # Random keys mix cases and digits; names, slugs and hex digests do not reach the limit.
    return (len(v) >= ENTROPY_MIN_LENGTH and bool(_BASE64ISH.match(v)) and
            bool(re.search(r"[A-Z]", v)) and bool(re.search(r"[a-z]", v)) and bool(re.search(r"\d", v)) and
            shannon_entropy(v) > ENTROPY_LIMIT)


def secret_in(name: str, value: Any, params: dict[str, Any] | None = None) -> SecretMatch | None:
    """Why the environment variable ``name=value`` holds a plaintext secret, or None.

    Unresolved values (``!Ref`` to a NoEcho parameter, ``!GetAtt``) are never
    secrets by name; a ``!Sub`` text is still searched for known shapes written
    literally around its ``${…}`` parts.
    """
    params = params or {}
    if isinstance(value, dict):
        text = value.get("unresolved")
        if not isinstance(text, str):
            return None
        parameter = plain_parameter(value)
        if parameter is not None and _secret_name(name, params):
            return SecretMatch(PLAIN_PARAMETER, parameter)
        return find_secret_shape(_SUBSTITUTION.sub(" ", text), entropy=False)
    if not isinstance(value, str):
        return None  # numbers and booleans are settings
    if is_reference(value):
        return None
    shape = find_secret_shape(value, entropy=bool(params.get("entropy", True)))
    if shape:
        return shape
    if _secret_name(name, params) and not _is_trivial(value) and not _PLAIN_URL.match(value.strip()):
        return SecretMatch("a plaintext secret", value)
    return None


def _secret_name(name: str, params: dict[str, Any]) -> bool:
    patterns = params.get("name_patterns") or DEFAULT_NAME_PATTERNS
    ignore = params.get("ignore_name_patterns")
    ignore = DEFAULT_IGNORE_NAME_PATTERNS if ignore is None else ignore
    return _name_matches(name, patterns) and not _name_matches(name, ignore)


def plain_parameter(value: dict[str, Any]) -> str | None:
    """The template parameter a value is exactly, when that parameter is a plain String without NoEcho.

    Such a parameter's value shows in the console and in the stack's parameters (``DescribeStacks``);
    a ``NoEcho`` parameter, an SSM parameter type and a dynamic reference do not.
    """
    refs = value.get("refs") or []
    if len(refs) != 1 or refs[0].get("type") != "Parameter" or refs[0].get("no_echo"):
        return None
    if value.get("unresolved") != f"!Ref {refs[0].get('logical_id')}":
        return None
    kind = refs[0].get("parameter_type")
    return str(refs[0]["logical_id"]) if kind in ("String", "Number", None) else None


def is_secret_value(name: str, value: Any, params: dict[str, Any] | None = None) -> bool:
    """True when ``name=value`` would be reported by LA101 (reporters use it to redact)."""
    return secret_in(name, value, params) is not None


def redact_environment(env: dict[str, Any] | None, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """A copy of an environment with every secret value replaced by its length (for reports)."""
    if env is None:
        return None
    return {k: (redact(v) if isinstance(v, str) and is_secret_value(k, v, params) else v) for k, v in env.items()}


_OLD_SNAPSHOT_LENGTH = re.compile(r"(\d+) chars")


def _snapshot_length(value: Any, facts: dict[str, Any]) -> int | None:
    """The length of a value a snapshot redacted (older snapshots wrote ``"ab…", 12 chars``)."""
    if isinstance(facts.get("chars"), int):
        return int(facts["chars"])
    m = _OLD_SNAPSHOT_LENGTH.search(str(value))
    return int(m.group(1)) if m else None


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def plaintext_secrets(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA101: one hit per environment variable that holds a secret in plain text."""
    # A snapshot keeps what was found before it redacted the value (the shape is gone by then), and
    # only the facts of the values it judged not secret: those are not judged again.
    extra = doc.get("extra") or {}
    redacted: dict[str, str] = extra.get("redacted_environment") or {}
    facts: dict[str, Any] = extra.get("environment_facts") or {}
    for name, value in (doc.get("environment") or {}).items():
        found: SecretMatch | None = None
        if name in redacted:
            length = _snapshot_length(value, facts.get(name) or {})
            kind, shown = redacted[name], (redact(length) if length is not None else "not shown")
        elif name in facts:
            continue
        else:
            found = secret_in(name, value, ctx.params)
            if found is None:
                continue
            kind, shown = found.kind, redact(found.secret)
        if kind == PLAIN_PARAMETER and found is not None and found.secret.startswith("var."):
            # A Terraform variable (CloudFormation parameter names have no dot)
            what = (f"holds a secret from variable {found.secret}, which is not marked sensitive: its value "
                    "shows in plan and apply output")
        elif kind == PLAIN_PARAMETER and found is not None:
            what = (f"holds a secret from parameter {found.secret}, which has no NoEcho: its value shows in the "
                    "console and in the stack's parameters")
        elif kind in ("a plaintext secret", "a secret"):
            what = f"holds a plaintext secret ({shown})"
        else:
            what = f"holds {kind} ({shown})"
        yield Hit(
            message=(f"environment variable {name} of {doc['name']} {what}; store it in Secrets Manager "
                     "or SSM SecureString and pass its ARN or name instead"),
            pointer=f"/environment/{_pointer_token(name)}",
            subject=f"env:{name}",
            extra={"variable": name, "kind": kind},
        )
