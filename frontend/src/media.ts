// The media elements: the hidden reply <audio> (audio modality) or the
// remote <video> with a mirrored local preview and a full-screen button.

import { h, svgIcon } from "./icons";
import type { Modality, Mode } from "./protocol";

export class MediaView {
  /** The video area (null in audio-only apps: no video element at all). */
  readonly box: HTMLElement | null = null;
  readonly audio: HTMLAudioElement | null = null;
  readonly remoteVideo: HTMLVideoElement | null = null;
  readonly localVideo: HTMLVideoElement | null = null;
  readonly fullscreenBtn: HTMLButtonElement | null = null;
  /** Called when the browser blocked playback until the user interacts. */
  onBlocked: (blocked: boolean) => void = () => {};
  private remote: MediaStream | null = null;

  constructor(private readonly doc: Document, modality: Modality, mode: Mode) {
    if (modality === "audio") {
      // Reply audio: autoplay, no controls, not visible.
      this.audio = h(doc, "audio", { autoplay: "", hidden: "", "data-testid": "streamlit-rtc-audio" });
      return;
    }
    const remote = h(doc, "video", { class: "rtc-remote", autoplay: "", playsinline: "" });
    remote.playsInline = true;
    if (modality === "video") {
      remote.muted = true; // a video-only stream has no sound to play
      remote.dataset.sound = "off";
    }
    const local = h(doc, "video", { class: "rtc-local", autoplay: "", playsinline: "", hidden: "" });
    local.muted = true; // never play the user's own microphone back
    local.playsInline = true;
    const fs = h(doc, "button", { type: "button", class: "rtc-btn rtc-icon-btn rtc-fs", "aria-label": "Full screen" });
    fs.append(svgIcon(doc, "fullscreen"));
    fs.addEventListener("click", () => this.toggleFullscreen());
    const children: HTMLElement[] = mode === "send" ? [local, fs] : mode === "receive" ? [remote, fs] : [remote, local, fs];
    if (mode === "send") local.classList.add("rtc-local-main");
    this.box = h(doc, "div", { class: "rtc-media", "data-testid": "streamlit-rtc-video" }, children);
    this.remoteVideo = mode === "send" ? null : remote;
    this.localVideo = mode === "receive" ? null : local;
    this.fullscreenBtn = fs;
    doc.addEventListener("fullscreenchange", () => this.syncFullscreen());
  }

  /** The element that plays the reply (audio, or the remote video in audio-video). */
  private get player(): HTMLMediaElement | null {
    return this.audio ?? this.remoteVideo;
  }

  setRemoteStream(stream: MediaStream | null): void {
    this.remote = stream;
    const el = this.player;
    if (!el) return;
    setSource(el, stream);
    if (stream) this.play(el);
    else this.onBlocked(false);
  }

  setLocalStream(stream: MediaStream | null): void {
    const el = this.localVideo;
    if (!el) return;
    const hasVideo = !!stream && stream.getVideoTracks().length > 0;
    setSource(el, hasVideo ? stream : null);
    el.hidden = !hasVideo;
    if (hasVideo) this.play(el);
  }

  setSpeakerMuted(muted: boolean): void {
    if (this.audio) this.audio.muted = muted;
    else if (this.remoteVideo && this.remoteVideo.dataset.sound !== "off") this.remoteVideo.muted = muted;
  }

  /** Retries playback after a user gesture (autoplay policy). */
  retry(): void {
    const el = this.player;
    if (el && this.remote) this.play(el);
  }

  private play(el: HTMLMediaElement): void {
    const p = el.play?.();
    if (p && typeof p.then === "function") {
      p.then(() => this.onBlocked(false), (e: unknown) => {
        // AbortError: a newer srcObject replaced this one; not a block.
        if ((e as { name?: string })?.name === "NotAllowedError") this.onBlocked(true);
      });
    }
  }

  private toggleFullscreen(): void {
    const doc = this.doc;
    if (doc.fullscreenElement) void doc.exitFullscreen?.().catch(() => {});
    else void this.box?.requestFullscreen?.().catch(() => {});
  }

  private syncFullscreen(): void {
    const fs = this.fullscreenBtn;
    if (!fs) return;
    const on = !!this.box && this.doc.fullscreenElement === this.box;
    fs.setAttribute("aria-label", on ? "Exit full screen" : "Full screen");
    fs.replaceChildren(svgIcon(this.doc, on ? "exitFullscreen" : "fullscreen"));
  }
}

function setSource(el: HTMLMediaElement, stream: MediaStream | null): void {
  try {
    el.srcObject = stream;
  } catch {
    el.srcObject = null; // not a real MediaStream (never in browsers; in DOM test shims)
  }
}
