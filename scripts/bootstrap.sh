#!/usr/bin/env bash
# Installs everything streamlit-rtc needs on a fresh Debian machine: system
# packages (apt), a virtual environment in .venv, and the package with its
# test extras. Safe to run again: finished steps are skipped quickly.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# The replicated deployment's servers (deploy/topology.sh, tests/deploy): the
# binaries only: the topology never uses their system services.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
command -v turnserver >/dev/null 2>&1 || need_apt+=(coturn)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    echo "bootstrap: installing system packages: ${need_apt[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The browser component: built from frontend/ into the package (the wheel ships
# the build). Rebuilt when its sources or lock file change.
source scripts/node_env.sh
build_dir=streamlit_rtc/streamlit/component_build
sources_hash=$(find frontend -path frontend/node_modules -prune -o -type f -print \
    | LC_ALL=C sort | xargs sha1sum | sha1sum | cut -c1-12)
if [ ! -f "$build_dir/.built-$sources_hash" ]; then
    echo "bootstrap: building the browser component (frontend/)"
    lock_hash=$(sha1sum frontend/package-lock.json | cut -c1-12)
    if [ ! -f "frontend/node_modules/.installed-$lock_hash" ]; then
        (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
        touch "frontend/node_modules/.installed-$lock_hash"
    fi
    (cd frontend && npm run --silent build)
    rm -f "$build_dir"/.built-*
    touch "$build_dir/.built-$sources_hash"
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "bootstrap: creating .venv"
    "$python" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
    echo "bootstrap: installing streamlit-rtc and its test extras into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[test]"
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# A recording of real human speech for the speech-model tests: the sample
# that the useful-moonshine-onnx wheel ships (downloaded as a wheel from the
# registry, no dependencies installed; only the WAV is kept).
human=.venv/test-data/beckett.wav
if [ ! -f "$human" ]; then
    echo "bootstrap: fetching a human speech sample for the tests"
    wheel_dir=$(mktemp -d)
    .venv/bin/python -m pip download -q --no-deps -d "$wheel_dir" "useful-moonshine-onnx==20251121"
    .venv/bin/python - "$wheel_dir" "$human" <<'PY'
import glob
import pathlib
import sys
import zipfile

wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
out = pathlib.Path(sys.argv[2])
out.parent.mkdir(parents=True, exist_ok=True)
with zipfile.ZipFile(wheel) as archive:
    out.write_bytes(archive.read("moonshine_onnx/assets/beckett.wav"))
PY
    rm -rf "$wheel_dir"
fi
