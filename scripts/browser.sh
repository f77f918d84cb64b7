#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests of the web page (tests/web/test_web_browser.py).
#
# Sourced by scripts/test.sh (it can also be run on its own): exports SYMBIOSE_CHROMIUM when the
# browser is there.  The tests drive it through the Python playwright package (its driver ships
# in the wheel; `playwright install` and its browser download are never used).  It never fails
# the caller: without the browser it prints a warning and the browser tests are skipped (and
# scripts/test.sh fails in CI).

_symbiose_browser() {
    local path="${SYMBIOSE_CHROMIUM:-/usr/bin/chromium}"
    if [ ! -x "$path" ]; then
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
            echo "browser.sh: Chromium not found; installing it from the Debian packages" >&2
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
                >"${TMPDIR:-/tmp}/symbiose-chromium-install.log" 2>&1 \
                || echo "browser.sh: apt-get failed (see ${TMPDIR:-/tmp}/symbiose-chromium-install.log)" >&2
        fi
        path=/usr/bin/chromium
    fi
    if [ ! -x "$path" ]; then
        echo "browser.sh: WARNING: Chromium is not available; the browser tests will be skipped" >&2
        return 1
    fi
    export SYMBIOSE_CHROMIUM="$path"
    echo "browser.sh: Chromium ready at $SYMBIOSE_CHROMIUM" >&2
    return 0
}

_symbiose_browser || true
unset -f _symbiose_browser
