data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  create_instance = var.connect_instance_id == ""
  claim_number    = var.source_phone_number == ""
  instance_arn    = local.create_instance ? aws_connect_instance.this[0].arn : "arn:${data.aws_partition.current.partition}:connect:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:instance/${var.connect_instance_id}"
  instance_id     = local.create_instance ? aws_connect_instance.this[0].id : var.connect_instance_id
  source_number   = local.claim_number ? aws_connect_phone_number.this[0].phone_number : var.source_phone_number
  ses_prefix      = "arn:${data.aws_partition.current.partition}:ses:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  routes = {
    document         = "POST /api/document-authentication"
    face             = "POST /api/face-authentication"
    upload           = "POST /api/uploads"
    create           = "POST /api/kyc-request"
    list             = "GET /api/requests"
    get              = "GET /api/requests/{id}"
    redial           = "POST /api/requests/{id}/redial"
    accept           = "PUT /api/accept"
    delete           = "DELETE /api/delete-request"
    clear            = "DELETE /api/clear-requests"
    stats            = "GET /api/stats"
    dashboard        = "GET /dashboard"
    dashboard_assets = "GET /dashboard/{proxy+}"
  }
}

# ---------------------------------------------------------------- data

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS-managed KMS key; a customer-managed key is a per-account choice left to the deployer.
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "gsi1pk"
    type = "S"
  }
  attribute {
    name = "gsi1sk"
    type = "S"
  }
  attribute {
    name = "gsi2pk"
    type = "S"
  }
  attribute {
    name = "gsi2sk"
    type = "S"
  }

  global_secondary_index {
    name            = "gsi1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "gsi2"
    hash_key        = "gsi2pk"
    range_key       = "gsi2sk"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "ttl"
    enabled        = true
  }

  # The sweeper reads TTL removals of requests from it (the item before removal).
  stream_enabled   = true
  stream_view_type = "OLD_IMAGE"

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

