"""A whole organisation: every active account, each audited through a role assumed in it.

Run with management-account (or delegated administrator) credentials:
``organizations:ListAccounts`` (paginated) names the accounts; one that is not
active (suspended, closed, pending closure) cannot be audited and is listed as
skipped with its state, never dropped in silence. ``--shard K/N`` keeps one
deterministic share of the chosen accounts (see ``shard``). The
caller's own account is audited with the current credentials and every other
one by assuming ``arn:<partition>:iam::<account>:role/<role name>`` (refreshable
credentials). Each account has its own Lambda quotas, so several accounts run in
parallel, each with its regions in parallel as a single-account audit does.

An account whose role cannot be assumed (or whose regions cannot be listed) is a
gap naming the account and the reason; the others go on. ``on_account`` is
called as each account finishes, so ``--save DIR`` keeps what a run that stops
halfway had already finished.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lambda_advisor.result import Gap
from lambda_advisor.sources.account.gaps import botocore_errors, describe_error
from lambda_advisor.sources.account.listing import audit_account
from lambda_advisor.sources.account.options import AuditError, AuditOptions, AuditOutcome
from lambda_advisor.sources.account.progress import Progress
from lambda_advisor.sources.account.session import (
    assumed_session,
    base_session,
    caller_identity,
    client_config,
    endpoint_for,
    home_region,
)
from lambda_advisor.sources.account.shard import Shard


@dataclass
class OrgOptions:
    role_name: str
    #: Only these account IDs (``--accounts``); empty: every active account.
    accounts: list[str] = field(default_factory=list)
    exclude_accounts: list[str] = field(default_factory=list)
    accounts_in_parallel: int = 4
    #: ``--shard K/N``: only this share of the chosen accounts.
    shard: Shard | None = None
    #: Called with each account's outcome as soon as that account is done (from a worker thread).
    on_account: Callable[[AuditOutcome], None] | None = None


def list_accounts(session: Any, options: AuditOptions, home: str) -> dict[str, tuple[str, str]]:
    """Account ID -> (name, state) of every account the organisation lists (ListAccounts, every page).

    ``State`` replaces the deprecated ``Status``; ``ACTIVE`` in either is a live account.
    """
    errors = botocore_errors()
    org = session.client("organizations", region_name=home, endpoint_url=endpoint_for(options, home),
                         config=client_config(options, 2))
    if options.client_hook is not None:
        options.client_hook("organizations", home, org)
    accounts: dict[str, tuple[str, str]] = {}
    try:
        for page in org.get_paginator("list_accounts").paginate():
            for acct in page.get("Accounts") or []:
                state = str(acct.get("State") or acct.get("Status") or "UNKNOWN")
                accounts[str(acct["Id"])] = (str(acct.get("Name") or ""), state)
    except (errors.ClientError, errors.BotoCoreError) as exc:
        raise AuditError(f"cannot list the organisation's accounts (organizations:ListAccounts): "
                         f"{describe_error(exc)}; run with management-account or delegated administrator "
                         "credentials, or audit accounts one by one with --role-arn") from exc
    return accounts


def choose_accounts(listed: dict[str, tuple[str, str]], org: OrgOptions) -> tuple[list[str], list[dict[str, str]]]:
    """The accounts to audit, and those skipped because they are not active (with their state).

    ``--accounts`` (or every listed account), less ``--exclude-accounts``, then this job's
    ``--shard``: the share is cut before inactive accounts are set aside, so each skipped
    account is reported by exactly one shard.
    """
    excluded = set(org.exclude_accounts)
    candidates = [a for a in dict.fromkeys(org.accounts or sorted(listed)) if a not in excluded]
    if org.shard is not None:
        candidates = org.shard.take(candidates)
    chosen: list[str] = []
    skipped: list[dict[str, str]] = []
    for account in candidates:
        name, state = listed.get(account, ("", "ACTIVE"))  # unknown IDs are audited and become gaps
        if state == "ACTIVE":
            chosen.append(account)
        else:
            skipped.append({"account": account, "name": name, "reason": f"account is {state.lower()}"})
    return chosen, skipped


def organization_accounts(options: AuditOptions, org: OrgOptions) -> tuple[list[str], list[dict[str, str]]]:
    """``--list-accounts``: the accounts an audit with these options would audit, and those it would skip,
    from one ListAccounts; a pipeline lists them once and hands the same list to every job."""
    base = base_session(options)
    home = home_region(base, options)
    caller_identity(base, options, home)
    return choose_accounts(list_accounts(base, options, home), org)


def audit_organization(options: AuditOptions, org: OrgOptions) -> AuditOutcome:
    """Every chosen account of the organisation; raises :class:`AuditError` only when it cannot start."""
    started = time.monotonic()
    base = base_session(options)
    home = home_region(base, options)
    identity = caller_identity(base, options, home)
    me = str(identity.get("Account"))
    partition = str(identity.get("Arn", "arn:aws:")).split(":")[1] or "aws"
    listed = list_accounts(base, options, home)
    active = {a: name for a, (name, state) in listed.items() if state == "ACTIVE"}
    chosen, skipped = choose_accounts(listed, org)
    outcome = AuditOutcome(documents=[], gaps=[], account=me, regions=[], account_names=dict(active),
                           accounts=list(chosen), skipped_accounts=skipped)
    for entry in skipped:
        if entry["name"]:
            outcome.account_names[entry["account"]] = entry["name"]
    progress = options.progress or Progress()
    progress.accounts_total(len(chosen))
    lock = threading.Lock()

    def one(account: str) -> None:
        progress.account_started(account)
        try:
            result = _audit_one(account, base, options, org, partition, home, me, active, progress)
        finally:
            progress.account_done(account)
        if active.get(account):
            result.account_names = {account: active[account]}
        with lock:
            outcome.documents.extend(result.documents)
            outcome.gaps.extend(result.gaps)
            outcome.version_budget.extend(f"{account}: {v}" for v in result.version_budget)
            outcome.notices.extend(f"account {account}: {n}" for n in result.notices)
            outcome.denied_regions = sorted(set(outcome.denied_regions) | set(result.denied_regions))
            outcome.regions = sorted(set(outcome.regions) | set(result.regions))
            for key, n in result.calls.items():
                outcome.calls[f"{account} {key}"] += n
            for key, n in result.failed_calls.items():
                outcome.failed_calls[f"{account} {key}"] += n
            outcome.notices += [f"{account} {n}" for n in result.notices]
            outcome.evidence_metrics += result.evidence_metrics
            outcome.evidence_calls += result.evidence_calls
            outcome.inventory.update(result.inventory)
        if org.on_account is not None:
            org.on_account(result)

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(len(chosen), org.accounts_in_parallel)),
                                thread_name_prefix="la-account") as pool:
            list(pool.map(one, chosen))
    finally:
        progress.close()
    outcome.seconds = time.monotonic() - started
    return outcome


def _audit_one(account: str, base: Any, options: AuditOptions, org: OrgOptions, partition: str, home: str,
               me: str, active: dict[str, str], progress: Progress) -> AuditOutcome:
    def gap(reason: str) -> AuditOutcome:
        return AuditOutcome(documents=[], gaps=[Gap(where=f"account {account}", region=None, missing=[reason])],
                            account=account, regions=[])

    if account not in active:
        return gap(f"account {account} is not an active account of the organisation")
    try:
        if account == me:
            session = base
        else:
            role_arn = f"arn:{partition}:iam::{account}:role/{org.role_name}"
            session = assumed_session(base, role_arn, options, home, external_id=options.external_id)
            assumed = caller_identity(session, dataclasses.replace(options, role_arn=role_arn), home)
            if str(assumed.get("Account")) != account:
                return gap(f"role {role_arn} answered for account {assumed.get('Account')}, not {account}")
        return audit_account(session, account, options, progress.for_account(account))
    except AuditError as exc:
        return gap(str(exc))
    except Exception as exc:  # one broken account must not end the audit unreported
        return gap(f"lambda-advisor: {type(exc).__name__}: {exc}")
