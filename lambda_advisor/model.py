"""The function document: the one shape every source produces and every rule reads.

Sources build a :class:`Function`, rules read the plain dict from
:meth:`Function.to_json`, so a rule never knows where a function came from.
Convention (also in ``schema/function.schema.json``): ``None`` means *not known
from this source*, ``False`` means *known to be absent*, and empty lists/maps
mean *known to be empty*.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "schema" / "function.schema.json"

#: A value in a document: a literal, or ``{"unresolved": ..., "refs": [...]}``.
Value = Any
Document = dict[str, Any]

LAMBDA_DEFAULT_MEMORY_MB = 128
LAMBDA_DEFAULT_TIMEOUT_S = 3
#: Sources whose functions span files (Terraform modules) encode a line as ``file_index * STRIDE + line``,
#: with ``source.files[file_index]`` naming the file; a line below the stride is in ``source.file``.
FILE_LINE_STRIDE = 10_000_000


def unresolved(text: str, refs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Mark a value an intrinsic function produces that we will not guess."""
    out: dict[str, Any] = {"unresolved": text}
    if refs:
        out["refs"] = refs
    return out


def is_unresolved(value: Any) -> bool:
    return isinstance(value, dict) and "unresolved" in value


#: No quantity a function document holds (bytes, milliseconds, seconds, counts) comes near this. A
#: number past it (a template's 400-digit timeout) is not known: rules never do arithmetic on it,
#: which would overflow a float or allocate without bound.
MAX_MAGNITUDE = 10**15


def bound_numbers(doc: Any) -> None:
    """Replace, in place, every number in ``doc`` past :data:`MAX_MAGNITUDE` (or not finite) by None."""
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in list(items):
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and \
                    not -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE:  # NaN fails both comparisons too
                node[key] = None


@dataclass
class Source:
    kind: str
    format: str | None = None
    file: str | None = None
    logical_id: str | None = None
    line: int | None = None
    stack: str | None = None
    arn: str | None = None
    account: str | None = None
    region: str | None = None
    #: Terraform: the files that encoded lines name (see FILE_LINE_STRIDE).
    files: list[str] | None = None


@dataclass
class Function:
    """One Lambda function. Nested parts are plain dicts shaped as the schema says."""

    id: str
    name: str
    source: Source
    #: "event" (Event Function: invoked, or fed by event sources) or "web" (Web Function: an HTTP
    #: server behind endpoints Lambda manages; its configuration lives on ``revisions``).
    kind: str = "event"
    runtime: str | None = None
    handler: str | None = None
    package_type: str | None = None
    architectures: list[str] | None = None
    memory_mb: int | None = None
    memory_explicit: bool | None = None
    timeout_s: int | None = None
    ephemeral_storage_mb: int | None = None
    snap_start: bool | None = None
    #: EFS mounts (FileSystemConfigs): ``[{"arn": ..., "mount_path": ...}]``.
    file_systems: list[dict[str, Any]] | None = None
    #: DurableConfig: ``{"execution_timeout_s", "retention_days", "allow_invoke_latest"}``, or False.
    durable: dict[str, Any] | bool | None = None
    #: RecursiveLoop: "Allow" or "Terminate" (Lambda's default).
    recursive_loop: str | None = None
    #: Tenant isolation (TenancyConfig.TenantIsolationMode): "PER_TENANT", or False when off.
    tenant_isolation: str | bool | None = None
    #: Lambda Managed Instances (CapacityProviderConfig): ``{"arn", "logical_id", ...}``, or False.
    capacity_provider: dict[str, Any] | bool | None = None
    environment: dict[str, Value] | None = None
    kms_key_arn: Value = None
    layers: list[dict[str, Any]] | None = None
    vpc: Any = None
    tracing: str | None = None
    logging: dict[str, Any] | None = None
    reserved_concurrency: int | bool | None = None
    provisioned_concurrency: int | bool | None = None
    tags: dict[str, Value] | None = None
    dead_letter_target: Value = None
    event_invoke: Any = None
    role: dict[str, Any] | None = None
    resource_policy: list[dict[str, Any]] | None = None
    url: Any = None
    deployment: dict[str, Any] | None = None
    event_sources: list[dict[str, Any]] | None = None
    code: dict[str, Any] | None = None
    #: Customer-managed runtime (``Runtime: custom`` + RuntimeConfig): the runtime, its alias and the
    #: alias's release lifecycle; False when the function uses a Lambda-managed runtime.
    runtime_config: dict[str, Any] | bool | None = None
    #: Web Functions: the endpoints (auth, type, regions, weights, caps) and the revisions they serve.
    endpoints: list[dict[str, Any]] | None = None
    revisions: list[dict[str, Any]] | None = None
    #: Live functions: ``{"state", "state_reason", "last_update_status", "last_update_reason"}``.
    lifecycle: dict[str, Any] | None = None
    #: Live functions: Environment.Error as ``{"code", "message"}`` (every invocation fails).
    environment_error: dict[str, Any] | None = None
    #: Live functions: the region's account concurrency ``{"limit", "unreserved"}`` (GetAccountSettings).
    account_concurrency: dict[str, Any] | None = None
    #: Keys written twice in the template (``{key, line, first_line, shared}``): rule LA001.
    duplicate_keys: list[dict[str, Any]] | None = None
    lines: dict[str, int] = field(default_factory=dict)
    inherited: dict[str, str] = field(default_factory=dict)
    suppressions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> Document:
        # The fields in declaration order, straight from the instance (dataclasses.asdict would
        # deep-copy every nested value; the source is the one nested dataclass, of plain values).
        doc: Document = {"schema_version": 1}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            doc[name] = dict(value.__dict__) if isinstance(value, Source) else value
        return doc


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Function))


@lru_cache(maxsize=1)
def function_schema() -> dict[str, Any]:
    import json

    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


def validate_document(doc: Document) -> None:
    """Raise ``jsonschema.ValidationError`` when ``doc`` breaks the function schema."""
    _validator().validate(doc)


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(function_schema())
    return cls(function_schema())
