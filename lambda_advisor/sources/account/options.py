"""What an audit is asked to do (:class:`AuditOptions`) and what it found (:class:`AuditOutcome`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Document
from lambda_advisor.result import Gap
from lambda_advisor.sources.account.pacing import DEFAULT_HEADROOM, LAMBDA_QUOTAS

if TYPE_CHECKING:
    from lambda_advisor.sources.account.progress import Progress


class AuditError(Exception):
    """The audit cannot start (credentials, profile, no region): one clear message, exit 2."""


class ReadOnlyViolation(Exception):
    """Raised by the before-call hook when something tries to change the account."""


# --------------------------------------------------------------------------- options and outcome

#: ``inspect_code(document, code_location_url, layers)``: ``layers`` maps each layer version
#: ARN to its content URL (None when unknown). Called once per function from a worker thread;
#: it may add ``code.inspection`` to the document. An exception becomes a gap for that function.
InspectCode = Callable[[Document, "str | None", "dict[str, str | None]"], None]


@dataclass
class AuditOptions:
    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    all_regions: bool = False
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
    #: (one per quota), "lambda:ListFunctions" (the listing thread) and "lambda" (every other call).
    client_hook: Callable[[str, str, Any], None] | None = None


@dataclass
class AuditOutcome:
    documents: list[Document]
    gaps: list[Gap]
    account: str | None
    regions: list[str]
    calls: Counter[str] = field(default_factory=Counter)  # "region service Operation" -> attempts
    failed_calls: Counter[str] = field(default_factory=Counter)  # same keys: calls given up on
    seconds: float = 0.0
