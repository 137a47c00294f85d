#!/usr/bin/env bash
# The main demo from the README: installs everything, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m streamlit_rtc turns tests/fixtures/speech/two_utterances.wav
