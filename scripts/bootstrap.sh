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
