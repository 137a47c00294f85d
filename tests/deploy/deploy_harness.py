"""Helpers shared by the deployment tests: deploy/topology.py as a module, free loopback ports."""

from __future__ import annotations

import importlib
import importlib.util
import random
import socket
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
if str(REPO_ROOT / "tests" / "browser") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "browser"))  # browser_harness
DEPLOY_DIR = REPO_ROOT / "deploy"
if str(DEPLOY_DIR) not in sys.path:  # topology.py imports its siblings (topology_*.py)
    sys.path.append(str(DEPLOY_DIR))


def _load_topology() -> ModuleType:
    name = "streamlit_rtc_deploy_topology"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DEPLOY_DIR / "topology.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


topology_module = _load_topology()
processes_module = importlib.import_module("topology_processes")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_pair() -> int:
    """A TCP port that was free a moment ago, with the port after it free too (nginx, replica)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two adjacent free TCP ports on 127.0.0.1")


def free_relay_range(size: int = 40) -> tuple[int, int]:
    """A block of UDP ports that were free a moment ago, for coturn's relay endpoints."""
    for _ in range(50):
        low = random.randrange(40000, 60000 - size)
        socks = []
        try:
            for port in range(low, low + size):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
        return low, low + size - 1
    raise RuntimeError("no free UDP port block for coturn's relay")
