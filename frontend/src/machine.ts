// The component's state machine: PURE (no DOM, no WebRTC, no clock), so
// every transition is unit-tested. The controller feeds it events and carries
// out the effects it returns (open/close the connection, send values).
//
// `state` is what the root's data-state shows; `live` says whether an attempt
// (connecting or connected) is in progress, independent of the words the
// server uses for its conversation state.

import type { DcMessage } from "./messages";
import { payloadText } from "./messages";
import type { RtcState } from "./protocol";

export type Step = "media" | "offer" | "answered" | "connected";

export interface Notice {
  kind: "error" | "end" | "warning";
  text: string;
}

export interface Model {
  state: RtcState;
  /** The current attempt's connection id, or the last one once stopped. */
  attempt: string | null;
  live: boolean;
  step: Step | null;
  /** A data-channel `state` was seen for this attempt (it wins over our guesses). */
  serverState: boolean;
  notice: Notice | null;
  /** Local clock (ms) at which time_limit ends the stream, or null. */
  deadlineAt: number | null;
  /** Bumped on each `stopword` event so the view can flash once per event. */
  stopwordSeq: number;
}

export type MachineEvent =
  | { type: "start"; connection: string }
  | { type: "offer-ready"; connection: string }
  | { type: "answer"; connection: string }
  | { type: "pc-connected"; connection: string; now: number; timeLimit: number | null }
  | { type: "pc-failed"; connection: string; message: string }
  | { type: "pc-closed"; connection: string }
  | { type: "media-error"; connection: string; message: string }
  | { type: "dc"; connection: string; msg: DcMessage; now: number }
  | { type: "refusal"; connection: string; message: string; busy: boolean }
  | { type: "ended"; connection: string; message: string | null; error: boolean }
  | { type: "stop" };

export type Effect =
  /** Open media and the peer connection for this attempt. */
  | { type: "connect"; connection: string }
  /** Send the offer value (the controller holds the SDP). */
  | { type: "send-offer"; connection: string }
  /** Apply the answer in the args to the peer connection. */
  | { type: "apply-answer"; connection: string }
  /** Close everything; `report`: send phase "stopped" (the server saw the offer). */
  | { type: "close"; connection: string; report: boolean };

export interface Result {
  model: Model;
  effects: Effect[];
}

export const initialModel: Model = {
  state: "stopped",
  attempt: null,
  live: false,
  step: null,
  serverState: false,
  notice: null,
  deadlineAt: null,
  stopwordSeq: 0,
};

const same = (model: Model): Result => ({ model, effects: [] });

/** Ends the live attempt: closes it and reports "stopped" once an offer went out. */
function finish(model: Model, state: RtcState, notice: Notice | null): Result {
  const connection = model.attempt ?? "";
  return {
    model: { ...model, state, live: false, step: null, notice, deadlineAt: null },
    effects: [{ type: "close", connection, report: model.step !== "media" }],
  };
}

function onDc(model: Model, msg: DcMessage, now: number): Result {
  switch (msg.type) {
    case "state":
      return same({ ...model, state: msg.state, serverState: true });
    case "event":
      if (msg.event === "stopword") return same({ ...model, stopwordSeq: model.stopwordSeq + 1 });
      if (msg.event === "error") {
        return same({ ...model, notice: { kind: "error", text: msg.detail ?? "Error" } });
      }
      return same(model);
    case "error":
      // Shown; the stream goes on unless the server also ends it.
      return same({ ...model, notice: { kind: "error", text: msg.message } });
    case "message":
      // Plain messages are app data (the app shows them); warnings are for the user.
      return msg.kind === "warning"
        ? same({ ...model, notice: { kind: "warning", text: payloadText(msg.payload) } })
        : same(model);
    case "deadline":
      return same({ ...model, deadlineAt: now + msg.remaining_s * 1000 });
    case "end":
      return finish(model, msg.error ? "error" : "stopped", endNotice(msg.message, msg.error));
  }
}

function endNotice(message: string | null, error: boolean): Notice | null {
  if (message) return { kind: error ? "error" : "end", text: message };
  return error ? { kind: "error", text: "The stream ended with an error" } : null;
}

export function transition(model: Model, ev: MachineEvent): Result {
  if (ev.type === "start") {
    if (model.live) return same(model);
    return {
      model: {
        ...initialModel,
        stopwordSeq: model.stopwordSeq,
        state: "connecting",
        attempt: ev.connection,
        live: true,
        step: "media",
      },
      effects: [{ type: "connect", connection: ev.connection }],
    };
  }
  if (ev.type === "stop") {
    return model.live ? finish(model, "stopped", null) : same(model);
  }
  if (ev.type === "ended") {
    if (ev.connection !== model.attempt) return same(model); // about an older attempt
    if (model.live) return finish(model, ev.error ? "error" : "stopped", endNotice(ev.message, ev.error));
    // Already stopped (e.g. the peer connection closed first): say why.
    const notice = endNotice(ev.message, ev.error) ?? model.notice;
    return same({ ...model, state: ev.error ? "error" : model.state, notice });
  }
  // Everything else belongs to the live attempt; events of a stale one are ignored.
  if (!model.live || ev.connection !== model.attempt) return same(model);
  switch (ev.type) {
    case "offer-ready":
      return model.step === "media"
        ? { model: { ...model, step: "offer" }, effects: [{ type: "send-offer", connection: ev.connection }] }
        : same(model);
    case "answer":
      // Applied once: the same answer comes back with every later script run.
      return model.step === "offer"
        ? { model: { ...model, step: "answered" }, effects: [{ type: "apply-answer", connection: ev.connection }] }
        : same(model);
    case "pc-connected": {
      if (model.step === "connected") return same(model);
      const deadlineAt = model.deadlineAt ?? (ev.timeLimit !== null ? ev.now + ev.timeLimit * 1000 : null);
      const state = model.serverState ? model.state : "listening";
      return same({ ...model, step: "connected", state, deadlineAt });
    }
    case "pc-failed":
      return finish(model, "error", { kind: "error", text: ev.message });
    case "pc-closed":
      return finish(model, model.state === "error" ? "error" : "stopped", model.notice);
    case "media-error":
      return finish(model, "error", { kind: "error", text: ev.message });
    case "refusal":
      return finish(model, ev.busy ? "busy" : "error", { kind: "error", text: ev.message });
    case "dc":
      return onDc(model, ev.msg, ev.now);
  }
}

/** The command to act on, if any: each id once, and only ids above the last seen. */
export function commandToRun(
  command: { id: number; action: "start" | "stop" } | null,
  lastSeen: number,
): { id: number; action: "start" | "stop" } | null {
  return command !== null && command.id > lastSeen ? command : null;
}
