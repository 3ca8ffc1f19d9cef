output "api_url" {
  description = "Base URL of the API"
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "table_name" {
  value = aws_dynamodb_table.this.name
}

output "contact_flow_id" {
  value = aws_connect_contact_flow.verification.contact_flow_id
}

output "source_phone_number" {
  value = local.source_number
}

output "otp_secret_arn" {
  value = aws_secretsmanager_secret.otp.arn
}

output "image_bucket" {
  value = aws_s3_bucket.images.id
}

output "call_queue_url" {
  value = aws_sqs_queue.calls.url
}

output "call_dead_letter_queue_url" {
  value = aws_sqs_queue.calls_dlq.url
}

output "sweep_dead_letter_queue_url" {
  value = aws_sqs_queue.sweep_dlq.url
}
