#!/usr/bin/env bash
# Set everything up and run the main job on its embedded defaults: solve the Dunkirk territory
# (SQLite, no external service), write its tables, then start ToileMaker on localhost with the
# Dunkirk inventory loaded and one optimisation run, and open its web page at
# http://127.0.0.1:8000/ signed in as the territory's coordinator. Ctrl-C stops the service.
# SYMBIOSE_DEMO_NO_OPEN=1 serves without opening a browser.
# SYMBIOSE_DEMO_NO_SERVE=1 stops after the solve (for scripted checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
symbiose solve datasets/dunkerque/dunkerque.yaml --out out/dunkerque
if [ -n "${SYMBIOSE_DEMO_NO_SERVE:-}" ]; then
    exit 0
fi
if [ ! -s var/demo-coordinator.key ]; then
    # --out creates the file with mode 600: the coordinator key is nobody else's to read
    symbiose keys create --territory dunkerque --role coordinator --label demo --out var/demo-coordinator.key
fi
chmod 600 var/demo-coordinator.key  # a key file left by an older demo was world-readable
key=$(cat var/demo-coordinator.key)
url="http://127.0.0.1:8000/#key=$key"
echo "coordinator API key (also in var/demo-coordinator.key): $key"
echo "ToileMaker's page, signed in with that key, Dunkirk loaded: $url"
# Open the page once the service answers (the key travels in the address's fragment, which the
# browser never sends to the server; the page keeps it in the tab's session storage only).
if [ -z "${SYMBIOSE_DEMO_NO_OPEN:-}" ]; then
    (
        for _ in $(seq 1 120); do
            if python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=1)" 2>/dev/null; then
                if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = "Darwin" ]; then
                    python -m webbrowser -t "$url" >/dev/null 2>&1 || true
                else
                    echo "(no desktop here: open $url in a browser)"
                fi
                break
            fi
            sleep 0.5
        done
    ) &
fi
exec symbiose serve --seed datasets/dunkerque/dunkerque.yaml --territory dunkerque
