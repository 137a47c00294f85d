#!/usr/bin/env bash
# The main demo from the README: installs everything, then serves an app on
# 127.0.0.1 with usage statistics off. `bash scripts/demo.sh` serves the echo
# app; `bash scripts/demo.sh chat` serves apps/chat.py, and so on.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-echo}
app=apps/${name%.py}.py
if [ ! -f "$app" ]; then
    echo "demo: no such app: $app (choose one of: $(ls apps/*.py | grep -v '/_' \
        | grep -v '_brain\|_voice\|_llm\|_speech\|_numbers' | xargs -n1 basename | sed 's/\.py$//' | tr '\n' ' '))" >&2
    exit 2
fi
bash scripts/bootstrap.sh
echo "Open http://localhost:${PORT:-8501} and press Start."
exec .venv/bin/python -m streamlit run "$app" \
    --server.address "${ADDRESS:-127.0.0.1}" --server.port "${PORT:-8501}" \
    --server.headless true --browser.gatherUsageStats false
