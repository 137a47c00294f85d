// Types and defensive validation of what the server sends: the component
// args (every script run) and the data-channel messages. Nothing here throws:
// a bad field falls back to its default, so a hostile or buggy server value
// can never break the page. See docs/component-protocol.md.

export type Mode = "send-receive" | "send" | "receive";
export type Modality = "audio" | "video" | "audio-video";
export type Variant = "pulse" | "wave";
export type RtcState =
  | "stopped"
  | "connecting"
  | "listening"
  | "user-speaking"
  | "thinking"
  | "responding"
  | "error"
  | "busy";

export const RTC_STATES: readonly RtcState[] = [
  "stopped", "connecting", "listening", "user-speaking", "thinking", "responding", "error", "busy",
];

export interface ButtonLabels { start: string; stop: string; waiting: string }

export interface UiArgs {
  button_labels: ButtonLabels | null; // null: not given, fall back to translations/defaults
  icon: string | null;
  icon_button_color: string | null;
  pulse_color: string | null;
  icon_radius: number;
  variant: Variant;
  show_start: boolean;
  translations: Record<string, string>;
}

export interface MediaConstraints {
  audio: boolean | MediaTrackConstraints;
  video: boolean | MediaTrackConstraints;
}

export interface Command { id: number; action: "start" | "stop" }
export interface Answer { connection: string; sdp: string; type: "answer" }
export interface Refusal { connection: string; message: string; busy: boolean }
export interface Ended { connection: string; message: string | null; error: boolean }

export interface Args {
  key: string;
  token: string;
  mode: Mode;
  modality: Modality;
  rtc_configuration: RTCConfiguration | null;
  /** Seconds from this render during which a new connection may use it; null: never stale. */
  rtc_configuration_fresh_for: number | null;
  /** The connection whose "prepare" value the configuration was last made (or kept) for. */
  rtc_configuration_for: string | null;
  media_stream_constraints: MediaConstraints;
  ui: UiArgs;
  command: Command | null;
  answer: Answer | null;
  refusal: Refusal | null;
  ended: Ended | null;
  time_limit: number | null;
}

/** The value sent to the server (browser → server). */
export interface ComponentValue {
  token: string;
  connection: string;
  phase: "idle" | "prepare" | "offer" | "stopped";
  offer?: { sdp: string; type: "offer" };
  command_seen: number;
}

// Caps keep a hostile value from bloating the DOM or memory.
const MAX_TEXT = 2000;
const MAX_LABEL = 200;
const MAX_SDP = 200_000;
const CONNECTION_RE = /^[A-Za-z0-9_-]{8,64}$/;

type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, max = MAX_TEXT): string | null =>
  typeof v === "string" ? v.slice(0, max) : null;
const oneOf = <T extends string>(v: unknown, allowed: readonly T[], dflt: T): T =>
  typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : dflt;
const finite = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const connectionId = (v: unknown): string | null =>
  typeof v === "string" && CONNECTION_RE.test(v) ? v : null;

export function defaultConstraints(modality: Modality): MediaConstraints {
  return { audio: modality !== "video", video: modality !== "audio" };
}

function trackConstraint(v: unknown, dflt: boolean): boolean | MediaTrackConstraints {
  if (typeof v === "boolean") return v;
  // A plain JSON object is passed to getUserMedia as is (a copy, so later
  // device choices never mutate the args).
  if (isObj(v)) {
    try {
      return JSON.parse(JSON.stringify(v)) as MediaTrackConstraints;
    } catch {
      return dflt;
    }
  }
  return dflt;
}

function parseRtcConfiguration(v: unknown): RTCConfiguration | null {
  if (!isObj(v)) return null;
  const servers: RTCIceServer[] = [];
  if (Array.isArray(v.iceServers)) {
    for (const s of v.iceServers.slice(0, 32)) {
      if (!isObj(s)) continue;
      const urls = typeof s.urls === "string" ? s.urls
        : Array.isArray(s.urls) ? s.urls.filter((u): u is string => typeof u === "string") : null;
      if (urls === null || urls.length === 0) continue;
      const server: RTCIceServer = { urls };
      const username = str(s.username);
      const credential = str(s.credential);
      if (username !== null) server.username = username;
      if (credential !== null) server.credential = credential;
      servers.push(server);
    }
  }
  const config: RTCConfiguration = { iceServers: servers };
  if (v.iceTransportPolicy === "all" || v.iceTransportPolicy === "relay") {
    config.iceTransportPolicy = v.iceTransportPolicy;
  }
  return config;
}

