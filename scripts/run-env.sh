# Sourced by run.sh and call.sh: the local stack of `make run` and the functions' configuration.
# shellcheck source=local-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/local-env.sh"
use_stack run
export TABLE_NAME=ekyc-local
export OTP_SECRET=${OTP_SECRET:-local-development-otp-secret-not-for-production}
export SES_FROM_ADDRESS=${SES_FROM_ADDRESS:-no-reply@ekyc.example.com}
export CONNECT_INSTANCE_ID=${CONNECT_INSTANCE_ID:-00000000-0000-0000-0000-00000000c0de}
export CONNECT_CONTACT_FLOW_ID=${CONNECT_CONTACT_FLOW_ID:-00000000-0000-0000-0000-00000000f10w}
export CONNECT_SOURCE_PHONE_NUMBER=${CONNECT_SOURCE_PHONE_NUMBER:-+14155550100}
export API_KEY_CACHE_SECONDS=${API_KEY_CACHE_SECONDS:-60}
# The dialer (admin poll-calls, as the event source mapping would run it): Connect's default
# rate is 2 calls/s; two workers at 1/s each.
export DIALER_CALLS_PER_SECOND=${DIALER_CALLS_PER_SECOND:-1}
