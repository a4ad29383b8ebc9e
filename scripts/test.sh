#!/usr/bin/env bash
# The one command that runs every test: installs the external test tools into
# .tools/ (once), then runs the Rust test suite against them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh
export PATH="$PWD/.tools/venv/bin:$PATH"
cargo test --locked "$@"
