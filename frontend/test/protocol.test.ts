import { describe, expect, it } from "vitest";
import { parseDcMessage, payloadText } from "../src/messages";
import { parseArgs } from "../src/protocol";

const GOOD = {
  key: "echo",
  token: "9f1c",
  mode: "send",
  modality: "audio-video",
  rtc_configuration: { iceServers: [{ urls: ["stun:stun.example.org"], username: "u", credential: "c" }] },
  media_stream_constraints: { audio: { echoCancellation: true }, video: false },
  ui: {
    button_labels: { start: "Go", stop: "Halt", waiting: "Wait" },
    icon: "🎤",
    icon_button_color: "#123456",
    pulse_color: "red",
    icon_radius: 20,
    variant: "wave",
    show_start: false,
    translations: { start: "Los" },
  },
  command: { id: 3, action: "start" },
  answer: { connection: "a1b2c3d4e5f60718", sdp: "v=0", type: "answer" },
  refusal: { connection: "a1b2c3d4e5f60718", message: "busy", busy: true },
  ended: { connection: "a1b2c3d4e5f60718", message: "Time limit of 30 s reached", error: false },
  time_limit: 30,
  rtc_configuration_fresh_for: 599.5,
  rtc_configuration_for: "a1b2c3d4e5f60718",
};

describe("parseArgs", () => {
  it("keeps every valid field", () => {
    const a = parseArgs(GOOD);
    expect(a).toMatchObject({
      key: "echo", token: "9f1c", mode: "send", modality: "audio-video", time_limit: 30,
      rtc_configuration_fresh_for: 599.5, rtc_configuration_for: "a1b2c3d4e5f60718",
      media_stream_constraints: { audio: { echoCancellation: true }, video: false },
      command: { id: 3, action: "start" },
      answer: { connection: "a1b2c3d4e5f60718", sdp: "v=0", type: "answer" },
      refusal: { busy: true, message: "busy" },
      ended: { message: "Time limit of 30 s reached", error: false },
    });
    expect(a.rtc_configuration).toEqual({ iceServers: [{ urls: ["stun:stun.example.org"], username: "u", credential: "c" }] });
    expect(a.ui).toEqual({
      button_labels: { start: "Go", stop: "Halt", waiting: "Wait" }, icon: "🎤", icon_button_color: "#123456",
      pulse_color: "red", icon_radius: 20, variant: "wave", show_start: false, translations: { start: "Los" },
    });
  });

  it("gives defaults for missing or non-object args", () => {
    for (const raw of [undefined, null, 42, "x", [], {}]) {
      const a = parseArgs(raw);
      expect(a).toMatchObject({
        key: "", token: "", mode: "send-receive", modality: "audio", rtc_configuration: null,
        media_stream_constraints: { audio: true, video: false },
        command: null, answer: null, refusal: null, ended: null, time_limit: null,
        rtc_configuration_fresh_for: null, rtc_configuration_for: null,
      });
      expect(a.ui).toMatchObject({ button_labels: null, icon: null, icon_radius: 50, variant: "pulse", show_start: true });
    }
  });

  it("a configuration's freshness: a non-negative number of seconds and a connection id, else null", () => {
    for (const bad of [-1, "600", Number.NaN, Infinity, null, {}]) {
      expect(parseArgs({ rtc_configuration_fresh_for: bad }).rtc_configuration_fresh_for).toBeNull();
    }
    expect(parseArgs({ rtc_configuration_fresh_for: 0 }).rtc_configuration_fresh_for).toBe(0);
    for (const bad of ["short", "a b c d e f g h", 12345678, "x".repeat(65)]) {
      expect(parseArgs({ rtc_configuration_for: bad }).rtc_configuration_for).toBeNull();
    }
  });

  it("the stream key: stream_key first (Streamlit's widget key is in `key`)", () => {
    expect(parseArgs({ key: "streamlit_rtc:echo", stream_key: "echo" }).key).toBe("echo");
    expect(parseArgs({ key: "echo" }).key).toBe("echo");
  });

  it("default constraints follow the modality", () => {
    expect(parseArgs({ modality: "video" }).media_stream_constraints).toEqual({ audio: false, video: true });
    expect(parseArgs({ modality: "audio-video" }).media_stream_constraints).toEqual({ audio: true, video: true });
  });

  it("rejects bad types and hostile values without throwing", () => {
    const hostile = {
      key: { toString: 1 }, token: 5, mode: "both", modality: "smell",
      rtc_configuration: { iceServers: [null, 3, { urls: 5 }, { urls: [] }, { urls: "turn:x", username: 1 }], iceTransportPolicy: "evil" },
      media_stream_constraints: { audio: "yes", video: [1] },
      ui: {
        button_labels: "Go", icon: 7, icon_button_color: ["red"], icon_radius: Infinity, variant: "zigzag",
        show_start: "no", translations: ["a"],
      },
      command: { id: -1, action: "start" }, answer: { connection: "short", sdp: "v=0", type: "answer" },
      refusal: { connection: "../../etc/passwd" }, ended: { connection: 1 }, time_limit: -5,
      __proto__: { polluted: true },
    };
    const a = parseArgs(hostile);
    expect(a.mode).toBe("send-receive");
    expect(a.modality).toBe("audio");
    expect(a.rtc_configuration).toEqual({ iceServers: [{ urls: "turn:x" }] });
    expect(a.media_stream_constraints).toEqual({ audio: true, video: false });
    expect(a.ui).toMatchObject({ button_labels: null, icon: null, icon_button_color: null, icon_radius: 50, variant: "pulse", show_start: true, translations: {} });
    expect(a.command).toBeNull();
    expect(a.answer).toBeNull();
    expect(a.refusal).toBeNull();
    expect(a.ended).toBeNull();
    expect(a.time_limit).toBeNull();
  });

  it("clamps and truncates", () => {
    const a = parseArgs({ ui: { icon_radius: 500, button_labels: { start: "x".repeat(10_000) } }, command: { id: 2.5, action: "start" } });
    expect(a.ui.icon_radius).toBe(50);
    expect(a.ui.button_labels?.start.length).toBe(200);
    expect(a.ui.button_labels?.stop).toBe("Stop");
    expect(a.command).toBeNull();
    expect(parseArgs({ ui: { icon_radius: -3 } }).ui.icon_radius).toBe(0);
    expect(parseArgs({ answer: { connection: "a1b2c3d4e5f60718", sdp: "x".repeat(300_000), type: "answer" } }).answer).toBeNull();
  });

  it("copies constraint objects (device choices never mutate args)", () => {
    const raw = { media_stream_constraints: { audio: { sampleRate: 48000 } } };
    const a = parseArgs(raw);
    (a.media_stream_constraints.audio as Record<string, unknown>).deviceId = "x";
    expect(raw.media_stream_constraints.audio).toEqual({ sampleRate: 48000 });
  });
});

