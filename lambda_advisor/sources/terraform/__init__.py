"""Terraform: root modules (``*.tf``, ``*.tf.json``) and plan JSON, read as function documents.

A scan collects every folder that holds Terraform files; a folder that another one calls as a
local module (``source = "./…"``) is not a root of its own. Each root is evaluated with its
modules (:mod:`.project`, :mod:`.evaluate`), translated into the CloudFormation shapes the template
reader links (:mod:`.translate`), and read by that reader, so every rule applies unchanged and every
finding points at the file and line of the Terraform attribute. tree-sitter is imported only here,
when a scan meets Terraform.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lambda_advisor.model import FILE_LINE_STRIDE
from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources.files import display

#: ``source = "./modules/x"`` (linear: a line's indent is spaces and tabs, never the line breaks
#: after it, and one bounded run of characters between quotes).
_LOCAL_SOURCE = re.compile(r'(?m)^[ \t]*"?source"?[ \t]*[=:][ \t]*"(\.\.?/[^"\n]{0,1000})"')
_LOCAL_SOURCE_BYTES = 4 * 1024 * 1024


def is_terraform_file(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def roots_of(folders: list[Path]) -> list[Path]:
    """The folders among ``folders`` that no other one calls as a local module."""
    called: set[Path] = set()
    for folder in folders:
        try:
            names = [n for n in os.listdir(folder) if is_terraform_file(n)]
        except OSError:
            continue
        for name in names:
            path = folder / name
            try:
                if path.stat().st_size > _LOCAL_SOURCE_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for m in _LOCAL_SOURCE.finditer(text):
                try:
                    called.add((folder / m.group(1)).resolve())
                except (OSError, RuntimeError, ValueError):
                    continue
    out = []
    for folder in folders:
        try:
            real = folder.resolve()
        except (OSError, RuntimeError):
            real = folder
        if real not in called:
            out.append(folder)
    return out


def load_root(folder: Path, roots: list[Path], var_files: list[Path] | None = None) -> Loaded:
    """Every function of one root module and the modules it calls."""
    from lambda_advisor.sources.template.reader import TemplateReader
    from lambda_advisor.sources.terraform.project import Project
    from lambda_advisor.sources.terraform.translate import translate

    out = Loaded()
    try:
        project = Project(folder, roots or [folder], var_files)
    except ImportError as exc:  # pragma: no cover - the grammar is a dependency; a broken install says so
        out.errors.append(InputError(display(folder), f"Terraform support needs tree-sitter-hcl: {exc}"))
        return out
    template = translate(project)
    out.errors.extend(project.errors)
    out.notices.extend(project.notices)
    out.scanned.extend(f for f in project.files[1:])
    if not template["Resources"]:
        return out
    reader = TemplateReader(display(folder), template, base_dir=folder, fmt="terraform")
    out.documents.extend(place_documents([doc.to_json() for doc in reader.read()], project.files))
    for msg, line in reader.problems:
        file, real = _decode(line, project.files, display(folder))
        out.errors.append(InputError(file, msg, real))
    return out


def _decode(line: int | None, files: list[str], default: str) -> tuple[str, int | None]:
    if not line or line < FILE_LINE_STRIDE:
        return default, line
    index, real = divmod(line, FILE_LINE_STRIDE)
    return (files[index] if index < len(files) else default), real


def place_documents(docs: list[dict[str, Any]], files: list[str]) -> list[dict[str, Any]]:
    """Each function's own file and line; ``source.files`` lets every other line name its file."""
    for doc in docs:
        src = doc["source"]
        file, line = _decode(src.get("line"), files, src.get("file") or "")
        src["file"], src["line"], src["files"] = file, line, list(files)
    return docs


def load_plans(plans: list[Path], roots: list[Path]) -> Loaded:
    from lambda_advisor.sources.terraform.plan import load_plan

    out = Loaded()
    for path in plans:
        loaded = load_plan(path, roots)
        for field in ("documents", "errors", "notices"):
            getattr(out, field).extend(getattr(loaded, field))
        out.scanned.append(display(path))
    return out
