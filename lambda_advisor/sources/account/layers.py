"""Who may read a layer version: its policy (GetLayerVersionPolicy), once per layer version an audited
function uses and the audited account owns. A statement that grants ``lambda:GetLayerVersion`` to
``*`` without an organisation condition publishes the layer's code to every AWS account (LA109)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once


def open_to_everyone(policy_text: str) -> bool:
    """Whether a layer version policy lets any AWS account read the version (``Principal: *`` with no
    ``aws:PrincipalOrgID`` condition, which is what ``--organization-id`` adds)."""
    try:
        policy = json.loads(policy_text or "{}")
    except ValueError:
        return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    for st in statements if isinstance(statements, list) else [statements]:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") in ("*", ["*"]))
        conditions = json.dumps(st.get("Condition") or {}).lower()
        if everyone and "aws:principalorgid" not in conditions:
            return True
    return False


class LayerPolicyReads:
    """Mixed into the region's audit: ``calls``, ``region``, ``lam``, ``shared`` and ``layer_policies``."""

    region: str
    calls: Calls
    lam: Any
    shared: Any
    layer_policies: Once

    def _layer_public(self, arn: str, missing: list[str]) -> bool | None:
        """True when the layer version is shared with every account; None when not ours to read."""
        parts = arn.split(":")
        if len(parts) < 8 or parts[4] != self.shared.outcome.account or not parts[7].isdigit():
            return None  # another account's layer: its owner decides, and we may not read its policy
        public, why = self.layer_policies.get(arn, partial(self._read_layer_policy, ":".join(parts[:7]),
                                                           int(parts[7])))
        if why:
            missing.append(why)
        return public

    def _read_layer_policy(self, layer_arn: str, version: int) -> tuple[bool | None, str | None]:
        got = self.calls.call(self.region, self.lam, "GetLayerVersionPolicy", LayerName=layer_arn,
                              VersionNumber=version)
        if got is NOT_FOUND:
            return False, None  # no policy: only the owner account may use it
        if isinstance(got, Failed):
            return None, f"{got} (layer {layer_arn}:{version})"
        return open_to_everyone(str(got.get("Policy") or "{}")), None
