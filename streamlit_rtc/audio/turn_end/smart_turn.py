"""Smart Turn v3: pipecat's ONNX model that hears whether an utterance sounds finished.

The model (``smart-turn-v3.2-cpu.onnx``, ~8.7 MB, BSD-2-Clause) ships inside
the ``pipecat-ai`` wheel (``pip install "streamlit-rtc[turn]"``); any copy
can be given by path.  Its input, from the model card: the last 8 s of the
turn at 16 kHz (shorter turns zero-padded at the front), normalised to zero
mean and unit variance, as Whisper log-mel features ``(1, 80, 800)``; its
output is the probability that the turn is complete.  pipecat itself is never
imported: the features are ours (:mod:`.log_mel`) and onnxruntime runs the file.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..cpu_features import int8_dot_product_flags
from ..speech.errors import MissingExtraError, ModelLoadError
from .log_mel import SAMPLE_RATE, log_mel_spectrogram

__all__ = ["SMART_TURN_FILE", "SmartTurn", "find_smart_turn_model"]

logger = logging.getLogger(__name__)

SMART_TURN_FILE = "smart-turn-v3.2-cpu.onnx"
_PACKAGE_DIR = ("audio", "turn", "smart_turn", "data")
_WINDOW_S = 8.0
_NORMALISE_EPS = 1e-7


def find_smart_turn_model() -> Path:
    """The model file inside an installed ``pipecat-ai`` (found without importing pipecat)."""
    spec = importlib.util.find_spec("pipecat")
    roots = list(spec.submodule_search_locations or []) if spec is not None else []
    for root in roots:
        candidate = Path(root).joinpath(*_PACKAGE_DIR, SMART_TURN_FILE)
        if candidate.is_file():
            return candidate
    if not roots:
        raise MissingExtraError("SmartTurn", "pipecat", "turn")
    raise ModelLoadError(
        f"the installed pipecat package has no {SMART_TURN_FILE} (looked in {roots}); "
        'install pipecat-ai>=1.14 (pip install "streamlit-rtc[turn]") or pass '
        "SmartTurn(model_path=...)"
    )


class SmartTurn:
    """A :class:`~streamlit_rtc.core.turn_end.TurnEndAnalyzer` on Smart Turn v3 (onnxruntime, CPU).

    One inference looks at the last 8 s of the turn, whatever its length,
    so every decision costs the same (measured in ``bench/turn_end.py``).
    Thread-safe: one instance serves every stream (``SmartTurn.shared()``).

    ``threads``: onnxruntime's threads per decision.  By default one on a
    CPU with int8 dot-product instructions (VNNI), where a decision takes
    ~0.04 s, and two elsewhere when there are two cores: there one thread
    takes ~0.25 s, two about half, which keeps verdicts in time.  The second
    thread never spins, but costs ~12 % more CPU per decision.
    """

    sample_rate: int = SAMPLE_RATE
    max_audio_s: float = _WINDOW_S

    def __init__(
        self, model_path: str | os.PathLike[str] | None = None, threads: int | None = None
    ) -> None:
        ort = _import_onnxruntime()
        path = Path(model_path) if model_path is not None else find_smart_turn_model()
        if not path.is_file():
            raise ModelLoadError(f"no Smart Turn model at {path}")
        options = ort.SessionOptions()
        self.threads = max(1, int(threads)) if threads is not None else _default_threads()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:
            raise ModelLoadError(f"could not load the Smart Turn model {path}: {err}") from err
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or list(inputs[0].shape)[-2:] != [80, 800]:
            shapes = [(i.name, i.shape) for i in inputs]
            raise ModelLoadError(
                f"{path} does not look like Smart Turn v3 (inputs {shapes}, expected one "
                "input of shape (batch, 80, 800))"
            )
        self._input = inputs[0].name
        self.model_path = path
        logger.info("Smart Turn model loaded from %s", path)

    _shared: ClassVar[dict[Path | None, SmartTurn]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, model_path: str | os.PathLike[str] | None = None) -> SmartTurn:
        """One loaded model per path for the whole process (loading costs ~0.1 s and 30 MB)."""
        key = Path(model_path).resolve() if model_path is not None else None
        with cls._shared_lock:
            model = cls._shared.get(key)
            if model is None:
                model = cls._shared[key] = cls(model_path)
            return model

    def features(self, audio: np.ndarray) -> np.ndarray:
        """The model's input for ``audio`` (float mono at 16 kHz): ``(1, 80, 800)`` float32."""
        window = round(_WINDOW_S * SAMPLE_RATE)
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)[-window:]
        padded = np.zeros(window, dtype=np.float32)
        padded[window - samples.size :] = samples
        padded = (padded - padded.mean()) / np.sqrt(padded.var() + _NORMALISE_EPS)
        return log_mel_spectrogram(padded)[np.newaxis]

    def probability(self, audio: np.ndarray) -> float:
        """How likely the turn in ``audio`` (float mono at 16 kHz, in [-1, 1]) is complete."""
        output = self._session.run(None, {self._input: self.features(audio)})[0]
        return float(np.asarray(output).reshape(-1)[0])


def _default_threads() -> int:
    """One thread where it is fast enough (int8 dot products), else two if there are cores."""
    if int8_dot_product_flags():
        return 1
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as err:  # a core dependency; only a broken install lacks it
        raise MissingExtraError("SmartTurn", "onnxruntime", "turn") from err
    return onnxruntime
