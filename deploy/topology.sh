#!/usr/bin/env bash
# The replicated topology on one machine, all on 127.0.0.1:
#   deploy/topology.sh start [N]   N Streamlit replicas (default 2) of deploy/app.py
#                                  behind nginx on :8500, coturn on :3478, Redis on :6390
#   deploy/topology.sh status      each process, and whether nginx answers
#   deploy/topology.sh stop        stops every process it started
# Settings (environment): TOPOLOGY_RUN_DIR (default /tmp/streamlit-rtc-topology-$UID),
# TOPOLOGY_APP, TOPOLOGY_HTTP_PORT (replicas on the next N ports), TOPOLOGY_REDIS_PORT,
# TOPOLOGY_TURN_PORT, TOPOLOGY_RELAY_PORTS (min-max), STREAMLIT_RTC_TURN_SECRET (default:
# a random one kept in the run directory), TOPOLOGY_LOOPBACK_ICE (1: replicas' WebRTC on
# 127.0.0.1 only). The logic is deploy/topology.py, which the tests use too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-}"
if [ -z "$python" ]; then
    if [ -x "$here/../.venv/bin/python" ]; then python="$here/../.venv/bin/python"; else python=python3; fi
fi
exec "$python" "$here/topology.py" "$@"
