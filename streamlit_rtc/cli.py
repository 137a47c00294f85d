"""``python -m streamlit_rtc turns FILE.wav``: show the turns ReplyOnPause finds in a recording.

A quick, offline look at turn-taking: the WAV is streamed as browser frames
on a simulated clock, an echo reply answers each turn, and every status
event is listed with its time.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .audio.wav import read_wav
from .core.status import StatusEvent
from .core.turn import PauseOptions
from .reply.reply_on_pause import ReplyOnPause
from .simulate import HandlerSimulator

logger = logging.getLogger("streamlit_rtc.cli")


def turns(path: str, pause_s: float) -> int:
    try:
        rate, audio = read_wav(path, mono=True)  # stereo is averaged
    except ValueError as exc:  # not 16-bit PCM: a message, not a traceback
        raise SystemExit(str(exc)) from exc

    def echo(utterance: tuple[int, np.ndarray]) -> Iterator[Any]:
        yield utterance

    handler = ReplyOnPause(echo, options=PauseOptions(pause_s=pause_s))
    sim = HandlerSimulator(handler).run(audio, rate, tail_s=2.0)
    out = sys.stdout
    out.write(f"{path}: {len(audio) / rate:.2f} s at {rate} Hz, pause_s={pause_s}\n")
    for timed in sim.record.statuses:
        detail = f"  ({timed.status.detail})" if timed.status.detail else ""
        out.write(f"  {timed.status.stream_time_s:7.3f} s  {timed.event.value}{detail}\n")
    count = len(sim.events(StatusEvent.PAUSE_DETECTED))
    out.write(f"{count} turn(s)\n")
    sim.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streamlit_rtc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_turns = sub.add_parser("turns", help="list the turns ReplyOnPause finds in a WAV file")
    p_turns.add_argument("wav")
    p_turns.add_argument("--pause", type=float, default=PauseOptions().pause_s, help="pause_s")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return turns(args.wav, args.pause)
