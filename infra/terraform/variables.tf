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
