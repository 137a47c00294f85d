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
``tests/deploy`` (:class:`Topology`). Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEPLOY_DIR = Path(__file__).resolve().parent
REPO_ROOT = DEPLOY_DIR.parent
TEMPLATES = DEPLOY_DIR / "templates"
LOOPBACK_SITE = DEPLOY_DIR / "loopback_site"
HOST = "127.0.0.1"
STATE_FILE = "topology.json"
AFFINITY_COOKIE = "strtc_replica"

__all__ = ["Topology", "TopologyConfig", "TopologyError", "main"]


class TopologyError(RuntimeError):
    """A server of the topology did not start (the message has its log's tail)."""


@dataclass
class TopologyConfig:
    """Where and how the topology runs; ports default to the CLI's fixed ones."""

    run_dir: Path
    replicas: int = 2
    app: Path = DEPLOY_DIR / "app.py"
    http_port: int = 8500
    replica_ports: list[int] | None = None
    """One port per replica (default: ``http_port + 1`` onwards)."""
    redis_port: int = 6390
    turn_port: int = 3478
    relay_ports: tuple[int, int] = (49160, 49259)
    turn_secret: str | None = None
    """coturn's ``static-auth-secret`` (default: a random one, kept in the run directory)."""
    python: str = sys.executable
    loopback_ice: bool = True
    """Confine the replicas' WebRTC to 127.0.0.1 (the one-machine topology; never in production)."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment for every replica (e.g. ``STREAMLIT_RTC_MAX_SESSIONS``)."""
    startup_timeout_s: float = 60.0

    def ports_of_replicas(self) -> list[int]:
        if self.replica_ports is not None:
            if len(self.replica_ports) != self.replicas:
                raise ValueError("replica_ports must have one port per replica")
            return list(self.replica_ports)
        return [self.http_port + 1 + i for i in range(self.replicas)]


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise TopologyError(
        f"{name} is not installed: run scripts/bootstrap.sh "
        "(apt-get install nginx coturn redis-server)"
    )


def _start_time(pid: int) -> int | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie is gone for our purposes
        return None
    return int(fields[19])


def _group_members(pgid: int, not_before: int) -> list[int]:
    """Processes of process group ``pgid`` started at or after ``not_before``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = (entry / "stat").read_text()
            fields = raw[raw.rindex(")") + 2 :].split()
            if fields[0] != "Z" and int(fields[2]) == pgid and int(fields[19]) >= not_before:
                members.append(int(entry.name))
    return members


def render(template: str, values: Mapping[str, Any]) -> str:
    """``{{NAME}}`` placeholders filled in (``$`` is left alone: nginx uses it)."""
    text = (TEMPLATES / template).read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", str(value))
    if "{{" in text:
        start = text.index("{{")
        raise ValueError(f"{template}: unfilled placeholder {text[start : start + 40]!r}")
    return text


# --------------------------------------------------------------------------
# readiness checks
# --------------------------------------------------------------------------


def http_ok(url: str, timeout: float = 1.0) -> bool:
    with (
        contextlib.suppress(OSError, urllib.error.URLError),
        urllib.request.urlopen(url, timeout=timeout) as resp,
    ):
        return resp.status == 200
    return False


def redis_ok(port: int, timeout: float = 0.5) -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection((HOST, port), timeout=timeout) as sock,
    ):
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")
    return False


def stun_ok(port: int, timeout: float = 0.5) -> bool:
    """A STUN Binding request to the TURN server's port gets its success response."""
    transaction = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(request, (HOST, port))
        data, _ = sock.recvfrom(2048)
        return len(data) >= 20 and data[:2] == b"\x01\x01" and data[8:20] == transaction
    return False


# --------------------------------------------------------------------------
# the topology
# --------------------------------------------------------------------------


