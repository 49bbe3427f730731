"""One run, stage by stage: collect, inspect, evaluate, suppress and baseline, (fix,) render.

Every command (``scan``, ``audit``, ``baseline create``), the demo, the tests and
the integrations go through these functions; the CLI only parses options and
prints what :func:`render` hands back. The reading stages (collect, inspect,
evaluate) live one level down in :mod:`lambda_advisor.scanning`, so the fix stage
and the live audit, which this module calls, re-read through them without importing
this module back: imports flow one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_advisor.result import InputError, ScanResult
from lambda_advisor.scanning import (
    Settings,
    build_engine,
    collect,
    evaluate,
    inspect,
    per_file_ignores,
    scan_paths,
)

__all__ = ["Rendered", "Settings", "build_engine", "collect", "evaluate", "fix", "inspect", "per_file_ignores",
           "propose_fixes", "render", "run_audit", "run_scan", "scan_paths", "suppress_and_baseline"]


# -- suppress and baseline ----------------------------------------------------------------------

def suppress_and_baseline(result: ScanResult, settings: Settings) -> None:
    """Apply ``--baseline`` and ``--show-suppressed`` to a finished evaluation."""
    result.meta["show_suppressed"] = bool(settings.extra.get("show_suppressed"))
    if settings.extra.get("baseline"):
        from lambda_advisor.baseline import apply_to_result

        apply_to_result(result, settings)
    if settings.extra.get("frameworks"):  # the reports show each framework's requirements (--framework)
        result.meta["frameworks"] = list(settings.extra["frameworks"])


def run_scan(paths: list[Path], settings: Settings) -> ScanResult:
    """The whole ``scan`` command up to rendering; with ``--fix`` the report shows what is left."""
    result = scan_paths(paths, settings)
    suppress_and_baseline(result, settings)
    if settings.extra.get("fix") or settings.extra.get("diff"):
        result = fix(paths, result, settings)
    if (settings.fmt or "text") == "sarif":
        propose_fixes(result, settings)
    count_fixable(result)
    return result


def count_fixable(result: ScanResult) -> None:
    """How many remaining findings a fix is offered for, safe and unsafe (the report's closing line)."""
    from lambda_advisor.fix_policy import FixPolicy, candidates

    safe = len(candidates(result, FixPolicy(unsafe=False)))
    every = len(candidates(result, FixPolicy(unsafe=True)))
    result.meta["fixable"] = {"safe": safe, "unsafe": every - safe}


# -- fix ----------------------------------------------------------------------------------------

def _fix_policy(settings: Settings) -> Any:
    from lambda_advisor.fix_policy import FixPolicy

    return FixPolicy(unsafe=bool(settings.extra.get("unsafe_fixes")),
                     fixable=list(settings.extra.get("fixable") or ["ALL"]),
                     unfixable=list(settings.extra.get("unfixable") or []))


#: Rounds of fixing at most: each round fixes what the findings left by the previous one allow.
MAX_FIX_ROUNDS = 4


def fix(paths: list[Path], result: ScanResult, settings: Settings) -> ScanResult:
    """Apply the allowed fixes (or only diff them), then scan again so the report shows what is left."""
    from lambda_advisor.fixes.apply import run_fixes

    diff_only = bool(settings.extra.get("diff"))
    policy = _fix_policy(settings)
    outcome = run_fixes(result, settings, policy, write=not diff_only, roots=paths)
    changed = bool(outcome.new_texts)
    rounds = 1
    while changed and not diff_only:
        # Like ruff, fix until nothing changes: a fix refused beside others (their edits meet in one
        # place) applies in the next round, so a second `--fix` never finds more to do.
        result = scan_paths(paths, settings)
        suppress_and_baseline(result, settings)
        if rounds >= MAX_FIX_ROUNDS:
            break
        later = run_fixes(result, settings, policy, write=True, roots=paths)
        changed = bool(later.new_texts)
        outcome.then(later)
        rounds += 1
    result.meta["fixes"] = outcome.summary()
    if diff_only:  # a report: secrets in its context and changed lines are shown by their length
        from lambda_advisor.report.redact import redact_diff

        result.meta["diff"] = redact_diff(outcome.diff(paths), result.documents, settings.params.get("LA101"))
    result.errors.extend(InputError(where, why) for where, why in outcome.not_written)
    result.notices.extend(outcome.notices(written=not diff_only))
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
