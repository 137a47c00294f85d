// Parsing of the data-channel messages (server → browser, JSON text).
// Unknown types, bad JSON and bad fields give null: the channel is a push
// stream and one bad message must not stop the ones after it.

import { isObj, RTC_STATES, type RtcState } from "./protocol";

export type StatusEvent =
  | "started_talking"
  | "pause_detected"
  | "response_starting"
  | "response_done"
  | "interrupted"
  | "stopword"
  | "error";

const EVENTS: readonly StatusEvent[] = [
  "started_talking", "pause_detected", "response_starting", "response_done",
  "interrupted", "stopword", "error",
];

export type DcMessage =
  | { type: "state"; t: number; state: RtcState }
  | { type: "event"; t: number; event: StatusEvent; detail: string | null }
  | { type: "error"; t: number; message: string }
  | { type: "message"; t: number; kind: "message" | "warning"; payload: unknown }
  | { type: "deadline"; t: number; remaining_s: number }
  | { type: "end"; t: number; message: string | null; error: boolean };

const MAX_TEXT = 2000;
// A message bigger than this is not one we would display anyway.
const MAX_RAW = 256 * 1024;

const text = (v: unknown): string | null => (typeof v === "string" ? v.slice(0, MAX_TEXT) : null);

/** Parses one data-channel message; null when it is not one we know. */
export function parseDcMessage(raw: unknown): DcMessage | null {
  if (typeof raw !== "string" || raw.length > MAX_RAW) return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObj(data)) return null;
  const t = typeof data.t === "number" && Number.isFinite(data.t) ? data.t : 0;
  switch (data.type) {
    case "state":
      return typeof data.state === "string" && (RTC_STATES as readonly string[]).includes(data.state)
        ? { type: "state", t, state: data.state as RtcState }
        : null;
    case "event":
      return typeof data.event === "string" && (EVENTS as readonly string[]).includes(data.event)
        ? { type: "event", t, event: data.event as StatusEvent, detail: text(data.detail) }
        : null;
    case "error":
      return { type: "error", t, message: text(data.message) ?? "Error" };
    case "message":
      return {
        type: "message",
        t,
        kind: data.kind === "warning" ? "warning" : "message",
        payload: data.payload,
      };
    case "deadline": {
      const r = data.remaining_s;
      return typeof r === "number" && Number.isFinite(r) && r >= 0
        ? { type: "deadline", t, remaining_s: r }
        : null;
    }
    case "end":
      return { type: "end", t, message: text(data.message) || null, error: data.error === true };
    default:
      return null;
  }
}

/** A message payload as display text (payloads are JSON; strings shown as is). */
export function payloadText(payload: unknown): string {
  if (typeof payload === "string") return payload.slice(0, MAX_TEXT);
  try {
    return (JSON.stringify(payload) ?? "").slice(0, MAX_TEXT);
  } catch {
    return "";
  }
}
