"""Live account source: every Lambda function of an account, read through boto3.

What it answers: which functions does this account have, in which regions, and
how is each configured? It returns function documents (the same shape the
template source produces) plus the gaps: functions or regions it could not
fully read, with the calls that failed and why. Nothing ListFunctions returned
is dropped.

Design, because Lambda's control plane is rate limited per account and region
(GetFunction 100/s, GetPolicy 15/s, every other control-plane call 15/s
together):

* ListFunctions already carries most of the configuration; per function we add
  GetFunction (tags, reserved concurrency, state, code location), GetPolicy
  (resource policy) and ListAliases (the qualifiers production traffic goes
  through; each alias's policy, and the configuration of the version it routes
  to, are read too). Event invoke configs (every
  qualifier's, one call) are read only for asynchronously invoked functions, URL
  configs (every qualifier's, one call) only where a policy grants
  ``lambda:InvokeFunctionUrl``, RecursiveLoop only where SQS, SNS or S3 trigger.
* Region-wide facts are read once per region (ListEventSourceMappings,
  DescribeLogGroups by prefix, DescribeSubnets when a VPC function needs it),
  shared facts once per audit (IAM roles and managed policies, layer versions,
  SQS queues), whatever number of functions use them.
* Regions run in parallel, each with a bounded pool, a client-side token bucket
  per quota (half of each quota by default: the rest is left to deployments)
  and botocore adaptive retries; organisations run several accounts at once.
* Read-only is enforced by a ``before-call`` hook on the session: any
  operation that is not Get*/List*/Describe* (or STS AssumeRole) is refused
  before it is signed or sent.

Permissions: ``docs/audit.md`` lists them (all read-only; a missing one is a
gap, never a crash).

boto3 is imported inside functions only: ``scan`` never pays for it.

The package, by concern: ``options`` (what is asked, what was found),
``session`` (read-only session, client settings, regions), ``pacing`` (quotas),
``calls`` and ``gaps`` (calls that never raise; why one failed), ``listing``
(regions, pages, region-wide facts), ``functions`` (per-function reads),
``policies`` (resource policies, execution roles), ``qualifiers`` (aliases:
their policies, URLs and event invoke configs), ``shapes`` (API shapes to
documents), ``organization`` (every account of an organisation), ``progress``
(the terminal line).
"""

from lambda_advisor.sources.account.calls import NOT_FOUND, Failed
from lambda_advisor.sources.account.gaps import describe_error, is_credentials_error
from lambda_advisor.sources.account.listing import audit
from lambda_advisor.sources.account.options import (
    AuditError,
    AuditOptions,
    AuditOutcome,
    FreshUrl,
    InspectCode,
    ReadOnlyViolation,
)
from lambda_advisor.sources.account.pacing import (
    DEFAULT_HEADROOM,
    LAMBDA_QUOTAS,
    LambdaRateLimiter,
    TokenBucket,
)
from lambda_advisor.sources.account.policies import SERVICE_SOURCES, parse_policy
from lambda_advisor.sources.account.progress import Progress, TerminalProgress
from lambda_advisor.sources.account.session import (
    install_read_only,
    open_session,
    refuse_mutating_calls,
    resolve_regions,
)
from lambda_advisor.sources.account.shapes import (
    IGNORE_TAG,
    apply_get_function,
    event_source_from_mapping,
    function_from_configuration,
    iter_function_arns,
    suppressions_from_tags,
)

__all__ = [
    "DEFAULT_HEADROOM", "IGNORE_TAG", "LAMBDA_QUOTAS", "NOT_FOUND", "SERVICE_SOURCES", "AuditError",
    "AuditOptions", "AuditOutcome", "Failed", "FreshUrl", "InspectCode", "LambdaRateLimiter", "Progress",
    "ReadOnlyViolation", "TerminalProgress", "TokenBucket", "apply_get_function", "audit",
    "describe_error", "event_source_from_mapping", "function_from_configuration", "install_read_only",
    "is_credentials_error", "iter_function_arns", "open_session", "parse_policy", "refuse_mutating_calls",
    "resolve_regions", "suppressions_from_tags",
]
