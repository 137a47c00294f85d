"""Fixtures for the deployment tests: the replicated topology on 127.0.0.1 (deploy/topology.py).

``topology`` (module): two Streamlit replicas of ``relay_app.py`` behind
nginx, coturn and Redis, on free loopback ports in a temporary run
directory; every process it started is stopped at the end (also on failure).
"""

from __future__ import annotations

import logging
import random
import socket
from collections.abc import Iterator

import pytest
from deploy_harness import HERE, free_port, free_relay_range, processes_module, topology_module

LOGGER = logging.getLogger("deploy_tests")


REPLICA_ENV = {
    "STREAMLIT_RTC_MAX_SESSIONS": "8",
    "STREAMLIT_RTC_REDIS_LEASE_S": "6",
}


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    for binary in ("nginx", "turnserver", "redis-server"):
        try:
            processes_module.find_binary(binary)
        except topology_module.TopologyError as exc:
            pytest.fail(str(exc))
    config = topology_module.TopologyConfig(
        run_dir=tmp_path_factory.mktemp("topology") / "run",
        replicas=2,
        app=HERE / "relay_app.py",
        http_port=free_port(),
        replica_ports=[free_port(), free_port()],
        redis_port=free_port(),
        turn_port=free_port(socket.SOCK_DGRAM),
        relay_ports=free_relay_range(),
        turn_secret="test-secret-" + "".join(random.choices("abcdef0123456789", k=16)),
        env=dict(REPLICA_ENV),
    )
    topo = topology_module.Topology(config)
    try:
        topo.start()
        yield topo
    finally:
        for name in ("nginx", *topo.replica_names, "coturn", "redis"):
            LOGGER.info("%s log tail:\n%s", name, topo.log_tail(name, 30))
        topo.stop()
