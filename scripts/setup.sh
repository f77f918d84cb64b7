#!/usr/bin/env bash
# Create .venv (if needed) and install the project with its development tools, exactly as
# pinned by requirements/lock.txt (refreshed on purpose by scripts/lock.sh, never by accident:
# a new solver release is not taken until scripts/solver-check.sh has passed on it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup.sh: creating .venv with $("$PY" --version 2>&1)" >&2
    "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml requirements/lock.txt | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
    pins=$(grep -c '==' requirements/lock.txt)
    echo "setup.sh: installing the project and its $pins pinned dependencies (requirements/lock.txt); a few minutes on a new machine" >&2
    log=$(mktemp)
    started=$SECONDS
    set +e
    { .venv/bin/python -m pip install --upgrade "pip>=24.2,<27" \
        && .venv/bin/python -m pip install -c requirements/lock.txt -e ".[dev]"; } 2>&1 \
        | tee "$log" \
        | awk -v pins="$pins" '/^Collecting/ { n++; if (n % 20 == 0) printf "setup.sh:   %d of about %d packages\n", n, pins > "/dev/stderr" }'
    status=${PIPESTATUS[0]}
    set -e
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log" >&2
        echo "setup.sh: installing the project failed (full log: $log)" >&2
        exit 1
    fi
    if ! .venv/bin/python -c "import models, symbiose, api, cli" 2>>"$log"; then
        tail -n 40 "$log" >&2
        echo "setup.sh: installing the project failed (full log: $log)" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
    echo "setup.sh: installed in $((SECONDS - started)) s (highspy $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("highspy"))'))" >&2
fi
# The web page's libraries (npm registry, pinned by web/package-lock.json).
bash scripts/web.sh
