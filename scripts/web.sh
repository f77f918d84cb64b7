#!/usr/bin/env bash
# Install the web page's libraries (MapLibre GL JS, Apache ECharts, topojson-client, world-atlas)
# from the npm registry, exactly as pinned by web/package-lock.json, into web/node_modules (not
# committed; the service serves their dist folders).  Installs Node.js and npm from the Debian
# packages when they are missing.  Quick when nothing changed (a stamp of the lock file).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        echo "web.sh: npm not found; installing nodejs and npm from the Debian packages" >&2
        log=$(mktemp)
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } >"$log" 2>&1; then
            tail -n 20 "$log" >&2
            echo "web.sh: installing nodejs/npm failed (full log: $log)" >&2
            exit 1
        fi
    else
        echo "web.sh: npm is needed for the web page's libraries (apt-get install nodejs npm)" >&2
        exit 1
    fi
fi
stamp=web/node_modules/.installed-$(sha1sum web/package-lock.json | cut -c1-12)
if [ ! -f "$stamp" ]; then
    log=$(mktemp)
    if ! npm ci --prefix web --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "web.sh: npm ci in web/ failed (full log: $log)" >&2
        exit 1
    fi
    rm -f web/node_modules/.installed-*
    touch "$stamp"
fi
