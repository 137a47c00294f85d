// Entry point: wires the real browser APIs into the App and the Streamlit
// bridge, and keeps the iframe as tall as its content.

import "./styles.css";
import { App, type AppEnv } from "./app";
import type { KeyValueStore } from "./devices";
import { connectStreamlit } from "./streamlit";

function storage(get: () => Storage): KeyValueStore | null {
  try {
    return get(); // throws where storage is blocked (e.g. third-party iframe settings)
  } catch {
    return null;
  }
}

function browserEnv(win: Window): AppEnv {
  const md = win.navigator.mediaDevices as MediaDevices | undefined;
  // Constructors from this window (typed loosely: older Safari only has webkitAudioContext).
  const g = win as unknown as {
    AudioContext?: typeof AudioContext;
    webkitAudioContext?: typeof AudioContext;
    RTCPeerConnection: typeof RTCPeerConnection;
    MediaStream: typeof MediaStream;
  };
  const AudioCtx = g.AudioContext ?? g.webkitAudioContext;
  return {
    doc: win.document,
    timers: {
      requestAnimationFrame: (cb) => win.requestAnimationFrame(cb),
      cancelAnimationFrame: (id) => win.cancelAnimationFrame(id),
      setInterval: (cb, ms) => win.setInterval(cb, ms),
      clearInterval: (id) => win.clearInterval(id),
      now: () => Date.now(),
    },
    now: () => Date.now(),
    randomBytes: (n) => win.crypto.getRandomValues(new Uint8Array(n)),
    createAudioContext: () => {
      try {
        return AudioCtx ? new AudioCtx() : null;
      } catch {
        return null;
      }
    },
    mediaDevices: md,
    storage: storage(() => win.localStorage),
    session: storage(() => win.sessionStorage),
    createPeerConnection: (config) => new g.RTCPeerConnection(config),
    getUserMedia: (constraints) => {
      if (!md?.getUserMedia) {
        // Only secure contexts (https, localhost) have mediaDevices.
        return Promise.reject(Object.assign(new Error("Media API not available"), { name: "MediaApiNotAvailable" }));
      }
      return md.getUserMedia(constraints);
    },
    createMediaStream: (tracks) => new g.MediaStream(tracks),
    setTimeout: (cb, ms) => win.setTimeout(cb, ms),
    clearTimeout: (id) => win.clearTimeout(id),
  };
}

const env = browserEnv(window);
let send: (value: unknown) => void = () => {};
const app = new App(env, (value) => send(value));
const bridge = connectStreamlit(window, (ev) => app.handleRender(ev));
send = (value) => bridge.setComponentValue(value);

// The iframe's height follows the content (video, device row, messages).
const fit = () => bridge.setFrameHeight(document.documentElement.getBoundingClientRect().height);
new ResizeObserver(fit).observe(document.body);
fit();

// For debugging in the browser console and for end-to-end tests.
(window as unknown as { streamlitRtc?: App }).streamlitRtc = app;
