"""Mutators for every kind of input lambda-advisor reads: the fuzzer's vocabulary.

Shared by the Hypothesis property tests (``tests/test_fuzz_*.py``, driven by
``st.randoms()`` so Hypothesis shrinks and replays them) and by the long campaign
(``tests/fuzz_campaign.py``, ``make fuzz``), which feeds batches of mutated inputs
through the real CLI. Each mutator takes a ``random.Random`` and returns the
bytes of one input; nothing here knows what the scanner will make of them.

The vocabulary: type confusion at any node, deleted and duplicated keys,
intrinsic functions of every kind and arity nested anywhere, cycles (aliases and
versions naming each other, ``Fn::FindInMap`` and conditions resolving to
themselves, cdk stages naming their own assembly), huge and non-finite numbers,
odd strings (control characters, lone surrogates, bidi marks, 100 kB), and
text-level damage (truncation, stray bytes, BOMs, tabs, duplicated lines).
"""

from __future__ import annotations

import copy
import io
import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
HUGE = "__HUGE_INT__"  # replaced by 5,000 digits after dumping (json.dumps cannot write such an int)

#: A good template beside every fuzzed input: its LA205 finding must survive whatever the rest is.
SENTINEL = """\
Resources:
  SentinelFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Timeout: 850
      Code: {ZipFile: "def handler(e, c): pass"}
"""

INTRINSICS = ["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::FindInMap", "Fn::Select", "Fn::If", "Fn::Split",
              "Fn::ImportValue", "Fn::Base64", "Fn::GetAZs", "Fn::Cidr", "Fn::Equals", "Fn::Not", "Fn::And",
              "Fn::Or", "Condition", "Fn::Transform", "Fn::ToJsonString", "Fn::Length", "Fn::ForEach::X"]
ODD_STRINGS = ["", " ", "\x00", "\x07bell", "\u202eevil", "\ud800", "\udcff", "${", "${!Literal}", "${A.B.C}",
               "!Ref X", "*alias", "&anchor", "<<", "~", "null", ".inf", "0x1F", "1e999", "-0", "\t\ttabs",
               "a" * 100_000, "🚀" * 50, "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
               "::", "AWS::Lambda::Function", "s3://", "../../../../etc/passwd", "/dev/zero", "C:\\x",
               "{{resolve:secretsmanager:x}}", "AKIAIOSFODNN7EXAMPLE"]
NUMBERS: list[Any] = [HUGE, float("inf"), float("-inf"), float("nan"), 10**40, -1, 0, 2**63, 1e308, 0.5, True]
SCALARS: list[Any] = [None, True, False, 0, 1, 900, 3.5, "x", "AWS::Serverless::Function", "python3.12"]


def fixture_templates() -> list[Path]:
    """Every template of the fixtures tree (rule fixtures, sources, demo, cdk, serverless)."""
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in {".yaml", ".yml", ".json", ".template"} and "packages" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            if "Resources" in text and "lambda-advisor-snapshot" not in text:
                found.append(path)
    return found


def load_tree(path: Path) -> Any:
    """A fixture as plain data (our loader keeps long-form intrinsics)."""
    from lambda_advisor.sources.yaml_loader import loads

    text = path.read_text(encoding="utf-8")
    return json.loads(json.dumps(loads(text, is_json=path.suffix == ".json"), default=str))


_TREES: list[tuple[Path, Any]] = []


def fixture_trees() -> list[tuple[Path, Any]]:
    """Every fixture template that parses (some fixtures are broken on purpose), as plain data."""
    from lambda_advisor.sources.yaml_loader import TemplateSyntaxError

    if not _TREES:
        for path in fixture_templates():
            try:
                _TREES.append((path, load_tree(path)))
            except TemplateSyntaxError:
                continue
    return _TREES


# -- trees -------------------------------------------------------------------------------------

