"""Versions and aliases: what production traffic reaches, read per qualifier at the cost of few calls.

Production traffic usually goes through an alias (SAM ``AutoPublishAlias``, CDK
aliases), and an alias has its own resource policy, function URL and event
invoke config. Per function this module reads:

* ``ListAliases`` (one call): the qualifiers, and the deployment facts (aliases,
  published versions, weighted routing);
* ``GetPolicy`` with ``Qualifier`` once per alias: alias statements are added to
  the document's ``resource_policy`` with their ``qualifier`` (a statement the
  unqualified policy already holds is not repeated);
* ``ListFunctionUrlConfigs`` (one call, every qualifier's URL) only where some
  policy grants ``lambda:InvokeFunctionUrl``;
* ``ListFunctionEventInvokeConfigs`` (one call, every qualifier's config) only
  for asynchronously invoked functions.

Where a ``List`` call is refused or not served (an emulator), the ``Get`` form is
read per qualifier instead; only when that fails too is it a gap.
"""

from __future__ import annotations

import json
from typing import Any

from lambda_advisor.model import Function
from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed
from lambda_advisor.sources.account.policies import grants, parse_policy


def qualifier_of(arn: str | None) -> str | None:
    """``arn:aws:lambda:r:a:function:name:live`` -> ``live``; unqualified (or ``$LATEST``) -> None."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":")
    if len(parts) > 7 and parts[7] != "$LATEST":
        return parts[7]
    return None


def statement_key(st: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in st.items() if k not in {"origin", "qualifier", "resources"}},
                      sort_keys=True, default=str)


def _invoke_granted(statements: list[dict[str, Any]], qualifier: str | None) -> bool:
    """Whether anyone may ``lambda:InvokeFunction`` through the URL of ``qualifier`` (required
    since October 2025 besides ``lambda:InvokeFunctionUrl`` for an auth-NONE URL to answer)."""
    wanted = qualifier or "$LATEST"
    return any(st["effect"] == "Allow" and st.get("principal") == "*" and st.get("qualifier") == wanted
               and grants(st, "lambda:InvokeFunction") for st in statements)


class QualifiedReads:
    """Alias-aware reads, mixed into the region's audit (it provides ``calls``, ``region`` and ``lam``)."""

    region: str
    calls: Calls
    lam: Any
    lam_policy: Any

    def _aliases(self, fn: Function, arn: str, missing: list[str]) -> list[str]:
        """Alias names (empty when none, or unreadable: then a gap); fills ``deployment``."""
        # By name: the function is in this account and region, and emulators accept only the name here.
        items, failed = self.calls.pages(self.region, self.lam, "ListAliases", "Aliases", FunctionName=fn.name)
        if failed is not None:
            missing.append(str(failed))
            fn.deployment = {"aliases": None, "versions_published": None, "gradual": None}
            return []
        names = [str(a["Name"]) for a in items if a.get("Name")]
        versions = [a.get("FunctionVersion") for a in items]
        weighted = any((a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") for a in items)
        fn.deployment = {
            "aliases": names,
            "versions_published": True if any(v and v != "$LATEST" for v in versions) else None,
            # Weights show a shift under way now; their absence does not prove there is none.
            "gradual": True if weighted else None,
        }
        if items:
            fn.extra["aliases"] = {str(a["Name"]): {"version": a.get("FunctionVersion"),
                                                    "weights": (a.get("RoutingConfig") or {}).get(
                                                        "AdditionalVersionWeights") or None}
                                   for a in items if a.get("Name")}
        return names

    def _policies(self, fn: Function, arn: str, aliases: list[str], missing: list[str]) -> None:
        """The unqualified resource policy, then each alias's statements that it does not already hold."""
        policy = self.calls.call(self.region, self.lam_policy, "GetPolicy", FunctionName=arn)
        if isinstance(policy, Failed):
            missing.append(str(policy))
            return
        statements = [] if policy is NOT_FOUND else parse_policy(policy.get("Policy") or "{}",
                                                                 origin="resource policy")
        for st in statements:
            st["qualifier"] = "$LATEST"
        seen = {statement_key(st) for st in statements}
        for alias in aliases:
            got = self.calls.call(self.region, self.lam_policy, "GetPolicy", FunctionName=arn, Qualifier=alias)
            if isinstance(got, Failed):
                missing.append(f"{got} (alias {alias})")
                continue
            if got is NOT_FOUND:
                continue
            for st in parse_policy(got.get("Policy") or "{}", origin=f"resource policy of alias {alias}"):
                key = statement_key(st)
                if key in seen:
                    continue
                seen.add(key)
                st["qualifier"] = alias
                statements.append(st)
        fn.resource_policy = statements

    def _url(self, fn: Function, arn: str, aliases: list[str], missing: list[str]) -> None:
        if fn.resource_policy is None:
            return
        granted = any(st["effect"] == "Allow" and grants(st, "lambda:InvokeFunctionUrl") for st in fn.resource_policy)
        if not granted:
            fn.extra["url"] = "not read: no resource policy grants lambda:InvokeFunctionUrl"
            return
        configs = self._every_qualifier(arn, aliases, "ListFunctionUrlConfigs", "FunctionUrlConfigs",
                                        "GetFunctionUrlConfig", missing)
        if configs is None:
            return
        if not configs:
            fn.url = False
            return
        urls = [{"auth_type": c.get("AuthType"), "url": c.get("FunctionUrl"),
                 "cors_allow_origins": (c.get("Cors") or {}).get("AllowOrigins"),
                 "qualifier": qualifier_of(c.get("FunctionArn"))} for c in configs]
        for url in urls:
            if url["auth_type"] == "NONE":
                url["invoke_function_granted"] = _invoke_granted(fn.resource_policy, url["qualifier"])
        # The most exposed URL is the one to report (auth NONE; among those one that answers 403 for
        # want of the second grant, on an alias as well as on $LATEST); the others stay in extra.
        urls.sort(key=lambda u: (u["auth_type"] != "NONE", u.get("invoke_function_granted") is not False,
                                 u["qualifier"] is not None))
        fn.url = urls[0]
        if len(urls) > 1:
            fn.extra["urls"] = urls

    def _event_invoke(self, fn: Function, arn: str, aliases: list[str], missing: list[str]) -> None:
        if not any(s["invocation"] == "async" for s in fn.event_sources or []):
            return
        configs = self._every_qualifier(arn, aliases, "ListFunctionEventInvokeConfigs",
                                        "FunctionEventInvokeConfigs", "GetFunctionEventInvokeConfig", missing)
        if configs is None:
            return
        if not configs:
            fn.event_invoke = False
            return

        def shaped(got: dict[str, Any]) -> dict[str, Any]:
            dest = got.get("DestinationConfig") or {}
            return {
                "maximum_retry_attempts": got.get("MaximumRetryAttempts"),
                "maximum_event_age_s": got.get("MaximumEventAgeInSeconds"),
                "on_failure": (dest.get("OnFailure") or {}).get("Destination") or False,
                "on_success": (dest.get("OnSuccess") or {}).get("Destination") or False,
                "qualifier": qualifier_of(got.get("FunctionArn")) or "$LATEST",
            }

        # An on-failure destination on any qualifier (the alias traffic goes through) counts;
        # otherwise the unqualified config speaks for the function.
        every = sorted((shaped(c) for c in configs),
                       key=lambda c: (not c["on_failure"], c["qualifier"] != "$LATEST"))
        fn.event_invoke = every[0]
        if len(every) > 1:
            fn.extra["event_invoke_configs"] = every

    def _every_qualifier(self, arn: str, aliases: list[str], list_op: str, key: str, get_op: str,
                         missing: list[str]) -> list[dict[str, Any]] | None:
        """Every qualifier's config from one ``List`` call; else ``Get`` per qualifier; None when unreadable."""
        items, failed = self.calls.pages(self.region, self.lam, list_op, key, count_failure=False,
                                         FunctionName=arn)
        if failed is None:
            return items
        out: list[dict[str, Any]] = []
        for qualifier in [None, *aliases]:
            params: dict[str, Any] = {"FunctionName": arn}
            if qualifier:
                params["Qualifier"] = qualifier
            got = self.calls.call(self.region, self.lam, get_op, **params)
            if isinstance(got, Failed):
                missing.append(f"{failed}; {got}" + (f" (alias {qualifier})" if qualifier else ""))
                return None
            if got is NOT_FOUND:
                continue
            got = {k: v for k, v in got.items() if k != "ResponseMetadata"}
            if got not in out:  # a server that ignores the qualifier answers the same config twice
                got.setdefault("FunctionArn", f"{arn}:{qualifier}" if qualifier else arn)
                out.append(got)
        return out
