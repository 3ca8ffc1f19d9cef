# Sourced by the scripts: the defaults of scripts/local.env (ports, demo tenant; a variable set
# in the environment wins), and `use_stack NAME` for the environment that points the SDK and
# the functions at one local stack (run, test, bench). Only standard AWS variables are used for
# endpoints.
load_local_env() {
  local key value
  while IFS='=' read -r key value; do
    case "$key" in '' | \#*) continue ;; esac
    [ -n "${!key:-}" ] || export "$key=$value"
  done <"$(dirname "${BASH_SOURCE[0]}")/local.env"
}
load_local_env

# use_stack run|test|bench: the ports of that stack (DDB_PORT, MOTO_PORT, CONNECT_PORT,
# VISION_PORT; for test also CHROMEDRIVER_PORT and WEBDRIVER_URL), the AWS variables that
# point at them, and the table, bucket and call queue (moto's SQS) of that stack.
use_stack() {
  case "$1" in
    run) ;;
    test)
      export DDB_PORT=$TEST_DDB_PORT MOTO_PORT=$TEST_MOTO_PORT CONNECT_PORT=$TEST_CONNECT_PORT VISION_PORT=$TEST_VISION_PORT
      # The dashboard's browser test (tests/browser/) drives Chromium through this chromedriver.
      export CHROMEDRIVER_PORT=$TEST_CHROMEDRIVER_PORT
      export WEBDRIVER_URL="http://127.0.0.1:$TEST_CHROMEDRIVER_PORT"
      ;;
    bench) export DDB_PORT=$BENCH_DDB_PORT MOTO_PORT=$BENCH_MOTO_PORT CONNECT_PORT=$BENCH_CONNECT_PORT VISION_PORT=$BENCH_VISION_PORT ;;
    *) echo "use_stack run|test|bench" >&2; return 2 ;;
  esac
  export AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local
  export AWS_SECRET_ACCESS_KEY=local
  export AWS_EC2_METADATA_DISABLED=true
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DDB_PORT"
  export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$MOTO_PORT"
  export AWS_ENDPOINT_URL_SQS="http://127.0.0.1:$MOTO_PORT"
  export AWS_ENDPOINT_URL_CONNECT="http://127.0.0.1:$CONNECT_PORT"
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$MOTO_PORT"
  export AWS_ENDPOINT_URL_TEXTRACT="http://127.0.0.1:$VISION_PORT"
  export AWS_ENDPOINT_URL_REKOGNITION="http://127.0.0.1:$VISION_PORT"
  export VISION_URL="http://127.0.0.1:$VISION_PORT"
  export MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  export TABLE_NAME=${TABLE_NAME:-ekyc-$1}
  export IMAGE_BUCKET=${IMAGE_BUCKET:-ekyc-images-$1}
  # The call queue in moto's SQS (moto's account is 000000000000 here; it goes by the name).
  export CALL_QUEUE_URL=${CALL_QUEUE_URL:-http://127.0.0.1:$MOTO_PORT/000000000000/ekyc-calls-$1}
}
