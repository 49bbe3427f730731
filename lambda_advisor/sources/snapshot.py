"""Account snapshots: what an audit read, saved as JSON and scanned again offline.

``lambda-advisor audit --save snap.json`` writes one; ``lambda-advisor scan
snap.json`` re-runs every rule on it without AWS. The file has its own JSON
Schema (``schema/snapshot.schema.json``, versioned) and is validated on load;
a function inside must also be a valid function document. Environment values
that the secret rule (LA101) flags are redacted before anything is written, and
by default every other value too (length and hash kept), except what rules read.

Never imports boto3: this module is on the ``scan`` path.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_advisor.result import Gap, InputError
from lambda_advisor.sources import Loaded

FORMAT = "lambda-advisor-snapshot"
VERSION = 1
MAX_BYTES = 256 << 20  # the largest snapshot read (an account of many thousand functions)
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "snapshot.schema.json"


class SnapshotError(Exception):
    """A snapshot file that cannot be used; the message names the bad key."""


# --------------------------------------------------------------------------- writing

def build_snapshot(docs: list[dict[str, Any]], gaps: list[Gap], *, account: str | None,
                   regions: list[str], secret_params: dict[str, Any] | None = None,
                   keep_values: bool = False, account_name: str | None = None,
                   skipped: str | None = None) -> dict[str, Any]:
    """The snapshot of one audit (documents are copied).

    Every flagged secret is redacted; unless ``keep_values``, every other environment
    value is too, except those rules read (see :func:`redact_documents`). ``skipped`` says why
    an organisation's account was not audited (suspended): its snapshot holds no function, so a
    report merged from a folder of snapshots still names it.
    """
    from lambda_advisor import __version__

    functions, redacted = redact_documents(docs, secret_params, keep_values=keep_values)
    snapshot: dict[str, Any] = {
        "format": FORMAT,  # first key: claims_file recognises a snapshot from the file's head
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "account": account,
    }
    if account_name:
        snapshot["account_name"] = account_name
    snapshot.update({
        "environment_values": "kept" if keep_values else "redacted",
        "regions": list(regions),
        "redacted": redacted,
        "functions": functions,
        "gaps": [{"where": g.where, "region": g.region, "missing": list(g.missing)} for g in gaps],
    })
    if skipped:
        snapshot["skipped"] = skipped
    return snapshot


#: An AWS endpoint hostname (RDS endpoints for LA302, queue URLs): a location, not a secret.
_AWS_HOST = re.compile(r"(?<![\w.-])(?:[a-z0-9-]+\.)+amazonaws\.com(?:\.cn)?(?![\w-])", re.IGNORECASE)


def _rules_read(value: str, function_names: set[str]) -> bool:
    """Values the rules read and that locate rather than unlock: ARNs (LA105, LA301), AWS
    endpoint hostnames (LA302), names of audited functions (LA301)."""
    return value.startswith("arn:") or bool(_AWS_HOST.search(value)) or value in function_names


def fingerprint(value: str) -> dict[str, Any]:
    """A redacted value: its length and a SHA-256 prefix (equal values compare equal), never the value."""
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
    return {"unresolved": f"redacted: {len(value)} chars, sha256 {digest}"}


def redact_documents(docs: list[dict[str, Any]], secret_params: dict[str, Any] | None = None, *,
                     keep_values: bool = False) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Copies of ``docs`` with environment values redacted, and the secrets redacted.

    Values LA101 flags become a short prefix and the length, and each such document keeps
    ``extra.redacted_environment`` (variable -> what LA101 recognised, e.g. "an AWS access key
    ID"), so the finding survives a re-scan. Unless ``keep_values``, every other value becomes
    :func:`fingerprint` (an unresolved value to the rules) — a secret LA101 misses is then never
    written to disk either — except what the rules read (:func:`_rules_read`).
    """
    from lambda_advisor.checks.secrets import redact_environment, secret_in

    names = {str(d.get("name")) for d in docs} | {str(d.get("id")) for d in docs}
    out: list[dict[str, Any]] = []
    redacted: list[dict[str, str]] = []
    for doc in docs:
        copy_ = copy.deepcopy(doc)
        env = copy_.get("environment")
        if isinstance(env, dict):
            clean = redact_environment(env, secret_params) or {}
            kinds: dict[str, str] = {}
            for name in env:
                if clean.get(name) != env[name]:
                    redacted.append({"function": copy_["id"], "variable": name})
                    found = secret_in(name, env[name], secret_params)
                    kinds[name] = found.kind if found else "a secret"
                elif not keep_values and isinstance(env[name], str) and not _rules_read(env[name], names):
                    clean[name] = fingerprint(env[name])
            copy_["environment"] = clean
            if kinds:
                copy_.setdefault("extra", {})["redacted_environment"] = kinds
        out.append(copy_)
    return out, redacted


def save(path: Path, snapshot: dict[str, Any]) -> None:
    validate(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot, indent=1, sort_keys=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- reading

def claims_file(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".json" and FORMAT.encode() in head


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema
    from referencing import Registry, Resource

    from lambda_advisor.model import function_schema

    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        schema = json.load(fh)
    registry: Registry[Any] = Registry().with_resource(
        function_schema()["$id"], Resource.from_contents(function_schema()))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate(snapshot: Any) -> None:
    """Raise :class:`SnapshotError` naming the first bad key."""
    if isinstance(snapshot, dict) and snapshot.get("format") == FORMAT and snapshot.get("version") != VERSION:
        raise SnapshotError(f"snapshot version {snapshot.get('version')!r} is not supported "
                            f"(this lambda-advisor reads version {VERSION})")
    errors = sorted(_validator().iter_errors(snapshot), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = min(errors, key=lambda e: -len(e.absolute_path))  # the deepest error names the key best
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise SnapshotError(f"invalid snapshot key {where}: {err.message[:200]}")


def read(path: Path) -> dict[str, Any]:
    from lambda_advisor.sources.files import InputProblem, read_json

    try:
        data = read_json(path, MAX_BYTES, "snapshot")
    except InputProblem as exc:
        line = f" (line {exc.line})" if exc.line else ""
        raise SnapshotError(f"cannot read snapshot{line}: {exc}") from exc
    validate(data)
    snapshot: dict[str, Any] = data
    return snapshot


def load(path: Path, *, explicit: bool = True) -> Loaded:
    """Function documents and gaps of a snapshot; a bad file is one InputError naming the key."""
    out = Loaded()
    try:
        snapshot = read(path)
    except SnapshotError as exc:
        out.errors.append(InputError(str(path), str(exc)))
        return out
    for doc in snapshot["functions"]:
        doc["source"]["kind"] = "snapshot"
        if doc["source"].get("account") is None:
            doc["source"]["account"] = snapshot.get("account")
        out.documents.append(doc)
    gaps = [Gap(where=g["where"], region=g.get("region"), missing=list(g["missing"])) for g in snapshot["gaps"]]
    out.gaps.extend(gaps)
    created = snapshot.get("created")
    out.snapshots.append({"account": snapshot.get("account"), "name": snapshot.get("account_name") or "",
                          "regions": list(snapshot.get("regions") or []), "created": created,
                          "skipped": snapshot.get("skipped")})
    if snapshot.get("skipped"):
        out.notices.append(f"{path}: account {snapshot.get('account') or '?'} was not audited: {snapshot['skipped']}")
        return out
    out.notices.append(f"{path}: snapshot of account {snapshot.get('account') or '?'} taken {created}, "
                       f"{len(out.documents)} functions, {len(gaps)} not fully evaluated")
    return out
