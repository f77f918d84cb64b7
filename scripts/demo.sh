#!/usr/bin/env bash
# Set everything up and run the main job on its embedded defaults: solve the Dunkirk territory
# (SQLite, no external service), write its tables, then start ToileMaker on localhost with the
# Dunkirk inventory loaded and one optimisation run. Ctrl-C stops the service.
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
echo "coordinator API key (also in var/demo-coordinator.key): $(cat var/demo-coordinator.key)"
exec symbiose serve --seed datasets/dunkerque/dunkerque.yaml --territory dunkerque
