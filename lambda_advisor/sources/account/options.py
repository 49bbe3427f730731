"""What an audit is asked to do (:class:`AuditOptions`) and what it found (:class:`AuditOutcome`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Document
from lambda_advisor.result import Gap
from lambda_advisor.sources.account.pacing import DEFAULT_HEADROOM, LAMBDA_QUOTAS

if TYPE_CHECKING:
    from lambda_advisor.sources.account.evidence import EvidenceOptions
    from lambda_advisor.sources.account.organization import OrgOptions
    from lambda_advisor.sources.account.progress import Progress


class AuditError(Exception):
    """The audit cannot start (credentials, profile, no region): one clear message, exit 2."""


class ReadOnlyViolation(Exception):
    """Raised by the before-call hook when something tries to change the account."""


# --------------------------------------------------------------------------- options and outcome

class FreshUrl:
    """A presigned URL (code or layer content) that is read again when it may have expired.

    AWS signs ``Code.Location`` for 10 minutes, while ``--inspect-code`` may queue a
    download behind others for longer: :meth:`get`, called just before the download,
    returns the URL read with the function if it is recent and otherwise reads it anew.
    """

    #: Younger than this, the URL read with the function is used as it is.
    MAX_AGE_S = 300.0

    def __init__(self, url: str | None, refetch: Callable[[], str | None]) -> None:
        self.url = url
        self._refetch = refetch
        self._stamp = time.monotonic()

    def __bool__(self) -> bool:
        return self.url is not None

    def get(self) -> str | None:
        if self.url is not None and time.monotonic() - self._stamp > self.MAX_AGE_S:
            self.url = self._refetch() or self.url
            self._stamp = time.monotonic()
        return self.url


#: ``inspect_code(document, code_url, layers)``: ``layers`` maps each layer version ARN to
#: its content URL; each URL is a :class:`FreshUrl` (falsy when unknown) to resolve with
#: ``get()`` just before downloading. Called once per function from a worker thread; it may
#: add ``code.inspection`` to the document. An exception becomes a gap for that function.
InspectCode = Callable[[Document, FreshUrl, "dict[str, FreshUrl]"], None]


@dataclass
class AuditOptions:
    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    all_regions: bool = False
    #: Regions never audited (for example regions an SCP denies).
    exclude_regions: list[str] = field(default_factory=list)
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None  # falls back to AWS_ENDPOINT_URL (botocore reads it too)
    #: Region -> endpoint, overriding ``endpoint_url`` (tests: one unreachable region).
    region_endpoints: dict[str, str] = field(default_factory=dict)
    workers_per_region: int = 10
    max_regions_in_parallel: int = 8
    quotas: dict[str, float] = field(default_factory=lambda: dict(LAMBDA_QUOTAS))
    headroom: float = DEFAULT_HEADROOM
    max_attempts: int = 8  # in all, the first attempt included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    inspect_code: InspectCode | None = None
    progress: Progress | None = None
    #: Called with (service, region, client) for every client the audit creates (tests attach
    #: botocore Stubbers here). The Lambda clients are "lambda:GetFunction", "lambda:GetPolicy"
    #: (one per quota), "lambda:ListFunctions" (the listing thread), "lambda:ListEventSourceMappings"
    #: (the region's mappings), "lambda:GetAccountSettings" (once per region) and "lambda" (every
    #: other per-function call, in the order of :meth:`FunctionReads._read_function`);
    #: "sts:AssumeRole" for each refresh of assumed credentials.
    client_hook: Callable[[str, str, Any], None] | None = None
    #: ``--org-role``: audit every chosen account of the organisation (see ``organization``).
    org: OrgOptions | None = None
    #: Read API Gateway integration timeouts (LA206, opt-in for live audits, is selected).
    read_api_integrations: bool = False
    #: Snapshots keep environment values in clear (LA101's finds are redacted all the same).
    keep_env_values: bool = False
    #: ``--evidence``: read CloudWatch metrics and Compute Optimizer (see ``evidence``); None: off.
    evidence: EvidenceOptions | None = None
    #: Version-qualified policies read per function, newest first (one GetPolicy each); -1: no versions.
    max_versions: int = 10


@dataclass
class AuditOutcome:
    documents: list[Document]
    gaps: list[Gap]
    account: str | None
    regions: list[str]
    calls: Counter[str] = field(default_factory=Counter)  # "region service Operation" -> attempts
    failed_calls: Counter[str] = field(default_factory=Counter)  # same keys: calls given up on
    seconds: float = 0.0
    #: Account ID -> name, for an organisation audit.
    account_names: dict[str, str] = field(default_factory=dict)
    #: The accounts an organisation audit covered (audited or gaps), in order.
    accounts: list[str] = field(default_factory=list)
    #: Accounts an organisation audit chose but could not audit (suspended, closed): account, name, reason.
    skipped_accounts: list[dict[str, str]] = field(default_factory=list)
    #: What the audit wants said that is no gap (evidence not read, and why).
    notices: list[str] = field(default_factory=list)
    #: Evidence: metrics requested from CloudWatch GetMetricData, and its calls.
    evidence_metrics: int = 0
    evidence_calls: int = 0
    #: "function (region): unread of total" for functions with more versions than ``max_versions``.
    version_budget: list[str] = field(default_factory=list)
    #: Regions a service control policy denies (not audited, not a gap).
    denied_regions: list[str] = field(default_factory=list)
    #: What the account holds besides functions, counted apart: "microvm_images" -> number.
    inventory: Counter[str] = field(default_factory=Counter)
