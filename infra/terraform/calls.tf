# ---------------------------------------------------------------- the call queue and the dialer
#
# The API enqueues each verification call (SQS, a delay so the email comes first); the dialer
# Lambda places it through Amazon Connect at the pace the quotas allow (event source mapping
# with ReportBatchItemFailures and a maximum concurrency), retrying throttled calls with a
# growing visibility time-out. Messages that are not calls at all end in the dead-letter queue,
# which an alarm watches.

resource "aws_sqs_queue" "calls_dlq" {
  name                      = "${var.name}-calls-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "calls" {
  name                    = "${var.name}-calls"
  sqs_managed_sse_enabled = true
  # Six times the dialer's time-out (AWS's advice for event source mappings).
  visibility_timeout_seconds = 360
  message_retention_seconds  = 86400
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.calls_dlq.arn
    # Far above CALL_MAX_ATTEMPTS (at most 40): the dialer ends every call's message itself;
    # only messages it cannot read come here.
    maxReceiveCount = 50
  })
}

resource "aws_cloudwatch_metric_alarm" "calls_dlq" {
  alarm_name          = "${var.name}-calls-dead-letters"
  alarm_description   = "Messages the dialer could not read reached the call queue's dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.calls_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]
}

resource "aws_cloudwatch_log_group" "dialer" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; the logs carry no PII (see README, Logs).
  name              = "/aws/lambda/${var.name}-dialer"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "dialer" {
  name_prefix        = "${var.name}-dialer-"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "dialer" {
  statement {
    sid = "Table"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]
    # A request's own partition, its reservations (freed when no call could be placed) and the
    # tenant's counters; no index.
    resources = [aws_dynamodb_table.this.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["TENANT#*#REQ#*", "TENANT#*#STATS", "TENANT#*#EMAIL#*", "TENANT#*#PHONE#*"]
    }
  }
  statement {
    sid       = "Call"
    actions   = ["connect:StartOutboundVoiceContact"]
    resources = ["${local.instance_arn}/contact/*", aws_connect_contact_flow.verification.arn]
  }
  # The event source mapping receives and deletes with this role; the dialer itself hands
  # throttled calls back (ChangeMessageVisibility).
  statement {
    sid = "Queue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ChangeMessageVisibility",
    ]
    resources = [aws_sqs_queue.calls.arn]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.dialer.arn}:*"]
  }
}

resource "aws_iam_role_policy" "dialer" {
  role   = aws_iam_role.dialer.id
  policy = data.aws_iam_policy_document.dialer.json
}

resource "aws_lambda_function" "dialer" {
  #checkov:skip=CKV_AWS_116:Invoked by an SQS event source mapping; failed messages return to the queue, whose dead-letter queue catches poison messages.
  #checkov:skip=CKV_AWS_117:Calls only AWS public endpoints (DynamoDB, Connect, SQS); no VPC resources to reach.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the event source mapping's maximum concurrency (dialer_maximum_concurrency).
  #checkov:skip=CKV_AWS_272:Code signing is a per-account choice; the package is built reproducibly by make package.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional; the JSON logs carry request ids and latencies.
  function_name    = "${var.name}-dialer"
  description      = "eKYC dialer: places the queued verification calls through Amazon Connect"
  role             = aws_iam_role.dialer.arn
  filename         = var.dialer_zip
  source_code_hash = filebase64sha256(var.dialer_zip)
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  memory_size      = 128
  # A batch of 10 at DIALER_CALLS_PER_SECOND = 1 takes about 10 s.
  timeout = 60
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.dialer.name
  }
  environment {
    variables = {
      TABLE_NAME                  = aws_dynamodb_table.this.name
      CALL_QUEUE_URL              = aws_sqs_queue.calls.url
      CONNECT_INSTANCE_ID         = local.instance_id
      CONNECT_CONTACT_FLOW_ID     = aws_connect_contact_flow.verification.contact_flow_id
      CONNECT_SOURCE_PHONE_NUMBER = local.source_number
      CALL_MAX_ATTEMPTS           = var.call_max_attempts
      CALL_RETRY_BASE_SECONDS     = var.call_retry_base_seconds
      CALL_RETRY_MAX_SECONDS      = var.call_retry_max_seconds
      DIALER_CALLS_PER_SECOND     = var.dialer_calls_per_second
      RETENTION_DAYS              = var.retention_days
    }
  }
}

resource "aws_lambda_event_source_mapping" "calls" {
  event_source_arn        = aws_sqs_queue.calls.arn
  function_name           = aws_lambda_function.dialer.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = var.dialer_maximum_concurrency
  }
  depends_on = [aws_iam_role_policy.dialer]
}
