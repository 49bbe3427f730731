"""Terraform resource instances in the CloudFormation shapes the template reader already links.

``aws_lambda_function`` becomes ``AWS::Lambda::Function``, ``aws_lambda_permission`` an
``AWS::Lambda::Permission``, and so on; resources Terraform splits in two (a queue and its redrive
policy, a rule and its targets, a bucket and its notification, a role and its attachments) are
folded into the one CloudFormation resource that carries both. Every property keeps the line it
was written on (encoded per file, see :data:`.project.STRIDE`), so every rule, and every accuracy
fix made for templates, applies to Terraform unchanged. Values known only after ``apply`` become
``Fn::GetAtt``/``Ref`` of the resource they come from, never a made-up string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_advisor.sources.terraform.evaluate import Body, ModuleEval, Value
from lambda_advisor.sources.terraform.project import Project
from lambda_advisor.sources.terraform.shapes import Props, Translation, tags_of, target_of
from lambda_advisor.sources.terraform.values import (
    Attr,
)
from lambda_advisor.sources.yaml_loader import LineDict, LineList

# -- resource families ------------------------------------------------------------------------------


def _function(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    name = body.attrs.get("function_name")
    if name is not None:
        p.attr("FunctionName", "function_name")
    else:
        p.set("FunctionName", address.rsplit(".", 1)[-1])
    for key, attr in (("Runtime", "runtime"), ("Handler", "handler"), ("MemorySize", "memory_size"),
                      ("Timeout", "timeout"), ("Role", "role"), ("KmsKeyArn", "kms_key_arn"),
                      ("Layers", "layers"), ("Architectures", "architectures"), ("Description", "description")):
        p.attr(key, attr)
    package_type = body.get("package_type")
    if isinstance(package_type, str):
        p.attr("PackageType", "package_type")
    p.attr("ReservedConcurrentExecutions", "reserved_concurrent_executions", skip=(-1, "-1"))
    p.block("Environment", "environment", {"Variables": "variables"})
    p.block("TracingConfig", "tracing_config", {"Mode": "mode"})
    p.block("DeadLetterConfig", "dead_letter_config", {"TargetArn": "target_arn"})
    p.block("EphemeralStorage", "ephemeral_storage", {"Size": "size"})
    p.block("SnapStart", "snap_start", {"ApplyOn": "apply_on"})
    p.block("LoggingConfig", "logging_config", {"LogFormat": "log_format", "LogGroup": "log_group",
                                                "ApplicationLogLevel": "application_log_level",
                                                "SystemLogLevel": "system_log_level"})
    p.block("VpcConfig", "vpc_config", {"SubnetIds": "subnet_ids", "SecurityGroupIds": "security_group_ids"})
    p.block("ImageConfig", "image_config", {"Command": "command", "EntryPoint": "entry_point"})
    p.block("DurableConfig", "durable_config", {"ExecutionTimeout": "execution_timeout",
                                                "RetentionPeriodInDays": "retention_period"})
    p.block("TenancyConfig", "tenancy_config", {"TenantIsolationMode": "tenant_isolation_mode"})
    p.attr("RecursiveLoop", "recursive_loop")
    capacity = body.first("capacity_provider_config")
    inner = capacity.first("lambda_managed_instances_capacity_provider_config") if capacity is not None else None
    if capacity is not None and inner is not None:
        sub = Props(t, capacity)
        sub.block("LambdaManagedInstancesCapacityProviderConfig", "lambda_managed_instances_capacity_provider_config",
                  {"CapacityProviderArn": "capacity_provider_arn",
                   "ExecutionEnvironmentMemoryGiBPerVCpu": "execution_environment_memory_gib_per_vcpu",
                   "PerExecutionEnvironmentMaxConcurrency": "per_execution_environment_max_concurrency"})
        p.set("CapacityProviderConfig", sub.out, capacity.line)
    fs = body.blocks.get("file_system_config", [])
    if fs:
        lst = LineList()
        lst.line = fs[0].line
        for f in fs:
            sub = Props(t, f)
            sub.attr("Arn", "arn")
            sub.attr("LocalMountPath", "local_mount_path")
            lst.append(sub.out)
            lst.item_lines.append(f.line)
        p.set("FileSystemConfigs", lst, fs[0].line)
    tags = tags_of(t, body)
    if tags is not None:
        p.set("Tags", tags, body.attrs["tags"].line)
    metadata: dict[str, Any] = {}
    code = LineDict()
    if body.get("image_uri") is not None:
        p.attr("ImageUri", "image_uri")
        code["ImageUri"] = p.out.pop("ImageUri")
        p.set("PackageType", "Image", body.attrs["image_uri"].line)
    elif body.get("s3_bucket") is not None:
        sub = Props(t, body)
        sub.attr("S3Bucket", "s3_bucket")
        sub.attr("S3Key", "s3_key")
        code = sub.out
    local = _local_package(t, ev, body)
    if local is not None:
        metadata["aws:asset:path"] = local
        metadata["aws:asset:property"] = "Code"
    if code:
        p.set("Code", code, body.line)
    t.add(address, "AWS::Lambda::Function", body, p.out, block, metadata)
    if body.get("publish") is True:
        # `publish = true`: each change publishes a version, as an AWS::Lambda::Version would
        version = LineDict({"FunctionName": {"Ref": address}})
        version.line = body.attrs["publish"].line
        version.key_lines["FunctionName"] = version.line
        t.add(f"{address}#version", "AWS::Lambda::Version", Body(version.line), version, block)


def _local_package(t: Translation, ev: ModuleEval, body: Body) -> str | None:
    """The local zip or folder a function is built from (``filename``, or an ``archive_file``'s source)."""
    value = body.get("filename")
    source: Any = None
    if isinstance(value, str):
        source = value
    found = body.attrs.get("filename")
    if found is not None and isinstance(found.value, Attr) and \
            (found.value.address.startswith("data.") or ".data." in found.value.address):
        source = _archive_source(ev, found.value)
    if not isinstance(source, str):
        return None
    path = t.project.inside(t.project.root, source)  # relative to the working folder, as Terraform reads it
    if path is None or not path.exists():
        return None
    return str(path)


def _archive_source(ev: ModuleEval, attr: Attr) -> Any:
    """``data.archive_file.x.output_path``: the folder or file it zips (read before it is built)."""
    address = attr.address
    key = address.split("data.", 1)[-1]
    base = key.split("[", 1)[0]
    block = ev.defn.data.get(base)
    if block is None or block.labels[0] != "archive_file":
        return None
    body = ev.body(block, {})
    return body.get("source_dir") or body.get("source_file") or body.get("output_path")


def _permission(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    for key, attr in (("Action", "action"), ("Principal", "principal"), ("SourceArn", "source_arn"),
                      ("SourceAccount", "source_account"), ("EventSourceToken", "event_source_token"),
                      ("FunctionUrlAuthType", "function_url_auth_type"), ("PrincipalOrgID", "principal_org_id")):
        p.attr(key, attr)
    _function_name(p, body)
    t.add(address, "AWS::Lambda::Permission", body, p.out, block)


def _function_name(p: Props, body: Body, key: str = "FunctionName") -> None:
    """``function_name`` with its ``qualifier``: CloudFormation names a version or alias by a qualified ARN."""
    found = body.attrs.get("function_name")
    if found is None:
        return
    node = p.t.node(found.value, found.line)
    qualifier = body.get("qualifier")
    if isinstance(qualifier, str) and qualifier and qualifier != "$LATEST":
        node = {"Fn::Join": [":", [node if not isinstance(found.value, Attr) or found.value.attribute == "arn"
                                   else {"Fn::GetAtt": [found.value.address, "Arn"]}, qualifier]]} \
            if isinstance(found.value, Attr) else {"Fn::Join": [":", [node, qualifier]]}
    p.set(key, node, found.line, found.origin)


def _url(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("AuthType", "authorization_type")
    p.attr("Qualifier", "qualifier")
    p.attr("InvokeMode", "invoke_mode")
    found = body.attrs.get("function_name")
    if found is not None:
        p.set("TargetFunctionArn", t.node(found.value, found.line), found.line, found.origin)
    cors = body.first("cors")
    if cors is not None:
        p.block("Cors", "cors", {"AllowOrigins": "allow_origins", "AllowMethods": "allow_methods",
                                 "AllowCredentials": "allow_credentials"})
    t.add(address, "AWS::Lambda::Url", body, p.out, block)


def _event_source_mapping(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    for key, attr in (("EventSourceArn", "event_source_arn"), ("BatchSize", "batch_size"),
                      ("MaximumBatchingWindowInSeconds", "maximum_batching_window_in_seconds"),
                      ("FunctionResponseTypes", "function_response_types"),
                      ("BisectBatchOnFunctionError", "bisect_batch_on_function_error"),
                      ("MaximumRetryAttempts", "maximum_retry_attempts"),
                      ("MaximumRecordAgeInSeconds", "maximum_record_age_in_seconds"),
                      ("StartingPosition", "starting_position"), ("Enabled", "enabled"),
                      ("ParallelizationFactor", "parallelization_factor"), ("Topics", "topics"),
                      ("Queues", "queues")):
        p.attr(key, attr)
    _function_name(p, body)
    dest = body.first("destination_config")
    failure = dest.first("on_failure") if dest is not None else None
    if failure is not None and failure.attrs.get("destination_arn") is not None:
        found = failure.attrs["destination_arn"]
        inner = LineDict({"Destination": t.node(found.value, found.line)})
        inner.key_lines["Destination"] = found.line
        on_failure = LineDict({"OnFailure": inner})
        on_failure.key_lines["OnFailure"] = failure.line
        p.set("DestinationConfig", on_failure, dest.line if dest else failure.line)
    scaling = body.first("scaling_config")
    if scaling is not None:
        p.block("ScalingConfig", "scaling_config", {"MaximumConcurrency": "maximum_concurrency"})
    filters = body.first("filter_criteria")
    if filters is not None:
        lst = LineList()
        lst.line = filters.line
        for f in filters.blocks.get("filter", []):
            sub = Props(t, f)
            sub.attr("Pattern", "pattern")
            lst.append(sub.out)
            lst.item_lines.append(f.line)
        crit = LineDict({"Filters": lst})
        crit.key_lines["Filters"] = filters.line
        p.set("FilterCriteria", crit, filters.line)
    if body.first("self_managed_event_source") is not None:
        sm = body.first("self_managed_event_source")
        assert sm is not None
        endpoints = LineDict({"KafkaBootstrapServers": t.node(sm.get("endpoints"), sm.line)})
        p.set("SelfManagedEventSource", LineDict({"Endpoints": endpoints}), sm.line)
    if body.first("amazon_managed_kafka_event_source_config") is not None:
        p.block("AmazonManagedKafkaEventSourceConfig", "amazon_managed_kafka_event_source_config",
                {"ConsumerGroupId": "consumer_group_id"})
    t.add(address, "AWS::Lambda::EventSourceMapping", body, p.out, block)


def _event_invoke_config(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    found = body.attrs.get("function_name")
    if found is not None:
        p.set("FunctionName", t.node(found.value, found.line), found.line, found.origin)
    p.set("Qualifier", body.get("qualifier") or "$LATEST",
          body.attrs["qualifier"].line if "qualifier" in body.attrs else body.line)
    p.attr("MaximumEventAgeInSeconds", "maximum_event_age_in_seconds")
    p.attr("MaximumRetryAttempts", "maximum_retry_attempts")
    dest = body.first("destination_config")
    if dest is not None:
        config = LineDict()
        config.line = dest.line
        for cfn_key, kind in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
            inner = dest.first(kind)
            if inner is not None and inner.attrs.get("destination") is not None:
                d = inner.attrs["destination"]
                target = LineDict({"Destination": t.node(d.value, d.line)})
                target.key_lines["Destination"] = d.line
                config[cfn_key] = target
                config.key_lines[cfn_key] = inner.line
        p.set("DestinationConfig", config, dest.line)
    t.add(address, "AWS::Lambda::EventInvokeConfig", body, p.out, block)


def _alias(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("Name", "name")
    p.attr("FunctionVersion", "function_version")
    found = body.attrs.get("function_name")
    if found is not None:
        p.set("FunctionName", t.node(found.value, found.line), found.line)
    routing = body.first("routing_config")
    if routing is not None and isinstance(routing.get("additional_version_weights"), dict):
        weights = LineList(LineDict({"FunctionVersion": k, "FunctionWeight": v})
                           for k, v in routing.get("additional_version_weights").items())
        weights.line = routing.line
        weights.item_lines = [routing.line] * len(weights)
        p.set("RoutingConfig", LineDict({"AdditionalVersionWeights": weights}), routing.line)
    t.add(address, "AWS::Lambda::Alias", body, p.out, block)


def _provisioned(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    found = body.attrs.get("function_name")
    if found is not None:
        p.set("FunctionName", t.node(found.value, found.line), found.line)
    p.attr("Name", "qualifier")
    p.attr("FunctionVersion", "qualifier")
    amount = body.attrs.get("provisioned_concurrent_executions")
    if amount is not None:
        config = LineDict({"ProvisionedConcurrentExecutions": t.node(amount.value, amount.line)})
        config.key_lines["ProvisionedConcurrentExecutions"] = amount.line
        p.set("ProvisionedConcurrencyConfig", config, amount.line)
    t.add(address, "AWS::Lambda::Alias", body, p.out, block)


def _set_on_target(t: Translation, target: Value | None, key: str, value: Value | None,
                   node: Callable[[Any, int], Any]) -> None:
    """A resource Terraform keeps apart (a queue's redrive policy, a function's recursion setting) sets
    one property of the resource it names, once every resource is translated."""
    if target is None or value is None:
        return

    def apply() -> None:
        found = target_of(t, target.value)
        res = t.resources.get(found) if found else None
        if res is not None and isinstance(res.get("Properties"), LineDict):
            res["Properties"][key] = node(value.value, value.line)
            res["Properties"].key_lines[key] = value.line
    t.later(apply)


def _recursion(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    _set_on_target(t, body.attrs.get("function_name"), "RecursiveLoop", body.attrs.get("recursive_loop"), t.node)


def _log_group(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("LogGroupName", "name")
    p.attr("RetentionInDays", "retention_in_days", skip=(0, "0"))
    p.attr("LogGroupClass", "log_group_class")
    t.add(address, "AWS::Logs::LogGroup", body, p.out, block)


def _queue(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("QueueName", "name")
    p.attr("VisibilityTimeout", "visibility_timeout_seconds")
    p.attr("FifoQueue", "fifo_queue")
    p.attr("MessageRetentionPeriod", "message_retention_seconds")
    p.attr("RedrivePolicy", "redrive_policy", policy=True)
    t.add(address, "AWS::SQS::Queue", body, p.out, block)


def _redrive(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    _set_on_target(t, body.attrs.get("queue_url"), "RedrivePolicy", body.attrs.get("redrive_policy"), t.policy)


def _topic(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("TopicName", "name")
    t.add(address, "AWS::SNS::Topic", body, p.out, block)


def _subscription(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("TopicArn", "topic_arn")
    p.attr("Protocol", "protocol")
    p.attr("Endpoint", "endpoint")
    p.attr("RedrivePolicy", "redrive_policy", policy=True)
    p.attr("FilterPolicy", "filter_policy", policy=True)
    t.add(address, "AWS::SNS::Subscription", body, p.out, block)


def _bucket(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("BucketName", "bucket")
    t.add(address, "AWS::S3::Bucket", body, p.out, block)


def _bucket_notification(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    configs = body.blocks.get("lambda_function", [])
    if not configs:
        return
    bucket = body.attrs.get("bucket")

    def apply() -> None:
        target = target_of(t, bucket.value) if bucket is not None else None
        if target is None or t.types.get(target) != "AWS::S3::Bucket":
            # a bucket made elsewhere: the notification still delivers events; a bucket stands in for it
            target = address
            p = Props(t, body)
            if bucket is not None:
                p.attr("BucketName", "bucket")
            t.add(target, "AWS::S3::Bucket", body, p.out, block)
        props = t.resources[target]["Properties"]
        lst = LineList()
        lst.line = configs[0].line
        for c in configs:
            events = c.get("events")
            for event in events if isinstance(events, list) else [events]:
                entry = LineDict({"Event": t.node(event, c.line),
                                  "Function": t.node(c.get("lambda_function_arn"), c.line)})
                entry.line = c.line
                entry.key_lines = {"Event": c.line, "Function": c.line}
                lst.append(entry)
                lst.item_lines.append(c.line)
        notif = LineDict({"LambdaConfigurations": lst})
        notif.line = body.line
        notif.key_lines["LambdaConfigurations"] = configs[0].line
        props["NotificationConfiguration"] = notif
        props.key_lines["NotificationConfiguration"] = body.line
    t.later(apply)


def _rule(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("Name", "name")
    p.attr("ScheduleExpression", "schedule_expression")
    p.attr("EventPattern", "event_pattern", policy=True)
    p.attr("EventBusName", "event_bus_name")
    p.set("Targets", LineList(), body.line)
    t.add(address, "AWS::Events::Rule", body, p.out, block)


def _rule_target(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    rule = body.attrs.get("rule")
    if rule is None:
        return

    def apply() -> None:
        target = target_of(t, rule.value)
        if target is None or t.types.get(target) != "AWS::Events::Rule":
            return
        p = Props(t, body)
        p.attr("Arn", "arn")
        p.set("Id", body.get("target_id") if isinstance(body.get("target_id"), str) else address, body.line)
        dlq = body.first("dead_letter_config")
        if dlq is not None:
            p.block("DeadLetterConfig", "dead_letter_config", {"Arn": "arn"})
        retry = body.first("retry_policy")
        if retry is not None:
            p.block("RetryPolicy", "retry_policy", {"MaximumRetryAttempts": "maximum_retry_attempts",
                                                     "MaximumEventAgeInSeconds": "maximum_event_age_in_seconds"})
        targets = t.resources[target]["Properties"]["Targets"]
        targets.append(p.out)
        targets.item_lines.append(body.line)
    t.later(apply)


def _schedule(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("ScheduleExpression", "schedule_expression")
    target = body.first("target")
    if target is not None:
        sub = Props(t, target)
        sub.attr("Arn", "arn")
        sub.attr("RoleArn", "role_arn")
        sub.block("DeadLetterConfig", "dead_letter_config", {"Arn": "arn"})
        sub.block("RetryPolicy", "retry_policy", {"MaximumRetryAttempts": "maximum_retry_attempts",
                                                  "MaximumEventAgeInSeconds": "maximum_event_age_in_seconds"})
        p.set("Target", sub.out, target.line)
    t.add(address, "AWS::Scheduler::Schedule", body, p.out, block)


def _role(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("RoleName", "name")
    p.attr("AssumeRolePolicyDocument", "assume_role_policy", policy=True)
    p.attr("ManagedPolicyArns", "managed_policy_arns")
    inline = body.blocks.get("inline_policy", [])
    if inline:
        lst = LineList()
        lst.line = inline[0].line
        for pol in inline:
            sub = Props(t, pol)
            sub.attr("PolicyName", "name")
            sub.attr("PolicyDocument", "policy", policy=True)
            if "PolicyDocument" in sub.out:
                lst.append(sub.out)
                lst.item_lines.append(pol.line)
        p.set("Policies", lst, inline[0].line)
    t.add(address, "AWS::IAM::Role", body, p.out, block)


def _role_policy(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("PolicyName", "name")
    p.attr("PolicyDocument", "policy", policy=True)
    role = body.attrs.get("role")
    if role is not None:
        roles = LineList([t.node(role.value, role.line)])
        roles.line = role.line
        roles.item_lines = [role.line]
        p.set("Roles", roles, role.line)
    t.add(address, "AWS::IAM::Policy", body, p.out, block)


def _managed_policy(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    p.attr("ManagedPolicyName", "name")
    p.attr("PolicyDocument", "policy", policy=True)
    p.set("Roles", LineList(), body.line)
    t.add(address, "AWS::IAM::ManagedPolicy", body, p.out, block)


def _attachment(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    role, policy = body.attrs.get("role"), body.attrs.get("policy_arn")
    if role is None or policy is None:
        return

    def apply() -> None:
        target = target_of(t, policy.value)
        if target is not None and t.types.get(target) == "AWS::IAM::ManagedPolicy":
            roles = t.resources[target]["Properties"]["Roles"]
            roles.append(t.node(role.value, role.line))
            roles.item_lines.append(role.line)
            return
        role_target = target_of(t, role.value)
        if role_target is None or t.types.get(role_target) != "AWS::IAM::Role":
            return
        props = t.resources[role_target]["Properties"]
        arns = props.get("ManagedPolicyArns")
        if not isinstance(arns, LineList):
            arns = LineList()
            arns.line = policy.line
            props["ManagedPolicyArns"] = arns
            props.key_lines["ManagedPolicyArns"] = policy.line
        arns.append(t.node(policy.value, policy.line))
        arns.item_lines.append(policy.line)
    t.later(apply)


def _rest_integration(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    integration = LineDict()
    integration.line = body.line
    for key, attr in (("Type", "type"), ("Uri", "uri"), ("TimeoutInMillis", "timeout_milliseconds"),
                      ("Credentials", "credentials"), ("RequestParameters", "request_parameters"),
                      ("ResponseTransferMode", "response_transfer_mode")):
        found = body.attrs.get(attr)
        if found is not None and found.value is not None:
            integration[key] = t.node(found.value, found.line)
            integration.key_lines[key] = found.line
    p.attr("RestApiId", "rest_api_id")
    p.set("Integration", integration, body.line)
    t.add(address, "AWS::ApiGateway::Method", body, p.out, block)


def _http_integration(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
    p = Props(t, body)
    for key, attr in (("ApiId", "api_id"), ("IntegrationType", "integration_type"),
                      ("IntegrationUri", "integration_uri"), ("TimeoutInMillis", "timeout_milliseconds"),
                      ("PayloadFormatVersion", "payload_format_version"), ("CredentialsArn", "credentials_arn")):
        p.attr(key, attr)
    t.add(address, "AWS::ApiGatewayV2::Integration", body, p.out, block)


def _plain(cfn_type: str, fields: dict[str, str]) -> Callable[..., None]:
    def run(t: Translation, address: str, body: Body, block: Any, ev: ModuleEval) -> None:
        p = Props(t, body)
        for key, attr in fields.items():
            p.attr(key, attr)
        t.add(address, cfn_type, body, p.out, block)
    return run


TRANSLATORS: dict[str, Callable[..., None]] = {
    "aws_lambda_function": _function,
    "aws_lambda_permission": _permission,
    "aws_lambda_function_url": _url,
    "aws_lambda_event_source_mapping": _event_source_mapping,
    "aws_lambda_function_event_invoke_config": _event_invoke_config,
    "aws_lambda_alias": _alias,
    "aws_lambda_provisioned_concurrency_config": _provisioned,
    "aws_lambda_function_recursion_config": _recursion,
    "aws_cloudwatch_log_group": _log_group,
    "aws_sqs_queue": _queue,
    "aws_sqs_queue_redrive_policy": _redrive,
    "aws_sns_topic": _topic,
    "aws_sns_topic_subscription": _subscription,
    "aws_s3_bucket": _bucket,
    "aws_s3_bucket_notification": _bucket_notification,
    "aws_cloudwatch_event_rule": _rule,
    "aws_cloudwatch_event_target": _rule_target,
    "aws_scheduler_schedule": _schedule,
    "aws_iam_role": _role,
    "aws_iam_role_policy": _role_policy,
    "aws_iam_policy": _managed_policy,
    "aws_iam_role_policy_attachment": _attachment,
    "aws_api_gateway_integration": _rest_integration,
    "aws_apigatewayv2_integration": _http_integration,
    "aws_kinesis_stream": _plain("AWS::Kinesis::Stream", {"Name": "name"}),
    "aws_dynamodb_table": _plain("AWS::DynamoDB::Table", {"TableName": "name"}),
    "aws_lambda_layer_version": _plain("AWS::Lambda::LayerVersion", {"LayerName": "layer_name",
                                                                    "CompatibleRuntimes": "compatible_runtimes"}),
    "aws_secretsmanager_secret": _plain("AWS::SecretsManager::Secret", {"Name": "name"}),
    "aws_db_instance": _plain("AWS::RDS::DBInstance", {"Engine": "engine"}),
    "aws_rds_cluster": _plain("AWS::RDS::DBCluster", {"Engine": "engine"}),
    "aws_db_proxy": _plain("AWS::RDS::DBProxy", {"DBProxyName": "name"}),
    "aws_api_gateway_rest_api": _plain("AWS::ApiGateway::RestApi", {"Name": "name"}),
    "aws_apigatewayv2_api": _plain("AWS::ApiGatewayV2::Api", {"Name": "name", "ProtocolType": "protocol_type"}),
    "aws_msk_cluster": _plain("AWS::MSK::Cluster", {"ClusterName": "cluster_name"}),
    "aws_lambda_capacity_provider": _plain("AWS::Lambda::CapacityProvider", {"CapacityProviderName": "name"}),
}

#: Types known before translation, so a reference resolves whatever order resources are read in.
TYPES: dict[str, str] = {
    "aws_lambda_function": "AWS::Lambda::Function", "aws_lambda_permission": "AWS::Lambda::Permission",
    "aws_lambda_function_url": "AWS::Lambda::Url", "aws_lambda_event_source_mapping": "AWS::Lambda::EventSourceMapping",
    "aws_lambda_function_event_invoke_config": "AWS::Lambda::EventInvokeConfig", "aws_lambda_alias": "AWS::Lambda::Alias",
    "aws_cloudwatch_log_group": "AWS::Logs::LogGroup", "aws_sqs_queue": "AWS::SQS::Queue",
    "aws_sns_topic": "AWS::SNS::Topic", "aws_sns_topic_subscription": "AWS::SNS::Subscription",
    "aws_s3_bucket": "AWS::S3::Bucket", "aws_cloudwatch_event_rule": "AWS::Events::Rule",
    "aws_scheduler_schedule": "AWS::Scheduler::Schedule", "aws_iam_role": "AWS::IAM::Role",
    "aws_iam_role_policy": "AWS::IAM::Policy", "aws_iam_policy": "AWS::IAM::ManagedPolicy",
    "aws_api_gateway_integration": "AWS::ApiGateway::Method",
    "aws_apigatewayv2_integration": "AWS::ApiGatewayV2::Integration",
    "aws_kinesis_stream": "AWS::Kinesis::Stream", "aws_dynamodb_table": "AWS::DynamoDB::Table",
    "aws_lambda_layer_version": "AWS::Lambda::LayerVersion", "aws_secretsmanager_secret": "AWS::SecretsManager::Secret",
    "aws_db_instance": "AWS::RDS::DBInstance", "aws_rds_cluster": "AWS::RDS::DBCluster",
    "aws_db_proxy": "AWS::RDS::DBProxy", "aws_api_gateway_rest_api": "AWS::ApiGateway::RestApi",
    "aws_apigatewayv2_api": "AWS::ApiGatewayV2::Api", "aws_msk_cluster": "AWS::MSK::Cluster",
    "aws_lambda_capacity_provider": "AWS::Lambda::CapacityProvider",
}


def translate(project: Project) -> dict[str, Any]:
    """The CloudFormation-shaped template of one Terraform project (its root and every module)."""
    t = Translation(project)
    todo: list[tuple[ModuleEval, str, str, dict[str, Any], Any]] = []
    for ev in project.all_module_instances():
        for block in ev.defn.resources.values():
            kind = block.labels[0]
            if kind not in TRANSLATORS:
                continue
            for address, scope in ev.instances(block):
                todo.append((ev, kind, address, scope, block))
                if kind in TYPES:  # known before any is read, so references resolve in any order
                    t.types[address] = TYPES[kind]
    for ev, kind, address, scope, block in todo:
        TRANSLATORS[kind](t, address, ev.body(block, scope), block, ev)
    return t.finish()
