"""Test tooling for apps built on streamlit-rtc, and for streamlit-rtc itself.

What a test of a handler or of the media path needs, without Streamlit and
without a browser:

* :class:`HandlerSimulator` (with :class:`TimedStatus`) drives a handler on
  a simulated clock, as the component would (from :mod:`streamlit_rtc.simulate`).
* :mod:`~streamlit_rtc.testing.loopback` runs the real WebRTC media path
  between two aiortc peers in one process: :class:`AudioLoopback`,
  :class:`LoopbackPeers`, a browser-like :func:`fake_microphone`,
  :class:`AudioRecorder` for what comes back, test signals (:func:`sine`,
  :func:`dominant_frequency`).
* :class:`ComponentClient` is an aiortc peer that behaves like streamlit-rtc's
  browser component (data channel, status messages, reply recording), and
  :class:`MediaLoop` a private loop thread standing in for the server's.
* :class:`LoopLag` tells "the code paced wrongly" from "the machine was too
  busy" by measuring event-loop wake-up lag.
* :func:`read_wav` / :func:`write_wav` move 16-bit PCM WAV files to and from
  int16 arrays; :func:`pitch_shifted` makes a higher or deeper speaker of a
  recording (sox), at its own tempo.

* :func:`restrict_ice_to_loopback` keeps this process's ICE on 127.0.0.1
  (tests and benchmarks with peers on one machine).

It lives outside the runtime packages so that nothing the component runs
depends on it, and it never imports Streamlit.
"""

from ..audio.wav import read_wav, write_wav
from ..simulate import HandlerSimulator, TimedStatus
from .component_client import ComponentClient, MediaLoop
from .ice import restrict_ice_to_loopback
from .loopback import (
    BROWSER_FRAME_SIZE,
    BROWSER_SAMPLE_RATE,
    ArrayAudioSource,
    AudioLoopback,
    AudioRecorder,
    LoopbackPeers,
    ReceivedFrame,
    dominant_frequency,
    fake_microphone,
    sine,
)
from .looplag import LoopLag
from .voices import pitch_shifted

__all__ = [
    "BROWSER_FRAME_SIZE",
    "BROWSER_SAMPLE_RATE",
    "ArrayAudioSource",
    "AudioLoopback",
    "AudioRecorder",
    "ComponentClient",
    "HandlerSimulator",
    "LoopLag",
    "LoopbackPeers",
    "MediaLoop",
    "ReceivedFrame",
    "TimedStatus",
    "dominant_frequency",
    "fake_microphone",
    "pitch_shifted",
    "read_wav",
    "restrict_ice_to_loopback",
    "sine",
    "write_wav",
]
