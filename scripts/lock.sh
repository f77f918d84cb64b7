#!/usr/bin/env bash
# Refresh requirements/lock.txt, the exact dependency set that setup.sh and CI install.
#
#   bash scripts/lock.sh                          # keep every pin that still satisfies pyproject.toml
#   bash scripts/lock.sh --upgrade                # move every pin to the newest allowed release
#   bash scripts/lock.sh --upgrade-package NAME   # move one (e.g. highspy, after solver-check.sh)
#
# The lock is universal (every platform and Python >= 3.11, with markers), written by uv's
# resolver, which runs from a throw-away venv and is not a dependency of the project.  After a
# refresh: `bash scripts/solver-check.sh` (the published optima and the solver canaries on the
# new pins), then the whole suite, then commit the lock with what moved in the message.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"${PYTHON:-python3}" -m venv "$tools"
"$tools/bin/python" -m pip install --quiet "uv>=0.5,<1"
"$tools/bin/uv" pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
    --custom-compile-command "bash scripts/lock.sh" --quiet -o requirements/lock.txt "$@"
echo "lock.sh: requirements/lock.txt has $(grep -c '==' requirements/lock.txt) pins"
grep -E '^(highspy|pyomo|numpy|scipy|pandas)==' requirements/lock.txt | sed 's/^/  /'
