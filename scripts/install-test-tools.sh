#!/usr/bin/env bash
# Installs the external tools the tests run for real (pre-commit, check-jsonschema,
# zizmor, GitHub's REST description, webhook examples...) into .tools/, from
# .ci/requirements.txt (PyPI) and .ci/package.json (npm). Idempotent: does
# nothing when the lists have not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools

stamp() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

if [ -s .ci/requirements.txt ]; then
  want=$(stamp .ci/requirements.txt)
  if [ "$(cat .tools/pip.stamp 2>/dev/null)" != "$want" ] || [ ! -x .tools/venv/bin/python ]; then
    echo "installing Python test tools into .tools/venv"
    python3 -m venv .tools/venv
    .tools/venv/bin/python -m pip install --quiet --disable-pip-version-check -r .ci/requirements.txt
    echo "$want" > .tools/pip.stamp
  fi
fi

if [ -s .ci/package.json ]; then
  want=$(stamp .ci/package.json)
  if [ "$(cat .tools/npm.stamp 2>/dev/null)" != "$want" ] || [ ! -d .tools/node_modules ]; then
    echo "installing npm test data into .tools/node_modules"
    cp .ci/package.json .tools/package.json
    (cd .tools && npm install --silent --no-audit --no-fund --ignore-scripts >/dev/null)
    echo "$want" > .tools/npm.stamp
  fi
fi