resource "aws_s3_bucket" "images" {
  #checkov:skip=CKV_AWS_18:Server access logs would need a second bucket; object-level access is auditable through CloudTrail data events, enabled per account.
  #checkov:skip=CKV_AWS_21:Not versioned on purpose, so that deleting a document's images (the user's erasure) removes them.
  #checkov:skip=CKV_AWS_144:Cross-region replication would keep copies outside the erasure of a document.
  #checkov:skip=CKV_AWS_145:Encrypted at rest with S3-managed keys (SSE-S3); a customer-managed KMS key is a per-account choice.
  #checkov:skip=CKV2_AWS_62:No event consumers: the API function reads and writes the images itself.
  bucket_prefix = "${var.name}-images-"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "images" {
  bucket                  = aws_s3_bucket.images.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "images" {
  bucket = aws_s3_bucket.images.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  # Images are stored tagged unused until a request names their document; the unused document
  # record goes after the same retention (DynamoDB TTL).
  rule {
    id     = "expire-unused-images"
    status = "Enabled"
    filter {
      tag {
        key   = "ekyc-retention"
        value = "unused"
      }
    }
    expiration {
      days = var.retention_days
    }
  }
}

data "aws_iam_policy_document" "images_tls_only" {
  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.images.arn, "${aws_s3_bucket.images.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "images" {
  bucket = aws_s3_bucket.images.id
  policy = data.aws_iam_policy_document.images_tls_only.json
}

resource "random_password" "otp_secret" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "otp" {
  #checkov:skip=CKV_AWS_149:The AWS-managed Secrets Manager key is used; a customer-managed key is a per-account choice.
  #checkov:skip=CKV2_AWS_57:Rotating the HMAC key would invalidate codes in flight and page tokens; rotate by redeploying in a quiet window.
  name_prefix = "${var.name}-otp-"
  description = "eKYC server secret (OTP HMAC key, page-token key). Read once at function init."
}

resource "aws_secretsmanager_secret_version" "otp" {
  secret_id     = aws_secretsmanager_secret.otp.id
  secret_string = random_password.otp_secret.result
}

# ---------------------------------------------------------------- mail

resource "aws_sesv2_configuration_set" "this" {
  configuration_set_name = var.name
  reputation_options {
    reputation_metrics_enabled = true
  }
  sending_options {
    sending_enabled = true
  }
}

resource "aws_sesv2_email_identity" "this" {
  email_identity         = var.ses_identity
  configuration_set_name = aws_sesv2_configuration_set.this.configuration_set_name
}

# ---------------------------------------------------------------- calls

resource "aws_connect_instance" "this" {
  count                     = local.create_instance ? 1 : 0
  identity_management_type  = "CONNECT_MANAGED"
  instance_alias            = var.connect_instance_alias
  inbound_calls_enabled     = true
  outbound_calls_enabled    = true
  contact_flow_logs_enabled = false
}

resource "aws_connect_phone_number" "this" {
  count        = local.claim_number ? 1 : 0
  target_arn   = local.instance_arn
  type         = "DID"
  country_code = var.phone_number_country_code
  description  = "eKYC verification calls"
}

resource "aws_connect_contact_flow" "verification" {
  instance_id = local.instance_id
  name        = "eKYC verification"
  type        = "CONTACT_FLOW"
  description = "Asks for the document's last four digits and the emailed code; the verifier Lambda decides."
  content = templatefile("${path.module}/../connect/verification-flow.json", {
    VerifierFunctionArn = aws_lambda_function.verifier.arn
  })
}

resource "aws_connect_lambda_function_association" "verifier" {
  instance_id  = local.instance_id
  function_arn = aws_lambda_function.verifier.arn
}

resource "aws_lambda_permission" "connect" {
  statement_id   = "AllowConnect"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.verifier.function_name
  principal      = "connect.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
  source_arn     = local.instance_arn
}

# ---------------------------------------------------------------- functions

resource "aws_cloudwatch_log_group" "api" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; the logs carry no PII (see README, Logs).
  name              = "/aws/lambda/${var.name}-api"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "verifier" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; the logs carry no PII (see README, Logs).
  name              = "/aws/lambda/${var.name}-verifier"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; access logs carry no request bodies.
  name              = "/aws/apigateway/${var.name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api" {
  name_prefix        = "${var.name}-api-"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role" "verifier" {
  name_prefix        = "${var.name}-verifier-"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "api" {
  statement {
    sid = "Table"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:ConditionCheckItem",
    ]
    resources = [aws_dynamodb_table.this.arn, "${aws_dynamodb_table.this.arn}/index/*"]
    # Key families (src/adapters/dynamodb/keys.rs): API keys and tenant-owned items.
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["APIKEY#*", "TENANT#*"]
    }
  }
  statement {
    sid       = "Mail"
    actions   = ["ses:SendEmail"]
    resources = ["${local.ses_prefix}:identity/${var.ses_identity}", "${local.ses_prefix}:configuration-set/${aws_sesv2_configuration_set.this.configuration_set_name}"]
  }
  # The API only schedules calls; the dialer places them.
  statement {
    sid       = "Queue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.calls.arn]
  }
  statement {
    sid       = "Secret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.otp.arn]
  }
  statement {
    sid       = "Images"
    actions   = ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.images.arn}/tenants/*"]
  }
  # Listing a used document's images to keep them (remove the unused tag).
  statement {
    sid       = "ListImages"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.images.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["tenants/*"]
    }
  }
  # AnalyzeID, CompareFaces and DetectFaces have no resource types: IAM can only grant them on
  # "*". They read the images with this role's s3:GetObject.
  statement {
    sid       = "ReadDocumentsAndFaces"
    actions   = ["textract:AnalyzeID", "rekognition:CompareFaces", "rekognition:DetectFaces"]
    resources = ["*"]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.api.arn}:*"]
  }
}

data "aws_iam_policy_document" "verifier" {
  statement {
    sid = "Table"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]
    # Only a request's own partition, its reservations and the tenant's counters: never API
    # keys or tenant records; no index.
    resources = [aws_dynamodb_table.this.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["TENANT#*#REQ#*", "TENANT#*#STATS", "TENANT#*#EMAIL#*", "TENANT#*#PHONE#*"]
    }
  }
  statement {
    sid = "Documents"
    # Reads the document's number (its last four digits), never writes it.
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.this.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["TENANT#*#DOC#*"]
    }
  }
  statement {
    sid       = "Secret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.otp.arn]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.verifier.arn}:*"]
  }
}

resource "aws_iam_role_policy" "api" {
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

resource "aws_iam_role_policy" "verifier" {
  role   = aws_iam_role.verifier.id
  policy = data.aws_iam_policy_document.verifier.json
}

resource "aws_lambda_function" "api" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a dead-letter queue only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Calls only AWS public endpoints (DynamoDB, SES, SQS, Secrets Manager, S3, Textract, Rekognition); no VPC resources to reach.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (the OTP secret is read from Secrets Manager at init).
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the HTTP API throttling variables.
  #checkov:skip=CKV_AWS_272:Code signing is a per-account choice; the package is built reproducibly by make package.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional; the JSON logs carry request ids and latencies.
  function_name    = "${var.name}-api"
  description      = "eKYC API (document and face authentication, POST /api/kyc-request and the lifecycle routes)"
  role             = aws_iam_role.api.arn
  filename         = var.api_zip
  source_code_hash = filebase64sha256(var.api_zip)
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  memory_size      = 256
  timeout          = 29
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.api.name
  }
  environment {
    variables = {
      TABLE_NAME                  = aws_dynamodb_table.this.name
      IMAGE_BUCKET                = aws_s3_bucket.images.id
      FACE_MATCH_THRESHOLD        = var.face_match_threshold
      RETENTION_DAYS              = var.retention_days
      OTP_SECRET_ARN              = aws_secretsmanager_secret.otp.arn
      OTP_TTL_SECONDS             = var.otp_ttl_seconds
      OTP_MAX_ATTEMPTS            = var.otp_max_attempts
      API_KEY_CACHE_SECONDS       = var.api_key_cache_seconds
      CLEAR_TIME_BUDGET_SECONDS   = var.clear_time_budget_seconds
      ALLOWED_COUNTRIES           = var.allowed_countries
      TENANT_CREATES_PER_MINUTE   = var.tenant_creates_per_minute
      SES_FROM_ADDRESS            = var.ses_from_address
      SES_CONFIGURATION_SET       = aws_sesv2_configuration_set.this.configuration_set_name
      CONNECT_SOURCE_PHONE_NUMBER = local.source_number
      CALL_QUEUE_URL              = aws_sqs_queue.calls.url
      CALL_DELAY_SECONDS          = var.call_delay_seconds
      MAX_CALLS_PER_REQUEST       = var.max_calls_per_request
      REDIAL_COOLDOWN_SECONDS     = var.redial_cooldown_seconds
    }
  }
  depends_on = [aws_secretsmanager_secret_version.otp]
}

resource "aws_lambda_function" "verifier" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Amazon Connect; a dead-letter queue only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Calls only AWS public endpoints (DynamoDB, Secrets Manager); no VPC resources to reach.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (the OTP secret is read from Secrets Manager at init).
  #checkov:skip=CKV_AWS_272:Code signing is a per-account choice; the package is built reproducibly by make package.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional; the JSON logs carry request ids and latencies.
  function_name    = "${var.name}-verifier"
  description      = "eKYC verifier, invoked by the Amazon Connect verification flow"
  role             = aws_iam_role.verifier.arn
  filename         = var.verifier_zip
  source_code_hash = filebase64sha256(var.verifier_zip)
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  memory_size      = 128
  timeout          = 8
  # API load can never starve the calls of their verifier.
  reserved_concurrent_executions = var.verifier_reserved_concurrency
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.verifier.name
  }
  environment {
    variables = {
      TABLE_NAME     = aws_dynamodb_table.this.name
      OTP_SECRET_ARN = aws_secretsmanager_secret.otp.arn
      RETENTION_DAYS = var.retention_days
    }
  }
  depends_on = [aws_secretsmanager_secret_version.otp]
}

# ---------------------------------------------------------------- HTTP API

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true
  default_route_settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      ip             = "$context.identity.sourceIp"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      latency        = "$context.integrationLatency"
      responseLength = "$context.responseLength"
    })
  }
}

resource "aws_apigatewayv2_integration" "api" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.api.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "api" {
  #checkov:skip=CKV_AWS_309:Every API route authenticates the x-api-key header inside the function (hashed keys, constant-time compare); the dashboard's page and assets are public static files that ask for the key themselves.
  for_each  = local.routes
  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowHttpApi"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}
