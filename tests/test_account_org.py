"""Organisation audits against moto's server: Organizations and cross-account AssumeRole over HTTP."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lambda_advisor.audit_emulator import ACCOUNT, AwsProxy, Call, query_error, seed_organization
from lambda_advisor.cli import cli
from lambda_advisor.sources.account import AuditOptions, TerminalProgress
from lambda_advisor.sources.account.organization import OrgOptions, audit_organization

REGION = "us-east-1"


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _found(report: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for f in report["findings"]:
        loc = f["location"]
        out.setdefault((loc["account"], loc["function_name"]), set()).add(f["rule_id"])
    return out


def test_org_audit_reports_every_account_and_its_snapshots_scan_alike(moto: Any, tmp_path: Path) -> None:
    expected = seed_organization(moto.endpoint, REGION)
    assert len(expected) == 3 and ACCOUNT in expected
    folder = tmp_path / "org"
    result = _invoke("audit", "--endpoint-url", moto.endpoint, "--region", REGION, "--org-role", "Auditor",
                     "--save", str(folder), "--format", "json", "--quiet")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["gaps"] == []
    assert report["summary"]["functions"] == sum(len(fns) for fns in expected.values())
    accounts_seen = {d.split(":")[4] for d in (f["location"]["arn"] for f in report["findings"])}
    assert accounts_seen == set(expected)
    found = _found(report)
    for account, functions in expected.items():
        for name, rules in functions.items():
            assert rules <= found.get((account, name), set()), (account, name, found.get((account, name)))
    assert found.get((ACCOUNT, "mgmt-open"), set()).isdisjoint({"LA102"})

    # one snapshot per account, each holding that account's functions only
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{a}.json" for a in expected)
    for account, functions in expected.items():
        snap = json.loads((folder / f"{account}.json").read_text())
        assert snap["account"] == account
        assert {f["name"] for f in snap["functions"]} == set(functions)
        if account != ACCOUNT:
            assert snap["account_name"].startswith("member-")

    # `scan DIR` reads them all back into one report with the same findings
    rescan = _invoke("scan", str(folder), "--format", "json", "--quiet")
    assert rescan.exit_code == 1, rescan.stderr
    again = json.loads(rescan.stdout)
    assert {f["fingerprint"] for f in again["findings"]} == {f["fingerprint"] for f in report["findings"]}
    assert again["summary"]["functions"] == report["summary"]["functions"]


def test_unassumable_account_is_a_gap_and_the_others_go_on(moto: Any) -> None:
    expected = seed_organization(moto.endpoint, REGION)
    members = sorted(a for a in expected if a != ACCOUNT)
    locked, open_ = members

    def deny_assume(call: Call) -> tuple[int, dict[str, str], bytes] | None:
        if call.operation == "AssumeRole" and locked in call.body:
            return query_error(403, "AccessDenied", f"User is not authorized to perform: sts:AssumeRole on "
                                                    f"resource: arn:aws:iam::{locked}:role/Auditor")
        return None

    saved: list[str] = []
    with AwsProxy(moto.endpoint, faults=[deny_assume]) as proxy:
        outcome = audit_organization(
            AuditOptions(endpoint_url=proxy.endpoint, regions=[REGION]),
            OrgOptions(role_name="Auditor", on_account=lambda o: saved.append(str(o.account))))
    assert sorted(saved) == sorted(expected)  # every account reported as it finished, the denied one too
    assert {d["source"]["account"] for d in outcome.documents} == {ACCOUNT, open_}
    [gap] = outcome.gaps
    assert gap.where == f"account {locked}" and "AccessDenied" in gap.missing[0]
    assert f"arn:aws:iam::{locked}:role/Auditor" in gap.missing[0]


def test_accounts_and_exclude_accounts_narrow_the_audit(moto: Any) -> None:
    expected = seed_organization(moto.endpoint, REGION)
    member = sorted(a for a in expected if a != ACCOUNT)[0]
    only = audit_organization(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION]),
                              OrgOptions(role_name="Auditor", accounts=[member, "999999999999"]))
    assert {d["source"]["account"] for d in only.documents} == {member}
    assert [g.where for g in only.gaps] == ["account 999999999999"]  # not in the organisation: named
    assert "not an active account" in only.gaps[0].missing[0]
    rest = audit_organization(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION]),
                              OrgOptions(role_name="Auditor", exclude_accounts=[member]))
    assert {d["source"]["account"] for d in rest.documents} == set(expected) - {member}
    assert rest.gaps == []


def test_list_accounts_refused_is_one_clear_message_and_exit_2(moto: Any) -> None:
    seed_organization(moto.endpoint, REGION)

    def deny(call: Call) -> tuple[int, dict[str, str], bytes] | None:
        if call.operation == "ListAccounts":
            body = json.dumps({"__type": "AccessDeniedException", "Message": "not the management account"})
            return 400, {"Content-Type": "application/x-amz-json-1.1"}, body.encode()
        return None

    with AwsProxy(moto.endpoint, faults=[deny]) as proxy:
        result = _invoke("audit", "--endpoint-url", proxy.endpoint, "--region", REGION, "--org-role", "Auditor")
    assert result.exit_code == 2
    assert "organizations:ListAccounts" in result.stderr and "AccessDeniedException" in result.stderr
    assert "Traceback" not in result.stderr


def test_org_progress_shows_accounts_functions_and_active_regions_within_the_width() -> None:
    out = io.StringIO()
    progress = TerminalProgress(out, width=80)
    progress.accounts_total(30)
    progress.account_started("111122223333")
    view = progress.for_account("111122223333")
    view.region_total("us-east-1", 40)
    view.region_total("eu-west-1", 40)
    for _ in range(12):
        view.advance("us-east-1")
    line = progress.line()
    assert line.startswith("auditing [") and "0/30 accounts" in line and "12/80 functions" in line
    assert "111122223333" in line and len(line) <= 79
    progress.account_done("111122223333")
    assert "1/30 accounts" in progress.line() and "111122223333" not in progress.line()
    wide = TerminalProgress(io.StringIO(), width=200)
    wide.accounts_total(2)
    wide.account_started("111122223333")
    wide.for_account("111122223333").region_total("us-east-1", 3)
    assert "111122223333 us-east-1 0/3" in wide.line()


def test_save_to_a_folder_for_one_account_writes_account_json(moto: Any, tmp_path: Path) -> None:
    moto.function("solo")
    folder = tmp_path / "snaps"
    result = _invoke("audit", "--endpoint-url", moto.endpoint, "--region", REGION, "--save", f"{folder}/",
                     "--quiet", "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert [p.name for p in folder.iterdir()] == [f"{ACCOUNT}.json"]
