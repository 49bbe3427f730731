"""SAM connectors: the permissions and role policies a connector creates between two resources.

``AWS::Serverless::Connector`` and the ``Connectors`` attribute embedded in a resource (its
source) grant ``Read`` and/or ``Write`` access to one or more destinations. What each pair of
types becomes is fixed by SAM's connector profiles; the table below is the part that concerns a
function, from aws-sam-translator's ``samtranslator/model/connector_profiles/profiles.json``
(Apache-2.0). A connector either adds an ``AWS::Lambda::Permission`` to the destination function
(a service may invoke it) or attaches a policy to the role of the source or of the destination.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lambda_advisor.barrier import internal_message
from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import FUNCTION_TYPES, as_props
from lambda_advisor.sources.template.permissions import add_permission
from lambda_advisor.sources.yaml_loader import LineDict

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader

_LAMBDA = "AWS::Lambda::Function"
_SCOPE = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:%{Source.ResourceId}/%{Source.Qualifier}"
_STATES_EXECUTION = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:%{Destination.Name}:*"

#: (source type, destination type) -> what Write creates: a Lambda permission on the destination function.
PERMISSION_PROFILES: dict[tuple[str, str], dict[str, str]] = {
    ("AWS::Events::Rule", _LAMBDA): {"Principal": "events.amazonaws.com", "SourceArn": "%{Source.Arn}"},
    ("AWS::ApiGatewayV2::Api", _LAMBDA): {"Principal": "apigateway.amazonaws.com", "SourceArn": _SCOPE},
    ("AWS::ApiGateway::RestApi", _LAMBDA): {"Principal": "apigateway.amazonaws.com", "SourceArn": _SCOPE},
    ("AWS::SNS::Topic", _LAMBDA): {"Principal": "sns.amazonaws.com", "SourceArn": "%{Source.Arn}"},
    ("AWS::S3::Bucket", _LAMBDA): {"Principal": "s3.amazonaws.com", "SourceArn": "%{Source.Arn}",
                                   "SourceAccount": "${AWS::AccountId}"},
    ("AWS::AppSync::GraphQLApi", _LAMBDA): {
        "Principal": "appsync.amazonaws.com",
        "SourceArn": "arn:${AWS::Partition}:appsync:${AWS::Region}:${AWS::AccountId}:apis/%{Source.ResourceId}"},
}

Statements = list[tuple[tuple[str, ...], tuple[str, ...]]]
#: (source type, destination type) -> (whose role: Source or Destination, {Read/Write: statements}).
POLICY_PROFILES: dict[tuple[str, str], tuple[str, dict[str, Statements]]] = {
    ("AWS::DynamoDB::Table", _LAMBDA): ("Destination", {
        "Read": [(("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                   "dynamodb:ListStreams"), ("%{Source.Arn}/stream/*",))]}),
    ("AWS::SQS::Queue", _LAMBDA): ("Destination", {
        "Read": [(("sqs:ReceiveMessage", "sqs:GetQueueAttributes"), ("%{Source.Arn}",))],
        "Write": [(("sqs:DeleteMessage",), ("%{Source.Arn}",))]}),
    (_LAMBDA, _LAMBDA): ("Source", {
        "Write": [(("lambda:InvokeAsync", "lambda:InvokeFunction"), ("%{Destination.Arn}",))]}),
    (_LAMBDA, "AWS::S3::Bucket"): ("Source", {
        "Read": [(("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectLegalHold", "s3:GetObjectRetention",
                   "s3:GetObjectTorrent", "s3:GetObjectVersion", "s3:GetObjectVersionAcl",
                   "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTorrent", "s3:ListBucket",
                   "s3:ListBucketMultipartUploads", "s3:ListBucketVersions", "s3:ListMultipartUploadParts"),
                  ("%{Destination.Arn}", "%{Destination.Arn}/*"))],
        "Write": [(("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject",
                    "s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:RestoreObject"),
                   ("%{Destination.Arn}", "%{Destination.Arn}/*"))]}),
    (_LAMBDA, "AWS::DynamoDB::Table"): ("Source", {
        "Read": [(("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
                   "dynamodb:ConditionCheckItem", "dynamodb:PartiQLSelect"),
                  ("%{Destination.Arn}", "%{Destination.Arn}/index/*"))],
        "Write": [(("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                    "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"),
                   ("%{Destination.Arn}", "%{Destination.Arn}/index/*"))]}),
    (_LAMBDA, "AWS::SQS::Queue"): ("Source", {
        "Read": [(("sqs:ReceiveMessage", "sqs:GetQueueAttributes"), ("%{Destination.Arn}",))],
        "Write": [(("sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"),
                   ("%{Destination.Arn}",))]}),
    (_LAMBDA, "AWS::SNS::Topic"): ("Source", {"Write": [(("sns:Publish",), ("%{Destination.Arn}",))]}),
    (_LAMBDA, "AWS::StepFunctions::StateMachine"): ("Source", {
        "Write": [(("states:StartExecution", "states:StartSyncExecution"), ("%{Destination.Arn}",)),
                  (("states:StopExecution",), (_STATES_EXECUTION,))],
        "Read": [(("states:DescribeStateMachine", "states:ListExecutions"), ("%{Destination.Arn}",)),
                 (("states:DescribeExecution", "states:DescribeStateMachineForExecution",
                   "states:GetExecutionHistory"), (_STATES_EXECUTION,))]}),
    (_LAMBDA, "AWS::Events::EventBus"): ("Source", {"Write": [(("events:PutEvents",), ("%{Destination.Arn}",))]}),
    (_LAMBDA, "AWS::Location::PlaceIndex"): ("Source", {
        "Read": [(("geo:DescribePlaceIndex", "geo:GetPlace", "geo:SearchPlaceIndexForPosition",
                   "geo:SearchPlaceIndexForSuggestions", "geo:SearchPlaceIndexForText"), ("%{Destination.Arn}",))]}),
}

#: Connector profiles name CloudFormation types; a SAM resource stands for the one it becomes.
_SAM_TYPES = {
    "AWS::Serverless::Function": _LAMBDA, "AWS::Serverless::Api": "AWS::ApiGateway::RestApi",
    "AWS::Serverless::HttpApi": "AWS::ApiGatewayV2::Api", "AWS::Serverless::SimpleTable": "AWS::DynamoDB::Table",
    "AWS::Serverless::StateMachine": "AWS::StepFunctions::StateMachine",
    "AWS::Serverless::GraphQLApi": "AWS::AppSync::GraphQLApi",
}
#: Types whose ARN is their Ref (the others: GetAtt Arn).
_ARN_BY_REF = {"AWS::StepFunctions::StateMachine", "AWS::SNS::Topic", "AWS::AppSync::GraphQLApi",
               "AWS::AppSync::DataSource"}
_PLACEHOLDER = re.compile(r"%\{(\w+)\.(\w+)\}")


def link_connectors(r: TemplateReader) -> None:
    """Every standalone and embedded connector of the template."""
    for lid, res in r.resources.items():
        try:
            if res.get("Type") == "AWS::Serverless::Connector":
                _connector(r, lid, as_props(res.get("Properties")), r._res_line(lid), None)
            for name, embedded in as_props(res.get("Connectors")).items():
                props = as_props(as_props(embedded).get("Properties"))
                line = res.get("Connectors").line_of(name) if isinstance(res.get("Connectors"), LineDict) else \
                    r._res_line(lid)
                _connector(r, f"{lid}{name}", props, line, {"Id": lid, **as_props(props.get("SourceReference"))})
        except Exception as exc:  # the barrier: one resource, one error entry
            r.problems.append((f"connector of {lid}: {internal_message(exc)}", r._res_line(lid)))


def _connector(r: TemplateReader, lid: str, props: dict[str, Any], line: int, source: dict[str, Any] | None) -> None:
    permissions = {r.resolver.text(p) for p in as_list(props.get("Permissions"))}
    src = _endpoint(r, as_props(source if source is not None else props.get("Source")))
    if src is None:
        return
    for dest_node in as_list(props.get("Destination")):
        dest = _endpoint(r, as_props(dest_node))
        if dest is None:
            continue
        pair = (src["type"], dest["type"])
        values = {f"Source.{k}": v for k, v in src.items()} | {f"Destination.{k}": v for k, v in dest.items()}
        origin = f"SAM connector {lid}"
        if pair in PERMISSION_PROFILES and "Write" in permissions:
            fn = r.function_for(dest["Arn"])
            if fn in r.docs:
                grant = {key: _fill(pattern, values) for key, pattern in PERMISSION_PROFILES[pair].items()}
                grant |= {"Action": "lambda:InvokeFunction", "FunctionName": dest["Arn"]}
                add_permission(r, fn, grant, f"{lid}WriteLambdaPermission", line, origin)
        if pair in POLICY_PROFILES:
            side, categories = POLICY_PROFILES[pair]
            statements = [{"Effect": "Allow", "Action": list(actions),
                           "Resource": [_fill(p, values) for p in resources]}
                          for category in ("Read", "Write") if category in permissions
                          for actions, resources in categories.get(category, [])]
            if statements:
                _attach(r, src if side == "Source" else dest, statements, origin, line)


def _endpoint(r: TemplateReader, node: dict[str, Any]) -> dict[str, Any] | None:
    """A connector's source or destination: its CloudFormation type and the values profiles use."""
    lid = node.get("Id")
    if isinstance(lid, str):
        rtype = r.resolver.resource_type(lid)
        if rtype is None:
            return None
        rtype = _SAM_TYPES.get(rtype, rtype)
        arn = {"Ref": lid} if rtype in _ARN_BY_REF else {"Fn::GetAtt": [lid, "Arn"]}
        resource_id: Any = {"Fn::GetAtt": [lid, "ApiId"]} if rtype == "AWS::AppSync::GraphQLApi" else {"Ref": lid}
        qualifier = node.get("Qualifier", "*")
        return {"type": rtype, "Arn": arn, "ResourceId": resource_id, "Qualifier": qualifier,
                "Name": {"Fn::GetAtt": [lid, "Name"]}, "logical_id": lid, "RoleName": None}
    rtype = r.resolver.text(node.get("Type"))
    if rtype is None:
        return None
    return {"type": _SAM_TYPES.get(rtype, rtype), "Arn": node.get("Arn"), "ResourceId": node.get("ResourceId"),
            "Qualifier": node.get("Qualifier"), "Name": node.get("Name"), "logical_id": None,
            "RoleName": node.get("RoleName")}