function parseLabels(v: unknown): ButtonLabels | null {
  if (!isObj(v)) return null;
  const start = str(v.start, MAX_LABEL);
  const stop = str(v.stop, MAX_LABEL);
  const waiting = str(v.waiting, MAX_LABEL);
  if (start === null && stop === null && waiting === null) return null;
  return { start: start ?? "Start", stop: stop ?? "Stop", waiting: waiting ?? "Connecting…" };
}

function parseTranslations(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, val] of Object.entries(v).slice(0, 100)) {
    const s = str(val, MAX_LABEL);
    if (s !== null) out[k.slice(0, 100)] = s;
  }
  return out;
}

export function parseUi(v: unknown): UiArgs {
  const ui = isObj(v) ? v : {};
  const radius = finite(ui.icon_radius);
  return {
    button_labels: parseLabels(ui.button_labels),
    icon: str(ui.icon) || null,
    icon_button_color: str(ui.icon_button_color, 100) || null,
    pulse_color: str(ui.pulse_color, 100) || null,
    icon_radius: radius === null ? 50 : Math.min(50, Math.max(0, radius)),
    variant: oneOf(ui.variant, ["pulse", "wave"] as const, "pulse"),
    show_start: ui.show_start !== false,
    translations: parseTranslations(ui.translations),
  };
}

function parseCommand(v: unknown): Command | null {
  if (!isObj(v)) return null;
  const id = finite(v.id);
  if (id === null || !Number.isInteger(id) || id <= 0) return null;
  if (v.action !== "start" && v.action !== "stop") return null;
  return { id, action: v.action };
}

function parseAnswer(v: unknown): Answer | null {
  if (!isObj(v)) return null;
  const connection = connectionId(v.connection);
  const sdp = typeof v.sdp === "string" && v.sdp.length <= MAX_SDP ? v.sdp : null;
  if (connection === null || sdp === null || v.type !== "answer") return null;
  return { connection, sdp, type: "answer" };
}

function parseRefusal(v: unknown): Refusal | null {
  if (!isObj(v)) return null;
  const connection = connectionId(v.connection);
  if (connection === null) return null;
  return { connection, message: str(v.message) ?? "The stream was refused", busy: v.busy === true };
}

function parseEnded(v: unknown): Ended | null {
  if (!isObj(v)) return null;
  const connection = connectionId(v.connection);
  if (connection === null) return null;
  return { connection, message: str(v.message) || null, error: v.error === true };
}

/** Validates the args of a render event; never throws. */
export function parseArgs(raw: unknown): Args {
  const a = isObj(raw) ? raw : {};
  const modality = oneOf(a.modality, ["audio", "video", "audio-video"] as const, "audio");
  const dflt = defaultConstraints(modality);
  const msc = isObj(a.media_stream_constraints) ? a.media_stream_constraints : {};
  const limit = finite(a.time_limit);
  const freshFor = finite(a.rtc_configuration_fresh_for);
  return {
    // Streamlit puts the widget key in `key` ("streamlit_rtc:echo"), so the
    // server sends the stream's own key as `stream_key`; either will do here.
    key: str(a.stream_key, MAX_LABEL) ?? str(a.key, MAX_LABEL) ?? "",
    token: str(a.token, 512) ?? "",
    mode: oneOf(a.mode, ["send-receive", "send", "receive"] as const, "send-receive"),
    modality,
    rtc_configuration: parseRtcConfiguration(a.rtc_configuration),
    rtc_configuration_fresh_for: freshFor !== null && freshFor >= 0 ? freshFor : null,
    rtc_configuration_for: connectionId(a.rtc_configuration_for),
    media_stream_constraints: {
      audio: trackConstraint(msc.audio, dflt.audio as boolean),
      video: trackConstraint(msc.video, dflt.video as boolean),
    },
    ui: parseUi(a.ui),
    command: parseCommand(a.command),
    answer: parseAnswer(a.answer),
    refusal: parseRefusal(a.refusal),
    ended: parseEnded(a.ended),
    time_limit: limit !== null && limit > 0 ? limit : null,
  };
}
