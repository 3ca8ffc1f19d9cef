# ---------------------------------------------------------------- the TTL sweeper
#
# DynamoDB's TTL removes requests nobody verified, failed and expired ones without a write of
# ours; the table's stream delivers those removals to the sweeper Lambda, which takes each
# request off its document record's count and the status counters (once: replays change
# nothing), and erases a document record no request names any more with its images. The event
# source mapping lets only TTL removals of request items through; what the sweeper could not
# handle after the retries goes to a dead-letter queue, which an alarm watches.

resource "aws_sqs_queue" "sweep_dlq" {
  name                      = "${var.name}-sweep-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_cloudwatch_metric_alarm" "sweep_dlq" {
  alarm_name          = "${var.name}-sweep-dead-letters"
  alarm_description   = "A batch of TTL removals the sweeper could not count went to its dead-letter queue (the stream keeps records 24 h; see README, Retention and erasure)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.sweep_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]
}

resource "aws_cloudwatch_log_group" "sweeper" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; the logs carry no PII (see README, Logs).
  name              = "/aws/lambda/${var.name}-sweeper"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "sweeper" {
  name_prefix        = "${var.name}-sweeper-"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "sweeper" {
  statement {
    sid = "Table"
    actions = [
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]
    # The sweep's marker, the document record (its count, then its deletion) and the tenant's
    # counters; no request, reservation or key item, no index.
    resources = [aws_dynamodb_table.this.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["TENANT#*#SWEPT#*", "TENANT#*#DOC#*", "TENANT#*#STATS"]
    }
  }
  # The event source mapping reads the table's stream with this role.
  statement {
    sid = "Stream"
    actions = [
      "dynamodb:DescribeStream",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "dynamodb:ListStreams",
    ]
    resources = ["${aws_dynamodb_table.this.arn}/stream/*"]
  }
  # A document record's images, once the record went (DeleteObjects).
  statement {
    sid       = "Images"
    actions   = ["s3:DeleteObject"]
    resources = ["${aws_s3_bucket.images.arn}/tenants/*/documents/*"]
  }
  # The mapping's on-failure destination: what could not be handled, after the retries.
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.sweep_dlq.arn]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.sweeper.arn}:*"]
  }
}

resource "aws_iam_role_policy" "sweeper" {
  role   = aws_iam_role.sweeper.id
  policy = data.aws_iam_policy_document.sweeper.json
}

resource "aws_lambda_function" "sweeper" {
  #checkov:skip=CKV_AWS_116:Invoked by a DynamoDB stream event source mapping, whose on-failure destination (sweep_dlq) takes what could not be handled; a function dead-letter queue only applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Calls only AWS public endpoints (DynamoDB, S3); no VPC resources to reach.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the stream's shards (one batch per shard at a time).
  #checkov:skip=CKV_AWS_272:Code signing is a per-account choice; the package is built reproducibly by make package.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional; the JSON logs carry request ids and outcomes.
  function_name    = "${var.name}-sweeper"
  description      = "eKYC sweeper: counts the requests DynamoDB's TTL removed off their documents and counters, and erases unused documents and their images"
  role             = aws_iam_role.sweeper.arn
  filename         = var.sweeper_zip
  source_code_hash = filebase64sha256(var.sweeper_zip)
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  memory_size      = 128
  # A record takes a few tens of ms; the handler hands a batch back 15 s before this.
  timeout = 120
  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.sweeper.name
  }
  environment {
    variables = {
      TABLE_NAME   = aws_dynamodb_table.this.name
      IMAGE_BUCKET = aws_s3_bucket.images.id
    }
  }
}

resource "aws_lambda_event_source_mapping" "ttl_removals" {
  event_source_arn = aws_dynamodb_table.this.stream_arn
  function_name    = aws_lambda_function.sweeper.arn
  # From the oldest record kept (24 h): removals made before the mapping was enabled (first
  # deploy, a re-created mapping) are counted too; replays change nothing.
  starting_position              = "TRIM_HORIZON"
  batch_size                     = 25
  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = var.sweeper_maximum_retry_attempts
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.sweep_dlq.arn
    }
  }
  # Only DynamoDB's TTL deletions of request items: our own deletes already counted theirs
  # (src/sweeper.rs checks again).
  filter_criteria {
    filter {
      pattern = jsonencode({
        eventName    = ["REMOVE"]
        userIdentity = { type = ["Service"], principalId = ["dynamodb.amazonaws.com"] }
        dynamodb     = { Keys = { sk = { S = ["REQ"] } } }
      })
    }
  }
  depends_on = [aws_iam_role_policy.sweeper]
}
