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
  only GetFunction (tags, reserved concurrency, code location) and GetPolicy
  (resource policy). Event invoke configs are read only for functions that are
  invoked asynchronously, URL configs only where the policy grants
  ``lambda:InvokeFunctionUrl``.
* Region-wide facts are read once per region (ListEventSourceMappings,
  DescribeLogGroups by prefix), shared facts once per audit (IAM roles and
  managed policies, layer versions, SQS queues), whatever number of functions
  use them.
* Regions run in parallel, each with a bounded pool, a client-side token bucket
  per quota (kept a little under the quota) and botocore adaptive retries.
* Read-only is enforced by a ``before-call`` hook on the session: any
  operation that is not Get*/List*/Describe* (or STS AssumeRole) is refused
  before it is signed or sent.

Permissions the audit uses (all read-only; AWS's ``ReadOnlyAccess`` or
``SecurityAudit`` + ``AWSLambda_ReadOnlyAccess`` cover them); a missing one is a
gap, never a crash: ``sts:GetCallerIdentity``, ``ec2:DescribeRegions``
(``--all-regions``), ``lambda:ListFunctions``, ``lambda:GetFunction``,
``lambda:GetPolicy``, ``lambda:ListEventSourceMappings``,
``lambda:GetFunctionUrlConfig``, ``lambda:GetFunctionEventInvokeConfig``,
``lambda:GetLayerVersion``, ``sqs:GetQueueUrl``, ``sqs:GetQueueAttributes``,
``logs:DescribeLogGroups``, ``iam:ListRolePolicies``, ``iam:GetRolePolicy``,
``iam:ListAttachedRolePolicies``, ``iam:GetPolicy``, ``iam:GetPolicyVersion``
(and ``sts:AssumeRole`` with ``--role-arn``).

boto3 is imported inside functions only: ``scan`` never pays for it.

The package, by concern: ``options`` (what is asked, what was found),
``session`` (read-only session, client settings, regions), ``pacing`` (quotas),
``calls`` and ``gaps`` (calls that never raise; why one failed), ``listing``
(regions, pages, region-wide facts), ``functions`` (per-function reads),
``policies`` (resource policies, execution roles), ``shapes`` (API shapes to
documents), ``progress`` (the terminal line).
"""

from lambda_advisor.sources.account.calls import NOT_FOUND, Failed
from lambda_advisor.sources.account.gaps import describe_error, is_credentials_error
from lambda_advisor.sources.account.listing import audit
from lambda_advisor.sources.account.options import (
    AuditError,
    AuditOptions,
    AuditOutcome,
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
    "AuditOptions", "AuditOutcome", "Failed", "InspectCode", "LambdaRateLimiter", "Progress",
    "ReadOnlyViolation", "TerminalProgress", "TokenBucket", "apply_get_function", "audit",
    "describe_error", "event_source_from_mapping", "function_from_configuration", "install_read_only",
    "is_credentials_error", "iter_function_arns", "open_session", "parse_policy", "refuse_mutating_calls",
    "resolve_regions", "suppressions_from_tags",
]
