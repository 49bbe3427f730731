"""Region-wide account settings a rule reads per function: GetAccountSettings, once per region.

``AccountLimit.UnreservedConcurrentExecutions`` against the 100 executions AWS
keeps unreserved (LA513). One call per region, whatever the number of
functions; when it fails, the functions of the region carry the gap.
"""

from __future__ import annotations

from typing import Any

from lambda_advisor.model import Function
from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once


class AccountSettingsReads:
    """Mixed into the region's audit, which provides ``calls``, ``region``, ``lam_settings`` (a client of its
    own, so per-function call orders stay as they were) and ``account_settings``."""

    region: str
    calls: Calls
    lam_settings: Any
    account_settings: Once

    def _account_concurrency(self, fn: Function, missing: list[str]) -> None:
        pool, why = self.account_settings.get("settings", self._read_account_settings)
        if why:
            missing.append(why)
        fn.account_concurrency = dict(pool) if pool else None

    def _read_account_settings(self) -> tuple[dict[str, Any] | None, str | None]:
        got = self.calls.call(self.region, self.lam_settings, "GetAccountSettings", newer_api=True)
        if isinstance(got, Failed) and got.code == "404":
            return None, None  # an emulator that does not serve it; AWS always does
        if isinstance(got, Failed):
            return None, str(got)
        if got is NOT_FOUND:
            return None, None
        limit = got.get("AccountLimit") or {}
        return {"limit": limit.get("ConcurrentExecutions"),
                "unreserved": limit.get("UnreservedConcurrentExecutions")}, None
