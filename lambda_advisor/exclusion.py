"""Which paths a folder walk leaves out: exclude patterns and ``.gitignore`` (as ruff does).

Patterns are gitignore-style (``pathspec``), relative to the configuration
file's folder; ``.gitignore`` files apply to their own folder and below, from
the repository root down (outside a repository they mean nothing, as in git).
As in git, ignore rules never apply to a tracked file: a pull request's
``.gitignore`` cannot hide a committed template (git is asked once per
repository which files it tracks). Only walks are filtered: a file named on the
command line is always read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Folders never walked unless ``exclude`` replaces this list.
DEFAULT_EXCLUDE = [".git/", ".venv/", "venv/", "node_modules/", "__pycache__/", ".aws-sam/", ".tox/",
                   ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", "site-packages/"]


def _spec(lines: Iterable[str]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(lines))


@dataclass
class Exclusion:
    base: Path  # patterns are relative to this folder
    patterns: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    respect_gitignore: bool = True
    _spec: Any = None
    _gitignores: dict[Path, Any] = field(default_factory=dict)
    #: Per repository root: what git tracks (shared by the exclusions of one scan).
    _tracked: dict[Path, TrackedFiles] = field(default_factory=dict)
    #: Said once each, for the report (git could not answer, so .gitignore was not applied).
    notices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base = Path(os.path.abspath(self.base))

    @property
    def spec(self) -> Any:
        """The compiled patterns, built on first use: a scan of named files never walks, never needs them
        (and pathspec stays off the start-up path)."""
        if self._spec is None:
            self._spec = _spec(self.patterns)
        return self._spec

    @classmethod
    def from_config(cls, config: Any) -> Exclusion:
        base = config.path.resolve().parent if getattr(config, "path", None) else Path.cwd()
        patterns = list(DEFAULT_EXCLUDE if config.exclude is None else config.exclude)
        return cls(base=base, patterns=[*patterns, *config.extend_exclude], respect_gitignore=config.respect_gitignore)

    def for_root(self, root: Path) -> Exclusion:
        """The exclusion for a walk of ``root``: a folder named on the command line that .gitignore
        ignores is scanned anyway (as ruff does), so .gitignore stops applying inside it."""
        if self.respect_gitignore and self.reason(root, is_dir=True, patterns=False) is not None:
            return Exclusion(base=self.base, patterns=list(self.patterns), respect_gitignore=False,
                             _tracked=self._tracked, notices=self.notices)
        return self

    def reason(self, path: Path, *, is_dir: bool, patterns: bool = True, gitignore: bool = True) -> str | None:
        """Why ``path`` is left out (``exclude`` or the .gitignore file), or None to keep it."""
        absolute = Path(os.path.abspath(path))
        if patterns:
            rel = _relative(absolute, self.base)
            if rel is not None and self.spec.match_file(rel + ("/" if is_dir else "")):
                return "exclude"
            # A bare folder name (``node_modules/``) matches at any depth, even outside the base.
            if rel is None and self.spec.match_file(absolute.name + ("/" if is_dir else "")):
                return "exclude"
        if gitignore and self.respect_gitignore:
            folders = self._gitignore_folders(absolute.parent)
            for folder in folders:
                spec = self._gitignore(folder)
                sub = _relative(absolute, folder)
                if spec is not None and sub is not None and spec.match_file(sub + ("/" if is_dir else "")):
                    if self._is_tracked(folders[0], absolute, is_dir):
                        return None
                    return f"{folder / '.gitignore'}"
        return None

    def _is_tracked(self, repo: Path, path: Path, is_dir: bool) -> bool:
        """Whether git tracks ``path`` (a folder: any file under it); True when git cannot say.

        Without a git program .gitignore applies as written; when git is there but refuses
        this repository, nothing is hidden (a gate fails closed) and a notice says why.
        """
        if repo not in self._tracked:
            self._tracked[repo] = tracked_files(repo)
            problem = self._tracked[repo].problem
            if problem is not None:
                self.notices.append(f"{repo}: .gitignore files were not applied: git could not list the tracked "
                                    f"files ({problem})")
        tracked = self._tracked[repo]
        if tracked.problem is not None:
            return True
        if tracked.files is None:
            return False
        rel = _relative(path, repo)
        if rel is None:
            return False
        return rel in (tracked.folders if is_dir else tracked.files)

    def _gitignore_folders(self, folder: Path) -> list[Path]:
        """Folders from the repository root (the nearest ``.git`` above) down to ``folder``."""
        chain = []
        for parent in (folder, *folder.parents):
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            return []  # not in a git repository: .gitignore files mean nothing (as in git and ruff)
        return list(reversed(chain))

    def _gitignore(self, folder: Path) -> Any:
        if folder not in self._gitignores:
            try:
                text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = None
            self._gitignores[folder] = _spec(text.splitlines()) if text else None
        return self._gitignores[folder]


def _relative(path: Path, base: Path) -> str | None:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return None


@dataclass
class TrackedFiles:
    """The files git tracks in one repository: ``files`` None when no git program is installed."""

    files: frozenset[str] | None = None
    folders: frozenset[str] = frozenset()
    problem: str | None = None


#: Git settings that could run a program while listing files: off, whatever the repository says.
_GIT_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false")


def tracked_files(repo: Path) -> TrackedFiles:
    """``git ls-files`` of ``repo``, once: paths relative to the repository root, and every folder holding one."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        return TrackedFiles()
    try:
        done = subprocess.run([git, *_GIT_SAFE, "-C", str(repo), "ls-files", "-z", "--full-name"],
                              capture_output=True, timeout=60, check=False,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError) as exc:
        return TrackedFiles(problem=str(exc))
    if done.returncode != 0:
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return TrackedFiles(problem=(first[0] if first else f"exit status {done.returncode}")[:200])
    files = frozenset(os.fsdecode(p) for p in done.stdout.split(b"\0") if p)
    folders: set[str] = set()
    for name in files:
        folder = name.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return TrackedFiles(files=files, folders=frozenset(folders))
