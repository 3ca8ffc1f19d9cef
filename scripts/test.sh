#!/usr/bin/env bash
# `make test`'s integration part: the tests in tests/ against a fresh local stack on its own
# ports (scripts/local.env: TEST_*_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh
# shellcheck source=local-env.sh
. scripts/local-env.sh
use_stack test

cargo build --quiet --test '*' --bin admin
trap 'bash scripts/stack.sh stop test' EXIT
bash scripts/stack.sh start test
./target/debug/admin create-table
cargo test --test '*' -- --test-threads "${TEST_THREADS:-8}"
