// Words shown to the user: button labels (server's button_labels, else
// streamlit-webrtc style translations, else defaults) and state words.

import type { ButtonLabels, RtcState, UiArgs } from "./protocol";

export const DEFAULT_LABELS: ButtonLabels = { start: "Start", stop: "Stop", waiting: "Connecting…" };

const STATE_WORDS: Record<RtcState, string> = {
  stopped: "Stopped",
  connecting: "Connecting…",
  listening: "Listening",
  "user-speaking": "You are speaking",
  thinking: "Thinking…",
  responding: "Responding",
  error: "Error",
  busy: "Busy",
};

/** streamlit-webrtc's translation keys that we use, with our defaults. */
const DEFAULT_TEXTS = {
  select_device: "Select device",
  media_api_not_available: "Media API not available in this browser",
  device_ask_permission: "Please allow the app to use your media devices",
  device_not_available: "No media device is available",
  device_access_denied: "Access to the media device was denied",
} as const;
export type TextKey = keyof typeof DEFAULT_TEXTS;

export function resolveLabels(ui: Pick<UiArgs, "button_labels" | "translations">): ButtonLabels {
  if (ui.button_labels) return ui.button_labels;
  const tr = ui.translations;
  return {
    start: tr.start || DEFAULT_LABELS.start,
    stop: tr.stop || DEFAULT_LABELS.stop,
    waiting: tr.waiting || DEFAULT_LABELS.waiting,
  };
}

export function text(ui: Pick<UiArgs, "translations">, key: TextKey): string {
  return ui.translations[key] || DEFAULT_TEXTS[key];
}

export function stateWords(state: RtcState): string {
  return STATE_WORDS[state];
}

/** "mm:ss left" for a countdown; whole seconds, rounded up (30.0 s shows 00:30). */
export function formatRemaining(ms: number): string {
  const s = remainingSeconds(ms);
  const mm = Math.floor(s / 60);
  const ss = s % 60;
  return `${String(mm).padStart(2, "0")}:${String(ss).padStart(2, "0")} left`;
}

export function remainingSeconds(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** A getUserMedia failure in the user's words (DOMException names per the spec). */
export function mediaErrorText(ui: Pick<UiArgs, "translations">, err: unknown): string {
  const name = err instanceof Error || (typeof err === "object" && err !== null && "name" in err)
    ? String((err as { name: unknown }).name)
    : "";
  if (name === "NotAllowedError" || name === "SecurityError") return text(ui, "device_access_denied");
  if (name === "NotFoundError" || name === "OverconstrainedError") return text(ui, "device_not_available");
  if (name === "MediaApiNotAvailable") return text(ui, "media_api_not_available");
  const msg = err instanceof Error ? err.message : String(err);
  return msg || "Could not open the media devices";
}