def random_scalar(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(ODD_STRINGS)
    if pick < 0.6:
        return rng.choice(NUMBERS)
    return rng.choice(SCALARS)


def random_tree(rng: random.Random, depth: int = 3, names: list[str] | None = None) -> Any:
    """Any JSON/YAML value: scalars, lists, mappings, and intrinsics, up to ``depth`` deep."""
    pick = rng.random()
    if depth <= 0 or pick < 0.35:
        return random_scalar(rng)
    if pick < 0.55:
        return random_intrinsic(rng, depth - 1, names or [])
    if pick < 0.75:
        return [random_tree(rng, depth - 1, names) for _ in range(rng.randrange(4))]
    keys = [*(names or []), "Type", "Properties", "Ref", "Fn::GetAtt", "FunctionName", "Timeout", "x", "123", ""]
    return {rng.choice(keys): random_tree(rng, depth - 1, names) for _ in range(rng.randrange(4))}


def random_intrinsic(rng: random.Random, depth: int, names: list[str]) -> dict[str, Any]:
    """An intrinsic function of any kind, with 0 to 4 arguments of any shape."""
    kind = rng.choice(INTRINSICS)
    name = rng.choice(names) if names and rng.random() < 0.7 else random_scalar(rng)
    arity = rng.randrange(5)
    if kind == "Ref" and rng.random() < 0.7:
        return {kind: name}
    if kind == "Fn::GetAtt" and rng.random() < 0.5:
        return {kind: [name, rng.choice(["Arn", "QueueName", "Alias.Arn", "", "A.B"])]}
    if kind == "Fn::Sub" and rng.random() < 0.5:
        return {kind: f"arn:${{AWS::Partition}}:x:${{{name}}}:${{{name}.Arn}}:${{!x}}"}
    args = [random_tree(rng, depth - 1, names) if rng.random() < 0.5 else name for _ in range(arity)]
    return {kind: args if arity != 1 or rng.random() < 0.5 else args[0]}


# -- walking and mutating ------------------------------------------------------------------------

def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*prefix, i))
    return out


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        tree = tree[p]
    return tree


def _set(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(tree, path[:-1])[path[-1]] = value
    return tree


def _names(tree: Any) -> list[str]:
    names: list[str] = []
    if isinstance(tree, dict):
        for section in ("Resources", "Parameters", "Mappings", "Conditions"):
            if isinstance(tree.get(section), dict):
                names += [str(k) for k in tree[section]]
    return names


def confuse_type(rng: random.Random, tree: Any) -> Any:
    path = rng.choice(_paths(tree))
    node = _get(tree, path)
    choices: list[Any] = [[], {}, "text", 7, True, None, [node], {"k": node}]
    choices = [c for c in choices if type(c) is not type(node)]
    return _set(tree, path, rng.choice(choices))


def delete_key(rng: random.Random, tree: Any) -> Any:
    dicts = [p for p in _paths(tree) if isinstance(_get(tree, p), dict) and _get(tree, p)]
    if dicts:
        node = _get(tree, rng.choice(dicts))
        del node[rng.choice(list(node))]
    return tree


def replace_anywhere(rng: random.Random, tree: Any) -> Any:
    path = rng.choice(_paths(tree))
    return _set(tree, path, random_tree(rng, 3, _names(tree)))


def intrinsic_anywhere(rng: random.Random, tree: Any) -> Any:
    path = rng.choice(_paths(tree))
    return _set(tree, path, random_intrinsic(rng, 3, _names(tree)))


def number_anywhere(rng: random.Random, tree: Any) -> Any:
    scalars = [p for p in _paths(tree) if not isinstance(_get(tree, p), dict | list)] or [()]
    return _set(tree, rng.choice(scalars), rng.choice(NUMBERS))


def string_anywhere(rng: random.Random, tree: Any) -> Any:
    scalars = [p for p in _paths(tree) if not isinstance(_get(tree, p), dict | list)] or [()]
    return _set(tree, rng.choice(scalars), rng.choice(ODD_STRINGS))


def add_cycle(rng: random.Random, tree: Any) -> Any:
    """Aliases/versions naming each other, a FindInMap or Condition resolving to itself."""
    if not isinstance(tree, dict):
        return tree
    resources = tree.setdefault("Resources", {}) if isinstance(tree.get("Resources", {}), dict) else {}
    kind = rng.randrange(4)
    if kind == 0:
        resources["CycA"] = {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "CycB"}}}
        resources["CycB"] = {"Type": rng.choice(["AWS::Lambda::Alias", "AWS::Lambda::Version"]),
                             "Properties": {"FunctionName": {"Fn::GetAtt": ["CycA", "Arn"]}}}
        resources["CycP"] = {"Type": rng.choice(["AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping",
                                                 "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::Url"]),
                             "Properties": {"FunctionName": {"Ref": "CycA"}, "TargetFunctionArn": {"Ref": "CycB"},
                                            "Principal": "s3.amazonaws.com"}}
    elif kind == 1:
        tree["Mappings"] = {"M": {"A": {"B": {"Fn::FindInMap": ["M", "A", "B"]}}}}
        path = rng.choice(_paths(resources))
        if path:
            _set(resources, path, {"Fn::FindInMap": ["M", "A", "B"]})
    elif kind == 2:
        tree["Conditions"] = {"C": {"Condition": "C"}, "D": {"Fn::Not": [{"Condition": "D"}]}}
        for res in resources.values():
            if isinstance(res, dict):
                res["Condition"] = rng.choice(["C", "D"])
    else:
        tree["Parameters"] = {"P": {"Type": "String", "Default": {"Ref": "P"}}}
        path = rng.choice(_paths(resources))
        if path:
            _set(resources, path, {"Fn::Sub": "${P}-${P.Arn}"})
    return tree


