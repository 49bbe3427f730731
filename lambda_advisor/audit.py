"""One live audit: read the account, run the rules, keep the gaps, save a snapshot.

The CLI's ``audit`` command, the demo and the tests all go through
:func:`run_audit`, so they exercise the same path.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lambda_advisor import scanning
from lambda_advisor.audit_scope import audit_scope
from lambda_advisor.result import ScanResult
from lambda_advisor.scanning import Settings
from lambda_advisor.sources.account import (
    AuditError,
    AuditOptions,
    AuditOutcome,
    TerminalProgress,
    audit,
)

__all__ = ["AuditError", "AuditOptions", "run_audit"]


def run_audit(options: AuditOptions, settings: Settings, *, save: Path | None = None,
              progress_stream: Any = None) -> ScanResult:
    """Audit the account (or, with ``options.org``, the organisation) and evaluate every rule.

    Raises :class:`AuditError` when it cannot start. A progress line goes to
    ``progress_stream`` (default stderr) only when it is a terminal and
    ``settings.quiet`` is off. ``save`` is a snapshot file, or a folder (an
    organisation audit, or an existing folder) that gets one ``<account>.json``
    per account, each written as soon as that account is done.
    """
    if "LA206" in settings.select or "ALL" in settings.select:
        options.read_api_integrations = True  # the facts LA206 needs live cost calls: only when asked
    stream = progress_stream if progress_stream is not None else sys.stderr
    if options.progress is None and not settings.quiet and _isatty(stream):
        options.progress = TerminalProgress(stream)
    folder = save is not None and (options.org is not None or save.is_dir())
    saved: list[Path] = []
    secret_params = settings.params.get("LA101")
    started = datetime.now(timezone.utc)
    if options.org is not None:
        from lambda_advisor.sources.account.organization import audit_organization

        if folder:
            assert save is not None
            folder_path = save

            def write(done: AuditOutcome) -> None:
                saved.append(_save(folder_path / f"{done.account}.json", done, options, secret_params,
                                   done.account_names.get(str(done.account))))

            options.org.on_account = write
        outcome = audit_organization(options, options.org)
        if folder:
            for entry in outcome.skipped_accounts:  # named in the merged report of a folder of snapshots
                empty = AuditOutcome(documents=[], gaps=[], account=entry["account"], regions=[])
                saved.append(_save(folder_path / f"{entry['account']}.json", empty, options, secret_params,
                                   entry.get("name") or None, skipped=entry["reason"]))
    else:
        outcome = audit(options)
        if save is not None:
            target = save / f"{outcome.account}.json" if folder else save
            saved.append(_save(target, outcome, options, secret_params, None))
    result = scanning.evaluate(outcome.documents, settings, kind="audit")
    result.gaps = list(outcome.gaps)
    result.meta.update({
        "account": outcome.account,
        "regions": outcome.regions,
        "seconds": round(outcome.seconds, 2),
        "calls": dict(sorted(outcome.calls.items())),
        "failed_calls": dict(sorted(outcome.failed_calls.items())),
        "inventory": dict(sorted(outcome.inventory.items())),
    })
    if options.org is not None:
        result.meta["accounts"] = outcome.accounts
        result.meta["account_names"] = dict(outcome.account_names)
    shard = options.org.shard if options.org is not None else None
    result.meta["scope"] = audit_scope(
        accounts=outcome.accounts if options.org is not None else [a for a in [outcome.account] if a],
        regions=outcome.regions or list(options.regions), started=started, finished=datetime.now(timezone.utc),
        documents=outcome.documents, skipped_accounts=outcome.skipped_accounts,
        shard=str(shard) if shard is not None else None, counted_apart=dict(outcome.inventory))
    if outcome.denied_regions:
        result.meta["scope"]["regions_denied"] = list(outcome.denied_regions)
    result.notices.extend(outcome.notices)
    if outcome.version_budget:
        shown = "; ".join(outcome.version_budget[:5]) + ("; …" if len(outcome.version_budget) > 5 else "")
        result.notices.append(f"{len(outcome.version_budget)} functions have more published versions than "
                              f"--max-versions {options.max_versions}: their configurations were all judged, but "
                              f"the resource policies of the older versions were not read ({shown})")
    if outcome.skipped_accounts:
        named = ", ".join(f"{s['account']} ({s['reason']})" for s in outcome.skipped_accounts[:10])
        more = len(outcome.skipped_accounts) - 10
        result.notices.append(f"{len(outcome.skipped_accounts)} accounts of the organisation not audited: {named}"
                              + (f" and {more} more" if more > 0 else ""))
    if options.evidence is not None:
        _evidence_meta(result, outcome, options)
    expired = [g for g in outcome.gaps if not any(m.startswith(_NOT_EXPIRY) for m in g.missing)
               and any(code in m for m in g.missing for code in _EXPIRY_CODES)]
    if expired:
        result.notices.append(f"the AWS credentials expired or were revoked during the audit: {len(expired)} "
                              "functions or regions were not fully read; refresh them and audit again")
    if saved and not settings.quiet:
        where = saved[0] if len(saved) == 1 else f"{save}/ ({len(saved)} accounts)"
        result.notices.append(f"snapshot saved to {where} ({len(outcome.documents)} functions, environment "
                              f"values {'kept except secrets' if options.keep_env_values else 'redacted'})")
    return result


def _evidence_meta(result: ScanResult, outcome: AuditOutcome, options: AuditOptions) -> None:
    """What the evidence cost (metrics requested, calls, dollars) and what could not be read."""
    from lambda_advisor.sources.account.evidence import cost_text, cost_usd

    assert options.evidence is not None
    result.meta["evidence"] = {"days": options.evidence.days, "metrics_requested": outcome.evidence_metrics,
                               "get_metric_data_calls": outcome.evidence_calls,
                               "cost_usd": round(cost_usd(outcome.evidence_metrics), 6)}
    result.notices += [f"evidence: {n}" for n in outcome.notices]
    result.notices.append(f"evidence: requested {cost_text(outcome.evidence_metrics)} in {outcome.evidence_calls} "
                          f"GetMetricData call{'s' if outcome.evidence_calls != 1 else ''}")


def _save(path: Path, outcome: AuditOutcome, options: AuditOptions, secret_params: Any,
          account_name: str | None, skipped: str | None = None) -> Path:
    from lambda_advisor.sources.snapshot import build_snapshot
    from lambda_advisor.sources.snapshot import save as save_snapshot

    snapshot = build_snapshot(outcome.documents, outcome.gaps, account=outcome.account, regions=outcome.regions,
                              secret_params=secret_params, keep_values=options.keep_env_values,
                              account_name=account_name, skipped=skipped)
    save_snapshot(path, snapshot)
    return path


#: Gaps that carry a credentials error code but are not about expired credentials.
_NOT_EXPIRY = ("region not enabled", "region denied by policy")
_EXPIRY_CODES = ("ExpiredToken", "RequestExpired", "InvalidClientTokenId", "UnrecognizedClientException")


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
