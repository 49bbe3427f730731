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

    def inventory(self) -> dict[str, int]:
        """What was checked, by kind: Event and Web Functions apart (versions apart too), and what an
        audit counted besides functions (MicroVM images: not functions, never judged)."""
        from lambda_advisor.audit_scope import inventory

        out = inventory(self.documents)
        out.update({k: int(v) for k, v in (self.meta.get("inventory") or {}).items()})
        return out

    def inventory_text(self) -> str:
        """``(3 Event Functions, 1 Web Function); 2 MicroVM images counted apart``, or "" when
        there is nothing but Event Functions to tell."""
        counts = self.inventory()
        out = ""
        if counts["web_functions"]:
            parts = [_plural(counts["event_functions"], "Event Function"), _plural(counts["web_functions"], "Web Function")]
            if counts["versions"]:
                parts.append(_plural(counts["versions"], "published version"))
            out = f" ({', '.join(parts)})"
        if counts.get("microvm_images"):
            out += f"; {_plural(counts['microvm_images'], 'MicroVM image')} counted apart (not functions)"
        return out

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


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
