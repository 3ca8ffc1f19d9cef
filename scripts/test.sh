#!/usr/bin/env bash
# `make test`: unit tests, then integration tests against a fresh local stack on its own ports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh

export DDB_PORT=${TEST_DDB_PORT:-18000} MOTO_PORT=${TEST_MOTO_PORT:-15000} CONNECT_PORT=${TEST_CONNECT_PORT:-18001}
# shellcheck source=local-env.sh
. scripts/local-env.sh
export TABLE_NAME=ekyc-test

cargo build --quiet --lib --bins --tests
trap 'bash scripts/stack.sh stop test' EXIT
bash scripts/stack.sh start test
./target/debug/admin create-table
cargo test --lib --bins --tests -- --test-threads "${TEST_THREADS:-8}"
