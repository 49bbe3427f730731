"""Sources turn inputs into function documents.

``collect(paths)`` walks files and folders and asks each registered loader, in
order, whether it claims a path. Loaders are looked up lazily by module name so
that ``scan`` never imports what it does not need (never boto3).

A loader module exposes:

* ``claims_dir(path: Path) -> bool`` – optional; a folder it reads as a whole
  (``cdk.out``, ``.serverless``); the walk does not descend into it.
* ``claims_file(path: Path, head: bytes) -> bool`` – optional; ``head`` is the
  first 4 KiB of the file.
* ``load(path: Path, *, explicit: bool) -> Loaded``.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from lambda_advisor.result import InputError

#: Loader modules, tried in order. Directory loaders first, then file loaders.
LOADERS: list[str] = [
    "lambda_advisor.sources.cdk",
    "lambda_advisor.sources.serverless",
    "lambda_advisor.sources.snapshot",
    "lambda_advisor.sources.template",
]

TEMPLATE_SUFFIXES = {".yaml", ".yml", ".json", ".template"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".aws-sam", ".tox", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", "site-packages"}


@dataclass
class Loaded:
    """What one loader read from one path."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    gaps: list[Any] = field(default_factory=list)  # result.Gap, from account snapshots


def _loaders() -> list[ModuleType]:
    mods = []
    for name in LOADERS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return mods


def collect(paths: list[Path]) -> Loaded:
    out = Loaded()
    loaders = _loaders()
    for path in paths:
        if not path.exists():
            out.errors.append(InputError(str(path), "no such file or directory"))
        elif path.is_dir():
            _walk(path, loaders, out)
        else:
            _load_file(path, loaders, out, explicit=True)
    return out


def _walk(root: Path, loaders: list[ModuleType], out: Loaded) -> None:
    if _load_dir(root, loaders, out):
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if d in SKIP_DIRS:
                continue
            if not _load_dir(here / d, loaders, out):
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            p = here / name
            if p.suffix.lower() in TEMPLATE_SUFFIXES:
                _load_file(p, loaders, out, explicit=False)


def _load_dir(path: Path, loaders: list[ModuleType], out: Loaded) -> bool:
    for mod in loaders:
        claims = getattr(mod, "claims_dir", None)
        if claims is not None and claims(path):
            _merge(out, mod.load(path, explicit=True))
            return True
    return False


def _load_file(path: Path, loaders: list[ModuleType], out: Loaded, *, explicit: bool) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        out.errors.append(InputError(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    for mod in loaders:
        claims = getattr(mod, "claims_file", None)
        if claims is not None and claims(path, head):
            _merge(out, mod.load(path, explicit=explicit))
            return
    out.skipped.append(str(path))
    if explicit:
        # Named on the command line (pre-commit names every YAML file): say so, but it is no error.
        out.notices.append(f"{path}: skipped, not a CloudFormation/SAM template, cdk.out or snapshot")


def _merge(out: Loaded, loaded: Loaded) -> None:
    out.documents.extend(loaded.documents)
    out.errors.extend(loaded.errors)
    out.skipped.extend(loaded.skipped)
    out.notices.extend(loaded.notices)
    out.gaps.extend(loaded.gaps)
