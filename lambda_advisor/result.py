"""Everything one run produced, handed as a whole to a reporter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambda_advisor.findings import Finding, at_least


@dataclass
class InputError:
    """An input that could not be read: a file (with line), or a region and API for live scans."""

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        loc = f"{self.where}:{self.line}" if self.line else self.where
        return f"{loc}: {self.message}"


@dataclass
class Gap:
    """A live function (or region) that could not be fully evaluated, and why."""

    where: str  # function ARN, or a region
    region: str | None
    missing: list[str] = field(default_factory=list)  # e.g. "GetPolicy: AccessDenied"


@dataclass
class ScanResult:
    findings: list[Finding]
    documents: list[dict[str, Any]]
    errors: list[InputError] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)  # engine.Rule, kept loose to avoid a cycle
    kind: str = "scan"  # "scan" or "audit"
    stale_baseline: list[dict[str, Any]] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> list[Finding]:
        """Findings that count: not suppressed (baselined ones are kept apart already)."""
        return [f for f in self.findings if not f.suppressed]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed]

    def exit_code(self, fail_on: str) -> int:
        # An audit that could not see everything says so first: its findings are a lower bound.
        if self.errors:
            return 2
        if self.gaps:
            return 3
        if any(at_least(f.severity, fail_on) for f in self.active):
            return 1
        return 0
