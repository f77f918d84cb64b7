#!/usr/bin/env bash
# Check a HiGHS release before the lock moves to it: the published optima, the solver canaries
# (wrong "Optimal" answers HiGHS has shipped), the backend-identity and property tests, and the
# block workers after a parallel solve, all in a throw-away venv built from the lock with only
# highspy replaced.
#
#   bash scripts/solver-check.sh            # the newest highspy on the package index
#   bash scripts/solver-check.sh 1.15.1     # a given release
#
# Prints one line per test file and a verdict; exits 0 when the release passes everything.
# The venv is kept in var/solver-check/<version>/ (delete it at will).  Moving the pin is then
# `bash scripts/lock.sh --upgrade-package highspy` (and the bound in pyproject.toml when a new
# minor release passes), the whole suite, and a commit that says what was checked.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
version=${1:-}
if [ -z "$version" ]; then
    version=$("$PY" -m pip index versions highspy 2>/dev/null | sed -n 's/^highspy (\(.*\))$/\1/p')
    [ -n "$version" ] || { echo "solver-check.sh: cannot ask the package index for highspy" >&2; exit 1; }
fi
pinned=$(sed -n 's/^highspy==\([^ ;]*\).*/\1/p' requirements/lock.txt)
venv="var/solver-check/$version"
echo "solver-check.sh: highspy $version (the lock pins $pinned), in $venv" >&2
if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$(dirname "$venv")"
    "$PY" -m venv "$venv"
fi
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
grep -v '^highspy==' requirements/lock.txt >"$constraints"
log="$venv/install.log"
if ! { "$venv/bin/python" -m pip install --upgrade "pip>=24.2,<27" \
    && "$venv/bin/python" -m pip install -c "$constraints" -e ".[dev]" \
    && "$venv/bin/python" -m pip install --no-deps "highspy==$version"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "solver-check.sh: could not install highspy $version (log: $log)" >&2
    exit 1
fi
status=0
for tests in \
    tests/models/test_solver_canaries.py \
    tests/models/test_benchmarks_optima.py \
    tests/models/test_backend_identity.py \
    tests/models/test_properties.py \
    tests/models/test_formulation.py \
    tests/models/test_worker_processes.py \
    tests/models/test_blocks.py; do
    started=$SECONDS
    if out=$("$venv/bin/python" -m pytest "$tests" -p no:cacheprovider --timeout=600 2>&1); then
        verdict=passed
    else
        verdict=FAILED
        status=1
    fi
    summary=$(printf '%s\n' "$out" | grep -E '[0-9]+ (passed|failed)' | tail -n 1)
    printf '  %-45s %s  %s (%d s)\n' "$tests" "$verdict" "$summary" $((SECONDS - started))
    if [ "$verdict" = FAILED ]; then
        printf '%s\n' "$out" | grep -E '^(FAILED|ERROR)' | head -n 20 | sed 's/^/      /'
    fi
done
if [ "$status" -eq 0 ]; then
    echo "solver-check.sh: highspy $version passes: the lock may move to it" >&2
else
    echo "solver-check.sh: highspy $version FAILS: keep the lock at $pinned" >&2
fi
exit "$status"
