#!/usr/bin/env bash
# The main demo from the README: installs everything, then serves the echo app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "Open http://localhost:${PORT:-8501} and press START."
exec .venv/bin/python -m streamlit run apps/echo.py \
    --server.address "${ADDRESS:-127.0.0.1}" --server.port "${PORT:-8501}" \
    --server.headless true --browser.gatherUsageStats false
