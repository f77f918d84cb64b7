#!/usr/bin/env bash
# Set everything up and run the main job on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
symbiose solve models/examples/port.json --out out/port-example
