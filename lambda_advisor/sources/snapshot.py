"""Account snapshots: what an audit read, saved as JSON and scanned again offline.

``lambda-advisor audit --save snap.json`` writes one; ``lambda-advisor scan
snap.json`` re-runs every rule on it without AWS. The file has its own JSON
Schema (``schema/snapshot.schema.json``, versioned) and is validated on load;
a function inside must also be a valid function document. Environment values
that the secret rule (LA101) flags are redacted before anything is written, and
by default every other value too: the file keeps only the facts rules read
(length, AWS hostnames, ARNs) and a hash keyed per snapshot.

Never imports boto3: this module is on the ``scan`` path.
"""

from __future__ import annotations

import copy
import json
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
    value is too, down to the facts rules read (see :func:`redact_documents`). ``skipped`` says why
    an organisation's account was not audited (suspended): its snapshot holds no function, so a
    report merged from a folder of snapshots still names it.
    """
    from lambda_advisor import __version__
    from lambda_advisor.sources import env_facts

    key = env_facts.new_key()
    functions, redacted = redact_documents(docs, secret_params, keep_values=keep_values, key=key)
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
        # The key of every environment_facts hmac in this file, and of no other snapshot.
        "redaction": {"algorithm": env_facts.ALGORITHM, "key": key.hex()},
        "functions": functions,
        "gaps": [{"where": g.where, "region": g.region, "missing": list(g.missing)} for g in gaps],
    })
    if skipped:
        snapshot["skipped"] = skipped
    return snapshot


def redact_documents(docs: list[dict[str, Any]], secret_params: dict[str, Any] | None = None, *,
                     keep_values: bool = False,
                     key: bytes | None = None) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Copies of ``docs`` whose environments hold no part of any value, only facts.

    Every value LA101 flags, and unless ``keep_values`` every other string value, becomes a
    placeholder; its facts (length, keyed hash, the AWS hostnames and ARNs inside, see
    :mod:`lambda_advisor.sources.env_facts`) go to ``extra.environment_facts``, and what LA101
    recognised (e.g. "an AWS access key ID") to ``extra.redacted_environment``, so every rule
    finds on the snapshot what it found live. A value that is itself a fact (one ARN, the name of
    an audited function) is kept whole. Returns the documents and the (function, variable) pairs
    LA101 flagged.
    """
    from lambda_advisor.checks.secrets import secret_in
    from lambda_advisor.sources import env_facts

    key = key if key is not None else env_facts.new_key()
    names = {str(d.get("name")) for d in docs} | {str(d.get("id")) for d in docs}
    out: list[dict[str, Any]] = []
    redacted: list[dict[str, str]] = []

    def redact(owner: str, env: dict[str, Any]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        kinds: dict[str, str] = {}
        facts: dict[str, dict[str, Any]] = {}
        for name, value in env.items():
            found = secret_in(name, value, secret_params)
            if found is not None:
                redacted.append({"function": owner, "variable": name})
                kinds[name] = found.kind
            if not isinstance(value, str):
                continue  # numbers, booleans and unresolved values hold nothing to redact
            if found is None and (keep_values or env_facts.is_fact(value, names)):
                continue
            facts[name] = env_facts.extract(value, key)
            env[name] = env_facts.placeholder(facts[name])
        return kinds, facts

    for doc in docs:
        copy_ = copy.deepcopy(doc)
        env = copy_.get("environment")
        if isinstance(env, dict):
            kinds, facts = redact(copy_["id"], env)
            if kinds:
                copy_.setdefault("extra", {})["redacted_environment"] = kinds
            if facts:
                copy_.setdefault("extra", {})["environment_facts"] = facts
        # A Web Function's environment lives on its revisions: each is redacted the same way, and
        # what LA101 recognised and the facts are kept per revision (the revision's view reads them).
        for i, rev in enumerate(copy_.get("revisions") or []):
            if isinstance(rev, dict) and isinstance(rev.get("environment"), dict):
                rev_id = str(rev.get("id") or i)
                kinds, facts = redact(f"{copy_['id']} revision {rev_id}", rev["environment"])
                if kinds:
                    copy_.setdefault("extra", {}).setdefault("redacted_revision_environment", {})[rev_id] = kinds
                if facts:
                    copy_.setdefault("extra", {}).setdefault("revision_environment_facts", {})[rev_id] = facts
        out.append(copy_)
    return out, redacted


def restore_facts(doc: dict[str, Any]) -> None:
    """In a document read from a snapshot, hand the rules each redacted value's facts as its value
    (a Web Function's revisions too)."""
    from lambda_advisor.sources import env_facts

    extra = doc.get("extra") or {}

    def restore(env: Any, facts: Any) -> None:
        if not isinstance(env, dict) or not isinstance(facts, dict):
            return
        for name, found in facts.items():
            if name in env and isinstance(found, dict):
                env[name] = env_facts.readable(found)

    restore(doc.get("environment"), extra.get("environment_facts") or {})
    per_revision = extra.get("revision_environment_facts") or {}
    for i, rev in enumerate(doc.get("revisions") or []):
        if isinstance(rev, dict) and isinstance(per_revision, dict):
            restore(rev.get("environment"), per_revision.get(str(rev.get("id") or i)))


def save(path: Path, snapshot: dict[str, Any]) -> None:
    validate(snapshot)
    from lambda_advisor.atomic_write import write_text_atomic

    write_text_atomic(path, json.dumps(snapshot, indent=1, sort_keys=False) + "\n")


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
        restore_facts(doc)
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
