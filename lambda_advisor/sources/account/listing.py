"""The audit: regions in parallel, each listed page by page while its functions are read."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from lambda_advisor.model import Document
from lambda_advisor.result import Gap
from lambda_advisor.sources.account.calls import Calls, Failed, Once
from lambda_advisor.sources.account.functions import FunctionReads, log_group_facts
from lambda_advisor.sources.account.gaps import CREDENTIAL_CODES, botocore_errors
from lambda_advisor.sources.account.options import AuditOptions, AuditOutcome
from lambda_advisor.sources.account.pacing import LambdaRateLimiter
from lambda_advisor.sources.account.policies import RoleReader
from lambda_advisor.sources.account.progress import Progress
from lambda_advisor.sources.account.session import (
    client_config,
    endpoint_for,
    home_region,
    open_session,
    resolve_regions,
)
from lambda_advisor.sources.account.shapes import unqualified
from lambda_advisor.sources.account.versions import PublishedVersions, version_documents
from lambda_advisor.sources.account.web import WebReads


def audit(options: AuditOptions) -> AuditOutcome:
    """Read every function of the account in the chosen regions.

    Raises :class:`AuditError` when it cannot start; everything that fails
    after that is a gap in the outcome.
    """
    session, account = open_session(options)
    return audit_account(session, account, options, options.progress or Progress())


def audit_account(session: Any, account: str | None, options: AuditOptions, progress: Progress) -> AuditOutcome:
    """One account, through an open read-only session (the organisation audit calls this per account).

    Raises :class:`AuditError` only when the regions cannot be resolved.
    """
    started = time.monotonic()
    regions = resolve_regions(session, options)
    if options.evidence is not None:
        options.evidence.note_cost_once()
    outcome = AuditOutcome(documents=[], gaps=[], account=account, regions=regions)
    shared = Shared(session, options, outcome, home_region(session, options))
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(len(regions), options.max_regions_in_parallel)),
                                thread_name_prefix="la-region") as pool:
            results = list(pool.map(lambda r: _audit_region(r, shared, progress), regions))
    finally:
        progress.close()
    for docs, gaps in results:
        outcome.documents.extend(docs)
        outcome.gaps.extend(gaps)
    outcome.seconds = time.monotonic() - started
    return outcome


def _audit_region(region: str, shared: Shared, progress: Progress) -> tuple[list[Document], list[Gap]]:
    try:
        return RegionAudit(region, shared, progress).run()
    except Exception as exc:  # one broken region must not end the audit unreported
        return [], [Gap(where=region, region=region, missing=[f"lambda-advisor: {type(exc).__name__}: {exc}"])]


#: Words AWS puts in an AccessDenied message when an organisation policy, not the role, refuses.
_POLICY_DENIAL = ("service control policy", "explicit deny", "resource control policy", "permissions boundary")


def denied_by_scp(failed: Failed) -> bool:
    """An AccessDenied that AWS attributes to a service control policy (not the role, not a boundary)."""
    return failed.code in {"AccessDenied", "AccessDeniedException"} and \
        "service control policy" in failed.reason.lower()


class Shared:
    """What all regions share: the session, IAM (global) and its caches, the call counters."""

    def __init__(self, session: Any, options: AuditOptions, outcome: AuditOutcome, home: str) -> None:
        self.session = session
        self.home = home
        self.options = options
        self.outcome = outcome
        self.lock = threading.Lock()
        self.calls = Calls(outcome, self.lock)
        self._iam: Any = None
        self._iam_lock = threading.Lock()
        self._create_lock = threading.Lock()  # a boto3 Session is not thread-safe; its clients are
        self._roles = RoleReader(self.calls, self.iam)

    def client(self, service: str, region: str, pool: int, limiter: Any = None, purpose: str = "",
               attempts: int | None = None) -> Any:
        config = client_config(self.options, pool)
        if attempts is not None:
            from botocore.config import Config

            config = config.merge(Config(retries={"mode": "adaptive", "total_max_attempts": attempts}))
        with self._create_lock:
            client = self.session.client(service, region_name=region,
                                         endpoint_url=endpoint_for(self.options, region), config=config)
        if limiter is not None:
            client.meta.events.register(f"before-send.{service}", limiter)
        client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}",
                                    self.calls.count_attempt(region))
        if self.options.client_hook is not None:
            self.options.client_hook(f"{service}:{purpose}" if purpose else service, region, client)
        return client

    def note(self, notice: str) -> None:
        with self.lock:
            self.outcome.notices.append(notice)

    def note_version_budget(self, what: str) -> None:
        """A function whose older versions' policies the ``--max-versions`` budget left unread."""
        with self.lock:
            self.outcome.version_budget.append(what)

    def iam(self) -> Any:
        with self._iam_lock:
            if self._iam is None:
                self._iam = self.client("iam", self.home, self.options.workers_per_region)
            return self._iam

    def role(self, role_arn: str, account: str | None) -> tuple[dict[str, Any], list[str]]:
        return self._roles.role(role_arn, account)

    def region_refused(self, region: str, failed: Failed) -> str:
        """Why a region could not be listed, told apart: denied by an organisation policy, not
        enabled for the account (an opt-in region), or the error itself."""
        if failed.code in {"AccessDenied", "AccessDeniedException"} and any(
                w in failed.reason.lower() for w in _POLICY_DENIAL):
            return (f"region denied by policy (an SCP or permissions boundary): {failed}; "
                    f"leave it out with --exclude-region {region}")
        if failed.code in CREDENTIAL_CODES:
            status = self._opt_in_status(region)
            if status == "not-opted-in":
                return (f"region not enabled for this account (opt-in region): {failed}; "
                        f"enable it or leave it out with --exclude-region {region}")
        return str(failed)

    def _opt_in_status(self, region: str) -> str | None:
        ec2 = self.client("ec2", self.home, 2)
        got = self.calls.call(self.home, ec2, "DescribeRegions", RegionNames=[region], AllRegions=True)
        if isinstance(got, dict) and got.get("Regions"):
            status: str | None = got["Regions"][0].get("OptInStatus")
            return status
        return None


