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
* ``MAX_BYTES`` – optional; the largest file it reads (default: a template's cap).

Each path is read inside an exception barrier (:mod:`lambda_advisor.barrier`):
what a loader did not expect is one error entry naming the path, and the rest
of the paths are still read. Only regular files are opened: FIFOs, devices and
sockets are skipped with a notice, before anything could block on them.
"""

from __future__ import annotations

import importlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from lambda_advisor.barrier import internal_error
from lambda_advisor.result import InputError
from lambda_advisor.sources.files import MAX_TEMPLATE_BYTES, display, file_kind

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
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError) as exc:
            missing = isinstance(exc, FileNotFoundError)
            out.errors.append(InputError(display(path), "no such file or directory" if missing
                                         else f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
            continue
        try:
            if stat.S_ISDIR(mode):
                _walk(path, loaders, out)
            else:
                _load_file(path, loaders, out, explicit=True)
        except Exception as exc:  # the barrier: one input, one error entry
            out.errors.append(internal_error(display(path), exc, "while reading this input"))
    return out


def _walk(root: Path, loaders: list[ModuleType], out: Loaded) -> None:
    if _load_dir(root, loaders, out):
        return
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda exc: _walk_error(exc, out)):
        here = Path(dirpath)
        try:
            st = os.stat(here)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
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


def _walk_error(exc: OSError, out: Loaded) -> None:
    out.errors.append(InputError(display(exc.filename or "?"), f"cannot list: {exc.strerror or exc}"))


def _load_dir(path: Path, loaders: list[ModuleType], out: Loaded) -> bool:
    for mod in loaders:
        claims = getattr(mod, "claims_dir", None)
        if claims is not None and claims(path):
            try:
                _merge(out, mod.load(path, explicit=True))
            except Exception as exc:  # the barrier: one folder, one error entry
                out.errors.append(internal_error(display(path), exc, "while reading this folder"))
            return True
    return False


def _load_file(path: Path, loaders: list[ModuleType], out: Loaded, *, explicit: bool) -> None:
    shown = display(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        out.errors.append(InputError(shown, f"cannot read: {exc.strerror or exc}"))
        return
    if not stat.S_ISREG(st.st_mode):
        # A FIFO would block open() forever, a device read without end: never opened.
        out.skipped.append(shown)
        out.notices.append(f"{shown}: skipped, not a regular file ({file_kind(st.st_mode)})")
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        out.errors.append(InputError(shown, f"cannot read: {exc.strerror or exc}"))
        return
    for mod in loaders:
        claims = getattr(mod, "claims_file", None)
        if claims is not None and claims(path, head):
            limit = getattr(mod, "MAX_BYTES", MAX_TEMPLATE_BYTES)
            if st.st_size > limit:
                out.errors.append(InputError(shown, f"{st.st_size // (1 << 20)} MB: larger than the "
                                             f"{limit >> 20} MB this tool reads for such a file; not read"))
                return
            try:
                _merge(out, mod.load(path, explicit=explicit))
            except Exception as exc:  # the barrier: one file, one error entry
                out.errors.append(internal_error(shown, exc, "while reading this file"))
            return
    out.skipped.append(shown)
    if explicit:
        # Named on the command line (pre-commit names every YAML file): say so, but it is no error.
        out.notices.append(f"{shown}: skipped, not a CloudFormation/SAM template, cdk.out or snapshot")


def _merge(out: Loaded, loaded: Loaded) -> None:
    out.documents.extend(loaded.documents)
    out.errors.extend(loaded.errors)
    out.skipped.extend(loaded.skipped)
    out.notices.extend(loaded.notices)
    out.gaps.extend(loaded.gaps)
