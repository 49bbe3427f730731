# A built-in map of the main inputs of the community module terraform-aws-modules/lambda/aws, read
# when `terraform init` has not downloaded it: what each input sets on the function, its role, its
# async configuration, its URL, its triggers and its log group, with the module's defaults. Findings
# point at the module call; an input that causes one points at the caller's argument.

variable "create" { default = true }
variable "create_function" { default = true }
variable "create_layer" { default = false }
variable "create_role" { default = true }
variable "lambda_role" { default = "" }
variable "function_name" { default = "" }
variable "handler" { default = "" }
variable "runtime" { default = "" }
variable "package_type" { default = "Zip" }
variable "image_uri" { default = null }
variable "architectures" { default = null }
variable "layers" { default = null }
variable "timeout" { default = 3 }
variable "memory_size" { default = 128 }
variable "ephemeral_storage_size" { default = 512 }
variable "publish" { default = false }
variable "reserved_concurrent_executions" { default = -1 }
variable "provisioned_concurrent_executions" { default = -1 }
variable "kms_key_arn" { default = null }
variable "environment_variables" { default = {} }
variable "dead_letter_target_arn" { default = null }
variable "tracing_mode" { default = null }
variable "vpc_subnet_ids" { default = null }
variable "vpc_security_group_ids" { default = null }
variable "snap_start" { default = false }
variable "source_path" { default = null }
variable "local_existing_package" { default = null }
variable "s3_existing_package" { default = null }
variable "tags" { default = {} }
variable "lambda_at_edge" { default = false }

variable "create_async_event_config" { default = false }
variable "maximum_retry_attempts" { default = null }
variable "maximum_event_age_in_seconds" { default = null }
variable "destination_on_failure" { default = null }
variable "destination_on_success" { default = null }

variable "create_lambda_function_url" { default = false }
variable "authorization_type" { default = "NONE" }
variable "invoke_mode" { default = null }

variable "allowed_triggers" { default = {} }
variable "event_source_mapping" { default = {} }

variable "use_existing_cloudwatch_log_group" { default = false }
variable "cloudwatch_logs_retention_in_days" { default = null }

variable "attach_policy_statements" { default = false }
variable "policy_statements" { default = {} }
variable "attach_policy_json" { default = false }
variable "policy_json" { default = null }
variable "attach_policy" { default = false }
variable "policy" { default = null }
variable "attach_policies" { default = false }
variable "policies" { default = [] }
variable "attach_tracing_policy" { default = false }
variable "attach_dead_letter_policy" { default = false }

locals {
  function = var.create && var.create_function && !var.create_layer
  role     = local.function && var.create_role
}

