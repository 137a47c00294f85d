#!/usr/bin/env python3
"""The replicated topology on one machine: N Streamlit replicas, nginx, coturn, Redis.

Everything binds 127.0.0.1 and runs as the calling user from a run
directory (configs rendered from ``deploy/templates``, logs, pid files):

* ``redis-server`` (shared ``concurrency_limit`` and session cap),
* ``turnserver`` (coturn, TURN REST credentials from a shared secret),
* N ``streamlit run APP`` replicas, each with ``STREAMLIT_RTC_REDIS_URL``,
  ``STREAMLIT_RTC_TURN_SECRET`` and ``STREAMLIT_RTC_TURN_URLS`` set,
* ``nginx`` in front of them (WebSocket upgrade, cookie affinity, failover).

Every process is started in its own process group and recorded in
``topology.json`` in the run directory (pid and kernel start time, so a
recycled pid is never signalled); ``stop`` ends each group it recorded.

Used by ``deploy/topology.sh start|stop|status [N]`` and, as a library, by
``tests/deploy`` (:class:`Topology`). The server configs are rendered by
``topology_configs.py``, the processes run by ``topology_processes.py``
(both next to this file). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from topology_configs import (
    AFFINITY_COOKIE,
    DEPLOY_DIR,
    HOST,
    TopologyConfig,
    load_turn_secret,
    render_configs,
)
from topology_processes import (
    STATE_FILE,
    ProcessGroups,
    TopologyError,
    find_binary,
    http_ok,
    redis_ok,
    stun_ok,
)

REPO_ROOT = DEPLOY_DIR.parent
LOOPBACK_SITE = DEPLOY_DIR / "loopback_site"

__all__ = ["AFFINITY_COOKIE", "Topology", "TopologyConfig", "TopologyError", "main"]


class Topology(ProcessGroups):
    """Start, inspect and stop the topology; every process is recorded in the run directory."""

    def __init__(self, config: TopologyConfig) -> None:
        self.config = config
        super().__init__(Path(config.run_dir))

    @property
    def startup_timeout_s(self) -> float:
        return self.config.startup_timeout_s

    # -- addresses ---------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.config.http_port}/"

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.config.redis_port}/0"

    @property
    def turn_urls(self) -> str:
        return f"turn:{HOST}:{self.config.turn_port}?transport=udp"

    @property
    def replica_names(self) -> list[str]:
        return [f"replica-{i + 1}" for i in range(self.config.replicas)]

    def replica_url(self, name: str) -> str:
        port = self.config.ports_of_replicas()[self.replica_names.index(name)]
        return f"http://{HOST}:{port}/"

    @property
    def turn_secret(self) -> str:
        return load_turn_secret(self.run_dir, self.config.turn_secret)

    def write_configs(self) -> None:
        """Render nginx's, coturn's and Redis's configs into the run directory."""
        render_configs(self.run_dir, self.config, self.turn_secret)

    # -- servers -----------------------------------------------------------

    def start_redis(self) -> None:
        self._spawn("redis", [find_binary("redis-server"), str(self.run_dir / "redis.conf")])
        self._wait("redis", lambda: redis_ok(self.config.redis_port))

    def start_coturn(self) -> None:
        cmd = [find_binary("turnserver"), "-c", str(self.run_dir / "turnserver.conf")]
        self._spawn("coturn", cmd)
        self._wait("coturn", lambda: stun_ok(self.config.turn_port))

    def replica_env(self, name: str) -> dict[str, str]:
        env = {**os.environ, **self.config.env}
        env.update(
            {
                "STREAMLIT_RTC_REDIS_URL": self.redis_url,
                "STREAMLIT_RTC_TURN_SECRET": self.turn_secret,
                "STREAMLIT_RTC_TURN_URLS": self.turn_urls,
                "STREAMLIT_RTC_REPLICA": name,
                "PYTHONUNBUFFERED": "1",
            }
        )
        paths = [str(REPO_ROOT), env.get("PYTHONPATH", "")]
        if self.config.loopback_ice:
            env["STREAMLIT_RTC_TEST_LOOPBACK_ICE"] = "1"
            paths.insert(0, str(LOOPBACK_SITE))
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        return env

    def start_replica(self, name: str) -> None:
        port = self.config.ports_of_replicas()[self.replica_names.index(name)]
        cmd = [
            self.config.python,
            "-m",
            "streamlit",
            "run",
            str(Path(self.config.app).resolve()),
            "--server.address",
            HOST,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.runOnSave",
            "false",
            "--global.developmentMode",
            "false",
        ]
        self._spawn(name, cmd, self.replica_env(name))
        self._state["processes"][name]["port"] = port
        self._save_state()

    def wait_replica(self, name: str) -> None:
        health = f"{self.replica_url(name)}_stcore/health"
        self._wait(name, lambda: http_ok(health))

    def start_nginx(self) -> None:
        cmd = [
            find_binary("nginx"),
            "-p",
            str(self.run_dir),
            "-c",
            str(self.run_dir / "nginx.conf"),
            "-e",
            str(self.run_dir / "nginx-error.log"),
        ]
        self._spawn("nginx", cmd)
        self._wait("nginx", lambda: http_ok(f"{self.url}_stcore/health"))

    def start(self) -> Topology:
        """Write the configs and start everything; on any failure stop what was started."""
        running = [name for name in self._state["processes"] if self.alive(name)]
        if running:
            raise TopologyError(
                f"already running in {self.run_dir}: {', '.join(running)} (stop it first)"
            )
        self._state = {"processes": {}, "url": self.url, "replicas": self.replica_names}
        try:
            self.write_configs()
            self.start_redis()
            self.start_coturn()
            for name in self.replica_names:  # start all, then wait: they boot in parallel
                self.start_replica(name)
            for name in self.replica_names:
                self.wait_replica(name)
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process this topology recorded, front to back."""
        order = ["nginx", *self.replica_names, "coturn", "redis"]
        names = [n for n in order if n in self._state["processes"]]
        names += [n for n in self._state["processes"] if n not in names]
        for name in names:
            self.stop_process(name)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------


def _config_from_env(replicas: int) -> TopologyConfig:
    env = os.environ
    uid = os.getuid()
    run_dir = Path(env.get("TOPOLOGY_RUN_DIR") or f"/tmp/streamlit-rtc-topology-{uid}")
    relay = env.get("TOPOLOGY_RELAY_PORTS", "49160-49259").split("-")
    http_port = int(env.get("TOPOLOGY_HTTP_PORT", "8500"))
    return TopologyConfig(
        run_dir=run_dir,
        replicas=replicas,
        app=Path(env.get("TOPOLOGY_APP") or DEPLOY_DIR / "app.py"),
        http_port=http_port,
        redis_port=int(env.get("TOPOLOGY_REDIS_PORT", "6390")),
        turn_port=int(env.get("TOPOLOGY_TURN_PORT", "3478")),
        relay_ports=(int(relay[0]), int(relay[1])),
        turn_secret=env.get("STREAMLIT_RTC_TURN_SECRET") or None,
        loopback_ice=env.get("TOPOLOGY_LOOPBACK_ICE", "1") == "1",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/topology.sh",
        description="N Streamlit replicas behind nginx, with coturn and Redis, on 127.0.0.1.",
    )
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("replicas", nargs="?", type=int, default=None)
    args = parser.parse_args(argv)
    replicas = args.replicas
    run_dir = _config_from_env(1).run_dir
    state_path = run_dir / STATE_FILE
    if replicas is None:
        replicas = 2
        if args.action != "start" and state_path.exists():
            replicas = len(json.loads(state_path.read_text()).get("replicas", [])) or 2
    if replicas < 1:
        parser.error("N must be at least 1")
    topology = Topology(_config_from_env(replicas))
    if args.action == "start":
        try:
            topology.start()
        except TopologyError as exc:
            print(f"topology: {exc}", file=sys.stderr)
            return 1
        print(f"topology: {replicas} replica(s) behind nginx at {topology.url}")
        print(f"topology: TURN {topology.turn_urls}, Redis {topology.redis_url}")
        print(f"topology: configs, logs and pids in {topology.run_dir}")
        return 0
    if args.action == "stop":
        topology.stop()
        print("topology: stopped")
        return 0
    status = topology.status()
    if not status:
        print(f"topology: not running (run directory {topology.run_dir})")
        return 3
    for name, info in status.items():
        port = f" port {info['port']}" if info["port"] else ""
        print(f"{name:12} pid {info['pid']:>7}{port}  {'running' if info['alive'] else 'DEAD'}")
    front = http_ok(f"{topology.url}_stcore/health")
    print(f"{'front':12} {topology.url} {'answers' if front else 'does NOT answer'}")
    return 0 if front and all(info["alive"] for info in status.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
