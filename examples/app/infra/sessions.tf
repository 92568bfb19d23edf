# The example's own resources beside the stack, in the same state: a DynamoDB table for the
# application's sessions, its name in the application's configuration (app.env gets
# SESSIONS_TABLE), and the instances' right to use it. They reference prodstack through
# local.prodstack (docs/application.md lists its names); the provider tags them like the
# rest of the stack.

resource "aws_dynamodb_table" "sessions" {
  name         = "${local.prodstack.name_prefix}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_ssm_parameter" "sessions_table" {
  name           = "${local.prodstack.app_parameter_path}/SESSIONS_TABLE"
  type           = "String"
  insecure_value = aws_dynamodb_table.sessions.name
  description    = "The sessions table; written to app.env by the bootstrap"
}

resource "aws_iam_role_policy" "sessions" {
  name = "use-sessions-table"
  role = local.prodstack.web_role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "UseTheSessionsTable"
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                  "dynamodb:DeleteItem", "dynamodb:Query"]
      Resource = aws_dynamodb_table.sessions.arn
    }]
  })
}

output "sessions_table" {
  value       = aws_dynamodb_table.sessions.name
  description = "The example application's sessions table"
}
