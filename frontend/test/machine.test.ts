import { describe, expect, it } from "vitest";
import { commandToRun, type Effect, initialModel, type MachineEvent, type Model, transition } from "../src/machine";
import type { DcMessage } from "../src/messages";
import type { RtcState } from "../src/protocol";

const A = "aaaaaaaaaaaaaaaa";
const B = "bbbbbbbbbbbbbbbb";

function run(events: MachineEvent[], from: Model = initialModel): { model: Model; effects: Effect[] } {
  let model = from;
  const effects: Effect[] = [];
  for (const ev of events) {
    const r = transition(model, ev);
    model = r.model;
    effects.push(...r.effects);
  }
  return { model, effects };
}

const dc = (msg: DcMessage, connection = A, now = 0): MachineEvent => ({ type: "dc", connection, msg, now });
const stateMsg = (state: RtcState): DcMessage => ({ type: "state", t: 1, state });
const connected: MachineEvent[] = [
  { type: "start", connection: A },
  { type: "offer-ready", connection: A },
  { type: "answer", connection: A },
  { type: "pc-connected", connection: A, now: 0, timeLimit: null },
];

describe("state machine", () => {
  it("starts stopped", () => {
    expect(initialModel.state).toBe("stopped");
    expect(initialModel.live).toBe(false);
  });

  it("start → connecting with a connect effect; a second start is ignored", () => {
    const r = transition(initialModel, { type: "start", connection: A });
    expect(r.model).toMatchObject({ state: "connecting", live: true, attempt: A, step: "media" });
    expect(r.effects).toEqual([{ type: "connect", connection: A }]);
    const again = transition(r.model, { type: "start", connection: B });
    expect(again.model).toBe(r.model);
    expect(again.effects).toEqual([]);
  });

  it("walks a spoken turn: connecting → listening → user-speaking → thinking → responding → listening", () => {
    const seen: RtcState[] = [];
    let model = initialModel;
    const events: MachineEvent[] = [
      ...connected,
      dc(stateMsg("user-speaking")),
      dc(stateMsg("thinking")),
      dc(stateMsg("responding")),
      dc(stateMsg("listening")),
    ];
    for (const ev of events) {
      model = transition(model, ev).model;
      seen.push(model.state);
    }
    expect(seen).toEqual(["connecting", "connecting", "connecting", "listening", "user-speaking", "thinking", "responding", "listening"]);
  });

  it("offer-ready sends the offer once, answer is applied once", () => {
    const r = run([{ type: "start", connection: A }, { type: "offer-ready", connection: A }, { type: "offer-ready", connection: A }]);
    expect(r.effects.filter((e) => e.type === "send-offer")).toHaveLength(1);
    const a = run([{ type: "answer", connection: A }, { type: "answer", connection: A }], r.model);
    expect(a.effects).toEqual([{ type: "apply-answer", connection: A }]);
    expect(a.model.step).toBe("answered");
  });

  it("ignores a stale answer (another connection) and an answer before the offer", () => {
    const started = run([{ type: "start", connection: A }]).model;
    expect(transition(started, { type: "answer", connection: A }).effects).toEqual([]);
    const offered = run([{ type: "offer-ready", connection: A }], started).model;
    expect(transition(offered, { type: "answer", connection: B }).effects).toEqual([]);
    expect(transition(initialModel, { type: "answer", connection: A }).effects).toEqual([]);
  });

  it("a server state seen before pc-connected is kept", () => {
    const m = run([
      { type: "start", connection: A }, { type: "offer-ready", connection: A }, { type: "answer", connection: A },
      dc(stateMsg("responding")),
      { type: "pc-connected", connection: A, now: 0, timeLimit: null },
    ]).model;
    expect(m.state).toBe("responding");
    expect(m.step).toBe("connected");
  });

  it("stop closes and reports once an offer went out; not before", () => {
    const live = run(connected).model;
    const r = transition(live, { type: "stop" });
    expect(r.model).toMatchObject({ state: "stopped", live: false, attempt: A });
    expect(r.effects).toEqual([{ type: "close", connection: A, report: true }]);
    const early = run([{ type: "start", connection: A }, { type: "stop" }]);
    expect(early.effects.at(-1)).toEqual({ type: "close", connection: A, report: false });
    expect(transition(r.model, { type: "stop" }).effects).toEqual([]);
  });

  it("pc failed → error with a message; pc closed → stopped", () => {
    const live = run(connected).model;
    const f = transition(live, { type: "pc-failed", connection: A, message: "Connection failed" });
    expect(f.model).toMatchObject({ state: "error", live: false, notice: { kind: "error", text: "Connection failed" } });
    expect(f.effects[0]).toMatchObject({ type: "close", report: true });
    const c = transition(live, { type: "pc-closed", connection: A });
    expect(c.model).toMatchObject({ state: "stopped", live: false });
  });

  it("media errors end the attempt without reporting (the server never saw it)", () => {
    const r = run([{ type: "start", connection: A }, { type: "media-error", connection: A, message: "denied" }]);
    expect(r.model).toMatchObject({ state: "error", live: false, notice: { text: "denied" } });
    expect(r.effects.at(-1)).toEqual({ type: "close", connection: A, report: false });
  });

  it("refusal → busy or error, only for the current attempt", () => {
    const offered = run([{ type: "start", connection: A }, { type: "offer-ready", connection: A }]).model;
    const busy = transition(offered, { type: "refusal", connection: A, message: "full", busy: true });
    expect(busy.model).toMatchObject({ state: "busy", live: false, notice: { text: "full" } });
    expect(busy.effects).toEqual([{ type: "close", connection: A, report: true }]);
    const err = transition(offered, { type: "refusal", connection: A, message: "bad offer", busy: false });
    expect(err.model.state).toBe("error");
    expect(transition(offered, { type: "refusal", connection: B, message: "x", busy: true }).model).toBe(offered);
  });

  it("data-channel end → stopped (or error) with its message", () => {
    const live = run(connected).model;
    const end = transition(live, dc({ type: "end", t: 1, message: "Time limit of 30 s reached", error: false }));
    expect(end.model).toMatchObject({ state: "stopped", live: false, notice: { kind: "end", text: "Time limit of 30 s reached" } });
    expect(end.effects).toEqual([{ type: "close", connection: A, report: true }]);
    const bad = transition(live, dc({ type: "end", t: 1, message: null, error: true }));
    expect(bad.model.state).toBe("error");
    expect(bad.model.notice?.kind).toBe("error");
  });

  it("ended args: end the live attempt, or explain a stopped one; older attempts ignored", () => {
    const live = run(connected).model;
    const e = transition(live, { type: "ended", connection: A, message: "Closed by the app", error: false });
    expect(e.model).toMatchObject({ state: "stopped", live: false, notice: { text: "Closed by the app" } });
    expect(e.effects).toHaveLength(1);
    const closed = run([{ type: "pc-closed", connection: A }], live).model;
    const later = transition(closed, { type: "ended", connection: A, message: "boom", error: true });
    expect(later.model).toMatchObject({ state: "error", notice: { text: "boom" } });
    expect(later.effects).toEqual([]);
    expect(transition(live, { type: "ended", connection: B, message: "old", error: false }).model).toBe(live);
  });

  it("data-channel error is shown and the state stays", () => {
    const live = run([...connected, dc(stateMsg("thinking"))]).model;
    const m = transition(live, dc({ type: "error", t: 1, message: "ValueError: bad" })).model;
    expect(m).toMatchObject({ state: "thinking", live: true, notice: { kind: "error", text: "ValueError: bad" } });
  });

  it("events: stopword bumps the cue counter, error shows its detail, others change nothing", () => {
    const live = run(connected).model;
    const s = transition(live, dc({ type: "event", t: 1, event: "stopword", detail: null })).model;
    expect(s.stopwordSeq).toBe(live.stopwordSeq + 1);
    const e = transition(live, dc({ type: "event", t: 1, event: "error", detail: "oops" })).model;
    expect(e.notice).toEqual({ kind: "error", text: "oops" });
    expect(transition(live, dc({ type: "event", t: 1, event: "pause_detected", detail: null })).model).toBe(live);
  });

  it("warnings are shown, plain messages are left to the app", () => {
    const live = run(connected).model;
    const w = transition(live, dc({ type: "message", t: 1, kind: "warning", payload: "careful" })).model;
    expect(w.notice).toEqual({ kind: "warning", text: "careful" });
    expect(transition(live, dc({ type: "message", t: 1, kind: "message", payload: { a: 1 } })).model).toBe(live);
  });

  it("deadline from the channel; time_limit arg as the fallback when connected", () => {
    const withArg = run([
      { type: "start", connection: A }, { type: "offer-ready", connection: A }, { type: "answer", connection: A },
      { type: "pc-connected", connection: A, now: 5000, timeLimit: 30 },
    ]).model;
    expect(withArg.deadlineAt).toBe(35_000);
    const fromDc = transition(withArg, dc({ type: "deadline", t: 1, remaining_s: 12.5 }, A, 10_000)).model;
    expect(fromDc.deadlineAt).toBe(22_500);
    expect(transition(fromDc, { type: "stop" }).model.deadlineAt).toBeNull();
  });

  it("ignores events of a stale attempt", () => {
    const live = run(connected).model;
    for (const ev of [
      dc(stateMsg("thinking"), B),
      { type: "pc-failed", connection: B, message: "x" } as MachineEvent,
      { type: "pc-closed", connection: B } as MachineEvent,
      { type: "offer-ready", connection: B } as MachineEvent,
    ]) {
      expect(transition(live, ev).model).toBe(live);
    }
  });

  it("restarts after error and busy, clearing the old message", () => {
    for (const state of ["error", "busy", "stopped"] as const) {
      const from: Model = { ...initialModel, state, attempt: A, notice: { kind: "error", text: "x" } };
      const r = transition(from, { type: "start", connection: B });
      expect(r.model).toMatchObject({ state: "connecting", attempt: B, notice: null });
    }
  });

  it("a server 'stopped' state shows but the attempt stays live until the end", () => {
    const m = run([...connected, dc(stateMsg("stopped"))]).model;
    expect(m).toMatchObject({ state: "stopped", live: true });
  });
});

describe("commands", () => {
  it("acts on an id once, only above the last seen", () => {
    expect(commandToRun(null, 0)).toBeNull();
    expect(commandToRun({ id: 1, action: "start" }, 0)).toEqual({ id: 1, action: "start" });
    expect(commandToRun({ id: 1, action: "start" }, 1)).toBeNull();
    expect(commandToRun({ id: 2, action: "stop" }, 3)).toBeNull();
    expect(commandToRun({ id: 4, action: "stop" }, 3)).toEqual({ id: 4, action: "stop" });
  });
});
