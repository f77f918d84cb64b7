#!/usr/bin/env bash
# Set everything up and run the whole test suite: ruff, mypy, then pytest.
# PostgreSQL (for the storage and API tests) is installed and started by scripts/postgres.sh,
# Debian's Chromium (for the browser tests of the web page) by scripts/browser.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${SYMBIOSE_SKIP_POSTGRES:-}" ]; then
    # shellcheck disable=SC1091
    source scripts/postgres.sh
    trap symbiose_pg_stop EXIT  # whatever happens below, the server this run started stops
    if [ -n "${CI:-}" ] && [ -z "${SYMBIOSE_TEST_POSTGRES_URL:-}" ]; then
        echo "test.sh: PostgreSQL could not be started; CI must run the PostgreSQL tests" >&2
        exit 1
    fi
fi
if [ -z "${SYMBIOSE_SKIP_BROWSER:-}" ]; then
    # shellcheck disable=SC1091
    source scripts/browser.sh
    if [ -n "${CI:-}" ] && [ -z "${SYMBIOSE_CHROMIUM:-}" ]; then
        echo "test.sh: Chromium could not be installed; CI must run the browser tests" >&2
        exit 1
    fi
fi
. .venv/bin/activate
echo "== ruff"; ruff check models symbiose api cli tests benchmarks
echo "== mypy"; mypy
echo "== pytest"; python -m pytest "$@"
