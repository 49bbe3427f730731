"""Property: whatever the input, a scan returns a report; nothing but documented errors; the rest survives.

Hypothesis drives the mutators of ``tests/fuzzing.py`` (through ``st.randoms()``, so
failures shrink and replay) and builds arbitrary YAML/JSON trees of its own. Each
example is scanned through the real CLI entry point, in process, beside a good
template whose finding must survive. "Documented errors" are error entries that do
not say "internal error": an internal error is a barrier catching our own bug.

The default profile is short enough for ``make test``; ``HYPOTHESIS_PROFILE=fuzz``
runs 2,000 examples per test (``FUZZ_EXAMPLES=N`` to change it); ``make fuzz`` runs the
CLI campaign instead.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import fuzzing  # tests/fuzzing.py: pytest puts tests/ on the path, as for conftest_moto
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_advisor.cli import cli

settings.register_profile("default", max_examples=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

GOOD = fuzzing.SENTINEL
TREES = fuzzing.fixture_trees()


def scan(folder: Path, *extra: str, sentinel: bool = True, may_stop: bool = False) -> dict[str, Any] | None:
    """Scan ``folder`` (with the sentinel template) and check the property; the JSON report."""
    if sentinel:
        (folder / "sentinel.yaml").write_text(GOOD)
    result = CliRunner().invoke(cli, ["scan", str(folder), "-f", "json", "--today", "2026-11-22", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1, 2, 3), result.exit_code
    if may_stop and result.exit_code == 2 and not result.stdout:
        (line,) = result.stderr.strip().splitlines()  # a broken configuration: one line, no report
        assert line.startswith("lambda-advisor: error: ") and "internal error" not in line, line
        return None
    assert result.stdout, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    internal = [e for e in report["errors"] if "internal error" in e["message"]]
    assert not internal, internal
    if sentinel:
        assert any(f["location"]["logical_id"] == "SentinelFn" and f["rule_id"] == "LA205"
                   for f in report["findings"]), report["findings"]
    return report


# -- strategies --------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.sampled_from(fuzzing.ODD_STRINGS[:-5]), st.just(fuzzing.HUGE),
    st.sampled_from(["AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::Lambda::Alias", "Fn", "Q"]))
keys = st.one_of(st.text(max_size=12), st.sampled_from(
    ["Resources", "Type", "Properties", "Ref", "Fn::GetAtt", "Fn::Sub", "Fn::FindInMap", "Fn::If", "Fn::Select",
     "Fn::Join", "Condition", "FunctionName", "Timeout", "Events", "Globals", "Metadata", "Fn", "Q"]))
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                     max_leaves=25)


def _dump(tree: Any, as_json: bool) -> bytes:
    if as_json:
        return json.dumps(tree).replace(f'"{fuzzing.HUGE}"', "9" * 5000).encode("utf-8", "surrogatepass")
    return yaml.safe_dump(tree, width=10_000).replace(fuzzing.HUGE, "9" * 5000).encode("utf-8", "surrogatepass")


# -- templates -----------------------------------------------------------------------------------

@given(tree=trees, as_json=st.booleans(), as_resources=st.booleans())
def test_an_arbitrary_tree_is_a_report_never_a_crash(tree: Any, as_json: bool, as_resources: bool) -> None:
    if as_resources:  # the shape a template loader claims, with anything inside
        tree = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": tree}, "X": tree}}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ("t.json" if as_json else "t.yaml")).write_bytes(_dump(tree, as_json))
        scan(Path(tmp))


#: Web Functions, what wires them, and the Lambda Core resources beside them.
WEB_TYPES = ["AWS::Lambda::WebFunction", "AWS::Serverless::WebFunction", "AWS::Lambda::WebFunctionRevision",
             "AWS::Lambda::WebFunctionEndpoint", "AWS::Lambda::ResourcePolicy", "AWS::Lambda::NetworkConnector",
             "AWS::Serverless::NetworkConnector", "AWS::Lambda::Runtime", "AWS::Lambda::RuntimeAlias",
             "AWS::Lambda::MicrovmImage", "AWS::S3::BucketPolicy", "AWS::S3::Bucket"]


@given(tree=trees, rtype=st.sampled_from(WEB_TYPES), where=st.sampled_from(["Properties", "ServiceConfig",
                                                                             "BuildConfig", "RevisionWeights"]),
       as_json=st.booleans())
def test_web_function_resources_with_anything_inside(tree: Any, rtype: str, where: str, as_json: bool) -> None:
    """A Web Function whose revision, endpoint, policy, connector or bucket holds anything at all."""
    revision: dict[str, Any] = {"FunctionName": "shop", "ServiceConfig": {"EgressNetworkConnectorArn": {"Ref": "X"}},
                                "BuildConfig": {"CodeConfig": {"S3Object": {"Bucket": {"Ref": "X"}, "Key": "k"}}}}
    endpoint: dict[str, Any] = {"FunctionName": {"Ref": "Shop"}, "EndpointName": "prod",
                                "RevisionWeights": [{"RevisionId": {"Fn::GetAtt": ["Rev", "RevisionId"]}, "Weight": 100}]}
    if where == "Properties":
        x: Any = tree
    else:
        x = {where: tree, "ResourceArn": {"Fn::GetAtt": ["Shop", "FunctionArn"]}, "Bucket": {"Ref": "X"}}
        revision[where] = tree
        endpoint[where] = tree
    resources = {
        "Shop": {"Type": "AWS::Lambda::WebFunction", "Properties": {"FunctionName": "shop"}},
        "Sam": {"Type": "AWS::Serverless::WebFunction", "Properties": {"EgressNetworkConnectorArn": {"Ref": "X"},
                                                                      "CodeUri": {"Bucket": {"Ref": "X"}}, where: tree}},
        "Rev": {"Type": "AWS::Lambda::WebFunctionRevision", "Properties": revision},
        "End": {"Type": "AWS::Lambda::WebFunctionEndpoint", "Properties": endpoint},
        "X": {"Type": rtype, "Properties": x},
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ("t.json" if as_json else "t.yaml")).write_bytes(_dump({"Resources": resources}, as_json))
        scan(Path(tmp))


@given(rng=st.randoms(use_true_random=False), index=st.integers(0, len(TREES) - 1))
def test_a_mutated_fixture_is_a_report_never_a_crash(rng: random.Random, index: int) -> None:
    _, tree = TREES[index]
    with tempfile.TemporaryDirectory() as tmp:
        data = fuzzing.mutate_template(rng, tree)
        (Path(tmp) / ("m.json" if data.lstrip()[:1] == b"{" else "m.yaml")).write_bytes(data)
        scan(Path(tmp))


TERRAFORM = fuzzing.terraform_fixtures()


@given(rng=st.randoms(use_true_random=False), index=st.integers(0, max(len(TERRAFORM) - 1, 0)))
def test_a_mutated_terraform_module_is_a_report_never_a_crash(rng: random.Random, index: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(TERRAFORM[index], Path(tmp) / "tf")
        fuzzing.mutate_terraform(rng, Path(tmp) / "tf")
        scan(Path(tmp))


@given(rng=st.randoms(use_true_random=False))
def test_intrinsics_of_every_kind_nested_anywhere(rng: random.Random) -> None:
    _, tree = rng.choice(TREES)
    for _ in range(3):
        tree = fuzzing.intrinsic_anywhere(rng, json.loads(json.dumps(tree)))
    tree = fuzzing.add_cycle(rng, tree)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "m.yaml").write_bytes(fuzzing.render(rng, tree, as_json=False))
        scan(Path(tmp))


# -- the other input kinds ----------------------------------------------------------------------

@given(rng=st.randoms(use_true_random=False))
def test_a_mutated_configuration_is_one_line_or_a_report(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        name, data = fuzzing.mutate_config(rng)
        (Path(tmp) / name).write_bytes(data)
        (Path(tmp) / "sentinel.yaml").write_text(GOOD)
        scan(Path(tmp), sentinel=False, may_stop=True)


@given(rng=st.randoms(use_true_random=False), kind=st.sampled_from(["rule", "baseline"]))
def test_a_mutated_rule_file_or_baseline_is_an_error_entry_at_most(rng: random.Random, kind: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as other:
        folder = Path(tmp)
        if kind == "rule":
            # A broken rule file is one error entry naming it; every other rule still runs.
            (Path(other) / "org.yaml").write_bytes(fuzzing.mutate_rule(rng))
            (folder / "sentinel.yaml").write_text(GOOD)
            report = scan(folder, "--rules-dir", other, sentinel=False)
            assert report is not None
            if report["errors"]:
                assert [e["where"] for e in report["errors"]] == [str(Path(other) / "org.yaml")]
            assert any(f["location"]["logical_id"] == "SentinelFn" for f in report["findings"])
        else:
            (Path(other) / "baseline.json").write_bytes(fuzzing.mutate_baseline(rng))
            report = scan(folder, "--baseline", str(Path(other) / "baseline.json"))
        assert report is not None


@given(rng=st.randoms(use_true_random=False),
       kind=st.sampled_from(["snapshot", "cdk", "serverless", "package"]))
def test_mutated_snapshots_assemblies_serverless_and_packages(rng: random.Random, kind: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if kind == "snapshot":
            (folder / "snap.json").write_bytes(fuzzing.mutate_snapshot(rng, SNAPSHOT))
        elif kind == "cdk":
            shutil.copytree(fuzzing.FIXTURES / "cdk" / "cdk.out", folder / "cdk.out")
            fuzzing.mutate_cdk(rng, folder / "cdk.out")
        elif kind == "serverless":
            shutil.copytree(fuzzing.FIXTURES / "serverless" / ".serverless", folder / ".serverless")
            fuzzing.mutate_serverless(rng, folder / ".serverless")
        else:
            (folder / "pkg.zip").write_bytes(fuzzing.mutate_package(rng))
            (folder / "t.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
                                           "    Type: AWS::Serverless::Function\n    Properties:\n"
                                           "      Runtime: python3.12\n      Handler: app.handler\n"
                                           "      CodeUri: pkg.zip\n")
        scan(folder)


SNAPSHOT = fuzzing.seed_snapshot()


def test_the_seed_snapshot_is_valid(tmp_path: Path) -> None:
    """The snapshot mutations start from a snapshot that scans cleanly (else they test only the validator)."""
    (tmp_path / "snap.json").write_text(json.dumps(SNAPSHOT))
    report = scan(tmp_path)
    assert report is not None and report["errors"] == [] and report["summary"]["functions"] > 1
