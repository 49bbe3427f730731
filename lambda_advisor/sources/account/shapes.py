"""API shapes to the function document: ListFunctions and GetFunction entries, event source mappings, tags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lambda_advisor.model import Document, Function, Source

IGNORE_TAG = "lambda-advisor:ignore"
IGNORE_REASON_TAG = "lambda-advisor:ignore-reason"


def unqualified(arn: str) -> str:
    """``arn:aws:lambda:r:a:function:name[:qualifier]`` without the qualifier."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else arn


def function_from_configuration(config: dict[str, Any], *, region: str, account: str | None) -> Function:
    """A document from one ListFunctions entry (FunctionConfiguration)."""
    arn = unqualified(config["FunctionArn"])
    env = config.get("Environment")
    errors: list[str] = []
    environment: dict[str, Any] | None
    env_error: dict[str, Any] | None = None
    if env and env.get("Error"):
        environment = None
        errors.append(environment_error(env["Error"]))
        env_error = {"code": env["Error"].get("ErrorCode"), "message": env["Error"].get("Message")}
    else:
        environment = dict((env or {}).get("Variables") or {})
    vpc_cfg = config.get("VpcConfig") or {}
    vpc: Any = False
    if vpc_cfg.get("SubnetIds"):
        vpc = {"subnet_ids": list(vpc_cfg["SubnetIds"]), "security_group_ids": list(vpc_cfg.get("SecurityGroupIds") or []),
               "availability_zones": None}
    memory = config.get("MemorySize")
    snap = (config.get("SnapStart") or {}).get("ApplyOn")
    durable_cfg = config.get("DurableConfig")
    managed = (config.get("CapacityProviderConfig") or {}).get("LambdaManagedInstancesCapacityProviderConfig")
    return Function(
        id=arn,
        name=config["FunctionName"],
        source=Source(kind="account", arn=arn, account=account, region=region),
        runtime=config.get("Runtime"),
        handler=config.get("Handler"),
        package_type=config.get("PackageType") or "Zip",
        architectures=list(config.get("Architectures") or ["x86_64"]),
        memory_mb=memory,
        memory_explicit=True if memory is not None and memory != 128 else None,
        timeout_s=config.get("Timeout"),
        ephemeral_storage_mb=(config.get("EphemeralStorage") or {}).get("Size"),
        snap_start=(snap == "PublishedVersions") if snap else False,
        file_systems=[{"arn": f.get("Arn"), "mount_path": f.get("LocalMountPath")}
                      for f in config.get("FileSystemConfigs") or []],
        durable={"execution_timeout_s": durable_cfg.get("ExecutionTimeout"),
                 "retention_days": durable_cfg.get("RetentionPeriodInDays"),
                 "allow_invoke_latest": None} if durable_cfg else False,
        tenant_isolation=(config.get("TenancyConfig") or {}).get("TenantIsolationMode") or False,
        capacity_provider={"arn": managed.get("CapacityProviderArn"), "logical_id": None,
                           "memory_gib_per_vcpu": managed.get("ExecutionEnvironmentMemoryGiBPerVCpu"),
                           "max_concurrency_per_environment": managed.get("PerExecutionEnvironmentMaxConcurrency")}
        if managed else False,
        environment=environment,
        kms_key_arn=config.get("KMSKeyArn") or False,
        layers=[{"arn": la["Arn"], "code_size": la.get("CodeSize"), "exists": None} for la in config.get("Layers") or []],
        vpc=vpc,
        tracing=(config.get("TracingConfig") or {}).get("Mode"),
        dead_letter_target=(config.get("DeadLetterConfig") or {}).get("TargetArn") or False,
        code={"zipped_bytes": config.get("CodeSize"), "sha256": config.get("CodeSha256"),
              "s3_uri": None, "image_uri": None, "inline": None, "unzipped_bytes": None,
              "image_bytes": None, "local_path": None, "inspection": None},
        errors=errors,
        environment_error=env_error,
        lifecycle=lifecycle_of(config),
        # ListFunctions leaves State out on real AWS; GetFunction's Configuration fills it in.
        extra={"last_modified": config.get("LastModified"), "state": config.get("State")},
    )


