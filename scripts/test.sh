#!/usr/bin/env bash
# The test command from the README: installs everything, lints, runs the frontend
# unit tests and the Python suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
source scripts/node_env.sh
(cd frontend && npm test --silent)
.venv/bin/python -m pytest "$@"
