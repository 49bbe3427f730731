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

def collect(paths: list[Path], settings: Settings | None = None) -> Loaded:
    """Read every template, cdk.out, .serverless/ and snapshot under ``paths`` into function documents.

    Folder walks leave out the configuration's ``exclude``/``extend-exclude``
    patterns and what ``.gitignore`` ignores; say so when nothing was found.
    """
    from lambda_advisor.exclusion import Exclusion
    from lambda_advisor.sources import collect as collect_sources

    config = (settings.extra.get("config") if settings is not None else None)
    exclusion = Exclusion.from_config(config) if config is not None else Exclusion(base=Path.cwd())
    var_files = settings.extra.get("var_files") if settings is not None else None
    collected = collect_sources(paths, exclusion, var_files=var_files)
    collected.notices.extend(exclusion.notices)
    if not collected.documents and not collected.errors and not collected.gaps:
        where = ", ".join(str(p) for p in paths) or "."
        if not collected.scanned:
            collected.notices.append(f"no templates found under {where}: nothing was scanned "
                                     "(CloudFormation/SAM templates, Terraform, cdk.out, .serverless/ or snapshots)")
        else:
            collected.notices.append(f"no Lambda functions in the templates under {where}")
    return collected


# -- inspect ------------------------------------------------------------------------------------

def inspect(collected: Loaded, settings: Settings) -> None:
    """Look inside the local deployment packages the documents name (unless ``--no-inspect-code``)."""
    from lambda_advisor.sources.package_paths import has_local_packages

    if settings.extra.get("inspect_code", True) is False or not has_local_packages(collected.documents):
        return
    from lambda_advisor.sources.package import inspect_documents

    inspected = inspect_documents(collected.documents, roots=collected.roots or None)
    collected.errors.extend(InputError(where, message) for where, message in inspected.errors)
    collected.notices.extend(inspected.notices)


# -- evaluate -----------------------------------------------------------------------------------

def build_engine(settings: Settings) -> Engine:
    rules = select_rules(load_rules(settings.rules_dirs), settings.select, settings.ignore)
    return Engine(rules, RunOptions(today=settings.today, params=settings.params, severity=settings.severity,
                                    named=frozenset(settings.select)))


def evaluate(docs: list[dict[str, Any]], settings: Settings, *, kind: str = "scan",
             errors: list[InputError] | None = None) -> ScanResult:
    """Run the selected rules over the documents (template ``Metadata`` suppressions are marked here)."""
    from lambda_advisor import selectors
    from lambda_advisor.model import bound_numbers

    try:
        engine = build_engine(settings)
    except RuleError as exc:
        return ScanResult(findings=[], documents=docs, errors=[*(errors or []), InputError(exc.path, str(exc).split(": ", 1)[-1])], kind=kind)
    selectors.normalise_suppressions(docs)
    for doc in docs:
        bound_numbers(doc)
    findings = engine.run(docs)
    result = ScanResult(findings=findings, documents=docs, errors=[*(errors or []), *engine.errors],
                        rules=engine.rules, kind=kind)
    all_ids = [r.id for r in load_rules(settings.rules_dirs)]
    result.notices += selectors.suppression_warnings(docs, findings, all_ids, [r.id for r in engine.rules])
    return result


def per_file_ignores(result: ScanResult, settings: Settings) -> None:
    """Mark findings in files that the configuration's ``per-file-ignores`` patterns match as suppressed."""
    config = settings.extra.get("config")
    if config is None or not config.per_file_ignores:
        return
    import pathspec

    from lambda_advisor.report.paths import absolute

    base = config.path.resolve().parent if config.path else Path.cwd()
    specs = [(pattern, pathspec.GitIgnoreSpec.from_lines([pattern]), ids)
             for pattern, ids in config.per_file_ignores.items()]
    for f in result.findings:
        if f.suppressed or not f.location.file:
            continue
        try:
            rel = absolute(f.location.file).relative_to(base).as_posix()
        except ValueError:
            continue
        for pattern, spec, ids in specs:
            if spec.match_file(rel) and any(f.rule_id.startswith(i) or i == "ALL" for i in ids):
                f.suppressed = f"per-file-ignores {pattern!r} in {config.path}"
                break


def scan_paths(paths: list[Path], settings: Settings) -> ScanResult:
    """Collect, inspect and evaluate: the findings of ``paths`` before any baseline."""
    collected = collect(paths, settings)
    inspect(collected, settings)
    result = evaluate(collected.documents, settings, errors=collected.errors)
    per_file_ignores(result, settings)
    result.skipped = collected.skipped
    result.notices = [*collected.notices, *result.notices]
    result.gaps = list(collected.gaps)
    result.meta["scanned"] = list(collected.scanned)
    result.meta["excluded"] = list(collected.excluded)
    if collected.snapshots:
        from lambda_advisor.audit_scope import snapshots_scope

        result.meta["scope"] = snapshots_scope(collected.snapshots, collected.documents)
    return result


# -- suppress and baseline ----------------------------------------------------------------------

