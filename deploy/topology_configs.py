"""The topology's settings, and the server configs rendered from them into the run directory.

:class:`TopologyConfig` says where and how the topology runs;
:func:`render_configs` renders nginx's, coturn's and Redis's configs from
``deploy/templates`` (``{{NAME}}`` placeholders) with it. Standard library only.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AFFINITY_COOKIE",
    "DEPLOY_DIR",
    "HOST",
    "TopologyConfig",
    "load_turn_secret",
    "render",
    "render_configs",
]

DEPLOY_DIR = Path(__file__).resolve().parent
TEMPLATES = DEPLOY_DIR / "templates"
HOST = "127.0.0.1"
AFFINITY_COOKIE = "strtc_replica"


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


def render(template: str, values: Mapping[str, Any]) -> str:
    """``{{NAME}}`` placeholders filled in (``$`` is left alone: nginx uses it)."""
    text = (TEMPLATES / template).read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", str(value))
    if "{{" in text:
        start = text.index("{{")
        raise ValueError(f"{template}: unfilled placeholder {text[start : start + 40]!r}")
    return text


def load_turn_secret(run_dir: Path, configured: str | None) -> str:
    """coturn's shared secret: ``configured``, else a random one kept (mode 0600) in ``run_dir``."""
    if configured:
        return configured
    path = run_dir / "turn-secret"
    if not path.exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def render_configs(run_dir: Path, config: TopologyConfig, turn_secret: str) -> None:
    """Write nginx.conf, turnserver.conf (0600: holds the secret) and redis.conf to ``run_dir``."""
    c = config
    run_dir.mkdir(parents=True, exist_ok=True)
    # Traversable, not listable: nginx's workers (nobody, when started by root)
    # reach their temp folders; the secret-bearing files are 0600 anyway.
    run_dir.chmod(0o711)
    (run_dir / "logs").mkdir(exist_ok=True)
    (run_dir / "nginx-tmp").mkdir(exist_ok=True)
    servers = "\n".join(
        f"        server {HOST}:{port} max_fails=1 fail_timeout=10s;"
        for port in c.ports_of_replicas()
    )
    (run_dir / "nginx.conf").write_text(
        render(
            "nginx.conf.tmpl",
            {
                "RUN_DIR": run_dir,
                "COOKIE": AFFINITY_COOKIE,
                "UPSTREAM_SERVERS": servers,
                "LISTEN_HOST": HOST,
                "HTTP_PORT": c.http_port,
                "REPLICAS": c.replicas,
            },
        )
    )
    turn_conf = run_dir / "turnserver.conf"
    turn_conf.touch(mode=0o600)
    turn_conf.chmod(0o600)
    turn_conf.write_text(
        render(
            "turnserver.conf.tmpl",
            {
                "TURN_SECRET": turn_secret,
                "REALM": "streamlit-rtc.local",
                "LISTEN_HOST": HOST,
                "RELAY_IP": HOST,
                "TURN_PORT": c.turn_port,
                "RELAY_MIN_PORT": c.relay_ports[0],
                "RELAY_MAX_PORT": c.relay_ports[1],
                "RUN_DIR": run_dir,
                "PEER_POLICY": "# loopback topology ONLY:\nallow-loopback-peers",
            },
        )
    )
    (run_dir / "redis.conf").write_text(
        render(
            "redis.conf.tmpl",
            {"LISTEN_HOST": HOST, "REDIS_PORT": c.redis_port, "RUN_DIR": run_dir},
        )
    )