class RegionAudit(FunctionReads, WebReads):
    """One region: its clients, its region-wide facts, its listing; the functions read as they are listed.

    Event Functions come from ListFunctions, Web Functions from lambda-web's ListWebFunctions
    (:class:`WebReads`); MicroVM images are counted, never read as functions.
    """

    def __init__(self, region: str, shared: Shared, progress: Progress) -> None:
        self.region = region
        self.shared = shared
        self.options = shared.options
        self.calls = shared.calls
        self.progress = progress
        workers = self.options.workers_per_region
        limiter = LambdaRateLimiter(self.options.quotas, self.options.headroom)
        # One client per quota bucket: botocore's adaptive retry mode keeps its throttling state
        # per client, so a 429 on GetPolicy must not slow GetFunction or the other calls down.
        self.lam = shared.client("lambda", region, workers, limiter)
        self.lam_get = shared.client("lambda", region, workers, limiter, purpose="GetFunction")
        self.lam_policy = shared.client("lambda", region, workers, limiter, purpose="GetPolicy")
        self.lam_list = shared.client("lambda", region, 2, limiter, purpose="ListFunctions")
        self.lam_mappings = shared.client("lambda", region, 2, limiter, purpose="ListEventSourceMappings")
        self.lam_settings = shared.client("lambda", region, 1, limiter, purpose="GetAccountSettings")
        self._sqs: Any = None
        self._logs: Any = None
        self._lazy = threading.Lock()
        self.layers = Once()
        self.queues = Once()
        self._facts_started = False
        self._mappings_future: Future[tuple[dict[str, list[dict[str, Any]]], Failed | None]] | None = None
        self._log_groups_future: Future[tuple[dict[str, dict[str, Any]], Failed | None]] | None = None
        self._subnet_zones = Once()
        self.custom_log_groups = Once()
        self.account_settings = Once()
        self.account_retention = Once()
        self.layer_policies = Once()
        self.apis = Once()
        self._other_clients: dict[str, Any] = {}
        self._limiter = limiter

    def sqs(self) -> Any:
        with self._lazy:
            if self._sqs is None:
                self._sqs = self.shared.client("sqs", self.region, self.options.workers_per_region)
            return self._sqs

    def client_for(self, service: str) -> Any:
        """A client of a service outside Lambda's quotas (API Gateway), made once per region."""
        with self._lazy:
            if service not in self._other_clients:
                self._other_clients[service] = self.shared.client(service, self.region, 2)
            return self._other_clients[service]

    def lambda_client(self, service: str) -> Any:
        """A client of Lambda's newer APIs (lambda-web, lambda-core; s3 for package URLs), made once per
        region; the Lambda ones share the region's control-plane pacing."""
        with self._lazy:
            if service not in self._other_clients:
                limiter = self._limiter if service.startswith("lambda") else None
                self._other_clients[service] = self.shared.client(service, self.region,
                                                                  self.options.workers_per_region, limiter)
            return self._other_clients[service]

    def log_groups(self) -> tuple[dict[str, dict[str, Any]], Failed | None]:
        assert self._log_groups_future is not None
        return self._log_groups_future.result()

    def logs(self) -> Any:
        with self._lazy:
            if self._logs is None:
                self._logs = self.shared.client("logs", self.region, self.options.workers_per_region)
            return self._logs

    def run(self) -> tuple[list[Document], list[Gap]]:
        """List the region page by page; each function starts while the next page is read.

        The region-wide facts (event source mappings, log groups) are read alongside, once the
        region turns out to have functions; a function waits for them only after its own calls.
        Web Functions are listed after the Event Functions, MicroVM images counted alongside.
        """
        gaps: list[Gap] = []
        region_missing: list[str] = []  # what the region's listings could not read: one gap for the region
        errors = botocore_errors()
        futures: list[Future[list[tuple[Document, list[str]]]]] = []
        listed = 0
        published = PublishedVersions()
        latest_configs: dict[str, dict[str, Any]] = {}
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"la-{self.region}-facts") as side, \
                ThreadPoolExecutor(max_workers=self.options.workers_per_region,
                                   thread_name_prefix=f"la-{self.region}") as pool:
            images = side.submit(self._count_microvm_images)
            try:
                # FunctionVersion=ALL: every published version's configuration comes with the listing.
                every = {"FunctionVersion": "ALL"} if self.options.max_versions >= 0 else {}
                for page in self.lam_list.get_paginator("list_functions").paginate(**every):
                    configs = []
                    for config in page.get("Functions") or []:
                        if config.get("Version") in (None, "$LATEST"):
                            configs.append(config)
                            latest_configs[unqualified(str(config.get("FunctionArn", "")))] = config
                        else:
                            published.add(config)
                    if configs:
                        self._start_facts(side)
                    listed += len(configs)
                    self.progress.region_total(self.region, listed)
                    futures += [pool.submit(self._function, config) for config in configs]
            except (errors.ClientError, errors.BotoCoreError, OSError) as exc:
                failed = self.calls._failed(self.region, self.lam_list, "ListFunctions", exc)
                what = "region could not be listed" if not listed else f"listing stopped after {listed} functions"
                if not listed and denied_by_scp(failed):
                    # An organisation that closes regions (AWS Control Tower's Region deny control): nothing
                    # of this account runs there for the role either, so it is a fact to state, not a gap.
                    self.shared.note(f"region {self.region} not audited: a service control policy denies it "
                                     f"({failed.code}); as AWS Control Tower's Region deny control does; leave "
                                     f"it out with --exclude-region {self.region}")
                    self.shared.outcome.denied_regions.append(self.region)
                else:
                    reason = self.shared.region_refused(self.region, failed)
                    region_missing.append(f"{reason} ({what})")
            webs, why = self.list_web_functions()
            if why:
                region_missing.append(f"{why} (Web Functions {'not listed' if not webs else 'partly listed'})")
            web_futures = [pool.submit(self.web_function, summary) for summary in webs]
            if webs:
                self._start_facts(side)
                listed += len(webs)
            self.progress.region_total(self.region, listed)
            read = [pair for future in futures for pair in future.result()]
            read += self._published_versions(read, published, latest_configs)
            read += [future.result() for future in web_futures]
            docs: list[Document] = []
            for doc, missing in read:
                docs.append(doc)
                if missing:
                    gaps.append(Gap(where=doc["id"], region=self.region, missing=missing))
            count, why = images.result()
            if why:
                region_missing.append(f"{why} (MicroVM images not counted)")
            if region_missing:
                gaps.insert(0, Gap(where=self.region, region=self.region, missing=region_missing))
            if count:
                with self.shared.lock:
                    self.shared.outcome.inventory["microvm_images"] += count
        if self.options.evidence is not None and docs:
            self._evidence(docs)
        return docs, gaps

    def _evidence(self, docs: list[Document]) -> None:
        from lambda_advisor.sources.account.evidence import read_region_evidence

        assert self.options.evidence is not None
        tally = read_region_evidence(self, docs, self.options.evidence)
        outcome = self.shared.outcome
        with self.shared.lock:
            outcome.notices += tally.notices
            outcome.evidence_metrics += tally.metrics
            outcome.evidence_calls += tally.get_metric_data_calls

    def _start_facts(self, side: ThreadPoolExecutor) -> None:
        if not self._facts_started:
            self._facts_started = True
            self._mappings_future = side.submit(self._list_mappings)
            self._log_groups_future = side.submit(self._list_log_groups)

    def _count_microvm_images(self) -> tuple[int, str | None]:
        """MicroVM images are not functions: counted for the inventory, never judged."""
        client = self.lambda_client("lambda-microvms")
        items, failed = self.calls.pages(self.region, client, "ListMicrovmImages", "items", count_failure=False)
        if failed is None:
            return len(items), None
        if failed.code in {"404", "UnknownOperationException"} and not items:
            return 0, None  # this endpoint does not serve lambda-microvms
        self.calls.count_failure(self.region, client, "ListMicrovmImages")
        return len(items), str(failed)

    def _published_versions(self, read: list[tuple[Document, list[str]]], published: PublishedVersions,
                            latest_configs: dict[str, dict[str, Any]]) -> list[tuple[Document, list[str]]]:
        """Documents of the published versions no alias covers (see ``versions``), function by function."""
        if not published.count or self.options.max_versions < 0:
            return []
        out: list[tuple[Document, list[str]]] = []
        for doc, missing in read:
            config = latest_configs.get(str(doc["id"]))
            if config is None or (doc.get("extra") or {}).get("version_of"):
                continue
            before = len(doc.get("errors") or [])
            found, unread = version_documents(self, doc, config, published, self.options.max_versions)
            missing.extend((doc.get("errors") or [])[before:])
            out += found
            if unread:
                self.shared.note_version_budget(f"{doc['name']} ({self.region}): {unread} of "
                                                f"{len(published.numbers(str(doc['id'])))}")
        return out

    def _list_mappings(self) -> tuple[dict[str, list[dict[str, Any]]], Failed | None]:
        items, failed = self.calls.pages(self.region, self.lam_mappings, "ListEventSourceMappings", "EventSourceMappings")
        mappings: dict[str, list[dict[str, Any]]] = {}
        for m in items:
            mappings.setdefault(unqualified(m.get("FunctionArn", "")), []).append(m)
        return mappings, failed

    def _list_log_groups(self) -> tuple[dict[str, dict[str, Any]], Failed | None]:
        groups, failed = self.calls.pages(self.region, self.logs(), "DescribeLogGroups", "logGroups",
                                          logGroupNamePrefix="/aws/lambda/")
        return {g["logGroupName"]: log_group_facts(g) for g in groups}, failed

    def subnet_zones(self) -> tuple[dict[str, str], Failed | None]:
        """Subnet ID -> Availability Zone for the whole region, read once when a VPC function needs it."""
        result: tuple[dict[str, str], Failed | None] = self._subnet_zones.get("all", self._read_subnets)
        return result

    def _read_subnets(self) -> tuple[dict[str, str], Failed | None]:
        ec2 = self.shared.client("ec2", self.region, 2)
        subnets, failed = self.calls.pages(self.region, ec2, "DescribeSubnets", "Subnets")
        return {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}, failed
