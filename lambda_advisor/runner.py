"""One run: read the inputs, run the engine, return a ScanResult for a reporter.

The CLI stays thin; tests and integrations call these functions directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lambda_advisor.engine import Engine, RuleError, RunOptions, load_rules, select_rules
from lambda_advisor.result import InputError, ScanResult


@dataclass
class Settings:
    fmt: str | None = None
    output: Path | None = None
    fail_on: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rules_dirs: list[Path] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    color: bool | None = None
    quiet: bool = False
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def build_engine(settings: Settings) -> Engine:
    rules = select_rules(load_rules(settings.rules_dirs), settings.select, settings.ignore)
    return Engine(rules, RunOptions(today=settings.today, params=settings.params, severity=settings.severity))


def evaluate(docs: list[dict[str, Any]], settings: Settings, *, kind: str = "scan",
             errors: list[InputError] | None = None) -> ScanResult:
    try:
        engine = build_engine(settings)
    except RuleError as exc:
        return ScanResult(findings=[], documents=docs, errors=[*(errors or []), InputError(exc.path, str(exc).split(": ", 1)[-1])], kind=kind)
    findings = engine.run(docs)
    return ScanResult(findings=findings, documents=docs, errors=list(errors or []), rules=engine.rules, kind=kind)


def scan_paths(paths: list[Path], settings: Settings) -> ScanResult:
    from lambda_advisor.sources import collect
    from lambda_advisor.sources.package_paths import has_local_packages

    collected = collect(paths)
    if settings.extra.get("inspect_code", True) is not False and has_local_packages(collected.documents):
        from lambda_advisor.sources.package import inspect_documents

        inspected = inspect_documents(collected.documents)
        collected.errors.extend(InputError(where, message) for where, message in inspected.errors)
        collected.notices.extend(inspected.notices)
    result = evaluate(collected.documents, settings, errors=collected.errors)
    result.skipped = collected.skipped
    result.notices = collected.notices
    result.gaps = list(collected.gaps)
    return result
