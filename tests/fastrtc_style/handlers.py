"""Handlers written the way fastrtc's realtime-API demos are, against the fakes.

* :class:`RealtimeHandler` - an OpenAI-realtime-style ``AsyncStreamHandler``
  whose whole session loop lives in ``async def start_up``.
* :class:`GeminiAVHandler` - a Gemini-live-style ``AsyncAudioVideoStreamHandler``
  that waits for its API key input, streams audio and (at most one per
  second) webcam images, and shows the webcam back.
* :class:`FailingStartUp` - a realtime handler whose connection fails.

``client`` arguments are factories with the SDK constructors' signatures
(``FakeAsyncOpenAI``, ``FakeGenAIClient``, or a lambda returning a shared
client a test inspects).
"""

from __future__ import annotations

import asyncio
import base64
import time
from io import BytesIO
from typing import Any

import numpy as np
import soxr
from PIL import Image

from streamlit_rtc import (
    AdditionalOutputs,
    AsyncAudioVideoStreamHandler,
    AsyncStreamHandler,
    WebRTCError,
    wait_for_item,
)

from .fake_gemini import FakeGenAIClient, LiveSessionClosed
from .fake_openai import FakeAsyncOpenAI

__all__ = ["FailingStartUp", "GeminiAVHandler", "RealtimeHandler", "jpeg_blob"]

REALTIME_RATE = 24000


class RealtimeHandler(AsyncStreamHandler):
    """Talks to an OpenAI-realtime-style API: mic audio in, the model's audio and transcripts out.

    ``emit_wait_s`` is how long ``emit`` waits for the next item
    (``wait_for_item``'s default, 0.1 s, unless a test wants a faster clock).
    ``barge_in``: new speech drops the reply being played (False only to
    show what happens without it).
    """

    barge_in = True

    def __init__(self, client: Any = FakeAsyncOpenAI, emit_wait_s: float = 0.1) -> None:
        super().__init__(
            expected_layout="mono",
            output_sample_rate=REALTIME_RATE,
            input_sample_rate=48000,
        )
        self.client_factory = client
        self.emit_wait_s = emit_wait_s
        self.connection: Any = None
        self.output_queue: asyncio.Queue[Any] = asyncio.Queue()
        self._resampler: soxr.ResampleStream | None = None
        self._resampler_rate = 0

    def copy(self) -> RealtimeHandler:
        return type(self)(self.client_factory, self.emit_wait_s)

    async def start_up(self) -> None:
        client = self.client_factory()
        async with client.beta.realtime.connect(model="gpt-4o-mini-realtime-preview") as conn:
            await conn.session.update(
                session={
                    "turn_detection": {"type": "server_vad"},
                    "input_audio_transcription": {"model": "whisper-1", "language": "en"},
                }
            )
            self.connection = conn
            async for event in conn:
                if event.type == "input_audio_buffer.speech_started" and self.barge_in:
                    self.clear_queue()  # barge-in: stop what is playing now
                    self._drop_queued_audio()
                elif event.type == "conversation.item.input_audio_transcription.completed":
                    message = {"role": "user", "content": event.transcript}
                    await self.output_queue.put(AdditionalOutputs(message))
                elif event.type == "response.audio_transcript.done":
                    message = {"role": "assistant", "content": event.transcript}
                    await self.output_queue.put(AdditionalOutputs(message))
                elif event.type == "response.audio.delta":
                    pcm = np.frombuffer(base64.b64decode(event.delta), dtype=np.int16)
                    await self.output_queue.put((self.output_sample_rate, pcm.reshape(1, -1)))
        self.connection = None

    def _drop_queued_audio(self) -> None:
        """Audio the model sent before the interruption and emit has not taken yet."""
        kept = []
        while not self.output_queue.empty():
            item = self.output_queue.get_nowait()
            if isinstance(item, AdditionalOutputs):
                kept.append(item)
        for item in kept:
            self.output_queue.put_nowait(item)

    def _to_24k(self, rate: int, samples: np.ndarray) -> np.ndarray:
        if rate == REALTIME_RATE:
            return samples
        if self._resampler is None or self._resampler_rate != rate:
            self._resampler = soxr.ResampleStream(rate, REALTIME_RATE, 1, dtype="int16")
            self._resampler_rate = rate
        return self._resampler.resample_chunk(samples)

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        if not self.connection:
            return
        rate, array = frame
        pcm = self._to_24k(rate, np.ascontiguousarray(array.reshape(-1), dtype=np.int16))
        if pcm.size:
            audio = base64.b64encode(pcm.astype("<i2").tobytes()).decode("utf-8")
            await self.connection.input_audio_buffer.append(audio=audio)

    async def emit(self) -> Any:
        return await wait_for_item(self.output_queue, self.emit_wait_s)

    async def shutdown(self) -> None:
        if self.connection:
            await self.connection.close()
            self.connection = None


