"""What functions does this template define, and what shapes them?

Reads CloudFormation (YAML or JSON) and SAM natively, and returns one function
document per ``AWS::Lambda::Function`` / ``AWS::Serverless::Function`` with the
line of every value. Resources that shape a function elsewhere in the template
(event source mappings, permissions, queues, roles, rules, log groups …) are
linked to it in a second pass.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Any

from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources.files import MAX_TEMPLATE_BYTES, InputProblem, read_bytes, read_text
from lambda_advisor.sources.template.base import FUNCTION_TYPES
from lambda_advisor.sources.template.permissions import PRINCIPALS, service_principal
from lambda_advisor.sources.template.reader import TemplateReader
from lambda_advisor.sources.yaml_loader import LineDict, TemplateSyntaxError, loads

__all__ = ["FUNCTION_TYPES", "PRINCIPALS", "TemplateReader", "claims_file", "is_template", "load",
           "load_template", "service_principal"]

_MARKERS = (b"AWSTemplateFormatVersion", b"Resources", b"Transform")
_SUFFIXES = {".yaml", ".yml", ".json", ".template"}


# -- loader protocol ----------------------------------------------------------------


def claims_file(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in _SUFFIXES:
        return False
    if any(m in head for m in _MARKERS):
        return True
    try:
        data = read_bytes(path, MAX_TEMPLATE_BYTES)
    except InputProblem:
        return False  # not a regular file, or far larger than any template: not ours unless its head says so
    return b"Resources" in data


def load(path: Path, *, explicit: bool) -> Loaded:
    return load_template(path, explicit=explicit)


def load_template(path: Path, *, explicit: bool, fmt: str | None = None, asset_root: Path | None = None,
                  display_path: str | None = None, text: str | None = None) -> Loaded:
    """Read one template file. ``fmt`` names the producer (``cdk``, ``serverless``) when known.

    ``text`` reads that text as if it were the file's (``--fix`` re-checks an edit before writing it).
    """
    out = Loaded()
    shown = display_path or str(path)
    if text is None:
        try:
            text = read_text(path, MAX_TEMPLATE_BYTES, "template")
        except InputProblem as exc:
            out.errors.append(InputError(shown, f"cannot read: {exc}", exc.line))
            return out
    duplicates: list[tuple[str, int, int]] = []
    try:
        data = loads(text, is_json=path.suffix.lower() == ".json" or text.lstrip().startswith("{"),
                     duplicates=duplicates)
    except TemplateSyntaxError as exc:
        out.errors.append(InputError(shown, f"cannot parse: {exc}", exc.line))
        return out
    if not is_template(data):
        out.skipped.append(shown)
        if explicit:
            out.notices.append(f"{shown}: skipped, not a CloudFormation/SAM template")
        return out
    reader = TemplateReader(shown, data, base_dir=asset_root or path.parent, fmt=fmt, text=text)
    documents = [doc.to_json() for doc in reader.read()]
    # A duplicate key is a finding (LA001), not an unreadable file: the template is read with the last
    # value, as the SAM CLI and CloudFormation deploy it, so one slip does not hide every other finding.
    if duplicates:
        _attach_duplicates(data, documents, duplicates)
        if not documents:
            out.notices.extend(f"{shown}:{line}: duplicate key {key!r} (first on line {first}); "
                               "no Lambda function in this template" for key, line, first in duplicates)
    out.documents.extend(documents)
    out.errors.extend(InputError(shown, msg, line) for msg, line in reader.problems)
    out.notices.extend(reader.notices)
    return out


def is_template(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return False
    return any(isinstance(r, dict) and isinstance(r.get("Type"), str) and "::" in r["Type"]
               for r in resources.values())


def _attach_duplicates(data: dict[str, Any], documents: list[dict[str, Any]],
                       duplicates: list[tuple[str, int, int]]) -> None:
    """Give each function the duplicate keys inside its own resource; the others concern every function.

    A resource spans from its logical ID to the next resource or top-level section, so a duplicate's
    line names the resource it was written in.
    """
    starts: list[tuple[int, str | None]] = []
    resources = data["Resources"]
    if isinstance(resources, LineDict):
        starts += [(resources.line_of(lid), lid) for lid in resources]
    if isinstance(data, LineDict):
        starts += [(data.line_of(section), None) for section in data if section != "Resources"]
    starts.sort(key=lambda s: s[0])
    lines = [line for line, _ in starts]
    by_function = {doc["source"].get("logical_id"): doc for doc in documents}
    for key, line, first in duplicates:
        at = bisect.bisect_right(lines, line) - 1
        owner = starts[at][1] if at >= 0 else None
        own = by_function.get(owner) if owner is not None else None
        for doc in [own] if own is not None else documents:
            entries = doc.get("duplicate_keys") or []
            entries.append({"key": key, "line": line, "first_line": first, "shared": own is None})
            doc["duplicate_keys"] = entries