TREE_MUTATORS: list[Callable[[random.Random, Any], Any]] = [
    confuse_type, delete_key, replace_anywhere, intrinsic_anywhere, number_anywhere, string_anywhere, add_cycle]


# -- rendering and text-level damage -------------------------------------------------------------

def render(rng: random.Random, tree: Any, *, as_json: bool) -> bytes:
    """The tree as JSON or YAML text (long-form intrinsics), huge integers written out."""
    if as_json:
        text = json.dumps(tree, indent=rng.choice([None, 1, 2]), ensure_ascii=rng.random() < 0.5)
        text = text.replace(f'"{HUGE}"', "9" * 5000)
    else:
        text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=rng.random() < 0.5, width=10_000)
        text = text.replace(HUGE, "9" * 5000)
    return encode(text)


def encode(text: str) -> bytes:
    """UTF-8, lone surrogates written as the (invalid) bytes they stand for: odd input on purpose."""
    return text.encode("utf-8", "surrogatepass")


def damage_text(rng: random.Random, data: bytes) -> bytes:
    """Text-level damage: a duplicated or deleted line, stray bytes, truncation, BOM, tabs, CRLF."""
    lines = data.split(b"\n")
    kind = rng.randrange(8)
    i = rng.randrange(len(lines))
    if kind == 0:  # a duplicated line: duplicate keys where it is a key
        lines.insert(i, lines[i])
    elif kind == 1:
        del lines[i]
    elif kind == 2:
        lines[i] = lines[i] + bytes([rng.randrange(256) for _ in range(rng.randrange(1, 4))])
    elif kind == 3:
        return data[: rng.randrange(len(data) + 1)]
    elif kind == 4:
        return b"\xef\xbb\xbf" + data
    elif kind == 5:
        lines[i] = lines[i].replace(b"  ", b"\t")
    elif kind == 6:
        return data.replace(b"\n", b"\r\n")
    else:
        lines[i] = lines[i] + b": &a [*a]" if rng.random() < 0.5 else b"- " * rng.randrange(1, 400)
    return b"\n".join(lines)


def mutate_template(rng: random.Random, tree: Any, *, as_json: bool | None = None) -> bytes:
    """One mutated template from a parsed fixture: 1-3 tree mutations, sometimes text damage too."""
    tree = copy.deepcopy(tree)
    for _ in range(rng.randrange(1, 4)):
        tree = rng.choice(TREE_MUTATORS)(rng, tree)
    data = render(rng, tree, as_json=rng.random() < 0.3 if as_json is None else as_json)
    return damage_text(rng, data) if rng.random() < 0.25 else data


def mutate_value(rng: random.Random, value: Any) -> Any:
    """A JSON/YAML document (config, rule file, snapshot, manifest) with 1-3 tree mutations."""
    value = copy.deepcopy(value)
    for _ in range(rng.randrange(1, 4)):
        value = rng.choice([confuse_type, delete_key, replace_anywhere, number_anywhere, string_anywhere])(rng, value)
    return value


# -- the other input kinds ----------------------------------------------------------------------

CONFIG = {"select": ["LA1", "LA2", "LA5"], "ignore": ["LA505"], "severity": {"LA205": "high"},
          "params": {"LA205": {"threshold_s": 600}}, "fail-on": "medium", "format": "json"}
RULE = {"id": "ORG001", "title": "Functions must carry a cost-centre tag", "severity": "low",
        "category": "operations", "what": "Flags functions without a tag.", "why": "Untagged functions.",
        "fix": "Add a tag.", "params": {"tag": "cost-centre"},
        "match": {"properties": {"tags": {"type": "object", "not": {"required": ["cost-centre"]}}}},
        "locate": "/tags", "message": "{doc[name]} has no {params[tag]} tag"}


