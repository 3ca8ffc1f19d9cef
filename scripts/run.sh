#!/usr/bin/env bash
# `make run`: the whole thing locally. Starts DynamoDB Local, moto (SES, S3), the Connect
# stand-in and the Textract/Rekognition stand-in, seeds a demo tenant, prints how to call the API, then serves the functions with
# `cargo lambda watch` (rebuilds on change). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh

# shellcheck source=run-env.sh
. scripts/run-env.sh

# With the dev tools: `admin poll-calls` is the call queue's event source mapping, locally.
cargo build --quiet --features dev --bin admin
poller=""
trap '[ -z "$poller" ] || kill "$poller" 2>/dev/null; bash scripts/stack.sh stop run' EXIT
bash scripts/stack.sh start run
admin=./target/debug/admin
$admin create-table
$admin verify-sender --email "$SES_FROM_ADDRESS"
$admin create-key --tenant $DEMO_TENANT --key "$DEMO_KEY" >/dev/null
$admin register-document --tenant $DEMO_TENANT --id "$DEMO_DOCUMENT" --file events/document.json >/dev/null
# The dialer: long-polls the call queue and runs the real dialer handler on each batch.
$admin poll-calls --workers 2 >.local/stack-run/dialer.log 2>&1 &
poller=$!

base="http://127.0.0.1:$WATCH_PORT/lambda-url/api/api"
url="$base/kyc-request"
cat <<MSG

== eKYC running locally ==================================================
DynamoDB Local  $AWS_ENDPOINT_URL_DYNAMODB  (table $TABLE_NAME)
moto SES, SQS   $MOTO_URL  (call queue $CALL_QUEUE_URL)
Dialer          admin poll-calls (log: .local/stack-run/dialer.log): calls go out CALL_DELAY_SECONDS (15) after the create
Connect stand-in $AWS_ENDPOINT_URL_CONNECT  (placed calls: curl $AWS_ENDPOINT_URL_CONNECT/calls)
Demo tenant     demo, API key $DEMO_KEY
Demo document   $DEMO_DOCUMENT  (events/document.json)
Textract / Rekognition stand-in $VISION_URL  (requests: curl $VISION_URL/requests)
Image bucket    $IMAGE_BUCKET in moto S3

The business's dashboard (sign in with the demo API key above; the first load waits for the build):

  http://127.0.0.1:$WATCH_PORT/lambda-url/api/dashboard

The whole onboarding through the API (the first call waits for the build):

  # 1. the document (events/document-front.jpg, a synthetic specimen) -> 201 with its id and data
  DOC=\$(python3 -c 'import base64,json; print(json.dumps({"frontImage": "data:image/jpeg;base64," + base64.b64encode(open("events/document-front.jpg","rb").read()).decode()}))' \
    | curl -s -X POST '$base/document-authentication' -H 'Content-Type: application/json' \
        -H 'x-api-key: $DEMO_KEY' -d @- | tee /dev/stderr | python3 -c 'import json,sys; print(json.load(sys.stdin)["documentIdentificationId"])')

  # 2. the face (events/selfie.jpg) -> 200 {"score": ...}
  python3 -c 'import base64,json,sys; print(json.dumps({"documentIdentificationId": sys.argv[1], "faceImage": base64.b64encode(open("events/selfie.jpg","rb").read()).decode()}))' "\$DOC" \
    | curl -s -X POST '$base/face-authentication' -H 'Content-Type: application/json' -H 'x-api-key: $DEMO_KEY' -d @-

  # 3. the request for that document -> 201; then read the OTP, answer the call (below), and
  # 4. review it: idInformation, faceMatch and presigned image URLs
  curl -s -X POST '$url' -H 'Content-Type: application/json' -H 'x-api-key: $DEMO_KEY' \
    -d '{"email": "jane.doe@example.com", "phoneNumber": "+14155550123", "documentIdentificationId": "'"\$DOC"'"}'
  curl -s '$base/requests' -H 'x-api-key: $DEMO_KEY'

Or create a request for the pre-registered demo document (201; the same again gives 409). The first call waits for the build:

  curl -i -X POST '$url' \\
    -H 'Content-Type: application/json' -H 'Accept: application/json' \\
    -H 'x-api-key: $DEMO_KEY' \\
    -d '{"email": "jane.doe@example.com", "phoneNumber": "+14155550123", "documentIdentificationId": "$DEMO_DOCUMENT"}'

Read the emailed OTP (moto keeps sent mail):

  curl -s $MOTO_URL/moto-api/data.json | python3 -c 'import json,sys; [print(m["destinations"]["ToAddresses"], m["body"]) for m in json.load(sys.stdin)["ses"]["Message"]]'

Answer the verification call from this terminal (in another shell), once it was placed (about 15 s
after the create; curl $AWS_ENDPOINT_URL_CONNECT/calls lists the placed calls):

  make call            # plays infra/connect/verification-flow.json; last four digits: 6789

Sample events: .venv/bin/cargo-lambda lambda invoke api --invoke-address 127.0.0.1 --invoke-port $WATCH_PORT --data-file events/create-201.json
Ctrl-C stops the function and the stand-ins.
==========================================================================

MSG
.venv/bin/cargo-lambda lambda watch --invoke-port "$WATCH_PORT" --invoke-address 127.0.0.1
