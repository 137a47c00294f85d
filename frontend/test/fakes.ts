// Fakes of the browser APIs the component injects: RTCPeerConnection,
// MediaStream, getUserMedia, AudioContext, timers and storage.

import type { AppEnv } from "../src/app";
import type { KeyValueStore } from "../src/devices";

export class FakeTrack {
  enabled = true;
  stopped = false;
  constructor(public kind: "audio" | "video", public id = `${kind}-${Math.random().toString(16).slice(2)}`) {}
  stop() {
    this.stopped = true;
  }
}

export class FakeStream {
  constructor(public tracks: FakeTrack[] = []) {}
  getTracks() {
    return [...this.tracks];
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === "video");
  }
  addTrack(t: FakeTrack) {
    this.tracks.push(t);
  }
  removeTrack(t: FakeTrack) {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
}

export class FakeChannel {
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(public label: string, public options: unknown) {}
  close() {
    this.closed = true;
  }
  receive(data: unknown) {
    this.onmessage?.({ data });
  }
}

export class FakePC {
  static last: FakePC | null = null;
  log: string[] = [];
  transceivers: { what: string; direction: string }[] = [];
  channel: FakeChannel | null = null;
  iceGatheringState: RTCIceGatheringState = "gathering";
  connectionState: RTCPeerConnectionState = "new";
  localDescription: { sdp: string; type: string } | null = null;
  remoteDescription: { sdp: string; type: string } | null = null;
  ontrack: ((ev: { track: FakeTrack; streams: FakeStream[] }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  closed = false;
  senders: { track: FakeTrack | null; replaceTrack: (t: FakeTrack) => Promise<void> }[] = [];
  private listeners = new Map<string, Set<() => void>>();

  constructor(public config: RTCConfiguration | undefined) {
    FakePC.last = this;
  }
  addTransceiver(what: FakeTrack | string, init: { direction: string }) {
    this.log.push("transceiver");
    this.transceivers.push({ what: typeof what === "string" ? what : what.kind, direction: init.direction });
    if (typeof what !== "string") {
      const sender = { track: what as FakeTrack | null, replaceTrack: async (t: FakeTrack) => { sender.track = t; } };
      this.senders.push(sender);
    }
  }
  getSenders() {
    return this.senders;
  }
  createDataChannel(label: string, options: unknown) {
    this.log.push("datachannel");
    this.channel = new FakeChannel(label, options);
    return this.channel;
  }
  async createOffer() {
    this.log.push("createOffer");
    return { type: "offer", sdp: "v=0 offer-without-candidates" };
  }
  async setLocalDescription(d: { sdp: string; type: string }) {
    this.localDescription = { ...d, sdp: `${d.sdp} a=candidate` };
  }
  async setRemoteDescription(d: { sdp: string; type: string }) {
    if (d.sdp === "bad") throw new Error("bad sdp");
    this.remoteDescription = d;
  }
  addEventListener(type: string, cb: () => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)?.add(cb);
  }
  removeEventListener(type: string, cb: () => void) {
    this.listeners.get(type)?.delete(cb);
  }
  finishGathering() {
    this.iceGatheringState = "complete";
    for (const cb of this.listeners.get("icegatheringstatechange") ?? []) cb();
  }
  setState(s: RTCPeerConnectionState) {
    this.connectionState = s;
    this.onconnectionstatechange?.();
  }
  close() {
    this.closed = true;
  }
}

export function fakeStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

/** Manual timers: run them with `advance(ms)`. */
export class FakeTimers {
  now = 1_000_000;
  private next = 1;
  private timers = new Map<number, { at: number; cb: () => void; every: number | null }>();
  setTimeout = (cb: () => void, ms: number) => this.add(cb, ms, null);
  setInterval = (cb: () => void, ms: number) => this.add(cb, ms, ms);
  clear = (id: number) => void this.timers.delete(id);
  private add(cb: () => void, ms: number, every: number | null) {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, cb, every });
    return id;
  }
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, t] = due;
      this.now = t.at;
      if (t.every === null) this.timers.delete(id);
      else t.at += t.every;
      t.cb();
    }
    this.now = end;
  }
}

export interface TestEnv extends AppEnv {
  fake: {
    timers: FakeTimers;
    gum: { calls: MediaStreamConstraints[]; fail: unknown; streams: FakeStream[] };
    storage: ReturnType<typeof fakeStore>;
    session: ReturnType<typeof fakeStore>;
    pcs: FakePC[];
  };
}

export function fakeEnv(doc: Document): TestEnv {
  const timers = new FakeTimers();
  const gum = { calls: [] as MediaStreamConstraints[], fail: null as unknown, streams: [] as FakeStream[] };
  const pcs: FakePC[] = [];
  const storage = fakeStore();
  const session = fakeStore();
  let counter = 0;
  return {
    doc,
    timers: {
      requestAnimationFrame: () => 0, // headless-like: rAF never fires, the interval samples
      cancelAnimationFrame: () => {},
      setInterval: timers.setInterval,
      clearInterval: timers.clear,
      now: () => timers.now,
    },
    now: () => timers.now,
    randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? ++counter : 0xab)),
    createAudioContext: () => null,
    mediaDevices: {
      enumerateDevices: async () => [] as MediaDeviceInfo[],
      addEventListener: () => {},
    },
    storage,
    session,
    createPeerConnection: (config) => {
      const pc = new FakePC(config);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    getUserMedia: async (c) => {
      gum.calls.push(c);
      if (gum.fail) throw gum.fail;
      const tracks: FakeTrack[] = [];
      if (c.audio) tracks.push(new FakeTrack("audio"));
      if (c.video) tracks.push(new FakeTrack("video"));
      const s = new FakeStream(tracks);
      gum.streams.push(s);
      return s as unknown as MediaStream;
    },
    createMediaStream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clear,
    fake: { timers, gum, storage, session, pcs },
  };
}

/** Lets pending promise callbacks run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
