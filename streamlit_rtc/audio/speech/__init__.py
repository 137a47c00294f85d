"""Speech to text and text to speech with fastrtc's names, offline, behind extras.

``get_stt_model()`` is Whisper tiny.en (faster-whisper, the ``stt`` extra),
``get_tts_model()`` is piper with the en_US joe voice (the ``tts`` extra).
``STTModel`` / ``TTSModel`` are the protocols to bring your own.  Importing
this package imports neither runtime: they load when a model is built.
"""

from .errors import MissingExtraError, ModelLoadError
from .heard_words import HeardWord, ScoredTranscript
from .models import clear_model_cache, get_stt_model, get_tts_model
from .piper_tts import PiperTTS, PiperTTSOptions
from .protocols import ReadingScorer, ScoredSTTModel, STTModel, TTSModel, TTSOptions
from .whisper_decode import WhisperOptions
from .whisper_stt import WhisperSTT

__all__ = [
    "HeardWord",
    "MissingExtraError",
    "ModelLoadError",
    "PiperTTS",
    "PiperTTSOptions",
    "ReadingScorer",
    "STTModel",
    "ScoredSTTModel",
    "ScoredTranscript",
    "TTSModel",
    "TTSOptions",
    "WhisperOptions",
    "WhisperSTT",
    "clear_model_cache",
    "get_stt_model",
    "get_tts_model",
]
