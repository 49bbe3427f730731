"""Our native SAM reading agrees with AWS's own translator (aws-sam-translator, dev-only).

Each SAM fixture is read twice: natively, and as the CloudFormation the
translator generates from it, read through our plain-CloudFormation path.
Event sources, async invokers, permissions and role actions must agree.
A fixture the translator rejects on purpose says so with a
``# sam-translator: skip <reason>`` line; anything else failing is a failure.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.sources.template import load_template, service_principal
from lambda_advisor.sources.yaml_loader import loads

ROOT = Path(__file__).resolve().parent.parent
SKIP = re.compile(r"#\s*sam-translator:\s*skip\b(.*)")


def _sam_fixtures() -> list[Path]:
    found = []
    for path in sorted((ROOT / "fixtures").rglob("*.y*ml")):
        text = path.read_text(errors="replace")
        if "AWS::Serverless-2016-10-31" in text and ("AWS::Serverless::Function" in text
                                                     or "AWS::Serverless::WebFunction" in text):
            found.append(path)
    return found


class _AnyManagedPolicy(dict):  # type: ignore[type-arg]
    """The translator asks IAM for managed policy ARNs; every name is an AWS managed policy here."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and not key.startswith("arn:")

    def __getitem__(self, key: str) -> str:
        return f"arn:aws:iam::aws:policy/{key}"


class _Loader:
    def load(self) -> dict[str, str]:
        return _AnyManagedPolicy()


def _plain(node: Any) -> Any:
    return json.loads(json.dumps(node))


def _s3_code(node: Any) -> Any:
    """The translator wants S3 code locations; local folders are what `sam build` would upload."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("CodeUri", "ContentUri") and isinstance(value, str) and not value.startswith("s3://"):
                out[key] = "s3://bucket/code.zip"
            else:
                out[key] = _s3_code(value)
        return out
    if isinstance(node, list):
        return [_s3_code(v) for v in node]
    return node


def _translate(path: Path, tmp_path: Path) -> Path:
    from samtranslator.translator.transform import transform

    template = _s3_code(_plain(loads(path.read_text())))
    cfn = transform(template, {}, _Loader())
    out = tmp_path / (path.stem + ".translated.json")
    out.write_text(json.dumps(cfn, indent=1))
    return out


def _family(kind: str) -> str:
    return {"schedule": "eventbridge", "http_api": "api", "websocket_api": "api"}.get(kind, kind)


def _web_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What a Web Function's revisions and endpoints say, as the rules read them."""
    def connector(rev: dict[str, Any]) -> Any:
        nc = rev.get("network_connector")
        if not isinstance(nc, dict):
            return nc
        return {k: nc.get(k) for k in ("logical_id", "versioned", "compute_types", "availability_zones")}

    def role_actions(rev: dict[str, Any]) -> list[str]:
        role = rev.get("role") or {}
        return sorted({a.lower() for st in role.get("statements") or [] if st["effect"] == "Allow"
                       for a in st["actions"] if isinstance(a, str)})

    return {
        "kind": doc.get("kind"),
        "revisions": sorted(
            str({"id": r.get("logical_id"), "runtime": r.get("runtime"), "timeout": r.get("timeout_s"),
                  "env": sorted(r.get("environment") or {}), "connector": connector(r),
                  "role": (r.get("role") or {}).get("logical_id"), "role_actions": role_actions(r),
                  "log_group": (r.get("logging") or {}).get("log_group"), "served_by": r.get("served_by")})
             for r in doc.get("revisions") or []),
        "endpoints": sorted(
            str({k: e.get(k) for k in ("name", "auth_type", "type", "rate_limit", "max_environments")}
                 | {"weights": [(w.get("revision"), w.get("weight")) for w in e.get("weights") or []]})
             for e in doc.get("endpoints") or []),
    }


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    if doc.get("kind") == "web":
        return _web_summary(doc)
    sources = doc["event_sources"] or []
    statements = (doc["role"] or {}).get("statements") or []
    # IAM action names are case-insensitive (the translator writes "sns:publish").
    actions = {a.lower() for st in statements if st["effect"] == "Allow" for a in st["actions"] if isinstance(a, str)}
    return {
        "async": sorted({_family(s["type"]) for s in sources if s["invocation"] == "async"}),
        "sync": sorted({_family(s["type"]) for s in sources if s["invocation"] == "sync"}),
        "poll": sorted(Counter(s["type"] for s in sources if s["invocation"] == "poll").items()),
        "permissions": sorted({service_principal(st.get("principal")) for st in doc["resource_policy"] or []}),
        "dead_letter": bool(doc["dead_letter_target"]),
        "on_failure": bool(doc["event_invoke"] and doc["event_invoke"].get("on_failure")),
        "url_auth": doc["url"]["auth_type"] if doc["url"] else None,
        "role_actions": sorted(actions),
    }


@pytest.mark.parametrize("path", _sam_fixtures(), ids=lambda p: str(p.relative_to(ROOT)))
def test_native_sam_reading_matches_the_translator(path: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator fills pseudo parameters
    skip = SKIP.search(path.read_text())
    if skip:
        pytest.skip(f"fixture opts out: {skip.group(1).strip() or 'no reason given'}")
    native = load_template(path, explicit=True)
    translated = load_template(_translate(path, tmp_path), explicit=True)
    assert native.errors == [] and translated.errors == []
    ours = {d["source"]["logical_id"]: _summary(d) for d in native.documents}
    theirs = {d["source"]["logical_id"]: _summary(d) for d in translated.documents}
    assert set(ours) <= set(theirs)  # the translator may add functions of its own (custom resources)
    for lid, summary in ours.items():
        assert summary == theirs[lid], lid


def test_there_are_sam_fixtures_to_check() -> None:
    assert len(_sam_fixtures()) >= 3