def suppress_and_baseline(result: ScanResult, settings: Settings) -> None:
    """Apply ``--baseline`` and ``--show-suppressed`` to a finished evaluation."""
    from lambda_advisor.baseline import apply_to_result

    apply_to_result(result, settings)


def run_scan(paths: list[Path], settings: Settings) -> ScanResult:
    """The whole ``scan`` command up to rendering; with ``--fix`` the report shows what is left."""
    result = scan_paths(paths, settings)
    suppress_and_baseline(result, settings)
    if settings.extra.get("fix") or settings.extra.get("diff"):
        result = fix(paths, result, settings)
    if (settings.fmt or "text") == "sarif":
        propose_fixes(result, settings)
    return result


# -- fix ----------------------------------------------------------------------------------------

def _fix_policy(settings: Settings) -> Any:
    from lambda_advisor.fixes.apply import FixPolicy

    return FixPolicy(unsafe=bool(settings.extra.get("unsafe_fixes")),
                     fixable=list(settings.extra.get("fixable") or ["ALL"]),
                     unfixable=list(settings.extra.get("unfixable") or []))


def fix(paths: list[Path], result: ScanResult, settings: Settings) -> ScanResult:
    """Apply the allowed fixes (or only diff them), then scan again so the report shows what is left."""
    from lambda_advisor.fixes.apply import run_fixes

    diff_only = bool(settings.extra.get("diff"))
    policy = _fix_policy(settings)
    outcome = run_fixes(result, settings, policy, write=not diff_only)
    if outcome.new_texts and not diff_only:
        result = scan_paths(paths, settings)
        suppress_and_baseline(result, settings)
    result.meta["fixes"] = outcome.summary()
    if diff_only:  # a report: secrets in its context and changed lines are shown by their length
        from lambda_advisor.report.redact import redact_diff

        result.meta["diff"] = redact_diff(outcome.diff(), result.documents, settings.params.get("LA101"))
    result.notices.extend(outcome.notices())
    return result


def run_audit(options: Any, settings: Settings, *, save: Path | None = None) -> ScanResult:
    """The whole ``audit`` command up to rendering (collect and evaluate live in :mod:`lambda_advisor.audit`)."""
    from lambda_advisor.audit import run_audit as audit_account

    result = audit_account(options, settings, save=save)
    suppress_and_baseline(result, settings)
    return result


def propose_fixes(result: ScanResult, settings: Settings) -> None:
    """For SARIF: each remaining finding's fix as replacements (``result.meta["fix_proposals"]``)."""
    from lambda_advisor.fixes.apply import propose_fixes as propose

    proposals = propose(result, settings, _fix_policy(settings))
    if proposals:
        result.meta["fix_proposals"] = proposals


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
    from lambda_advisor.atomic_write import write_text_atomic
    from lambda_advisor.report import render as render_format
    from lambda_advisor.report.escape import line, terminal
    from lambda_advisor.sources.files import display, printable, printable_json

    if "diff" in result.meta:  # --diff: the diff is the output; exit 1 when there is one (as ruff)
        diff = terminal(printable(str(result.meta["diff"])), multiline=True)
        notes = [] if settings.quiet else [line(printable(f"lambda-advisor: {n}")) for n in result.notices]
        return Rendered(stdout=diff, stderr=notes, exit_code=2 if result.errors else int(bool(diff)))
    fmt = settings.fmt or "text"

    def clean(text: str) -> str:
        """File names that are not UTF-8 reach every format as U+FFFD, never as an encoding error."""
        return printable(printable_json(text) if fmt in ("json", "sarif") else text)

    stdout, color = "", False
    if settings.output is not None or settings.extra.get("statistics"):
        if settings.extra.get("statistics"):
            from lambda_advisor.report import statistics

            text = clean(statistics.render(result, as_json=fmt == "json"))
        else:
            text = clean(render_format(fmt, result, color=False))
        if settings.output is None:
            stdout = text
        else:
            try:
                write_text_atomic(settings.output, text)
            except OSError as exc:
                return Rendered(stdout="", exit_code=2, stderr=[line(
                    f"lambda-advisor: error: cannot write the report to {display(settings.output)}: "
                    f"{exc.strerror or exc}")])
    else:
        from lambda_advisor.report.terminal import use_color

        color = use_color(settings.color, tty) and fmt == "text"
        stdout = clean(render_format(fmt, result, color=color, width=width))
    stderr: list[str] = []
    if not settings.quiet:
        stderr.extend(line(printable(f"lambda-advisor: {notice}")) for notice in result.notices)
    if settings.output is not None or fmt != "text" or settings.extra.get("statistics"):
        # The text report already lists errors; other formats go to tools, so tell the human too.
        stderr.extend(line(printable(f"lambda-advisor: error: {err}")) for err in result.errors)
    code = result.exit_code(settings.fail_on or "low")
    if code == 1 and settings.extra.get("exit_zero"):
        code = 0  # report-only: findings never fail, unreadable inputs (2) and incomplete audits (3) still do
    return Rendered(stdout=stdout, stderr=stderr, exit_code=code, color=color)