resource "aws_lambda_function" "this" {
  count                          = local.function ? 1 : 0
  function_name                  = var.function_name
  role                           = var.create_role ? aws_iam_role.lambda[0].arn : var.lambda_role
  handler                        = var.package_type != "Zip" ? null : var.handler
  runtime                        = var.package_type != "Zip" ? null : var.runtime
  package_type                   = var.package_type
  image_uri                      = var.image_uri
  architectures                  = var.architectures
  layers                         = var.layers
  timeout                        = var.lambda_at_edge ? min(var.timeout, 30) : var.timeout
  memory_size                    = var.memory_size
  publish                        = var.lambda_at_edge ? true : var.publish
  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  filename                       = var.local_existing_package != null ? var.local_existing_package : var.source_path
  s3_bucket                      = var.s3_existing_package != null ? lookup(var.s3_existing_package, "bucket", null) : null
  s3_key                         = var.s3_existing_package != null ? lookup(var.s3_existing_package, "key", null) : null
  tags                           = var.tags

  ephemeral_storage {
    size = var.ephemeral_storage_size
  }

  dynamic "environment" {
    for_each = length(keys(var.environment_variables)) == 0 ? [] : [true]
    content {
      variables = var.environment_variables
    }
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_target_arn == null ? [] : [true]
    content {
      target_arn = var.dead_letter_target_arn
    }
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode == null ? [] : [true]
    content {
      mode = var.tracing_mode
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc_subnet_ids != null && var.vpc_security_group_ids != null ? [true] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  dynamic "snap_start" {
    for_each = var.snap_start ? [true] : []
    content {
      apply_on = "PublishedVersions"
    }
  }
}

resource "aws_cloudwatch_log_group" "lambda" {
  count             = local.function && !var.use_existing_cloudwatch_log_group ? 1 : 0
  name              = "/aws/lambda/${var.lambda_at_edge ? "us-east-1." : ""}${var.function_name}"
  retention_in_days = var.cloudwatch_logs_retention_in_days
}

resource "aws_iam_role" "lambda" {
  count              = local.role ? 1 : 0
  name               = var.function_name
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

resource "aws_iam_role_policy" "statements" {
  count = local.role && var.attach_policy_statements ? 1 : 0
  role  = aws_iam_role.lambda[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for key, st in var.policy_statements : {
      Sid         = try(st.sid, key)
      Effect      = try(st.effect, "Allow")
      Action      = try(st.actions, null)
      NotAction   = try(st.not_actions, null)
      Resource    = try(st.resources, null)
      NotResource = try(st.not_resources, null)
    }]
  })
}

resource "aws_iam_role_policy" "json" {
  count  = local.role && var.attach_policy_json ? 1 : 0
  role   = aws_iam_role.lambda[0].id
  policy = var.policy_json
}

resource "aws_iam_role_policy_attachment" "policy" {
  count      = local.role && var.attach_policy ? 1 : 0
  role       = aws_iam_role.lambda[0].name
  policy_arn = var.policy
}

resource "aws_iam_role_policy_attachment" "policies" {
  count      = local.role && var.attach_policies ? length(var.policies) : 0
  role       = aws_iam_role.lambda[0].name
  policy_arn = var.policies[count.index]
}

resource "aws_iam_role_policy" "tracing" {
  count  = local.role && var.attach_tracing_policy ? 1 : 0
  role   = aws_iam_role.lambda[0].id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource = "*" }] })
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count                        = local.function && var.create_async_event_config ? 1 : 0
  function_name                = aws_lambda_function.this[0].function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds

  dynamic "destination_config" {
    for_each = var.destination_on_failure != null || var.destination_on_success != null ? [true] : []
    content {
      dynamic "on_failure" {
        for_each = var.destination_on_failure != null ? [true] : []
        content {
          destination = var.destination_on_failure
        }
      }
      dynamic "on_success" {
        for_each = var.destination_on_success != null ? [true] : []
        content {
          destination = var.destination_on_success
        }
      }
    }
  }
}

resource "aws_lambda_function_url" "this" {
  count              = local.function && var.create_lambda_function_url ? 1 : 0
  function_name      = aws_lambda_function.this[0].function_name
  authorization_type = var.authorization_type
  invoke_mode        = var.invoke_mode
}

resource "aws_lambda_permission" "triggers" {
  for_each      = local.function ? var.allowed_triggers : {}
  function_name = aws_lambda_function.this[0].function_name
  action        = lookup(each.value, "action", "lambda:InvokeFunction")
  principal     = lookup(each.value, "principal", format("%s.amazonaws.com", lookup(each.value, "service", "")))
  source_arn    = lookup(each.value, "source_arn", null)
}

resource "aws_lambda_event_source_mapping" "this" {
  for_each                       = local.function ? var.event_source_mapping : {}
  function_name                  = aws_lambda_function.this[0].arn
  event_source_arn               = lookup(each.value, "event_source_arn", null)
  batch_size                     = lookup(each.value, "batch_size", null)
  starting_position              = lookup(each.value, "starting_position", null)
  maximum_retry_attempts         = lookup(each.value, "maximum_retry_attempts", null)
  bisect_batch_on_function_error = lookup(each.value, "bisect_batch_on_function_error", null)
  function_response_types        = lookup(each.value, "function_response_types", null)

  dynamic "destination_config" {
    for_each = lookup(each.value, "destination_arn_on_failure", null) != null ? [true] : []
    content {
      on_failure {
        destination_arn = each.value["destination_arn_on_failure"]
      }
    }
  }

  dynamic "scaling_config" {
    for_each = lookup(each.value, "scaling_config", null) != null ? [true] : []
    content {
      maximum_concurrency = lookup(each.value["scaling_config"], "maximum_concurrency", null)
    }
  }
}

output "lambda_function_arn" { value = try(aws_lambda_function.this[0].arn, "") }
output "lambda_function_name" { value = try(aws_lambda_function.this[0].function_name, "") }
output "lambda_function_invoke_arn" { value = try(aws_lambda_function.this[0].invoke_arn, "") }
output "lambda_function_qualified_arn" { value = try(aws_lambda_function.this[0].qualified_arn, "") }
output "lambda_function_url" { value = try(aws_lambda_function_url.this[0].function_url, "") }
output "lambda_role_arn" { value = try(aws_iam_role.lambda[0].arn, "") }
output "lambda_role_name" { value = try(aws_iam_role.lambda[0].name, "") }
output "lambda_cloudwatch_log_group_name" { value = try(aws_cloudwatch_log_group.lambda[0].name, "") }
