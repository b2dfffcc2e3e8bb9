#!/usr/bin/env bash
# Installs everything the entry points need, idempotently: uv, the Python environment, the Node tools.
# Called by the Makefile; safe to run again (each step is skipped when already satisfied).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
    echo "bootstrap: installing uv from PyPI"
    python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
fi

export UV_PYTHON_DOWNLOADS=never
uv sync --frozen --quiet

if [ ! -x node_modules/.bin/anvil ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "bootstrap: installing Node tools (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
fi
