#!/usr/bin/env bash
# Installs everything the entry points need, idempotently: uv, the Python environment, the Node tools,
# Debian's ipfs_cid (reference CIDs for the storage tests and bench).
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

# Reference CIDs for the content-store tests and bench: Debian's independent Rust `ipfs_cid`.
if ! command -v ipfs_cid >/dev/null 2>&1; then
    echo "bootstrap: installing ipfs-cid (apt)"
    apt-get install -y -qq ipfs-cid >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq ipfs-cid >/dev/null; }
fi

# Browser tests (tests/e2e) drive Debian's Chromium; nothing downloads a browser of its own.
if ! command -v chromium >/dev/null 2>&1; then
    echo "bootstrap: installing chromium (apt)"
    apt-get install -y -qq chromium >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
fi

# The web app (frontend/dist, served by the API): rebuilt when its sources, the contracts' ABIs or the API
# it is typed against have changed since the last build.
web_app=frontend/dist/index.html
if [ ! -f "$web_app" ] || [ -n "$(find frontend/src frontend/index.html frontend/package-lock.json \
        frontend/vite.config.ts contracts backend/api -newer "$web_app" -not -path 'frontend/src/generated/*' \
        -print -quit)" ]; then
    echo "bootstrap: building the web app"
    if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
        npm ci --prefix frontend --no-audit --no-fund --loglevel=error
    fi
    uv run brownie compile >/dev/null
    uv run python -m scripts.frontend_codegen
    npm run --silent --prefix frontend build >/dev/null
fi