class Topology:
    """Start, inspect and stop the topology; every process is recorded in the run directory."""

    def __init__(self, config: TopologyConfig) -> None:
        self.config = config
        self.run_dir = Path(config.run_dir).resolve()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._state: dict[str, Any] = self._load_state()

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
        if self.config.turn_secret:
            return self.config.turn_secret
        path = self.run_dir / "turn-secret"
        if not path.exists():
            self.run_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
        return path.read_text().strip()

    # -- state -------------------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        path = self.run_dir / STATE_FILE
        if path.exists():
            return json.loads(path.read_text())
        return {"processes": {}}

    def _save_state(self) -> None:
        path = self.run_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._state, indent=2))
        tmp.replace(path)

    def _record(self, name: str) -> dict[str, Any] | None:
        return self._state["processes"].get(name)

    def alive(self, name: str) -> bool:
        """The process recorded as ``name`` is running (and is the one we started)."""
        record = self._record(name)
        if record is None:
            return False
        proc = self._procs.get(name)
        if proc is not None and proc.poll() is not None:
            return False
        return _start_time(record["pid"]) == record["start_time"]

    def log_path(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def log_tail(self, name: str, lines: int = 40) -> str:
        paths = [self.log_path(name)]
        extra = {"nginx": "nginx-error.log", "coturn": "turnserver.log", "redis": "redis.log"}
        if name in extra:
            paths.append(self.run_dir / extra[name])
        out = []
        for path in paths:
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out) or "<no log>"

    # -- configs -----------------------------------------------------------

    def write_configs(self) -> None:
        c = self.config
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # Traversable, not listable: nginx's workers (nobody, when started by root)
        # reach their temp folders; the secret-bearing files are 0600 anyway.
        self.run_dir.chmod(0o711)
        (self.run_dir / "logs").mkdir(exist_ok=True)
        (self.run_dir / "nginx-tmp").mkdir(exist_ok=True)
        servers = "\n".join(
            f"        server {HOST}:{port} max_fails=1 fail_timeout=10s;"
            for port in c.ports_of_replicas()
        )
        (self.run_dir / "nginx.conf").write_text(
            render(
                "nginx.conf.tmpl",
                {
                    "RUN_DIR": self.run_dir,
                    "COOKIE": AFFINITY_COOKIE,
                    "UPSTREAM_SERVERS": servers,
                    "LISTEN_HOST": HOST,
                    "HTTP_PORT": c.http_port,
                    "REPLICAS": c.replicas,
                },
            )
        )
        turn_conf = self.run_dir / "turnserver.conf"
        turn_conf.touch(mode=0o600)
        turn_conf.chmod(0o600)
        turn_conf.write_text(
            render(
                "turnserver.conf.tmpl",
                {
                    "TURN_SECRET": self.turn_secret,
                    "REALM": "streamlit-rtc.local",
                    "LISTEN_HOST": HOST,
                    "RELAY_IP": HOST,
                    "TURN_PORT": c.turn_port,
                    "RELAY_MIN_PORT": c.relay_ports[0],
                    "RELAY_MAX_PORT": c.relay_ports[1],
                    "RUN_DIR": self.run_dir,
                    "PEER_POLICY": "# loopback topology ONLY:\nallow-loopback-peers",
                },
            )
        )
        (self.run_dir / "redis.conf").write_text(
            render(
                "redis.conf.tmpl",
                {"LISTEN_HOST": HOST, "REDIS_PORT": c.redis_port, "RUN_DIR": self.run_dir},
            )
        )

    # -- processes ---------------------------------------------------------

    def _spawn(self, name: str, cmd: list[str], env: Mapping[str, str] | None = None) -> None:
        if self.alive(name):
            raise TopologyError(f"{name} is already running (pid {self._record(name)['pid']})")
        log = open(self.log_path(name), "ab")  # noqa: SIM115 - the child keeps it
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=str(self.run_dir),
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends all of it
            )
        finally:
            log.close()
        start = None
        for _ in range(100):
            start = _start_time(proc.pid)
            if start is not None or proc.poll() is not None:
                break
        self._procs[name] = proc
        self._state["processes"][name] = {
            "pid": proc.pid,
            "start_time": start if start is not None else -1,
            "cmd": cmd[:6],
        }
        self._save_state()

    def _wait(self, name: str, ready: Callable[[], bool], timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout or self.config.startup_timeout_s)
        while time.monotonic() < deadline:
            if ready():
                return
            if not self.alive(name):
                raise TopologyError(f"{name} exited while starting\n{self.log_tail(name)}")
            time.sleep(0.1)
        raise TopologyError(f"{name} not ready after {timeout}s\n{self.log_tail(name)}")

    def start_redis(self) -> None:
        self._spawn("redis", [_binary("redis-server"), str(self.run_dir / "redis.conf")])
        self._wait("redis", lambda: redis_ok(self.config.redis_port))

    def start_coturn(self) -> None:
        cmd = [_binary("turnserver"), "-c", str(self.run_dir / "turnserver.conf")]
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
            _binary("nginx"),
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

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """End ``name``'s process group (``sig``, then SIGKILL); forget it. Idempotent."""
        record = self._record(name)
        if record is None:
            return
        pid, started = record["pid"], record["start_time"]
        proc = self._procs.pop(name, None)
        leader_ours = _start_time(pid) == started
        if leader_ours:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.05)
            if not _group_members(pid, started):
                break
            time.sleep(0.05)
        for member in _group_members(pid, started):  # ignored sig, or left by the leader
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(member, signal.SIGKILL)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        del self._state["processes"][name]
        self._save_state()

    def kill(self, name: str) -> None:
        """SIGKILL ``name`` at once (a crash, as a test plays it)."""
        self.stop_process(name, sig=signal.SIGKILL)

    def stop(self) -> None:
        """Stop every process this topology recorded, front to back."""
        order = ["nginx", *self.replica_names, "coturn", "redis"]
        names = [n for n in order if n in self._state["processes"]]
        names += [n for n in self._state["processes"] if n not in names]
        for name in names:
            self.stop_process(name)

    def status(self) -> dict[str, dict[str, Any]]:
        out = {}
        for name, record in self._state["processes"].items():
            alive = self.alive(name)
            out[name] = {"pid": record["pid"], "alive": alive, "port": record.get("port")}
        return out

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
