# Sourced by run.sh and call.sh: ports and configuration of the local stack (make run).
export DDB_PORT=${DDB_PORT:-8000} MOTO_PORT=${MOTO_PORT:-5000} CONNECT_PORT=${CONNECT_PORT:-8001}
WATCH_PORT=${WATCH_PORT:-9000}
# shellcheck source=local-env.sh
. "$(dirname "${BASH_SOURCE[0]}")/local-env.sh"
export OTP_SECRET=${OTP_SECRET:-local-development-otp-secret-not-for-production}
export SES_FROM_ADDRESS=${SES_FROM_ADDRESS:-no-reply@ekyc.example.com}
export CONNECT_INSTANCE_ID=${CONNECT_INSTANCE_ID:-00000000-0000-0000-0000-00000000c0de}
export CONNECT_CONTACT_FLOW_ID=${CONNECT_CONTACT_FLOW_ID:-00000000-0000-0000-0000-00000000f10w}
export CONNECT_SOURCE_PHONE_NUMBER=${CONNECT_SOURCE_PHONE_NUMBER:-+14155550100}
export API_KEY_CACHE_SECONDS=${API_KEY_CACHE_SECONDS:-60}
DEMO_TENANT=demo
DEMO_KEY=ekyc_local-demo-key-never-use-in-production
DEMO_DOCUMENT=demo-passport-0001