def _fill(pattern: str, values: dict[str, Any]) -> Any:
    """``%{Destination.Arn}/index/*`` with the destination's ARN expression: a node the resolver reads."""
    parts: list[Any] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(pattern):
        if m.start() > pos:
            parts.append(pattern[pos:m.start()])
        parts.append(values.get(f"{m.group(1)}.{m.group(2)}"))
        pos = m.end()
    if pos < len(pattern):
        parts.append(pattern[pos:])
    nodes = [{"Fn::Sub": p} if isinstance(p, str) and "${" in p else p for p in parts]
    return nodes[0] if len(nodes) == 1 else {"Fn::Join": ["", nodes]}


def _attach(r: TemplateReader, side: dict[str, Any], statements: list[dict[str, Any]], origin: str,
            line: int) -> None:
    """The connector's policy on the role of a function (or on a role named by ``RoleName``)."""
    role_id = None
    if side["logical_id"] is not None and r.resolver.resource_type(side["logical_id"]) in FUNCTION_TYPES:
        doc = r.docs.get(side["logical_id"])
        if doc is None or doc.role is None:
            return
        role_id = doc.role.get("logical_id")
        targets = [d for d in r.docs.values() if d is doc or (role_id and d.role and d.role.get("logical_id") == role_id)]
    elif side["RoleName"] is not None:
        role_id = r.resolver.logical_target(side["RoleName"])
        targets = [d for d in r.docs.values() if role_id and d.role and d.role.get("logical_id") == role_id]
    else:
        return
    for doc in targets:
        assert doc.role is not None
        before = len(doc.role["statements"])
        r._statements(doc.role, {"Statement": statements}, origin)
        for st in doc.role["statements"][before:]:
            st["line"] = line
