"""Customer-managed runtimes of Event Functions, read live through ``lambda-core``.

A function on a customer-managed runtime (``Runtime: custom`` with ``RuntimeConfig``) names
the runtime and one of its aliases; the alias points at a runtime version and carries the
release lifecycle its owner set (``ReleaseState``, deprecation and block dates). AWS sends no
deprecation notice for these runtimes: ``GetRuntimeAlias`` (once per alias and region) is the
only way to see that the alias a function runs on is deprecated or past a block date (LA501).
Network connectors are read with the Web Functions that use them (:mod:`.web`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lambda_advisor.model import Function
from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once, once_for


def runtime_config_from(config: dict[str, Any]) -> dict[str, Any] | bool:
    """FunctionConfiguration.RuntimeConfig in the document's ``runtime_config`` shape (lifecycle read later)."""
    cfg = config.get("RuntimeConfig")
    if not isinstance(cfg, dict) or not cfg.get("RuntimeArn"):
        return False
    return {"runtime_arn": cfg.get("RuntimeArn"), "alias": cfg.get("RuntimeAlias"), "alias_logical_id": None,
            "release_state": None, "deprecation_date": None, "function_create_block_date": None,
            "function_update_block_date": None, "line": None}


def lifecycle_facts(alias: dict[str, Any]) -> dict[str, Any]:
    """GetRuntimeAlias's ReleaseLifecycle in the document's ``runtime_config`` fields (dates YYYY-MM-DD)."""
    lifecycle = alias.get("ReleaseLifecycle") or {}
    state = lifecycle.get("ReleaseState")
    return {"release_state": state if state in ("PREVIEW", "GA", "DEPRECATED") else None,
            "deprecation_date": _day(lifecycle.get("DeprecationDate")),
            "function_create_block_date": _day(lifecycle.get("FunctionCreateBlockDate")),
            "function_update_block_date": _day(lifecycle.get("FunctionUpdateBlockDate"))}


def _day(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


class CoreReads:
    """Mixed into the region's audit: its Lambda Core client and caches."""

    region: str
    calls: Calls

    def lambda_client(self, service: str) -> Any:
        raise NotImplementedError

    def runtime_config(self, fn: Function, config: dict[str, Any], missing: list[str]) -> None:
        found = runtime_config_from(config)
        fn.runtime_config = found
        if not isinstance(found, dict):
            return
        runtime, alias = found.get("runtime_arn"), found.get("alias")
        if not isinstance(runtime, str) or not isinstance(alias, str):
            return
        facts, why = self._aliases_read.get((runtime, alias), partial(self._read_runtime_alias, runtime, alias))
        if why:
            missing.append(why)
        found.update(facts)

    @property
    def _aliases_read(self) -> Once:
        return once_for(self, "_runtime_alias_cache")

    def _read_runtime_alias(self, runtime: str, alias: str) -> tuple[dict[str, Any], str | None]:
        got = self.calls.call(self.region, self.lambda_client("lambda-core"), "GetRuntimeAlias",
                              RuntimeName=runtime, Name=alias)
        if isinstance(got, Failed):
            return {}, f"{got} (runtime alias {alias} of {runtime})"
        if got is NOT_FOUND:
            return {}, f"GetRuntimeAlias: runtime alias {alias} of {runtime} not found (the function cannot start)"
        return lifecycle_facts(got), None
