"""What functions does this template define, and what shapes them?

Reads CloudFormation (YAML or JSON) and SAM natively, and returns one function
document per ``AWS::Lambda::Function`` / ``AWS::Serverless::Function`` with the
line of every value. Resources that shape a function elsewhere in the template
(event source mappings, permissions, queues, roles, rules, log groups …) are
linked to it in a second pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources.files import MAX_TEMPLATE_BYTES, InputProblem, read_bytes, read_text
from lambda_advisor.sources.template.base import FUNCTION_TYPES
from lambda_advisor.sources.template.permissions import PRINCIPALS, service_principal
from lambda_advisor.sources.template.reader import TemplateReader
from lambda_advisor.sources.yaml_loader import TemplateSyntaxError, loads

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
    # A duplicate key is an error at its line (YAML forbids it, cfn-lint reports E0000, and which value
    # CloudFormation keeps is not documented), but the template is still read, last value winning as the
    # SAM CLI and CloudFormation deploy it, so one slip does not hide every other finding of the file.
    out.errors.extend(InputError(shown, f"duplicate key {key} (first on line {first}); the rest of the template "
                                 "is checked with the last value", line) for key, line, first in duplicates)
    reader = TemplateReader(shown, data, base_dir=asset_root or path.parent, fmt=fmt, text=text)
    out.documents.extend(doc.to_json() for doc in reader.read())
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
