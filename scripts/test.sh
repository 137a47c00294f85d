#!/usr/bin/env bash
# The test command from the README: installs everything, lints, runs the frontend
# unit tests and the Python suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
source scripts/node_env.sh
(cd frontend && npm test --silent)
# Most of the suite waits on real time (audio, browsers, servers), so two workers
# roughly halve it on a 2-core machine. One test file stays on one worker (its
# module fixtures: one Chromium, one server). STREAMLIT_RTC_TEST_WORKERS=0 runs
# it in one process; arguments given here come last and win.
workers="${STREAMLIT_RTC_TEST_WORKERS:-$(( $(nproc) < 4 ? 2 : 4 ))}"
.venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
