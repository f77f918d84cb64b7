#!/usr/bin/env bash
# Create .venv (if needed) and install the project with its development tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
    log=$(mktemp)
    if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[dev]"; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "setup.sh: installing the project failed (full log: $log)" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi
# The web page's libraries (npm registry, pinned by web/package-lock.json).
bash scripts/web.sh
