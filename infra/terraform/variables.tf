variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "ekyc"
}

variable "ses_identity" {
  description = "SES identity to verify and send from (a domain such as example.com, or an address)."
  type        = string
}

variable "ses_from_address" {
  description = "The From address of the OTP email (within ses_identity)."
  type        = string
}

variable "connect_instance_id" {
  description = "An existing Amazon Connect instance id; empty creates a new instance."
  type        = string
  default     = ""
}

variable "connect_instance_alias" {
  description = "Alias of the instance created when connect_instance_id is empty (unique per region)."
  type        = string
  default     = "ekyc-verification"
}

variable "source_phone_number" {
  description = "An outbound number already claimed in the instance (E.164); empty claims one."
  type        = string
  default     = ""
}

variable "phone_number_country_code" {
  description = "Country of the number claimed when source_phone_number is empty."
  type        = string
  default     = "US"
}

variable "throttling_rate_limit" {
  description = "Steady requests per second the HTTP API accepts."
  type        = number
  default     = 50
}

variable "throttling_burst_limit" {
  description = "Burst the HTTP API accepts."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  description = "Retention of the function and access log groups."
  type        = number
  default     = 365
}

variable "table_deletion_protection" {
  description = "Whether the DynamoDB table refuses deletion."
  type        = bool
  default     = true
}

variable "otp_ttl_seconds" {
  type    = number
  default = 600
}

variable "otp_max_attempts" {
  type    = number
  default = 3
}

variable "allowed_countries" {
  description = "ISO codes, comma-separated, of the countries calls are placed to (empty = the country of the outbound number)."
  type        = string
  default     = ""
}

variable "tenant_creates_per_minute" {
  description = "Requests a tenant may create per minute, unless an operator set its own limit (admin set-limit)."
  type        = number
  default     = 120
}

variable "verifier_reserved_concurrency" {
  description = "Concurrency reserved for the verifier, so API load never starves the calls (about the instance's concurrent calls)."
  type        = number
  default     = 10
}

variable "api_key_cache_seconds" {
  description = "How long a warm API function trusts a looked-up API key (a revoked key works that long)."
  type        = number
  default     = 60
}

variable "clear_time_budget_seconds" {
  type    = number
  default = 20
}

variable "face_match_threshold" {
  description = "The least Rekognition similarity (percent) that counts as a face match."
  type        = number
  default     = 90
  validation {
    condition     = var.face_match_threshold >= 50 && var.face_match_threshold <= 100
    error_message = "face_match_threshold must be from 50 to 100."
  }
}

variable "retention_days" {
  description = "Days failed and expired requests, unused documents and their images are kept (DynamoDB TTL and the image bucket's lifecycle rule)."
  type        = number
  default     = 30
  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 3650
    error_message = "retention_days must be from 1 to 3650."
  }
}

variable "api_zip" {
  description = "The API function package (make package)."
  type        = string
  default     = "../../target/lambda/api/bootstrap.zip"
}

variable "verifier_zip" {
  description = "The verifier function package (make package)."
  type        = string
  default     = "../../target/lambda/verifier/bootstrap.zip"
}

variable "dialer_zip" {
  description = "The dialer function package (make package)."
  type        = string
  default     = "../../target/lambda/dialer/bootstrap.zip"
}

variable "sweeper_zip" {
  description = "The sweeper function package (make package)."
  type        = string
  default     = "../../target/lambda/sweeper/bootstrap.zip"
}

variable "sweeper_maximum_retry_attempts" {
  description = "Retries of a stream batch the sweeper could not finish before its metadata goes to the sweeper's dead-letter queue and the shard moves on (0-100)."
  type        = number
  default     = 10
  validation {
    condition     = var.sweeper_maximum_retry_attempts >= 0 && var.sweeper_maximum_retry_attempts <= 100
    error_message = "sweeper_maximum_retry_attempts must be from 0 to 100."
  }
}

variable "call_delay_seconds" {
  description = "How long after a create (or a redial) the call is placed, so the email comes first (0-900)."
  type        = number
  default     = 15
}

variable "max_calls_per_request" {
  description = "Calls a request may have, redials included."
  type        = number
  default     = 3
}

variable "redial_cooldown_seconds" {
  description = "How long after its last call a request may be called again."
  type        = number
  default     = 60
}

variable "call_max_attempts" {
  description = "Receives of a call's message before the call is given up (the request fails with call_not_placed)."
  type        = number
  default     = 8
  validation {
    condition     = var.call_max_attempts >= 1 && var.call_max_attempts <= 40
    error_message = "call_max_attempts must be from 1 to 40 (below the queue's redrive count of 50)."
  }
}

variable "call_retry_base_seconds" {
  description = "Visibility time-out after a throttled call's first try, doubled per receive."
  type        = number
  default     = 10
}

variable "call_retry_max_seconds" {
  description = "The longest visibility time-out between a call's tries."
  type        = number
  default     = 300
}

variable "dialer_calls_per_second" {
  description = "One dialer worker's pace; times dialer_maximum_concurrency, the account's call rate (Connect's default: 2/s)."
  type        = number
  default     = 1
}

variable "dialer_maximum_concurrency" {
  description = "The event source mapping's maximum concurrency: dialer workers at once (2-1000)."
  type        = number
  default     = 2
}

variable "alarm_topic_arn" {
  description = "An SNS topic the dead-letter alarms notify; empty: the alarms only show in CloudWatch."
  type        = string
  default     = ""
}
