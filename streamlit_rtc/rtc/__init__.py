"""aiortc media layer: sinks that drain remote tracks, paced output tracks.

No Streamlit import here. Everything runs on one asyncio loop (Streamlit's
server loop in production) and never blocks it: sinks hand frames to fast
callbacks, sources pull ready frames without waiting for them.
"""

from .aiortc_patches import (
    install_fast_audio_level,
    install_prompt_audio_receive,
    tune_aiortc,
    uninstall_fast_audio_level,
    uninstall_prompt_audio_receive,
)
from .audio_sink import AudioFrameCallback, MicrophoneSink
from .audio_source import AudioFramePull, PacedAudioSourceTrack, SourceStats
from .consumer import END_ERROR, END_STOPPED, END_TRACK_ENDED, SinkEnd, SinkStats, TrackConsumer
from .pacing import Pacer
from .video_sink import VideoFrameCallback, VideoSink
from .video_source import PacedVideoSourceTrack, VideoFramePull

__all__ = [
    "END_ERROR",
    "END_STOPPED",
    "END_TRACK_ENDED",
    "AudioFrameCallback",
    "AudioFramePull",
    "MicrophoneSink",
    "PacedAudioSourceTrack",
    "PacedVideoSourceTrack",
    "Pacer",
    "SinkEnd",
    "SinkStats",
    "SourceStats",
    "TrackConsumer",
    "VideoFrameCallback",
    "VideoFramePull",
    "VideoSink",
    "install_fast_audio_level",
    "install_prompt_audio_receive",
    "tune_aiortc",
    "uninstall_fast_audio_level",
    "uninstall_prompt_audio_receive",
]
