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
SKIP_DIRS = {".git", ".terraform", ".venv", "venv", "node_modules", "__pycache__", ".aws-sam", ".tox", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", "site-packages"}


@dataclass
class Loaded:
    """What one loader read from one path."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    gaps: list[Any] = field(default_factory=list)  # result.Gap, from account snapshots
    scanned: list[str] = field(default_factory=list)  # files and folders a loader read (--show-files)
    excluded: list[str] = field(default_factory=list)  # "path (why)" left out of a walk
    #: The scanned project: package and asset paths must stay inside one of these folders.
    roots: list[Path] = field(default_factory=list)
    #: Account snapshots read: account, name, regions, created, and why the account was skipped (if it was).
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    #: Folders holding Terraform files, met on the walk; read as root modules once the walk is done.
    terraform_dirs: list[Path] = field(default_factory=list)
    #: Terraform plans (``terraform show -json``) met; a folder with a plan is read from the plan.
    terraform_plans: list[Path] = field(default_factory=list)


def _loaders() -> list[ModuleType]:
    mods = []
    for name in LOADERS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return mods


def project_roots(paths: list[Path]) -> list[Path]:
    """The folders a scan may read packages from: the working folder, each scanned folder (or a
    scanned file's folder) and the repository (``.git``) that holds it."""
    roots = [Path.cwd()]
    for path in paths:
        try:
            folder = path.resolve() if path.is_dir() else path.resolve().parent
        except (OSError, RuntimeError, ValueError):
            continue
        roots.append(folder)
        for parent in (folder, *folder.parents):
            if (parent / ".git").exists():
                roots.append(parent)
                break
    return roots


#: Project files of frameworks whose CloudFormation must be generated before a scan.
FRAMEWORK_FILES = {
    "serverless.yml": ("a Serverless Framework project", "run `serverless package` first and scan the "
                       "`.serverless/` folder it writes"),
    "serverless.yaml": ("a Serverless Framework project", "run `serverless package` first and scan the "
                        "`.serverless/` folder it writes"),
    "serverless.ts": ("a Serverless Framework project", "run `serverless package` first and scan the "
                      "`.serverless/` folder it writes"),
    "cdk.json": ("an AWS CDK app", "run `cdk synth` first and scan the `cdk.out` folder it writes"),
}
_FRAMEWORK_OUTPUT = {"cdk.json": "cdk.out"}


def collect(paths: list[Path], exclusion: Any = None, var_files: list[Path] | None = None) -> Loaded:
    """Documents from every path; ``exclusion`` (an :class:`~lambda_advisor.exclusion.Exclusion`) filters walks.

    ``var_files`` are Terraform variable files given with ``--var-file``."""
    out = Loaded(roots=project_roots(paths))
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
                _walk(path, loaders, out, exclusion)
            elif _is_terraform(path.name):
                _note_terraform(out, path.parent)
            else:
                _load_file(path, loaders, out, explicit=True)
        except Exception as exc:  # the barrier: one input, one error entry
            out.errors.append(internal_error(display(path), exc, "while reading this input"))
    if out.terraform_dirs or out.terraform_plans:
        _load_terraform(out, var_files or [])
    return out


def _is_terraform(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def _note_terraform(out: Loaded, folder: Path) -> None:
    if folder not in out.terraform_dirs:
        out.terraform_dirs.append(folder)


def _load_terraform(out: Loaded, var_files: list[Path]) -> None:
    """Each Terraform root module met (a folder no other one calls as a local module), with its modules."""
    from lambda_advisor.sources import terraform
    from lambda_advisor.sources.terraform.project import outermost

    roots = [Path(r) for r in outermost(out.roots)]  # once for every module: resolving is not free
    if out.terraform_plans:
        try:
            plans = terraform.load_plans(out.terraform_plans, roots)
            _merge(out, plans)
            out.scanned.extend(plans.scanned)
        except Exception as exc:  # the barrier: the plans, one error entry
            out.errors.append(internal_error(display(out.terraform_plans[0]), exc, "while reading this Terraform plan"))
    planned = {p.parent.resolve() for p in out.terraform_plans}
    for folder in terraform.roots_of(out.terraform_dirs):
        if folder.resolve() in planned:
            continue  # the plan beside these files gives each finding once, at their lines
        try:
            loaded = terraform.load_root(folder, roots, var_files)
            _merge(out, loaded)
            out.scanned.extend(loaded.scanned)
        except Exception as exc:  # the barrier: one root module, one error entry
            out.errors.append(internal_error(display(folder), exc, "while reading this Terraform module"))


def _left_out(path: Path, out: Loaded, exclusion: Any, *, gitignore: bool, patterns: bool = True) -> bool:
    if exclusion is None:
        return patterns and path.name in SKIP_DIRS
    why = exclusion.reason(path, is_dir=True, patterns=patterns, gitignore=gitignore)
    if why is not None:
        out.excluded.append(f"{path} ({why})")
    return why is not None


def _walk(root: Path, loaders: list[ModuleType], out: Loaded, exclusion: Any = None) -> None:
    """Templates, cloud assemblies and snapshots under ``root``, never outside it.

    A symbolic link is followed only when its target lies inside ``root`` (each folder
    once, so a link cycle ends); one that leads out is skipped with a notice. Each entry
    is read inside its own barrier: a name too long for the system or a folder that
    cannot be listed is one error naming it, and the walk goes on.
    """
    if _load_dir(root, loaders, out):
        return
    if exclusion is not None:
        exclusion = exclusion.for_root(root)
    top = os.path.realpath(root)
    seen: set[tuple[int, int]] = set()
    seen_real = {top}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=lambda exc: _walk_error(exc, out)):
        here = Path(dirpath)
        try:
            st = os.stat(here)
        except (OSError, ValueError) as exc:
            _entry_error(here, exc, out)
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        keep = []
        for d in sorted(dirnames):
            path = here / d
            try:
                if _walk_into(path, top, seen_real, loaders, out, exclusion):
                    keep.append(d)
            except Exception as exc:  # the barrier: one folder, one error entry
                _entry_error(path, exc, out)
        dirnames[:] = keep
        for name in sorted(filenames):
            p = here / name
            try:
                _walk_file(p, top, loaders, out, exclusion)
            except Exception as exc:  # the barrier: one file, one error entry
                _entry_error(p, exc, out)


def _walk_into(path: Path, top: str, seen_real: set[str], loaders: list[ModuleType], out: Loaded,
               exclusion: Any) -> bool:
    """Whether the walk descends into ``path`` (a folder a loader claims is read here instead)."""
    real = os.path.realpath(path)
    if real in seen_real:
        return False
    if not _within(real, top):
        _outside(path, real, out)
        return False
    seen_real.add(real)
    if _left_out(path, out, exclusion, gitignore=False):
        return False
    # cdk.out and .serverless are usually git-ignored, yet they are what we read.
    if _load_dir(path, loaders, out):
        return False
    return not _left_out(path, out, exclusion, gitignore=True, patterns=False)


def _walk_file(path: Path, top: str, loaders: list[ModuleType], out: Loaded, exclusion: Any) -> None:
    if path.name in FRAMEWORK_FILES:
        _framework_hint(path, out)
    terraform = _is_terraform(path.name)
    if path.suffix.lower() not in TEMPLATE_SUFFIXES and not terraform:
        return
    if os.path.islink(path):
        real = os.path.realpath(path)
        if not _within(real, top):
            _outside(path, real, out)
            return
    if terraform:
        if exclusion is None or exclusion.reason(path, is_dir=False) is None:
            _note_terraform(out, path.parent)
        if path.suffix.lower() not in TEMPLATE_SUFFIXES:
            return
    if exclusion is not None:
        why = exclusion.reason(path, is_dir=False)
        if why is not None:
            out.excluded.append(f"{path} ({why})")
            return
    _load_file(path, loaders, out, explicit=False)


def _within(real: str, top: str) -> bool:
    try:
        return os.path.commonpath([real, top]) == top
    except ValueError:
        return False


def _outside(path: Path, real: str, out: Loaded) -> None:
    shown = display(path)
    out.skipped.append(shown)
    out.notices.append(f"{shown}: skipped, a symbolic link that leads outside the scanned folder "
                       f"(to {display(real)})")


def _entry_error(path: Path, exc: Exception, out: Loaded) -> None:
    """An entry of a walk that cannot be read: an input error when the system refused it, else the barrier's entry."""
    if isinstance(exc, OSError):
        out.errors.append(InputError(display(path), f"cannot read: {exc.strerror or exc}"))
    elif isinstance(exc, ValueError) and "null byte" in str(exc):
        out.errors.append(InputError(display(path), f"cannot read: {exc}"))
    else:
        out.errors.append(internal_error(display(path), exc, "while reading this input"))


def _walk_error(exc: OSError, out: Loaded) -> None:
    out.errors.append(InputError(display(exc.filename or "?"), f"cannot list: {exc.strerror or exc}"))


def _framework_hint(path: Path, out: Loaded) -> bool:
    """Advice for a framework project file whose generated CloudFormation is not there to scan."""
    what, advice = FRAMEWORK_FILES[path.name]
    output = path.parent / _FRAMEWORK_OUTPUT.get(path.name, ".serverless")
    if output.is_dir():
        return False
    out.notices.append(f"{path}: {what}, not a template; {advice}")
    return True


def _load_dir(path: Path, loaders: list[ModuleType], out: Loaded) -> bool:
    for mod in loaders:
        claims = getattr(mod, "claims_dir", None)
        if claims is not None and claims(path):
            try:
                _merge(out, mod.load(path, explicit=True))
            except Exception as exc:  # the barrier: one folder, one error entry
                out.errors.append(internal_error(display(path), exc, "while reading this folder"))
            else:
                out.scanned.append(str(path))
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
    if path.suffix.lower() == ".json" and b'"format_version"' in head and (
            b'"terraform_version"' in head or b'"planned_values"' in head):
        out.terraform_plans.append(path)  # `terraform show -json`: read once the walk is done
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
            else:
                out.scanned.append(shown)
            return
    out.skipped.append(shown)
    if explicit and path.name in FRAMEWORK_FILES:
        what, advice = FRAMEWORK_FILES[path.name]
        out.notices.append(f"{shown}: {what}, not a template; {advice}")
    elif explicit:
        # Named on the command line (pre-commit names every YAML file): say so, but it is no error.
        out.notices.append(f"{shown}: skipped, not a CloudFormation/SAM template, cdk.out or snapshot")


def _merge(out: Loaded, loaded: Loaded) -> None:
    out.documents.extend(loaded.documents)
    out.errors.extend(loaded.errors)
    out.skipped.extend(loaded.skipped)
    out.notices.extend(loaded.notices)
    out.gaps.extend(loaded.gaps)
    out.excluded.extend(loaded.excluded)
    out.snapshots.extend(loaded.snapshots)