describe("parseDcMessage", () => {
  it("parses every known type", () => {
    expect(parseDcMessage('{"type":"state","t":5,"state":"thinking"}')).toEqual({ type: "state", t: 5, state: "thinking" });
    expect(parseDcMessage('{"type":"event","t":5,"event":"stopword","detail":null}')).toEqual({ type: "event", t: 5, event: "stopword", detail: null });
    expect(parseDcMessage('{"type":"error","t":5,"message":"boom"}')).toEqual({ type: "error", t: 5, message: "boom" });
    expect(parseDcMessage('{"type":"message","t":5,"kind":"warning","payload":{"a":1}}')).toEqual({ type: "message", t: 5, kind: "warning", payload: { a: 1 } });
    expect(parseDcMessage('{"type":"deadline","t":5,"remaining_s":29.5}')).toEqual({ type: "deadline", t: 5, remaining_s: 29.5 });
    expect(parseDcMessage('{"type":"end","t":5,"message":"bye","error":true}')).toEqual({ type: "end", t: 5, message: "bye", error: true });
  });

  it("ignores unknown types, bad JSON and bad fields", () => {
    for (const raw of [
      "not json", "", "[]", "null", "42", '"state"', '{"type":"dance","t":1}', '{"t":1}',
      '{"type":"state","t":1,"state":"sleeping"}', '{"type":"event","t":1,"event":"sneeze"}',
      '{"type":"deadline","t":1,"remaining_s":"10"}', '{"type":"deadline","t":1,"remaining_s":-1}',
      new ArrayBuffer(4), 17, null,
    ]) {
      expect(parseDcMessage(raw)).toBeNull();
    }
  });

  it("fills defaults for optional fields", () => {
    expect(parseDcMessage('{"type":"state","state":"listening"}')).toEqual({ type: "state", t: 0, state: "listening" });
    expect(parseDcMessage('{"type":"end","t":1}')).toEqual({ type: "end", t: 1, message: null, error: false });
    expect(parseDcMessage('{"type":"message","t":1,"payload":"x"}')).toMatchObject({ kind: "message" });
  });

  it("payload text", () => {
    expect(payloadText("hi")).toBe("hi");
    expect(payloadText({ a: [1] })).toBe('{"a":[1]}');
    expect(payloadText(undefined)).toBe("");
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(payloadText(loop)).toBe("");
  });
});