class FailingStartUp(RealtimeHandler):
    """The realtime service refuses the connection ``delay_s`` after start."""

    def __init__(self, delay_s: float = 0.3, emit_wait_s: float = 0.1) -> None:
        super().__init__(emit_wait_s=emit_wait_s)
        self.delay_s = delay_s

    def copy(self) -> FailingStartUp:
        return FailingStartUp(self.delay_s, self.emit_wait_s)

    async def start_up(self) -> None:
        await asyncio.sleep(self.delay_s)
        raise RuntimeError("realtime service unavailable")


def jpeg_blob(frame: np.ndarray) -> dict[str, str]:
    """A webcam frame as the live API's image blob (base64 JPEG)."""
    with BytesIO() as out:
        Image.fromarray(frame).save(out, "JPEG", quality=70)
        data = out.getvalue()
    return {"mime_type": "image/jpeg", "data": base64.b64encode(data).decode("utf-8")}


class GeminiAVHandler(AsyncAudioVideoStreamHandler):
    """Gemini-live style: API key from the page, audio both ways, webcam images to the model."""

    IMAGE_EVERY_S = 1.0

    def __init__(self, client: Any = FakeGenAIClient) -> None:
        super().__init__("mono", output_sample_rate=24000, input_sample_rate=16000, fps=15)
        self.client_factory = client
        self.audio_queue: asyncio.Queue[Any] = asyncio.Queue()
        self.session: Any = None
        self.quit = asyncio.Event()
        self.last_frame_time = 0.0
        self.latest_frame: np.ndarray | None = None
        self.images_sent = 0

    def copy(self) -> GeminiAVHandler:
        return GeminiAVHandler(self.client_factory)

    async def start_up(self) -> None:
        await self.wait_for_args()
        api_key = self.latest_args[1] if len(self.latest_args) > 1 else None
        if not api_key:
            raise WebRTCError("Please enter your Gemini API key before starting the stream.")
        client = self.client_factory(api_key=api_key, http_options={"api_version": "v1alpha"})
        config = {"response_modalities": ["AUDIO"]}
        async with client.aio.live.connect(model="gemini-2.0-flash-exp", config=config) as session:
            self.session = session
            while not self.quit.is_set():
                try:
                    async for response in session.receive():
                        if response.server_content.interrupted:
                            self.clear_queue()
                        if response.data:
                            pcm = np.frombuffer(response.data, dtype=np.int16).reshape(1, -1)
                            self.audio_queue.put_nowait(pcm)
                        if response.text:
                            self.audio_queue.put_nowait(AdditionalOutputs(response.text))
                except LiveSessionClosed:
                    break
        self.session = None

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        _, array = frame
        if self.session is not None:
            data = np.ascontiguousarray(array.reshape(-1), dtype="<i2").tobytes()
            await self.session.send_realtime_input(
                audio={"data": data, "mime_type": "audio/pcm;rate=16000"}
            )

    async def emit(self) -> Any:
        item = await wait_for_item(self.audio_queue, 0.01)
        if isinstance(item, np.ndarray):
            return (self.output_sample_rate, item)
        return item

    async def video_receive(self, frame: np.ndarray) -> None:
        self.latest_frame = frame
        now = time.monotonic()
        if self.session is not None and now - self.last_frame_time >= self.IMAGE_EVERY_S:
            self.last_frame_time = now
            await self.session.send(input=jpeg_blob(frame))
            self.images_sent += 1

    async def video_emit(self) -> np.ndarray | None:
        return self.latest_frame

    async def shutdown(self) -> None:
        self.quit.set()
        if self.session is not None:
            await self.session.close()
