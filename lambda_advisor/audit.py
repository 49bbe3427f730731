"""One live audit: read the account, run the rules, keep the gaps, save a snapshot.

The CLI's ``audit`` command, the demo and the tests all go through
:func:`run_audit`, so they exercise the same path.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from lambda_advisor import pipeline
from lambda_advisor.pipeline import Settings
from lambda_advisor.result import ScanResult
from lambda_advisor.sources.account import AuditError, AuditOptions, TerminalProgress, audit

__all__ = ["AuditError", "AuditOptions", "run_audit"]


def run_audit(options: AuditOptions, settings: Settings, *, save: Path | None = None,
              progress_stream: Any = None) -> ScanResult:
    """Audit the account and evaluate every rule; raises :class:`AuditError` when it cannot start.

    A progress line goes to ``progress_stream`` (default stderr) only when it is a
    terminal and ``settings.quiet`` is off.
    """
    stream = progress_stream if progress_stream is not None else sys.stderr
    if options.progress is None and not settings.quiet and _isatty(stream):
        options.progress = TerminalProgress(stream)
    outcome = audit(options)
    result = pipeline.evaluate(outcome.documents, settings, kind="audit")
    result.gaps = list(outcome.gaps)
    result.meta.update({
        "account": outcome.account,
        "regions": outcome.regions,
        "seconds": round(outcome.seconds, 2),
        "calls": dict(sorted(outcome.calls.items())),
        "failed_calls": dict(sorted(outcome.failed_calls.items())),
    })
    expired = [g for g in outcome.gaps if any(code in m for m in g.missing for code in _EXPIRY_CODES)]
    if expired:
        result.notices.append(f"the AWS credentials expired or were revoked during the audit: {len(expired)} "
                              "functions or regions were not fully read; refresh them and audit again")
    if save is not None:
        from lambda_advisor.sources.snapshot import build_snapshot
        from lambda_advisor.sources.snapshot import save as save_snapshot

        snapshot = build_snapshot(outcome.documents, outcome.gaps, account=outcome.account,
                                  regions=outcome.regions, secret_params=settings.params.get("LA101"))
        save_snapshot(save, snapshot)
        if not settings.quiet:
            result.notices.append(f"snapshot saved to {save} ({len(outcome.documents)} functions, "
                                  f"{len(snapshot['redacted'])} secret values redacted)")
    return result


_EXPIRY_CODES = ("ExpiredToken", "RequestExpired", "InvalidClientTokenId", "UnrecognizedClientException")


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