def mutate_config(rng: random.Random) -> tuple[str, bytes]:
    """(file name, bytes): ``.lambda-advisor.yaml`` or a ``pyproject.toml`` with or without our table."""
    value = mutate_value(rng, CONFIG) if rng.random() < 0.8 else random_tree(rng, 4)
    if rng.random() < 0.3:
        body = _toml(value if isinstance(value, dict) else {"x": value})
        head = "[tool.lambda-advisor]\n" if rng.random() < 0.7 else "[tool]\nname = 'other'\n"
        data = encode(head + body)
        return "pyproject.toml", damage_text(rng, data) if rng.random() < 0.3 else data
    data = render(rng, value, as_json=False)
    return ".lambda-advisor.yaml", damage_text(rng, data) if rng.random() < 0.3 else data


def _toml(table: dict[str, Any]) -> str:
    lines = []
    for key, value in table.items():
        lines.append(f"{json.dumps(str(key))} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == HUGE:
        return "9" * 5000
    if isinstance(value, int | float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, "nan" if value != value else repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value) if value is not None else "")


def mutate_rule(rng: random.Random) -> bytes:
    value = mutate_value(rng, RULE)
    data = render(rng, value, as_json=False)
    return damage_text(rng, data) if rng.random() < 0.3 else data


def mutate_baseline(rng: random.Random) -> bytes:
    base = {"version": 1, "tool": {"name": "lambda-advisor", "version": "0.1.0"}, "created": "2026-01-01T00:00:00Z",
            "findings": [{"fingerprint": "0" * 32, "rule_id": "LA205", "function": "t.yaml#Fn",
                          "subject": "/timeout_s", "message": "m", "file": "t.yaml"}]}
    data = render(rng, mutate_value(rng, base), as_json=True)
    return damage_text(rng, data) if rng.random() < 0.3 else data


def mutate_snapshot(rng: random.Random, snapshot: dict[str, Any]) -> bytes:
    value = mutate_value(rng, snapshot)
    if isinstance(value, dict) and rng.random() < 0.8:
        value["format"] = "lambda-advisor-snapshot"  # first key stays, so the file is still claimed
        value = {"format": value.pop("format"), **value}
    data = render(rng, value, as_json=True)
    return damage_text(rng, data) if rng.random() < 0.2 else data


def mutate_cdk(rng: random.Random, folder: Path) -> None:
    """Mutate a copy of ``fixtures/cdk/cdk.out`` in place: its manifest, a template, or a stage cycle."""
    manifest = folder / "manifest.json"
    data = json.loads(manifest.read_text())
    kind = rng.randrange(4)
    if kind == 0:
        manifest.write_bytes(render(rng, mutate_value(rng, data), as_json=True))
    elif kind == 1:
        data.setdefault("artifacts", {})["Loop"] = {"type": "cdk:cloud-assembly",
                                                     "properties": {"directoryName": rng.choice([".", "..", "/"])}}
        manifest.write_text(json.dumps(data))
    else:
        templates = sorted(folder.glob("*.template.json"))
        target = rng.choice(templates)
        target.write_bytes(mutate_template(rng, json.loads(target.read_text()), as_json=True))


def mutate_serverless(rng: random.Random, folder: Path) -> None:
    state = folder / "serverless-state.json"
    template = folder / "cloudformation-template-update-stack.json"
    if rng.random() < 0.5 and state.exists():
        state.write_bytes(render(rng, mutate_value(rng, json.loads(state.read_text())), as_json=True))
    else:
        template.write_bytes(mutate_template(rng, json.loads(template.read_text()), as_json=True))


def mutate_package(rng: random.Random) -> bytes:
    """Zip bytes: a real small package, damaged (truncated, flipped bytes, lying sizes, odd names)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.py", "import boto3\ndef handler(e, c):\n    boto3.client('lambda').invoke(FunctionName='x')\n")
        zf.writestr(rng.choice(["../../evil.py", "a/" * 50 + "deep.py", "caf\u00e9.js", "bin/tool.exe"]),
                    b"MZ" + bytes(rng.randrange(256) for _ in range(64)))
        zf.writestr("lib/x.so", b"\x7fELF\x02\x01\x01" + bytes(rng.randrange(256) for _ in range(64)))
    data = bytearray(buf.getvalue())
    kind = rng.randrange(4)
    if kind == 0:
        return bytes(data[: rng.randrange(len(data))])
    if kind == 1:
        for _ in range(rng.randrange(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 2:
        at = data.rfind(b"PK\x05\x06")
        if at >= 0:
            data[at + 10: at + 12] = b"\xff\xff"  # declares 65,535 members
    return bytes(data)


def seed_snapshot() -> dict[str, Any]:
    """A valid snapshot of the demo app's functions, the seed for snapshot mutations."""
    from lambda_advisor.pipeline import collect
    from lambda_advisor.sources.snapshot import build_snapshot

    docs = collect([FIXTURES / "demo"]).documents
    for doc in docs:
        doc["source"] = {"kind": "snapshot", "account": "123456789012", "region": "us-east-1",
                         "arn": f"arn:aws:lambda:us-east-1:123456789012:function:{doc['name']}"}
        (doc.get("code") or {}).pop("inspection", None)
    return build_snapshot(docs, [], account="123456789012", regions=["us-east-1"])


