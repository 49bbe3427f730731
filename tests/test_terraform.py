"""Terraform: parsing, evaluation that never guesses, modules, variables, and findings at attribute lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.sources.terraform import hcl, roots_of
from lambda_advisor.sources.terraform.project import Project
from lambda_advisor.sources.terraform.values import Attr, Partial, Unknown, VarRef

FN = '''resource "aws_lambda_function" "{name}" {{
  function_name = "{name}"
  runtime       = "python3.13"
  handler       = "app.handler"
  s3_bucket     = "artifacts"
  s3_key        = "{name}.zip"
  role          = "arn:aws:iam::123456789012:role/{name}"
{extra}}}
'''


def fn(name: str, extra: str = "") -> str:
    return FN.format(name=name, extra=extra)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def locals_of(tmp_path: Path, body: str, files: dict[str, str] | None = None) -> dict[str, Any]:
    root = write(tmp_path, {"main.tf": f"locals {{\n{body}\n}}\n", **(files or {})})
    project = Project(root, [root])
    ev = project.root_eval
    assert not project.errors, [str(e) for e in project.errors]
    return {name: ev.local(name, 0) for name in ev.defn.locals}


def scan(*paths: Path, **kw: Any) -> Any:
    return scan_paths(list(paths), Settings(**kw))


def found(result: Any) -> set[tuple[str, int, str]]:
    return {(Path(f.location.file).name, f.location.line, f.rule_id) for f in result.findings if not f.suppressed}


# -- the language ---------------------------------------------------------------------------------


def test_expressions_evaluate_as_terraform_does(tmp_path: Path) -> None:
    values = locals_of(tmp_path, '''
  env      = "prod"
  name     = "orders-${local.env}"
  arith    = (1 + 2) * 3 - 10 % 4
  cond     = local.env == "prod" && !false ? "big" : "small"
  merged   = merge({ a = 1, b = 2 }, { b = 3 })
  joined   = join(",", concat(["x"], ["y", "z"]))
  looked   = lookup({ k = "v" }, "missing", "default")
  tried    = try(local.merged.nope, "fallback")
  first    = coalesce("", null, "third")
  fmt      = format("%s-%03d", "fn", 7)
  upper    = [for s in ["a", "b"] : upper(s) if s != "b"]
  inverted = { for k, v in { x = "1", y = "2" } : v => k }
  grouped  = { for s in ["a1", "a2", "b1"] : substr(s, 0, 1) => s... }
  splat    = [{ n = 1 }, { n = 2 }][*].n
  decoded  = jsondecode("{\\"a\\": [1, 2]}")
  encoded  = jsonencode({ b = 1, a = "<x>" })
  escaped  = "a\\"b\\n$${not_interpolated}"
  directive = "%{ for s in ["x", "y"] }${s};%{ endfor }%{ if true }yes%{ else }no%{ endif }"
  heredoc  = <<-EOT
    first
      second ${local.env}
    EOT
''')
    assert values["name"] == "orders-prod"
    assert values["arith"] == 7
    assert values["cond"] == "big"
    assert values["merged"] == {"a": 1, "b": 3}
    assert values["joined"] == "x,y,z"
    assert values["looked"] == "default"
    assert values["tried"] == "fallback"
    assert values["first"] == "third"
    assert values["fmt"] == "fn-007"
    assert values["upper"] == ["A"]
    assert values["inverted"] == {"1": "x", "2": "y"}
    assert values["grouped"] == {"a": ["a1", "a2"], "b": ["b1"]}
    assert values["splat"] == [1, 2]
    assert values["decoded"] == {"a": [1, 2]}
    assert values["encoded"] == '{"a":"\\u003cx\\u003e","b":1}'
    assert values["escaped"] == 'a"b\n${not_interpolated}'
    assert values["directive"] == "x;y;yes"
    assert values["heredoc"] == "first\n  second prod\n"


def test_unknown_values_stay_unknown_and_keep_what_they_came_from(tmp_path: Path) -> None:
    values = locals_of(tmp_path, '''
  secret   = var.db_password
  arn      = aws_sqs_queue.jobs.arn
  mixed    = "arn:aws:s3:::${aws_s3_bucket.b.id}/*"
  branch   = var.flag ? "a" : "b"
  both     = var.flag ? "same" : "same"
  counted  = length(var.items)
  selfref  = local.selfref
  missing  = local.nothing
  bad_type = 1 + "x"
''', {"vars.tf": 'variable "db_password" {\n  sensitive = true\n}\nvariable "flag" {}\nvariable "items" {}\n'
              'resource "aws_sqs_queue" "jobs" {}\nresource "aws_s3_bucket" "b" {}\n'})
    assert isinstance(values["secret"], VarRef) and values["secret"].sensitive
    assert isinstance(values["arn"], Attr) and values["arn"].address == "aws_sqs_queue.jobs"
    assert isinstance(values["mixed"], Partial)
    assert values["mixed"].parts[0] == "arn:aws:s3:::" and isinstance(values["mixed"].parts[1], Attr)
    assert isinstance(values["branch"], Unknown)
    assert values["both"] == "same"
    assert isinstance(values["counted"], Unknown)
    for name in ("selfref", "missing", "bad_type"):  # Terraform would stop; we never guess and never crash
        assert isinstance(values[name], Unknown), name


def test_files_are_read_only_inside_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("outside", encoding="utf-8")
    root = tmp_path / "project"
    values = locals_of(root, '''
  inside   = file("${path.module}/policy.json")
  rendered = templatefile("greeting.tpl", { who = "world" })
  outside  = file("../secret.txt")
  absent   = file("build/missing.zip")
  exists   = fileexists("policy.json")
''', {"policy.json": '{"a": 1}', "greeting.tpl": "hello ${who}"})
    assert values["inside"] == '{"a": 1}'
    assert values["rendered"] == "hello world"
    assert isinstance(values["outside"], Unknown)
    assert isinstance(values["absent"], Unknown)
    assert values["exists"] is True


def test_syntax_errors_name_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(hcl.HclError) as info:
        hcl.parse_native(b'resource "aws_lambda_function" "f" {\n  runtime = \n}\n', 1)
    assert info.value.line is not None


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    deep = "x = " + "[" * 400 + "]" * 400 + "\n"
    with pytest.raises(hcl.HclError):
        hcl.parse_native(deep.encode(), 1)


def test_tf_json_reads_like_native_syntax(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf.json": json.dumps({
        "variable": {"timeout": {"default": 900}},
        "locals": {"name": "json-fn"},
        "resource": {"aws_lambda_function": {"f": {
            "function_name": "${local.name}", "runtime": "python3.13", "handler": "a.b",
            "timeout": "${var.timeout}", "s3_bucket": "b", "s3_key": "k", "role": "arn:aws:iam::1:role/r",
            "environment": {"variables": {"AWS_KEY": "AKIAIOSFODNN7EXAMPLE"}}}}}}, indent=2)})
    result = scan(root)
    assert not result.errors
    assert {r for _, _, r in found(result)} == {"LA101", "LA205"}
    assert result.documents[0]["name"] == "json-fn"


# -- variables --------------------------------------------------------------------------------------


def test_variable_files_follow_terraforms_order_and_never_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_VAR_timeout", "1")
    root = write(tmp_path / "app", {
        "main.tf": 'variable "timeout" {\n  type = number\n}\n' + fn("f", "  timeout = var.timeout\n"),
        "terraform.tfvars": "timeout = 100\n",
        "terraform.tfvars.json": '{"timeout": 200}',
        "a.auto.tfvars": "timeout = 300\n",
        "b.auto.tfvars.json": '{"timeout": 850}',
    })
    assert Project(root, [root]).root_eval.variable("timeout", 0) == 850
    extra = tmp_path / "prod.tfvars"
    extra.write_text("timeout = 30\n", encoding="utf-8")
    assert Project(root, [root], [extra]).root_eval.variable("timeout", 0) == 30
    result = scan(root)
    assert ("main.tf", 11, "LA205") in found(result)  # the attribute line, not the tfvars line
    result = scan_paths([root], Settings(extra={"var_files": [extra]}))
    assert not [f for f in result.findings if f.rule_id == "LA205"]


def test_a_variable_without_value_is_not_a_guess(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": 'variable "name" {}\n' + fn("f").replace('"f"\n', "var.name\n", 1)})
    result = scan(root)
    assert not result.errors


# -- count, for_each, modules -------------------------------------------------------------------------


def test_instances_are_named_as_terraform_prints_them(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": '''
locals {
  fns = { resize = 900, "odd \\"key\\"" = 900 }
}
resource "aws_lambda_function" "this" {
  for_each      = local.fns
  function_name = "media-${each.key}"
  runtime       = "python3.13"
  handler       = "app.handler"
  timeout       = each.value
  s3_bucket     = "artifacts"
  s3_key        = "media.zip"
  role          = "arn:aws:iam::123456789012:role/media"
}
resource "aws_lambda_function" "counted" {
  count         = 2
  function_name = "counted-${count.index}"
  runtime       = "python3.13"
  handler       = "app.handler"
  s3_bucket     = "artifacts"
  s3_key        = "counted.zip"
  role          = "arn:aws:iam::123456789012:role/counted"
}
resource "aws_lambda_function" "never" {
  count         = 0
  function_name = "never"
  runtime       = "python2.7"
  handler       = "app.handler"
  s3_bucket     = "artifacts"
  s3_key        = "never.zip"
  role          = "arn:aws:iam::123456789012:role/never"
}
'''})
    result = scan(root)
    ids = sorted(d["source"]["logical_id"] for d in result.documents)
    assert ids == ['aws_lambda_function.counted[0]', 'aws_lambda_function.counted[1]',
                   'aws_lambda_function.this["odd \\"key\\""]', 'aws_lambda_function.this["resize"]']
    timeouts = [f for f in result.findings if f.rule_id == "LA205"]
    assert len(timeouts) == 1 and len(timeouts[0].functions) == 2  # one line, one finding naming both


def test_local_and_cached_modules_and_what_is_not_on_disk(tmp_path: Path) -> None:
    root = write(tmp_path / "live", {
        "main.tf": '''
module "local" {
  source  = "./modules/fn"
  name    = "local-fn"
  runtime = "python3.8"
}
module "cached" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "7.0.0"
  name    = "cached-fn"
  runtime = "nodejs16.x"
}
module "absent" {
  source = "git::https://example.com/modules.git"
}
module "escapes" {
  source = "../../elsewhere"
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = module.local.arn
}
''',
        "modules/fn/main.tf": 'variable "name" {}\nvariable "runtime" {}\n' + fn("this").replace(
            '"this"\n  runtime       = "python3.13"', 'var.name\n  runtime       = var.runtime'),
        ".terraform/modules/modules.json": json.dumps({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "cached", "Source": "registry.terraform.io/terraform-aws-modules/lambda/aws",
             "Dir": ".terraform/modules/cached"}]}),
        ".terraform/modules/cached/main.tf": 'variable "name" {}\nvariable "runtime" {}\n' + fn("this").replace(
            '"this"\n  runtime       = "python3.13"', 'var.name\n  runtime       = var.runtime'),
    })
    result = scan(root)
    assert not result.errors, [str(e) for e in result.errors]
    runtimes = {(Path(f.location.file).name, f.location.line, f.location.logical_id)
                for f in result.findings if f.rule_id == "LA501"}
    assert runtimes == {("main.tf", 5, "module.local.aws_lambda_function.this"),
                        ("main.tf", 11, "module.cached.aws_lambda_function.this")}
    finding = next(f for f in result.findings if f.location.logical_id == "module.local.aws_lambda_function.this")
    assert finding.location.inherited_from is not None and "modules/fn/main.tf" in finding.location.inherited_from
    assert any("module.absent" in n and "terraform init" in n for n in result.notices)
    # a module's output names its function: the root's event source mapping reaches it
    assert ("main.tf", 22, "LA202") in found(result)
    assert any("module.escapes" in n and "not checked" in n for n in result.notices)


def test_a_folder_reached_only_as_a_module_is_not_a_root(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.tf": 'module "m" {\n  source = "../shared"\n  name = "x"\n}\n',
                     "shared/main.tf": 'variable "name" {}\n'})
    assert [p.name for p in roots_of([tmp_path / "app", tmp_path / "shared"])] == ["app"]


def test_a_broken_file_is_one_error_and_the_other_files_findings_survive(tmp_path: Path) -> None:
    root = write(tmp_path, {"broken.tf": 'resource "aws_lambda_function" "x" {\n  runtime = = 1\n',
                            "good.tf": fn("good", "  timeout = 900\n")})
    result = scan(root)
    assert [(Path(e.path).name if hasattr(e, "path") else str(e)) for e in result.errors]
    assert any("broken.tf" in str(e) for e in result.errors)
    assert ("good.tf", 8, "LA205") in found(result)


def test_hcl_comment_suppresses_like_metadata(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": "# lambda-advisor: ignore LA205 -- the nightly export needs it\n"
                                       + fn("f", "  timeout = 900\n")})
    result = scan(root)
    suppressed = [f for f in result.findings if f.suppressed]
    assert [f.rule_id for f in suppressed] == ["LA205"]
    assert "nightly export" in str(suppressed[0].suppressed)


def test_url_with_both_permissions_is_not_reported_as_missing_one(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": fn("f") + '''
resource "aws_lambda_function_url" "u" {
  function_name      = aws_lambda_function.f.function_name
  authorization_type = "NONE"
}
resource "aws_lambda_permission" "url" {
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.f.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}
resource "aws_lambda_permission" "invoke" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f.function_name
  principal     = "*"
}
'''})
    rules = {r for _, _, r in found(scan(root))}
    assert "LA102" in rules and "LA211" not in rules


def test_scan_imports_no_tree_sitter_without_terraform() -> None:
    import subprocess
    import sys

    code = ("import sys; from lambda_advisor.cli import main; sys.argv=['x','scan','fixtures/demo','-q'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('tree_sitter' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip().endswith("False"), out.stdout + out.stderr


# -- plans ------------------------------------------------------------------------------------------

PLAN_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA202-terraform-plan.fail"


def test_a_plan_beside_its_files_gives_each_finding_once_at_their_lines() -> None:
    result = scan(PLAN_FIXTURE)
    assert not result.errors
    queues = sorted(f.location.logical_id or "" for f in result.findings if f.rule_id == "LA202")
    assert queues == ['aws_lambda_function.worker["resize"]', 'aws_lambda_function.worker["thumb"]']
    assert {Path(f.location.file).name for f in result.findings} == {"main.tf"}
    roles = {d["source"]["logical_id"]: d["role"] for d in result.documents}
    assert all(r and r.get("logical_id") == "aws_iam_role.worker" for r in roles.values()), roles


def test_a_plan_alone_points_at_the_plan(tmp_path: Path) -> None:
    import shutil

    shutil.copy(PLAN_FIXTURE / "plan.json", tmp_path / "plan.json")
    result = scan(tmp_path / "plan.json")
    assert not result.errors
    assert {(Path(f.location.file).name, f.location.line) for f in result.findings} == {("plan.json", 1)}
    assert {f.rule_id for f in result.findings} == {"LA101", "LA202", "LA204"}


@pytest.mark.parametrize("text", ['{"format_version": "1.2", "terraform_version": "1.9"}',
                                  '{"format_version": "1.2", "terraform_version": "1.9", "planned_values": 7}',
                                  '{"format_version": "1.2", "terraform_version": "1.9", "planned_values": '
                                  '{"root_module": {"resources": [{"type": "aws_lambda_function", "values": 3}]}}}',
                                  '{"format_version": "1.2", "terraform_version": "1.9", "x": NaN}'])
def test_a_broken_plan_is_one_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python2.7\n",
        encoding="utf-8")
    result = scan(tmp_path)
    assert "LA501" in {f.rule_id for f in result.findings}  # the other input's findings survive


# -- override files ---------------------------------------------------------------------------------


def test_override_files_merge_as_terraform_merges_them(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf": fn("api", '''  timeout = 30
  environment {
    variables = { DB_PASSWORD = "hunter2-in-main" }
  }
''') + fn("worker", "  timeout = 60\n") + 'locals {\n  limit = 30\n}\n',
        # Arguments replace arguments; a nested block replaces every block of its type (not merged).
        "override.tf": '''resource "aws_lambda_function" "api" {
  timeout = 900
  environment {
    variables = { STAGE = "prod" }
  }
}
''',
        # Later files win (name order), and a local of that name is replaced.
        "z_override.tf": '''resource "aws_lambda_function" "worker" {
  timeout = local.limit
}
locals {
  limit = 890
}
''',
    })
    result = scan(root)
    assert not result.errors, [str(e) for e in result.errors]
    assert found(result) >= {("override.tf", 2, "LA205"), ("z_override.tf", 2, "LA205")}
    assert not {rule for _, _, rule in found(result)} & {"LA101"}  # the secret's block was replaced
    assert not any("override" in n for n in result.notices), result.notices


def test_an_override_of_no_block_is_left_out_with_a_notice(tmp_path: Path) -> None:
    root = write(tmp_path, {"main.tf": fn("api"), "extra_override.tf": '''resource "aws_lambda_function" "ghost" {
  timeout = 900
}
'''})
    result = scan(root)
    assert not result.errors
    assert [d["name"] for d in result.documents] == ["api"]
    assert any("extra_override.tf: line 1: resource aws_lambda_function.ghost overrides nothing" in n
               for n in result.notices), result.notices


def test_an_override_local_that_names_no_local_is_left_out(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf": fn("api", "  timeout = local.limit\n") + "locals {\n  limit = 30\n}\n",
        "override.tf": "locals {\n  limit = 60\n  stray = 900\n}\n",
    })
    project = Project(root, [root])
    assert project.root_eval.local("limit", 0) == 60
    assert "stray" not in project.root_def.locals
    assert any("override.tf: line 1: local stray overrides nothing" in n for n in project.notices), project.notices


def test_a_dynamic_block_in_an_override_replaces_the_static_blocks_of_its_type(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf": fn("api", '''  environment {
    variables = { DB_PASSWORD = "hunter2-in-main" }
  }
'''),
        "api_override.tf": '''resource "aws_lambda_function" "api" {
  dynamic "environment" {
    for_each = [1]
    content {
      variables = { API_TOKEN = "tok-from-the-override-0123" }
    }
  }
}
''',
    })
    result = scan(root)
    assert ("api_override.tf", 5, "LA101") in found(result)
    assert ("main.tf", 9, "LA101") not in found(result)