def apply_get_function(fn: Function, got: dict[str, Any]) -> list[str]:
    """Tags, reserved concurrency, state and the code location from GetFunction; returns what it could not read.

    GetFunction's ``Configuration`` carries what ListFunctions leaves out on real AWS
    (``State``, ``LastUpdateStatus``). Tags come only with ``lambda:ListTags``; without it
    AWS answers ``TagsError`` instead, and the ignore tags cannot be honoured: that is a gap.
    """
    problems: list[str] = []
    tags_error = got.get("TagsError")
    if tags_error:
        fn.tags = None
        problems.append(f"tags unreadable: {tags_error.get('ErrorCode')}: {tags_error.get('Message')} "
                        f"(grant lambda:ListTags; {IGNORE_TAG} tags cannot apply)")
    else:
        fn.tags = dict(got.get("Tags") or {})
        fn.suppressions = suppressions_from_tags(fn.tags)
    concurrency = (got.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    fn.reserved_concurrency = concurrency if concurrency is not None else False
    code = got.get("Code") or {}
    if fn.code is not None and code.get("ImageUri"):
        fn.code["image_uri"] = code.get("ResolvedImageUri") or code["ImageUri"]
    config = got.get("Configuration") or {}
    for key, name in (("State", "state"), ("StateReasonCode", "state_reason"),
                      ("LastUpdateStatus", "last_update_status"),
                      ("LastUpdateStatusReasonCode", "last_update_status_reason")):
        if config.get(key) is not None:
            fn.extra[name] = config[key]
    if config:
        fn.lifecycle = lifecycle_of(config)
    env_error = (config.get("Environment") or {}).get("Error")
    if env_error:
        fn.environment_error = {"code": env_error.get("ErrorCode"), "message": env_error.get("Message")}
    if env_error and fn.environment is not None:
        fn.environment = None
        problems.append(environment_error(env_error))
    return problems


def lifecycle_of(config: dict[str, Any]) -> dict[str, Any] | None:
    """State and LastUpdateStatus with their reason codes; None when the entry carries neither."""
    if config.get("State") is None and config.get("LastUpdateStatus") is None:
        return None
    return {"state": config.get("State"), "state_reason": config.get("StateReasonCode"),
            "last_update_status": config.get("LastUpdateStatus"),
            "last_update_reason": config.get("LastUpdateStatusReasonCode")}


def environment_error(error: dict[str, Any]) -> str:
    """The gap for an environment AWS would not decrypt for the auditor (LA101 cannot look at it)."""
    return (f"environment unreadable: {error.get('ErrorCode')}: {error.get('Message')} "
            "(its values could not be checked for secrets)")


def suppressions_from_tags(tags: dict[str, Any]) -> list[dict[str, Any]]:
    """``lambda-advisor:ignore=LA205,LA502`` (``+``, ``/`` or spaces also separate; tag values allow no commas in some tools)."""
    value = tags.get(IGNORE_TAG)
    if not isinstance(value, str):
        return []
    reason = tags.get(IGNORE_REASON_TAG)
    return [{"rule": r.upper(), "reason": reason if isinstance(reason, str) else None,
             "origin": f"tag {IGNORE_TAG}"} for r in re.split(r"[\s,+/:;]+", value) if r]


def _qualifier(arn: Any) -> str | None:
    """The version or alias an ARN names; ``$LATEST`` when unqualified (the document's convention)."""
    if not isinstance(arn, str) or arn.count(":") < 6:
        return None
    parts = arn.split(":")
    return parts[7] if len(parts) > 7 else "$LATEST"


def event_source_from_mapping(m: dict[str, Any]) -> dict[str, Any]:
    arn = m.get("EventSourceArn")
    kind = "other"
    if isinstance(arn, str):
        service = arn.split(":")[2] if arn.count(":") >= 2 else ""
        kind = {"sqs": "sqs", "kinesis": "kinesis", "kafka": "kafka", "mq": "mq", "rds": "docdb"}.get(service, "other")
        if service == "dynamodb":
            kind = "dynamodb"
    elif m.get("SelfManagedEventSource"):
        kind = "kafka"
    retries = m.get("MaximumRetryAttempts")
    dest = ((m.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    source: dict[str, Any] = {
        "type": kind,
        "invocation": "poll",
        "name": m.get("UUID"),
        "arn": arn,
        "enabled": m.get("State") in {"Enabled", "Enabling", "Updating", "Creating"} if m.get("State") else None,
        "batch_size": m.get("BatchSize"),
        "maximum_concurrency": (m.get("ScalingConfig") or {}).get("MaximumConcurrency"),
        "function_response_types": list(m.get("FunctionResponseTypes") or []),
        "qualifier": _qualifier(m.get("FunctionArn")),
        "filters": [f["Pattern"] for f in (m.get("FilterCriteria") or {}).get("Filters") or []
                    if isinstance(f, dict) and isinstance(f.get("Pattern"), str)],
        "state": m.get("State"),
        "state_reason": m.get("StateTransitionReason"),
        "last_processing_result": m.get("LastProcessingResult"),
    }
    if kind in {"kinesis", "dynamodb", "kafka", "docdb"}:
        source["maximum_retry_attempts"] = None if retries in (None, -1) else retries
        source["bisect_on_error"] = m.get("BisectBatchOnFunctionError")
        source["on_failure"] = dest or False
    elif kind == "sqs":
        source["on_failure"] = dest or None
    if kind == "kafka" and m.get("Topics"):
        source["topics"] = [t for t in m["Topics"] if isinstance(t, str)]
    return source


def iter_function_arns(docs: Iterable[Document]) -> list[str]:
    """ARNs of audited documents (used by tests and reports to account for every function)."""
    return [d["id"] for d in docs]
