"""Stage 1 matched to the speaker: the plain keyphrase search, one warped for a deep voice, or both.

pocketsphinx's acoustic model hears voices much deeper than its training
speakers poorly ("hello iris" two semitones down: 0.76 recall); the same
search over a warped frequency axis hears them (0.93), but a second search
costs stage 1's CPU and memory (a decoder, ~27 MB) again.
:class:`VoiceMatchedStreams` listens with the plain search until the
speaker's third formant is known (:class:`.FormantTracker`, about two
seconds of speech), then keeps it for an ordinary voice, makes and uses the
warped one for a deep voice, and both for a voice between the two; it
follows the voice as it changes, with hysteresis, so a voice near a line
does not flip back and forth. It also tells whether the voice is high
(:attr:`VoiceMatchedStreams.high_voice`): such voices' one-word phrases score
lower in the plain search, and :class:`.ConfirmedDetector` looks at them
from a lower score.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

import numpy as np

from ..formants import FormantTracker
from .pocketsphinx_stream import PocketSphinxStream
from .types import KeywordHit

__all__ = [
    "DEEP_VOICE_F3_HZ",
    "HIGH_VOICE_F3_HZ",
    "HYSTERESIS_HZ",
    "NOT_DEEP_VOICE_F3_HZ",
    "Listening",
    "VoiceMatchedStreams",
]

LOG = logging.getLogger(__name__)

DEEP_VOICE_F3_HZ = 2300.0
"""A median third formant below this is a deep voice: only the warped search listens."""
NOT_DEEP_VOICE_F3_HZ = 2450.0
"""Above this only the plain search listens; between the two lines both do.

Measured (``docs/stop-phrase-research.md``): the piper voice 2430-2550 Hz
as recorded, 2300-2440 a semitone deeper (where both searches together hear
most), 2210-2310 two semitones deeper; seven espeak-ng voices 2400-2580 (a
female one 3000); a man reading, 2710."""
HIGH_VOICE_F3_HZ = 2650.0
"""A median third formant above this is a high voice (a woman's or a child's).

Measured: the piper voice 2460-2530 Hz, its pitch and formants raised 6 % (sox
``pitch``, same tempo) 2590-2670, 12 % 2740-2790, 20 % 2900-2960; espeak-ng's
male voices 2420-2550, its female one 2980; a man reading 2710."""
HYSTERESIS_HZ = 50.0
"""How far past a line the voice must move to leave the searches it has (no flip-flop)."""


class Listening(enum.Enum):
    """Which stage-1 searches hear the audio."""

    PLAIN = "plain"  # also while the voice is not known yet
    WARPED = "warped"
    BOTH = "both"  # a voice between ordinary and deep


class VoiceMatchedStreams:
    """A plain stage-1 search, and a warped one made when the speaker's voice asks for it.

    Same interface as :class:`.CandidateStreams` (``feed``, ``reset``,
    ``cmn``).  A paused search (or one made late) is told how much audio it
    missed when it listens, so its hits keep the stream's time.

    Args:
        plain: the plain search's stream.
        make_warped: makes the warped search's stream (called at most once,
            on the detector's thread, when a voice first needs it: ~0.3 s).
        tracker: measures the voice; default a new :class:`.FormantTracker`.
        deep_below_hz, not_deep_above_hz: the two lines (third formant).
        high_above_hz: the line above which the voice is high.
    """

    def __init__(
        self,
        plain: PocketSphinxStream,
        make_warped: Callable[[], PocketSphinxStream],
        tracker: FormantTracker | None = None,
        deep_below_hz: float = DEEP_VOICE_F3_HZ,
        not_deep_above_hz: float = NOT_DEEP_VOICE_F3_HZ,
        high_above_hz: float = HIGH_VOICE_F3_HZ,
    ) -> None:
        if not_deep_above_hz < deep_below_hz:
            raise ValueError("need deep_below_hz <= not_deep_above_hz")
        self.plain = plain
        self.warped: PocketSphinxStream | None = None
        self._make_warped = make_warped
        self.tracker = tracker or FormantTracker()
        self.deep_below_hz = float(deep_below_hz)
        self.not_deep_above_hz = float(not_deep_above_hz)
        self.high_above_hz = float(high_above_hz)
        self.listening = Listening.PLAIN
        self.high_voice = False
        """Whether the speaker's voice is high (third formant above ``high_above_hz``)."""
        self._missed = {Listening.PLAIN: 0, Listening.WARPED: 0}  # samples a paused one missed
        self._seen_update = self.tracker.updates

    @property
    def cmn(self) -> str:
        return self.plain.cmn

    @property
    def f3_hz(self) -> float | None:
        """The speaker's median third formant so far (None until measured)."""
        return self.tracker.f3_hz

    def reset(self) -> None:
        """Restart the searches; the speaker's voice is kept (a turn, not a new speaker)."""
        for which, stream in self._streams():
            if self._listens(which):
                stream.reset()

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        self.tracker.feed(audio)
        self._choose()
        found: list[KeywordHit] = []
        for which, stream in self._streams():
            if self._listens(which):
                found.extend(stream.feed(audio))
            else:
                self._missed[which] += len(audio)
        if self.warped is None:
            self._missed[Listening.WARPED] += len(audio)
        return found

    def _streams(self) -> list[tuple[Listening, PocketSphinxStream]]:
        streams = [(Listening.PLAIN, self.plain)]
        if self.warped is not None:
            streams.append((Listening.WARPED, self.warped))
        return streams

    def _listens(self, which: Listening) -> bool:
        return self.listening in (Listening.BOTH, which)

    def _wanted(self, f3: float) -> Listening:
        now = self.listening
        deep_line = self.deep_below_hz + (HYSTERESIS_HZ if now is Listening.WARPED else 0.0)
        plain_line = self.not_deep_above_hz - (HYSTERESIS_HZ if now is Listening.PLAIN else 0.0)
        if f3 < deep_line:
            return Listening.WARPED
        if f3 > plain_line:
            return Listening.PLAIN
        return Listening.BOTH

    def _choose(self) -> None:
        if self.tracker.updates == self._seen_update:
            return
        self._seen_update = self.tracker.updates
        f3 = self.tracker.f3_hz
        if f3 is None:
            return
        high_line = self.high_above_hz - (HYSTERESIS_HZ if self.high_voice else 0.0)
        if (f3 > high_line) != self.high_voice:
            self.high_voice = f3 > high_line
            LOG.info("speaker's third formant %.0f Hz: high voice %s", f3, self.high_voice)
        wanted = self._wanted(f3)
        if wanted is self.listening:
            return
        LOG.info("speaker's third formant %.0f Hz: %s search listens", f3, wanted.value)
        if wanted is not Listening.PLAIN and self.warped is None:
            self.warped = self._make_warped()
        for which, stream in self._streams():
            if not self._listens(which) and wanted in (Listening.BOTH, which):
                stream.skip(self._missed[which])  # it listens again: catch up on time
                self._missed[which] = 0
        self.listening = wanted
