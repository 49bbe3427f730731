"""Paths as CI systems want them: relative to the repository root, whatever folder the scan ran from.

The root is ``$GITHUB_WORKSPACE`` or ``$CI_PROJECT_DIR`` when set (GitHub
Actions, GitLab CI), else the nearest folder above the working directory with
a ``.git``, else the working directory.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=8)
def _root_for(cwd: str, env_root: str | None) -> Path:
    if env_root and Path(env_root).is_dir():
        return Path(env_root).resolve()
    here = Path(cwd).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def repo_root() -> Path:
    return _root_for(os.getcwd(), os.environ.get("GITHUB_WORKSPACE") or os.environ.get("CI_PROJECT_DIR"))


def absolute(file: str) -> Path:
    path = Path(file)
    return Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))


def repo_relative(file: str, root: Path | None = None) -> str | None:
    """``infra/app.yaml`` (forward slashes) when the file is under the root, else None."""
    base = (root or repo_root()).resolve()
    try:
        return absolute(file).relative_to(base).as_posix()
    except ValueError:
        try:  # the file may sit under a symlinked folder of the root
            return absolute(file).resolve().relative_to(base).as_posix()
        except (ValueError, OSError):
            return None


def live_path(account: str | None, region: str | None, name: str) -> str:
    """A stable synthetic path for a live function: ``aws/<account>/<region>/lambda/<name>``."""
    return f"aws/{account or 'unknown-account'}/{region or 'unknown-region'}/lambda/{name}"
