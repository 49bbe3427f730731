"""Organisations at scale: empty selections, suspended accounts, ``--shard K/N`` and the report's scope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from lambda_advisor.audit_emulator import ACCOUNT, Account, seed_organization
from lambda_advisor.audit_scope import inventory
from lambda_advisor.cli import cli
from lambda_advisor.sources.account.organization import OrgOptions, choose_accounts
from lambda_advisor.sources.account.shard import Shard, parse_shard

REGION = "us-east-1"
REPORT_SCHEMA = "lambda_advisor/schema/report.schema.json"


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("value", ["", " ", ",", " , "])
def test_an_empty_account_selection_is_a_usage_error_not_the_whole_organisation(value: str) -> None:
    result = _invoke("audit", "--endpoint-url", "http://127.0.0.1:9", "--org-role", "Auditor", "--accounts", value)
    assert result.exit_code == 2
    assert "--accounts is empty" in result.stderr


def test_a_malformed_account_id_is_a_usage_error() -> None:
    result = _invoke("audit", "--org-role", "Auditor", "--accounts", "12345,arn:aws:iam::1:root")
    assert result.exit_code == 2 and "not a 12-digit account ID" in result.stderr


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "a/b", "1", "", "-1/2", "1/2/3"])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)
    result = _invoke("audit", "--org-role", "Auditor", "--shard", text)
    assert result.exit_code == 2 and "--shard" in result.stderr


def test_shard_needs_an_organisation() -> None:
    result = _invoke("audit", "--shard", "1/2")
    assert result.exit_code == 2 and "go with --org-role" in result.stderr


def test_list_accounts_prints_the_share_and_names_the_skipped(moto: Any) -> None:
    expected = seed_organization(moto.endpoint, REGION)
    members = sorted(a for a in expected if a != ACCOUNT)
    Account(moto.endpoint).client("organizations").close_account(AccountId=members[1])
    result = _invoke("audit", "--endpoint-url", moto.endpoint, "--org-role", "Auditor", "--list-accounts")
    assert result.exit_code == 0
    assert result.stdout.split() == sorted(expected)  # the suspended one too: the audit reports it skipped
    assert f"{members[1]} will be skipped (account is suspended)" in result.stderr
    one = _invoke("audit", "--endpoint-url", moto.endpoint, "--org-role", "Auditor", "--list-accounts",
                  "--shard", "1/3")
    assert len(one.stdout.split()) == 1


@given(st.lists(st.from_regex(r"\A[0-9]{12}\Z"), max_size=60, unique=True), st.integers(1, 12))
def test_shards_partition_the_accounts_evenly_whatever_their_order(accounts: list[str], count: int) -> None:
    shares = [Shard(k, count).take(accounts) for k in range(1, count + 1)]
    flat = [a for share in shares for a in share]
    assert sorted(flat) == sorted(accounts)  # each account exactly once
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    assert shares == [Shard(k, count).take(list(reversed(accounts))) for k in range(1, count + 1)]


def test_shard_is_cut_before_inactive_accounts_are_set_aside() -> None:
    listed = {f"{i:012d}": (f"acct-{i}", "SUSPENDED" if i % 3 == 0 else "ACTIVE") for i in range(10)}
    seen_chosen: list[str] = []
    seen_skipped: list[str] = []
    for k in (1, 2, 3):
        chosen, skipped = choose_accounts(listed, OrgOptions(role_name="R", shard=Shard(k, 3),
                                                             exclude_accounts=["000000000001"]))
        seen_chosen += chosen
        seen_skipped += [s["account"] for s in skipped]
        assert all(s["reason"] == "account is suspended" and s["name"].startswith("acct-") for s in skipped)
    assert sorted(seen_skipped) == [a for a, (_, state) in sorted(listed.items()) if state == "SUSPENDED"]
    assert sorted(seen_chosen) == [a for a, (_, state) in sorted(listed.items())
                                   if state == "ACTIVE" and a != "000000000001"]


def test_inventory_counts_web_functions_and_versions_apart() -> None:
    docs: list[dict[str, Any]] = [{"id": "a", "kind": "web"}, {"id": "b"}, {"id": "c", "extra": {"version_of": "b"}}, {"id": "d"}]
    assert inventory(docs) == {"event_functions": 2, "web_functions": 1, "versions": 1}


def test_suspended_accounts_are_listed_as_skipped_and_shards_cover_the_organisation(moto: Any,
                                                                                    tmp_path: Path) -> None:
    expected = seed_organization(moto.endpoint, REGION)
    members = sorted(a for a in expected if a != ACCOUNT)
    Account(moto.endpoint).client("organizations").close_account(AccountId=members[0])
    schema = json.loads(Path(REPORT_SCHEMA).read_text(encoding="utf-8"))
    audited: list[str] = []
    skipped: list[dict[str, Any]] = []
    functions = 0
    for k in (1, 2):
        result = _invoke("audit", "--endpoint-url", moto.endpoint, "--region", REGION, "--org-role", "Auditor",
                         "--shard", f"{k}/2", "--format", "json", "--save", str(tmp_path / "snapshots"))
        assert result.exit_code in (0, 1), result.output
        report = json.loads(result.stdout)
        jsonschema.validate(report, schema)
        scope = report["scope"]
        assert scope["shard"] == f"{k}/2" and scope["regions"] == [REGION]
        assert scope["window"]["started"] <= scope["window"]["finished"]
        audited += scope["accounts"]
        skipped += scope["skipped_accounts"]
        functions += scope["inventory"]["event_functions"]
        assert scope["inventory"]["event_functions"] == report["summary"]["functions"]
        assert report["gaps"] == []  # a suspended account is skipped, not a gap (no exit 3)
        if scope["skipped_accounts"]:
            assert "account is suspended" in result.stderr
    assert sorted(audited) == sorted(a for a in expected if a != members[0])
    assert [s["account"] for s in skipped] == [members[0]] and skipped[0]["reason"] == "account is suspended"
    assert functions == sum(len(fns) for a, fns in expected.items() if a != members[0])

    # the merge job: one scan of every shard's snapshots states the same scope, the skipped account included
    merged = _invoke("scan", str(tmp_path / "snapshots"), "--format", "json")
    report = json.loads(merged.stdout)
    jsonschema.validate(report, schema)
    assert report["scope"]["accounts"] == sorted(audited)
    assert report["scope"]["skipped_accounts"][0]["account"] == members[0]
    assert report["scope"]["inventory"]["event_functions"] == functions
    assert f"account {members[0]} was not audited" in merged.stderr


def test_html_audit_opens_with_a_paragraph_and_a_header_per_account_and_region(moto: Any) -> None:
    expected = seed_organization(moto.endpoint, REGION)
    result = _invoke("audit", "--endpoint-url", moto.endpoint, "--region", REGION, "--org-role", "Auditor",
                     "--format", "html", "--quiet")
    page = result.stdout
    overview = page[page.index('<p id="overview">'):page.index("</p>", page.index('<p id="overview">'))]
    total = sum(len(fns) for fns in expected.values())
    assert f"This audit covered {total} functions in 3 accounts and 1 region" in overview
    assert "The most serious" in overview and "Every function listed was fully checked." in overview
    assert overview.index("<p") < page.index("<h2>Summary</h2>")  # before any table
    for account in expected:
        assert page.count(f">Account {account}") == 1, account
    assert page.count(f"region {REGION}</h3>") == 3
    assert "(member-0)" in page  # the account's name from the organisation
