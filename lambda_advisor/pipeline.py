"""One run, stage by stage: collect, inspect, evaluate, suppress and baseline, (fix,) render.

Every command (``scan``, ``audit``, ``baseline create``), the demo, the tests and
the integrations go through these functions; the CLI only parses options and
prints what :func:`render` hands back. A stage that later stages re-run (fixing
re-scans what it wrote) calls the earlier ones from here, never from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_advisor.engine import Engine, RuleError, RunOptions, load_rules, select_rules
from lambda_advisor.result import InputError, ScanResult

if TYPE_CHECKING:
    from lambda_advisor.sources import Loaded


@dataclass
class Settings:
    """Everything a run was asked to do: command-line options folded over the configuration."""

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


# -- collect ------------------------------------------------------------------------------------

def collect(paths: list[Path]) -> Loaded:
    """Read every template, cdk.out, .serverless/ and snapshot under ``paths`` into function documents."""
    from lambda_advisor.sources import collect as collect_sources

    return collect_sources(paths)


# -- inspect ------------------------------------------------------------------------------------

def inspect(collected: Loaded, settings: Settings) -> None:
    """Look inside the local deployment packages the documents name (unless ``--no-inspect-code``)."""
    from lambda_advisor.sources.package_paths import has_local_packages

    if settings.extra.get("inspect_code", True) is False or not has_local_packages(collected.documents):
        return
    from lambda_advisor.sources.package import inspect_documents

    inspected = inspect_documents(collected.documents)
    collected.errors.extend(InputError(where, message) for where, message in inspected.errors)
    collected.notices.extend(inspected.notices)


# -- evaluate -----------------------------------------------------------------------------------

def build_engine(settings: Settings) -> Engine:
    rules = select_rules(load_rules(settings.rules_dirs), settings.select, settings.ignore)
    return Engine(rules, RunOptions(today=settings.today, params=settings.params, severity=settings.severity))


def evaluate(docs: list[dict[str, Any]], settings: Settings, *, kind: str = "scan",
             errors: list[InputError] | None = None) -> ScanResult:
    """Run the selected rules over the documents (template ``Metadata`` suppressions are marked here)."""
    try:
        engine = build_engine(settings)
    except RuleError as exc:
        return ScanResult(findings=[], documents=docs, errors=[*(errors or []), InputError(exc.path, str(exc).split(": ", 1)[-1])], kind=kind)
    findings = engine.run(docs)
    return ScanResult(findings=findings, documents=docs, errors=[*(errors or []), *engine.errors],
                      rules=engine.rules, kind=kind)


def scan_paths(paths: list[Path], settings: Settings) -> ScanResult:
    """Collect, inspect and evaluate: the findings of ``paths`` before any baseline."""
    collected = collect(paths)
    inspect(collected, settings)
    result = evaluate(collected.documents, settings, errors=collected.errors)
    result.skipped = collected.skipped
    result.notices = collected.notices
    result.gaps = list(collected.gaps)
    return result


# -- suppress and baseline ----------------------------------------------------------------------

def suppress_and_baseline(result: ScanResult, settings: Settings) -> None:
    """Apply ``--baseline`` and ``--show-suppressed`` to a finished evaluation."""
    from lambda_advisor.baseline import apply_to_result

    apply_to_result(result, settings)


def run_scan(paths: list[Path], settings: Settings) -> ScanResult:
    """The whole ``scan`` command up to rendering."""
    result = scan_paths(paths, settings)
    suppress_and_baseline(result, settings)
    return result


def run_audit(options: Any, settings: Settings, *, save: Path | None = None) -> ScanResult:
    """The whole ``audit`` command up to rendering (collect and evaluate live in :mod:`lambda_advisor.audit`)."""
    from lambda_advisor.audit import run_audit as audit_account

    result = audit_account(options, settings, save=save)
    suppress_and_baseline(result, settings)
    return result


# -- render -------------------------------------------------------------------------------------

@dataclass
class Rendered:
    """What the CLI prints: the report for stdout (empty when it went to a file), stderr lines, exit code."""

    stdout: str
    stderr: list[str]
    exit_code: int
    color: bool = False  # stdout carries ANSI styles (print them even to a pipe: FORCE_COLOR)


def render(result: ScanResult, settings: Settings, *, tty: bool = False, width: int | None = None) -> Rendered:
    """Render the report in the chosen format; write it to ``settings.output`` when one is set."""
    from lambda_advisor.report import render as render_format
    from lambda_advisor.sources.files import display, printable, printable_json

    fmt = settings.fmt or "text"

    def clean(text: str) -> str:
        """File names that are not UTF-8 reach every format as U+FFFD, never as an encoding error."""
        return printable(printable_json(text) if fmt in ("json", "sarif") else text)

    stdout, color = "", False
    if settings.output is not None:
        text = clean(render_format(fmt, result, color=False))
        try:
            settings.output.parent.mkdir(parents=True, exist_ok=True)
            settings.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            return Rendered(stdout="", exit_code=2, stderr=[
                f"lambda-advisor: error: cannot write the report to {display(settings.output)}: "
                f"{exc.strerror or exc}"])
    else:
        from lambda_advisor.report.terminal import use_color

        color = use_color(settings.color, tty) and fmt == "text"
        stdout = clean(render_format(fmt, result, color=color, width=width))
    stderr: list[str] = []
    if not settings.quiet:
        stderr.extend(printable(f"lambda-advisor: {notice}") for notice in result.notices)
    if settings.output is not None or fmt != "text":
        # The text report already lists errors; other formats go to tools, so tell the human too.
        stderr.extend(printable(f"lambda-advisor: error: {err}") for err in result.errors)
    return Rendered(stdout=stdout, stderr=stderr, exit_code=result.exit_code(settings.fail_on or "low"), color=color)
