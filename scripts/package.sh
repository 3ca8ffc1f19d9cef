#!/usr/bin/env bash
# `make package`: the four deployable zips (provided.al2023, arm64), cross-compiled with
# cargo-lambda and zig (both from PyPI, in .venv), and their sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh
rustup target add aarch64-unknown-linux-gnu >/dev/null
PATH="$PWD/.venv/bin:$PATH" .venv/bin/cargo-lambda lambda build --release --arm64 \
  --output-format zip --bin api --bin dialer --bin verifier --bin sweeper
python3 - <<'PY'
import os
import zipfile
for name in ("api", "dialer", "verifier", "sweeper"):
    path = f"target/lambda/{name}/bootstrap.zip"
    unzipped = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    print(f"{name:<9} {path}  {os.path.getsize(path) / 2**20:6.2f} MiB zipped, {unzipped / 2**20:6.2f} MiB unzipped")
PY
