"""``deploy/topology.sh start|status|stop`` as an operator runs it; every process it starts ends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.request
from pathlib import Path

from deploy_harness import REPO_ROOT, free_port, free_port_pair, free_relay_range, processes_module

SCRIPT = REPO_ROOT / "deploy" / "topology.sh"


def run(action: str, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), action, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_script_starts_reports_and_stops_the_whole_topology(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    low, high = free_relay_range()
    http_port = free_port_pair()  # the replica takes the port after nginx's
    env = {
        **os.environ,
        "TOPOLOGY_RUN_DIR": str(run_dir),
        "TOPOLOGY_HTTP_PORT": str(http_port),
        "TOPOLOGY_REDIS_PORT": str(free_port()),
        "TOPOLOGY_TURN_PORT": str(free_port(socket.SOCK_DGRAM)),
        "TOPOLOGY_RELAY_PORTS": f"{low}-{high}",
    }
    env.pop("STREAMLIT_RTC_TURN_SECRET", None)
    pids: dict[str, int] = {}
    secret = ""
    try:
        started = run("start", env, "1")
        assert started.returncode == 0, started.stdout + started.stderr
        state = json.loads((run_dir / "topology.json").read_text())
        pids = {name: info["pid"] for name, info in state["processes"].items()}
        assert set(pids) == {"redis", "coturn", "replica-1", "nginx"}

        status = run("status", env)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "DEAD" not in status.stdout and "answers" in status.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/_stcore/health") as resp:
            assert resp.status == 200
            assert resp.headers["X-Streamlit-Replica"] == f"127.0.0.1:{http_port + 1}"

        secret_file = run_dir / "turn-secret"
        assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
        assert oct((run_dir / "turnserver.conf").stat().st_mode & 0o777) == "0o600"
        secret = secret_file.read_text().strip()
        assert secret and secret not in status.stdout + started.stdout
    finally:
        stopped = run("stop", env)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    for name, pid in pids.items():
        assert processes_module.start_time(pid) is None, f"{name} (pid {pid}) still runs"
    assert run("status", env).returncode == 3  # "not running"
    logs = "".join(p.read_text(errors="replace") for p in run_dir.rglob("*.log"))
    assert secret and secret not in logs  # coturn, nginx, Redis and the replica never log it
