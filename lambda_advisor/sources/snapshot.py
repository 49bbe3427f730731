"""Account snapshots: what an audit read, saved as JSON and scanned again offline.

``lambda-advisor audit --save snap.json`` writes one; ``lambda-advisor scan
snap.json`` re-runs every rule on it without AWS. The file has its own JSON
Schema (``schema/snapshot.schema.json``, versioned) and is validated on load;
a function inside must also be a valid function document. Environment values
that the secret rule (LA101) flags are redacted before anything is written.

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
                   regions: list[str], secret_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The snapshot of one audit, with every flagged secret redacted (documents are copied)."""
    from lambda_advisor import __version__

    functions, redacted = redact_documents(docs, secret_params)
    return {
        "format": FORMAT,  # first key: claims_file recognises a snapshot from the file's head
        "version": VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "account": account,
        "regions": list(regions),
        "redacted": redacted,
        "functions": functions,
        "gaps": [{"where": g.where, "region": g.region, "missing": list(g.missing)} for g in gaps],
    }


def redact_documents(docs: list[dict[str, Any]], secret_params: dict[str, Any] | None = None
                     ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Copies of ``docs`` whose secret environment values are redacted, and what was redacted.

    Each redacted document also keeps ``extra.redacted_environment`` (variable -> what LA101
    recognised, e.g. "an AWS access key ID"), so the fact survives even where the redacted
    text no longer shows the secret's shape.
    """
    from lambda_advisor.checks.secrets import redact_environment, secret_in

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
    out.notices.append(f"{path}: snapshot of account {snapshot.get('account') or '?'} taken {created}, "
                       f"{len(out.documents)} functions, {len(gaps)} not fully evaluated")
    return out
