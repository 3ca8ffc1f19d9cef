# Sourced by test.sh and run.sh: the environment that points the SDK and the functions at the
# local stand-ins. Only standard AWS variables are used for endpoints.
# Expects DDB_PORT, MOTO_PORT, CONNECT_PORT.
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DDB_PORT"
export AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:$MOTO_PORT"
export AWS_ENDPOINT_URL_CONNECT="http://127.0.0.1:$CONNECT_PORT"
export MOTO_URL="http://127.0.0.1:$MOTO_PORT"
export TABLE_NAME=${TABLE_NAME:-ekyc-local}