# -- Terraform ---------------------------------------------------------------------------------------

#: Expressions that stress the evaluator: unknowns, cycles, huge numbers, deep nesting, bad types,
#: functions it does not know, files outside the project, and references to nothing.
TF_EXPRESSIONS = [
    "null", "true", "-1", "1e308 * 1e308", "9" * 400, '"${var.nope}"', "local.loop_a", "var.missing",
    "aws_lambda_function.ghost.arn", 'file("../../../../etc/passwd")', 'file("/etc/hostname")',
    'templatefile("nope.tpl", {})', "jsondecode(\"{\")", 'jsonencode({a = var.x})', "merge(1, 2)",
    'lookup({}, "k")', "element([], 0)", "range(1e9)", 'format("%d", "x")', 'regex("(a+)+$", "aaaa")',
    "[for x in var.x : x]", '{for k, v in {a = 1} : v => k}', "try(var.a.b.c, 0)", "coalesce()",
    "unknownfunction(1)", "provider::aws::arn_parse(\"x\")", "count.index", "each.value", "self.arn",
    "(((((((((((1)))))))))))", "[" * 150 + "]" * 150, '"%{ for x in [1,2] }${x}%{ endfor }"',
    '<<EOT\n${"\\u0000"}\nEOT', "module.nothing.out", "data.aws_iam_policy_document.none.json",
    '"${' * 60 + "1" + '}"' * 60,
]
TF_LOOPS = 'locals {\n  loop_a = local.loop_b\n  loop_b = local.loop_a\n}\n'


def terraform_fixtures() -> list[Path]:
    return sorted({p.parent for p in FIXTURES.rglob("*.tf*") if p.suffix in (".tf", ".json")
                   and (p.name.endswith(".tf") or p.name.endswith(".tf.json"))})


def mutate_terraform(rng: random.Random, folder: Path) -> None:
    """Damage one Terraform folder in place: expressions replaced, blocks cut or repeated, text damage,
    count and for_each of every kind, modules that call themselves, override files."""
    files = sorted(folder.rglob("*.tf"))
    if not files:
        return
    for _ in range(rng.randrange(1, 4)):
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        lines = text.split("\n")
        kind = rng.randrange(10)
        assigns = [i for i, ln in enumerate(lines) if " = " in ln and not ln.strip().startswith("#")]
        if kind <= 2 and assigns:
            i = rng.choice(assigns)
            lines[i] = lines[i].split(" = ", 1)[0] + " = " + rng.choice(TF_EXPRESSIONS)
        elif kind == 3 and assigns:
            i = rng.choice(assigns)
            lines.insert(i, rng.choice(["  count = ", "  for_each = "]) + rng.choice(
                ["0", "-3", "var.n", '"x"', "{a = 1, b = 2}", 'toset(["a", "a"])', "1000000", "null", "[1, [2]]"]))
        elif kind == 4:
            lines.append(TF_LOOPS)
        elif kind == 5:
            lines.append('module "self" {\n  source = "./"\n}\nmodule "up" {\n  source = "../"\n}\n')
        elif kind == 6:
            lines.append(f'resource "aws_lambda_function" "odd" {{\n  function_name = {rng.choice(TF_EXPRESSIONS)}\n'
                         f'  timeout = {rng.choice(TF_EXPRESSIONS)}\n  environment {{\n    variables = '
                         f'{rng.choice(TF_EXPRESSIONS)}\n  }}\n}}\n')
        elif kind == 7:
            path.write_bytes(damage_text(rng, text.encode("utf-8", "surrogateescape")))
            continue
        elif kind == 9:  # an override file repeating part of this file: merged into (or naming no) blocks
            start = rng.randrange(len(lines))
            override = path.parent / rng.choice(["override.tf", "zz_override.tf", "a_override.tf"])
            override.write_text("\n".join(lines[start:start + rng.randrange(1, 40)]), encoding="utf-8",
                                errors="surrogateescape")
            continue
        else:
            k = rng.randrange(len(lines))
            lines[k] = lines[k] + rng.choice(['"', "{", "}", "${", "<<EOF", "\x00", "\udcff", "[*]", "...", "%{"])
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
