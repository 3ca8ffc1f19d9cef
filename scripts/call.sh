#!/usr/bin/env bash
# `make call`: answer the newest verification call of the demo tenant (or REQUEST_ID) from this
# terminal, against the stack `make run` started.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=run-env.sh
. scripts/run-env.sh
if ! (exec 3<>"/dev/tcp/127.0.0.1/$DDB_PORT") 2>/dev/null; then
  echo "the local stack is not running: start it with 'make run' in another shell" >&2
  exit 1
fi
cargo build --quiet --features dev --bin admin
exec ./target/debug/admin call --tenant "$DEMO_TENANT" ${REQUEST_ID:+--request-id "$REQUEST_ID"}
