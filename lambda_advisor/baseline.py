"""Baseline: findings accepted today, so that CI fails on new ones only.

An entry keys on what the finding is about, never on line numbers: the rule,
the function (template file relative to the baseline file plus logical ID, or
the ARN of a live function) and the subject. Inserting lines above a function
keeps its findings matched; a new finding, or the same problem in another
function, is new. Entries that no longer match anything are *stale* and are
reported (re-create the baseline to drop them).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_advisor import __version__
from lambda_advisor.atomic_write import write_text_atomic
from lambda_advisor.findings import Affected, Finding
from lambda_advisor.result import ScanResult

SCHEMA_PATH = Path(__file__).parent / "schema" / "baseline.schema.json"
BASELINE_VERSION = 1
DEFAULT_NAME = ".lambda-advisor-baseline.json"


class BaselineError(Exception):
    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.line = line


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _rel(file: str, base: Path) -> str:
    absolute = Path(os.path.normpath(Path.cwd() / file))
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, base)).as_posix()


def _function(f: Finding, base: Path) -> str:
    loc = f.location
    if loc.file and loc.logical_id is not None:
        return f"{_rel(loc.file, base)}#{loc.logical_id}"
    return loc.arn or loc.function_id


def _member_function(a: Affected, base: Path) -> str:
    if a.file and a.logical_id is not None:
        return f"{_rel(a.file, base)}#{a.logical_id}"
    return a.arn or a.function_id


def _key(rule_id: str, function: str, subject: str) -> str:
    text = "\x1f".join((rule_id, function, subject))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def key(f: Finding, base: Path) -> str:
    """Rule + function identity (file relative to the baseline) + subject; no line numbers."""
    return _key(f.rule_id, _function(f, base), f.subject)


def member_keys(f: Finding, base: Path) -> list[str]:
    """One key per function a finding concerns: a merged finding (a Globals value, a shared statement)
    is baselined per function, as before merging, so old baselines keep matching it; and one per
    subject an earlier version reported the problem under (``aliases``)."""
    if len(f.affected) <= 1:
        return [key(f, base), *(_key(f.rule_id, _function(f, base), alias) for alias in f.aliases)]
    return [_key(f.rule_id, _member_function(a, base), subject) for a in f.affected
            for subject in (a.subject, *f.aliases)]


def _entries(f: Finding, base: Path) -> list[dict[str, Any]]:
    loc = f.location
    out = []
    members = f.affected if len(f.affected) > 1 else [None]
    for a in members:
        function = _function(f, base) if a is None else _member_function(a, base)
        subject = f.subject if a is None else a.subject
        entry: dict[str, Any] = {"fingerprint": _key(f.rule_id, function, subject), "rule_id": f.rule_id,
                                 "function": function, "subject": subject, "message": f.message}
        file = loc.file if a is None else a.file
        if file:
            entry["file"] = _rel(file, base)
        out.append(entry)
    return out


def build(result: ScanResult, path: Path) -> dict[str, Any]:
    base = path.resolve().parent
    entries = sorted((e for f in result.active for e in _entries(f, base)),
                     key=lambda e: (e["function"], e["rule_id"], e["subject"]))
    return {
        "version": BASELINE_VERSION,
        "tool": {"name": "lambda-advisor", "version": __version__},
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": entries,
    }


def write(result: ScanResult, path: Path) -> int:
    """Write the baseline; the number of findings it accepts (a shared fact is one finding, though
    it is recorded once per function it affects)."""
    data = build(result, path)
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")
    return len(result.active)


def load(path: Path) -> dict[str, Any]:
    """The baseline file, validated; a bad one is one :class:`BaselineError` naming the line or key."""
    from lambda_advisor.sources.files import MAX_JSON_BYTES, InputProblem, read_json

    try:
        data = read_json(path, MAX_JSON_BYTES, "baseline")
    except InputProblem as exc:
        raise BaselineError(path, f"cannot read baseline: {exc}", exc.line) from exc
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        message = errors[0].message if len(errors[0].message) <= 200 else errors[0].message[:197] + "..."
        raise BaselineError(path, f"invalid baseline at {where}: {message}")
    result: dict[str, Any] = data
    return result


def apply(result: ScanResult, path: Path) -> None:
    """Move findings present in the baseline to ``result.baselined``; record stale entries."""
    data = load(path)
    base = path.resolve().parent
    remaining = Counter(e["fingerprint"] for e in data["findings"])
    kept: list[Finding] = []
    for f in result.findings:
        if f.suppressed:
            kept.append(f)
            continue
        present = [k for k in member_keys(f, base) if remaining[k] > 0]
        if present:  # a shared fact accepted for one of its functions is accepted
            for k in present:
                remaining[k] -= 1
            result.baselined.append(f)
        else:
            kept.append(f)
    result.findings = kept
    scanned = {_rel(d["source"]["file"], base) for d in result.documents if (d.get("source") or {}).get("file")}
    scanned |= {_rel(e.where, base) for e in result.errors}
    seen_scopes = {_arn_scope(str((d.get("source") or {}).get("arn") or d.get("id") or "")) for d in result.documents}
    seen_scopes.discard(None)
    for entry in data["findings"]:
        if remaining[entry["fingerprint"]] <= 0:
            continue
        remaining[entry["fingerprint"]] -= 1
        file = entry.get("file")
        # Only entries this run could have seen: its file was scanned, or the file is gone.
        if file is not None and file not in scanned and (base / file).exists():
            continue
        if file is None and _arn_scope(entry["function"]) not in seen_scopes:
            continue  # a live function in an account/region this run did not look at
        result.stale_baseline.append({k: entry[k] for k in ("fingerprint", "rule_id", "function", "subject")
                                      if k in entry})


def _arn_scope(arn: str) -> tuple[str, str] | None:
    """(account, region) of a Lambda ARN, or None for anything else."""
    parts = arn.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda":
        return parts[4], parts[3]
    return None


def apply_to_result(result: ScanResult, settings: Any) -> None:
    """``--baseline``: mark the findings it holds, and report what it holds that is gone."""
    from lambda_advisor.result import InputError

    path = settings.extra.get("baseline")
    if not path:
        return
    try:
        apply(result, Path(path))
    except BaselineError as exc:
        result.errors.append(InputError(exc.path, str(exc).split(": ", 1)[-1], exc.line))
        return
    if result.stale_baseline:
        n = len(result.stale_baseline)
        result.notices.append(f"{path}: {n} baseline entr{'ies' if n != 1 else 'y'} no longer found "
                              f"(fixed or removed); run `lambda-advisor baseline create` to drop them")
