"""Put on PYTHONPATH of replicas by ``deploy/topology.py`` (``TOPOLOGY_LOOPBACK_ICE=1``).

Confines each replica's WebRTC to 127.0.0.1 (aioice gathers only loopback
host candidates), so in the one-machine topology media goes browser ->
coturn relay on 127.0.0.1 -> replica on 127.0.0.1, and no packet leaves the
loopback interface. Never use it in production.
"""

import os

if os.environ.get("STREAMLIT_RTC_TEST_LOOPBACK_ICE") == "1":
    from streamlit_rtc.testing.ice import restrict_ice_to_loopback

    restrict_ice_to_loopback()
