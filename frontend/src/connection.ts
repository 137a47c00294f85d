// One connection attempt: media devices, RTCPeerConnection, the
// "streamlit-rtc" data channel, ICE gathering and the answer. Browser APIs
// come in through RtcEnv so unit tests can fake them. After close() no
// handler fires again: the controller never hears from a stale attempt.

import type { Modality, Mode } from "./protocol";

export interface RtcEnv {
  createPeerConnection(config: RTCConfiguration | undefined): RTCPeerConnection;
  /** Rejects with a DOMException-like error (name MediaApiNotAvailable without the API). */
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createMediaStream(tracks: MediaStreamTrack[]): MediaStream;
  setTimeout(cb: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export interface ConnectionOptions {
  id: string;
  mode: Mode;
  modality: Modality;
  /** A promise when the server is making a fresh one (the old one went stale). */
  rtcConfiguration: RTCConfiguration | null | Promise<RTCConfiguration | null>;
  /** What to ask getUserMedia for (device choices merged in); unused for "receive". */
  constraints: MediaStreamConstraints;
  gatherTimeoutMs?: number;
}

export interface ConnectionHandlers {
  onLocalStream(stream: MediaStream): void;
  onRemoteStream(stream: MediaStream): void;
  onOffer(offer: { sdp: string; type: "offer" }): void;
  onMediaError(err: unknown): void;
  onConnected(): void;
  onFailed(message: string): void;
  onClosed(): void;
  onMessage(data: unknown): void;
}

export const DATA_CHANNEL_LABEL = "streamlit-rtc";
const GATHER_TIMEOUT_MS = 1500;

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function kindsOf(modality: Modality): ("audio" | "video")[] {
  return modality === "audio" ? ["audio"] : modality === "video" ? ["video"] : ["audio", "video"];
}

/** Resolves when ICE gathering completes or after `ms`, whichever is first. */
export function waitForGathering(pc: RTCPeerConnection, ms: number, env: RtcEnv): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      env.clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = env.setTimeout(done, ms);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class RtcConnection {
  private pc: RTCPeerConnection | null = null;
  private channel: RTCDataChannel | null = null;
  private local: MediaStream | null = null;
  private remoteTracks: MediaStreamTrack[] = [];
  private closed = false;

  constructor(
    private readonly env: RtcEnv,
    private readonly opts: ConnectionOptions,
    private readonly on: ConnectionHandlers,
  ) {}

  get id(): string {
    return this.opts.id;
  }

  /** Opens media and the peer connection, then reports the offer (once). */
  async open(): Promise<void> {
    const kinds = kindsOf(this.opts.modality);
    if (this.opts.mode !== "receive") {
      let stream: MediaStream;
      try {
        stream = await this.env.getUserMedia(this.opts.constraints);
      } catch (e) {
        if (!this.closed) this.on.onMediaError(e);
        return;
      }
      if (this.closed) return stopAll(stream);
      // Tracks of a kind this modality does not carry are not sent.
      for (const t of stream.getTracks()) {
        if (!kinds.includes(t.kind as "audio" | "video")) {
          t.stop();
          stream.removeTrack(t);
        }
      }
      this.local = stream;
      this.on.onLocalStream(stream);
    }
    try {
      await this.negotiate(kinds);
    } catch (e) {
      if (!this.closed) this.on.onFailed(`Could not create the connection: ${errText(e)}`);
    }
  }

  private async negotiate(kinds: ("audio" | "video")[]): Promise<void> {
    const config = await this.opts.rtcConfiguration;
    if (this.closed) return;
    const pc = this.env.createPeerConnection(config ?? undefined);
    this.pc = pc;
    const direction: RTCRtpTransceiverDirection = this.opts.mode === "send" ? "sendonly" : "sendrecv";
    for (const kind of kinds) {
      const track = this.local?.getTracks().find((t) => t.kind === kind);
      if (this.opts.mode !== "receive" && track && this.local) {
        pc.addTransceiver(track, { direction, streams: [this.local] });
      } else if (this.opts.mode !== "send") {
        pc.addTransceiver(kind, { direction: "recvonly" });
      }
    }
    // The channel must exist before the offer so that its m-line is in it.
    const channel = pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
    this.channel = channel;
    channel.onmessage = (ev: MessageEvent) => {
      if (!this.closed) this.on.onMessage(ev.data);
    };
    pc.ontrack = (ev: RTCTrackEvent) => {
      if (this.closed) return;
      this.remoteTracks.push(ev.track);
      // One stream for all remote tracks, whatever msid the server used.
      this.on.onRemoteStream(this.env.createMediaStream([...this.remoteTracks]));
    };
    pc.onconnectionstatechange = () => {
      if (this.closed) return;
      const s = pc.connectionState;
      if (s === "connected") this.on.onConnected();
      else if (s === "failed") this.on.onFailed("Connection failed");
      else if (s === "closed") this.on.onClosed();
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await waitForGathering(pc, this.opts.gatherTimeoutMs ?? GATHER_TIMEOUT_MS, this.env);
    if (this.closed) return;
    // localDescription now carries the candidates gathered so far.
    const sdp = pc.localDescription?.sdp ?? offer.sdp ?? "";
    this.on.onOffer({ sdp, type: "offer" });
  }

  async applyAnswer(sdp: string): Promise<void> {
    if (this.closed || !this.pc) return;
    try {
      await this.pc.setRemoteDescription({ type: "answer", sdp });
    } catch (e) {
      if (!this.closed) this.on.onFailed(`Could not apply the server's answer: ${errText(e)}`);
    }
  }

  setEnabled(kind: "audio" | "video", enabled: boolean): void {
    for (const t of this.local?.getTracks() ?? []) if (t.kind === kind) t.enabled = enabled;
  }

  /** Switches a live input device: new track, replaceTrack on its sender, old one stopped. */
  async switchDevice(kind: "audio" | "video", constraints: MediaTrackConstraints | boolean): Promise<void> {
    const local = this.local;
    const old = local?.getTracks().find((t) => t.kind === kind);
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === kind);
    if (this.closed || !local || !old || !sender) return;
    const stream = await this.env.getUserMedia({ [kind]: constraints });
    const track = stream.getTracks().find((t) => t.kind === kind);
    if (this.closed || !track) return stopAll(stream);
    track.enabled = old.enabled;
    await sender.replaceTrack(track);
    local.removeTrack(old);
    old.stop();
    local.addTrack(track);
    this.on.onLocalStream(local);
  }

  /** Closes everything and stops all tracks; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.channel?.close();
    } catch {
      /* already closed */
    }
    try {
      this.pc?.close();
    } catch {
      /* already closed */
    }
    if (this.local) stopAll(this.local);
    for (const t of this.remoteTracks) t.stop();
    this.local = null;
    this.remoteTracks = [];
  }
}

function stopAll(stream: MediaStream): void {
  for (const t of stream.getTracks()) t.stop();
}
