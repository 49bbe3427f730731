"""SAM expansion: what ``AWS::Serverless::Function`` properties turn into when SAM transforms them.

Events become event sources and the permissions SAM adds; ``EventInvokeConfig``,
``AutoPublishAlias``/``DeploymentPreference`` and ``FunctionUrlConfig`` become the same
facts their CloudFormation resources would give.
"""

from __future__ import annotations

from typing import Any

from lambda_advisor.model import Function, unresolved
from lambda_advisor.sources import sam as samlib
from lambda_advisor.sources.intrinsics import is_intrinsic, short_text
from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import as_props
from lambda_advisor.sources.template.events import EventParts
from lambda_advisor.sources.yaml_loader import LineDict

#: What SAM grants the role it creates so Lambda can deliver to a DLQ or destination, by Type.
SAM_DESTINATION_ACTIONS = {"SQS": ["sqs:SendMessage"], "SNS": ["sns:Publish"], "Lambda": ["lambda:InvokeFunction"],
                            "EventBridge": ["events:PutEvents"], "S3Bucket": ["s3:PutObject", "s3:ListBucket"]}


class SamParts(EventParts):
    def _sam_events(self, doc: Function, lid: str, props: dict[str, Any]) -> None:
        events = as_props(props.get("Events"))
        for name, ev in events.items():
            ev = as_props(ev)
            etype = self.resolver.text(ev.get("Type")) or ""
            kind = samlib.EVENT_TYPES.get(etype)
            if kind is None:
                continue
            eprops = as_props(ev.get("Properties"))
            our_type, invocation, principal = kind
            if etype == "SNS" and self.sqs_subscription(eprops):
                our_type, invocation, principal = "sqs", "poll", None
            source_node = eprops.get(samlib.EVENT_SOURCE_PROPERTY.get(etype, ""))
            entry = self._event_source(our_type, invocation, str(name), source_node,
                                       events.line_of(name) if isinstance(events, LineDict) else None)
            entry["has_permission"] = True
            # SAM wires events to the alias it publishes (AutoPublishAlias), else to the function.
            entry["qualifier"] = self.resolver.text(props["AutoPublishAlias"]) if "AutoPublishAlias" in props \
                else "$LATEST"
            if our_type == "sqs" and etype == "SNS":
                sub = eprops.get("SqsSubscription")
                queue_arn = as_props(sub).get("QueueArn") if isinstance(sub, dict) and not is_intrinsic(sub) else None
                # SqsSubscription: true makes SAM create the queue, named <function><event>Queue.
                created = f"{lid}{name}Queue"
                entry["queue"] = self._queue_info(queue_arn) if queue_arn is not None else {
                    "name": created, "logical_id": created, "redrive_policy": False, "visibility_timeout_s": 30,
                    "line": None}
            self._poller_settings(entry, eprops)
            if invocation == "poll":
                self._sam_poller_destination(doc, str(name), eprops)
                self._sam_poller_access(doc, str(name), etype, eprops)
            if etype == "Api":
                entry["api_timeout_ms"] = self._int(eprops.get("TimeoutInMillis")) or 29000
            if etype == "HttpApi":
                entry["api_timeout_ms"] = self._int(eprops.get("TimeoutInMillis")) or 30000
            index = len(doc.event_sources or [])
            assert doc.event_sources is not None and doc.resource_policy is not None
            doc.event_sources.append(entry)
            self._set(doc, f"/event_sources/{index}", events, name)
            if principal:
                statement: dict[str, Any] = {
                    "sid": None, "effect": "Allow", "actions": ["lambda:InvokeFunction"],
                    "resources": [unresolved(f"!GetAtt {lid}.Arn")], "principal": principal,
                    "source_arn": unresolved(f"(set by SAM for event {name})"),
                    "source_account": unresolved("!Ref AWS::AccountId") if etype in ("S3", "IoTRule") else False,
                    "origin": f"SAM event {name}", "line": entry["line"]}
                if etype == "AlexaSkill" and eprops.get("SkillId") is None:
                    statement["source_arn"] = False
                doc.resource_policy.append(statement)
                self._set(doc, f"/resource_policy/{len(doc.resource_policy) - 1}", events, name)

    def _sam_poller_destination(self, doc: Function, name: str, eprops: dict[str, Any]) -> None:
        """A stream or queue event's on-failure destination with a ``Type``: SAM lets its role send there."""
        node = as_props(as_props(eprops.get("DestinationConfig")).get("OnFailure"))
        kind = str(self.resolver.text(node.get("Type")))
        actions = SAM_DESTINATION_ACTIONS.get("S3Bucket" if kind == "S3" else kind, [])
        if "Destination" in node and actions and kind != "Lambda":
            doc.extra.setdefault("sam_role_grants", []).append(
                (actions, self._value(node["Destination"]), f"SAM event {name} OnFailure destination"))

    def _sam_poller_access(self, doc: Function, name: str, etype: str, eprops: dict[str, Any]) -> None:
        """What SAM lets the role read for a broker or Kafka event: the secrets its
        SourceAccessConfigurations name, the broker, and the VPC calls of a self-managed cluster."""
        grants = doc.extra.setdefault("sam_role_grants", [])
        origin = f"SAM event {name} ({etype})"
        configs = [as_props(c) for c in as_list(eprops.get("SourceAccessConfigurations"))]
        kinds = {str(self.resolver.text(c.get("Type"))): c.get("URI") for c in configs}
        secret_types = {"MSK": ("CLIENT_CERTIFICATE_TLS_AUTH",),
                        "MQ": ("BASIC_AUTH",),
                        "SelfManagedKafka": ("SASL_SCRAM_256_AUTH", "SASL_SCRAM_512_AUTH", "BASIC_AUTH",
                                             "CLIENT_CERTIFICATE_TLS_AUTH", "OAUTHBEARER_AUTH",
                                             "SERVER_ROOT_CA_CERTIFICATE")}.get(etype, ())
        for kind in secret_types:
            if kinds.get(kind) is not None:
                grants.append((["secretsmanager:GetSecretValue"], self._value(kinds[kind]), origin))
        if etype == "MQ" and eprops.get("Broker") is not None:
            grants.append((["mq:DescribeBroker"], self._value(eprops["Broker"]), origin))
        if etype == "SelfManagedKafka" and "VPC_SUBNET" in kinds and "VPC_SECURITY_GROUP" in kinds:
            grants.append((["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                            "ec2:DeleteNetworkInterface", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
                            "ec2:DescribeSecurityGroups"], "*", origin))

    def _sam_event_invoke(self, doc: Function, props: dict[str, Any]) -> None:
        cfg = as_props(props.get("EventInvokeConfig"))
        if not cfg:
            return
        dest = as_props(cfg.get("DestinationConfig"))
        doc.event_invoke = {
            "maximum_retry_attempts": self._int(cfg.get("MaximumRetryAttempts")),
            "maximum_event_age_s": self._int(cfg.get("MaximumEventAgeInSeconds")),
            "on_failure": self._sam_destination(dest.get("OnFailure")),
            "on_success": self._sam_destination(dest.get("OnSuccess")),
        }
        self._set(doc, "/event_invoke", props, "EventInvokeConfig")
        grants = doc.extra.setdefault("sam_role_grants", [])
        for when in ("OnFailure", "OnSuccess"):
            node = as_props(dest.get(when))
            if "Destination" in node:
                actions = SAM_DESTINATION_ACTIONS.get(str(self.resolver.text(node.get("Type"))), [])
                grants.append((actions, self._value(node["Destination"]), f"SAM EventInvokeConfig {when} destination"))

    def _sam_destination(self, node: Any) -> Any:
        node = as_props(node)
        if not node:
            return False
        if "Destination" in node:
            return self._value(node["Destination"])
        kind = self.resolver.text(node.get("Type"))
        return f"(queue or topic created by SAM: {kind})" if kind in ("SQS", "SNS") else unresolved(short_text(node))

    def _sam_deployment(self, doc: Function, props: dict[str, Any]) -> None:
        assert doc.deployment is not None
        alias = self.resolver.text(props.get("AutoPublishAlias"))
        if "AutoPublishAlias" in props:
            doc.deployment["aliases"].append(alias or short_text(props["AutoPublishAlias"]))
            doc.deployment["versions_published"] = True
            self._set(doc, "/deployment", props, "AutoPublishAlias")
        if "DeploymentPreference" in props:
            pref = as_props(props["DeploymentPreference"])
            kind = self.resolver.text(pref.get("Type")) or ""
            enabled = self._bool(pref.get("Enabled"))
            doc.deployment["gradual"] = enabled is not False and kind != "AllAtOnce"
            hooks = as_props(pref.get("Hooks"))
            named = [self.resolver.logical_target(hooks[k]) for k in ("PreTraffic", "PostTraffic") if k in hooks]
            if any(named):
                doc.deployment["hooks"] = [lid for lid in named if lid]

    def _sam_url(self, doc: Function, lid: str, props: dict[str, Any]) -> None:
        cfg = as_props(props.get("FunctionUrlConfig"))
        if not cfg:
            return
        auth = self.resolver.text(cfg.get("AuthType"))
        origins = as_props(cfg.get("Cors")).get("AllowOrigins")
        alias = self.resolver.text(props["AutoPublishAlias"]) if "AutoPublishAlias" in props else None
        doc.url = {"auth_type": auth, "url": None,
                   "cors_allow_origins": [str(self.resolver.text(o)) for o in as_list(origins)] if origins else None,
                   "qualifier": alias}
        self._set(doc, "/url", props, "FunctionUrlConfig")
        if auth == "NONE":
            # As SAM does: InvokeFunctionUrl for NONE, and InvokeFunction only through the URL
            # (required for new URLs since October 2025).
            assert doc.resource_policy is not None
            common = {"sid": None, "effect": "Allow", "resources": [unresolved(f"!Ref {lid}")], "principal": "*",
                      "source_arn": False, "source_account": False, "origin": "SAM FunctionUrlConfig",
                      "line": doc.lines.get("/url"), "qualifier": alias or "$LATEST"}
            doc.resource_policy.append({**common, "actions": ["lambda:InvokeFunctionUrl"],
                                        "conditions": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
                                        "function_url_auth_type": "NONE"})
            doc.resource_policy.append({**common, "actions": ["lambda:InvokeFunction"],
                                        "invoked_via_function_url": True})
            for i in (len(doc.resource_policy) - 2, len(doc.resource_policy) - 1):
                doc.lines[f"/resource_policy/{i}"] = doc.lines.get("/url", 0)
