"""Property: fixing any template keeps it readable, keeps every comment, and a second --fix changes nothing.

Templates are drawn from the shapes the fixes edit — SAM and plain CloudFormation
functions, Globals, SQS, stream, API and S3 sources, queues with and without
properties, roles in and out of the template — written as block YAML (2 or 4
spaces, comments between and after lines, flow mappings) or JSON (2 or 4 spaces,
tabs, one line).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_advisor.pipeline import Settings, run_scan
from lambda_advisor.sources.template import load_template

RUNTIMES = ["python3.9", "python3.13", "nodejs16.x", "nodejs22.x", "go1.x", "java11", None]
TIMEOUTS = [None, 3, 30, 60, 900]
COMMENTS = st.sampled_from(["# note", "# TODO: revisit", "#no space", "# a: b, [c]"])


def _ref(name: str, attr: str | None = None) -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attr]} if attr else {"Ref": name}


@st.composite
def templates(draw: Any) -> dict[str, Any]:
    sam = draw(st.booleans())
    resources: dict[str, Any] = {}
    out: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if sam:
        out["Transform"] = "AWS::Serverless-2016-10-31"
        glob = {k: v for k, v in {
            "Runtime": draw(st.sampled_from(RUNTIMES)),
            "Timeout": draw(st.sampled_from(TIMEOUTS)),
            "Tracing": draw(st.sampled_from([None, "PassThrough", "Active"])),
        }.items() if v is not None}
        if glob:
            out["Globals"] = {"Function": glob}
    with_role = draw(st.booleans())
    if with_role:
        resources["Role"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}}}
    for i in range(draw(st.integers(1, 3))):
        name = f"Fn{i}"
        props: dict[str, Any] = {"Handler": "index.handler"}
        runtime = draw(st.sampled_from(RUNTIMES))
        if runtime or not sam:
            props["Runtime"] = runtime or "python3.13"
        timeout = draw(st.sampled_from(TIMEOUTS))
        if timeout:
            props["Timeout"] = timeout
        source = draw(st.sampled_from(["none", "sqs", "api", "s3", "kinesis"]))
        queue_props = draw(st.sampled_from([None, {}, {"VisibilityTimeout": 40}, {"DelaySeconds": 0}]))
        if source == "sqs":
            resources[f"Q{i}"] = {"Type": "AWS::SQS::Queue"} | ({"Properties": queue_props} if queue_props else {})
        if source == "kinesis":
            resources[f"S{i}"] = {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}}
        if source == "s3":
            resources[f"B{i}"] = {"Type": "AWS::S3::Bucket"}
        if sam:
            props["InlineCode"] = "def handler(event, context): return {'batchItemFailures': []}"
            if with_role and draw(st.booleans()):
                props["Role"] = _ref("Role", "Arn")
            events = {
                "sqs": {"Type": "SQS", "Properties": {"Queue": _ref(f"Q{i}", "Arn")}},
                "api": {"Type": "Api", "Properties": {"Path": f"/p{i}", "Method": "get"}},
                "s3": {"Type": "S3", "Properties": {"Bucket": _ref(f"B{i}"), "Events": "s3:ObjectCreated:*"}},
                "kinesis": {"Type": "Kinesis", "Properties": {"Stream": _ref(f"S{i}", "Arn"),
                                                              "StartingPosition": "LATEST"}},
            }
            if source in events:
                props["Events"] = {f"E{i}": events[source]}
            resources[name] = {"Type": "AWS::Serverless::Function", "Properties": props}
        else:
            props["Code"] = {"ZipFile": "def handler(event, context): pass"}
            props["Role"] = _ref("Role", "Arn") if with_role else "arn:aws:iam::123456789012:role/r"
            if draw(st.booleans()):
                props["TracingConfig"] = {"Mode": "PassThrough"}
            resources[name] = {"Type": "AWS::Lambda::Function", "Properties": props}
            if source in ("sqs", "kinesis"):
                mapping: dict[str, Any] = {"FunctionName": _ref(name),
                                           "EventSourceArn": _ref(f"Q{i}" if source == "sqs" else f"S{i}", "Arn")}
                if source == "kinesis":
                    mapping["StartingPosition"] = "LATEST"
                resources[f"M{i}"] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": mapping}
            if source == "s3":
                resources[f"P{i}"] = {"Type": "AWS::Lambda::Permission", "Properties": {
                    "Action": "lambda:InvokeFunction", "FunctionName": _ref(name), "Principal": "s3.amazonaws.com"}}
    out["Resources"] = resources
    return out


def _yaml(node: Any, indent: int, unit: int, comments: list[str]) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in node.items():
        if comments and len(lines) % 3 == 1:
            lines.append(pad + comments[len(lines) % len(comments)])
        if isinstance(value, dict) and set(value) == {"Ref"}:
            lines.append(f"{pad}{key}: !Ref {value['Ref']}")
        elif isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
            lines.append(f"{pad}{key}: !GetAtt {'.'.join(value['Fn::GetAtt'])}")
        elif isinstance(value, dict) and value and len(value) <= 2 and all(isinstance(v, int) for v in value.values()):
            lines.append(f"{pad}{key}: {{{', '.join(f'{k}: {v}' for k, v in value.items())}}}")  # flow style
        elif isinstance(value, dict) and value:
            lines.append(f"{pad}{key}:")
            lines += _yaml(value, indent + unit, unit, comments)
        elif isinstance(value, list):
            lines.append(f"{pad}{key}:")
            for item in value:
                inner = _yaml(item, indent + unit + 2, unit, []) if isinstance(item, dict) else [
                    " " * (indent + unit + 2) + json.dumps(item)]
                inner[0] = " " * (indent + unit) + "- " + inner[0].lstrip()
                lines += inner
        else:
            text = json.dumps(value) if isinstance(value, str) and (":" in value or "'" in value) else \
                json.dumps(value) if not isinstance(value, str) else value
            trailing = f"  {comments[0]}" if comments and key == "Timeout" else ""
            lines.append(f"{pad}{key}: {text}{trailing}")
    return lines


@st.composite
def written(draw: Any) -> tuple[str, str]:
    template = draw(templates())
    if draw(st.booleans()):
        style = draw(st.sampled_from(["2", "4", "tab", "line"]))
        indent: Any = {"2": 2, "4": 4, "tab": "\t", "line": None}[style]
        return "t.json", json.dumps(template, indent=indent) + draw(st.sampled_from(["\n", ""]))
    comments = draw(st.lists(COMMENTS, max_size=3))
    lines = _yaml(template, 0, draw(st.sampled_from([2, 4])), comments)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return "t.yaml", newline.join(lines) + draw(st.sampled_from([newline, ""]))


def _comments(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def _fix(path: Path) -> dict[str, Any]:
    result = run_scan([path], Settings(today=date(2026, 11, 22), select=["ALL"], quiet=True,
                                       extra={"fix": True, "unsafe_fixes": True}))
    return dict(result.meta["fixes"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(written())
def test_fixing_keeps_the_template_readable_and_is_idempotent(tmp_path: Path, case: tuple[str, str]) -> None:
    name, text = case
    path = tmp_path / name
    path.write_bytes(text.encode())
    first = load_template(path, explicit=True)
    assert not first.errors, first.errors
    summary = _fix(path)
    after = path.read_bytes().decode()
    assert not load_template(path, explicit=True).errors
    assert summary["rolled_back"] == 0, summary["rolled_back_fixes"]
    assert _comments(after) == _comments(text)
    if "\r\n" in text:
        assert after.count("\n") == after.count("\r\n")  # no bare newline in a CRLF file
    again = _fix(path)
    assert again["files_changed"] == [] and path.read_bytes().decode() == after


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(min_value=0))
def test_fixing_a_mutated_fixture_keeps_it_readable_and_is_idempotent(tmp_path: Path, rng: Any, pick: int) -> None:
    """The robustness mutators (tests/fuzzing.py) on every fixture: whatever reads cleanly stays so when fixed."""
    from fuzzing import fixture_trees, mutate_template

    trees = fixture_trees()
    source, tree = trees[pick % len(trees)]
    as_json = source.suffix == ".json"
    path = tmp_path / ("t.json" if as_json else "t.yaml")
    path.write_bytes(mutate_template(rng, tree, as_json=as_json))
    loaded = load_template(path, explicit=True)
    if loaded.errors or not loaded.documents:
        return  # never touched: test_fixes covers a file that does not read fully
    before = path.read_bytes()
    _fix(path)
    if path.read_bytes() == before:
        return
    assert not load_template(path, explicit=True).errors
    after = path.read_bytes()
    assert _fix(path)["files_changed"] == [] and path.read_bytes() == after


def test_a_number_too_long_to_convert_is_text_to_the_fixer() -> None:
    # Found by the property above: a 5,000-digit integer in a function's properties stopped the fix stage.
    import yaml

    from lambda_advisor.fixes.edit import scalar_value

    node = yaml.compose("v: " + "7" * 5000).value[0][1]
    assert scalar_value(node) == "7" * 5000


def test_a_long_run_of_digits_is_written_quoted() -> None:
    from lambda_advisor.fixes.edit import _yaml_scalar

    assert _yaml_scalar("7" * 5000) == '"' + "7" * 5000 + '"'
    assert _yaml_scalar("orders-queue") == "orders-queue"
    assert _yaml_scalar("123") == '"123"'
