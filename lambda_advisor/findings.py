"""What a rule reports: one finding, with where it points and a stable fingerprint."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: rank for rank, name in enumerate(reversed(SEVERITIES))}


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


@dataclass
class Location:
    """Where a finding points: file and line for templates, ARN and region for live functions."""

    function_id: str
    function_name: str
    kind: str
    file: str | None = None
    line: int | None = None
    logical_id: str | None = None
    arn: str | None = None
    account: str | None = None
    region: str | None = None
    inherited_from: str | None = None
    #: 1-based column of the line's first written character (the key), filled for reporters.
    column: int | None = None

    def short(self) -> str:
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        return self.arn or self.function_id

    def editor(self) -> str:
        """``path:line:col`` that editors and terminals open; the ARN for a live function."""
        if self.file:
            if self.line:
                return f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
            return self.file
        return self.arn or self.function_id


@dataclass
class Affected:
    """One function a finding concerns; a fact written once (Globals, a shared policy) concerns several."""

    function_id: str
    function_name: str
    logical_id: str | None = None
    arn: str | None = None
    file: str | None = None
    subject: str = ""


@dataclass
class Finding:
    rule_id: str
    severity: str
    title: str
    message: str
    fix: str
    location: Location
    subject: str = ""
    suppressed: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Every function this finding concerns (more than one when a shared fact was merged).
    functions: list[Affected] = field(default_factory=list)
    #: Identity of a fact written once for several functions (``None``: the finding is the function's own).
    group: str | None = None
    #: Subjects this problem was reported under by earlier versions: baselines written then still match.
    aliases: list[str] = field(default_factory=list)

    @property
    def affected(self) -> list[Affected]:
        """The functions concerned; a finding built without a list concerns its location's function."""
        if self.functions:
            return self.functions
        loc = self.location
        return [Affected(loc.function_id, loc.function_name, loc.logical_id, loc.arn, loc.file, self.subject)]

    @property
    def function_names(self) -> list[str]:
        return [a.function_name for a in self.affected]

    @property
    def fingerprint(self) -> str:
        """Rule + function identity + subject (or, for a shared fact, its file and group): no line numbers."""
        if self.group is not None:
            key = "\x1f".join((self.rule_id, _file_identity(self.location), "group", self.group))
        else:
            key = "\x1f".join((self.rule_id, _identity(self.location), self.subject))
        import hashlib  # not at start-up: only reports that show fingerprints ask for them

        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        # Field by field, not dataclasses.asdict: its deep copies were a quarter of a 3,000-function scan.
        out = dict(vars(self))
        out.pop("aliases", None)
        out["location"] = dict(vars(self.location))
        out["functions"] = [dict(vars(a)) for a in self.affected]
        out["fingerprint"] = self.fingerprint
        return out


def _file_identity(location: Location) -> str:
    if location.file:
        return posixpath.normpath(location.file.replace("\\", "/"))
    return location.account or ""


def _identity(location: Location) -> str:
    # Templates: the file and logical ID; live: the ARN without the account-independent bits.
    if location.logical_id is not None:
        # ./infra/a.yaml and infra/a.yaml are the same file: normalise before hashing.
        path = posixpath.normpath(location.file.replace("\\", "/")) if location.file else ""
        return f"{path}#{location.logical_id}"
    return location.arn or location.function_id
