import { beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../src/app";
import type { ComponentValue } from "../src/protocol";
import { fakeEnv, type FakePC, type FakeTrack, flush, type TestEnv } from "./fakes";

const TOKEN = "tok-123";

function baseArgs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { key: "echo", token: TOKEN, mode: "send-receive", modality: "audio", ui: {}, ...extra };
}

/** A mounted App with a fake browser; `render` delivers a Streamlit render event. */
function mount(args: Record<string, unknown> = baseArgs(), envPatch: Partial<TestEnv> = {}) {
  const env = { ...fakeEnv(document), ...envPatch } as TestEnv;
  const values: ComponentValue[] = [];
  const app = new App(env, (v) => values.push(v));
  let current = args;
  const render = (patch: Record<string, unknown> = {}, disabled = false) => {
    current = { ...current, ...patch };
    app.handleRender({ args: current, disabled, theme: null });
  };
  render();
  return { env, app, values, render };
}

const root = () => document.querySelector<HTMLElement>('[data-testid="streamlit-rtc"]') as HTMLElement;
const status = () => document.querySelector<HTMLElement>('[data-testid="streamlit-rtc-status"]') as HTMLElement;
/** Visible buttons by accessible name (aria-label, else text). */
const buttons = () =>
  [...document.querySelectorAll("button")].filter((b) => !b.closest("[hidden]") && !b.hidden)
    .map((b) => (b.getAttribute("aria-label") ?? b.textContent ?? "").trim());
const button = (name: string) =>
  [...document.querySelectorAll("button")].find((b) => !b.hidden && (b.getAttribute("aria-label") ?? b.textContent)?.trim() === name) as HTMLButtonElement;

/** Clicks Start and lets the fake browser produce the offer. */
async function startAndOffer(m: ReturnType<typeof mount>, click = true): Promise<FakePC> {
  if (click) button("Start").click();
  await flush(10);
  const pc = m.env.fake.pcs.at(-1) as FakePC;
  pc.finishGathering();
  await flush(10);
  return pc;
}

async function live(m: ReturnType<typeof mount>): Promise<{ pc: FakePC; id: string }> {
  const pc = await startAndOffer(m);
  const id = (m.values.at(-1) as ComponentValue).connection;
  m.render({ answer: { connection: id, sdp: "v=0 answer", type: "answer" } });
  await flush(10);
  pc.setState("connected");
  return { pc, id };
}

beforeEach(() => {
  document.body.replaceChildren();
});

describe("the component in the page", () => {
  it("renders the audio UI stopped, with the DOM contract", () => {
    mount();
    const r = root();
    expect(r.dataset.state).toBe("stopped");
    expect(r.getAttribute("data-level-in")).toBe("0.00");
    expect(r.getAttribute("data-level-out")).toBe("0.00");
    expect(r.hasAttribute("data-remaining")).toBe(false);
    expect(status().getAttribute("aria-live")).toBe("polite");
    expect(status().textContent).toContain("Stopped");
    expect(buttons()).toEqual(["Start"]);
    expect(document.querySelector("video")).toBeNull();
    const audio = document.querySelector("audio") as HTMLAudioElement;
    expect(audio.hasAttribute("autoplay")).toBe(true);
    expect(audio.hidden).toBe(true);
    expect(audio.hasAttribute("controls")).toBe(false);
  });

  it("connects with ONE offer value, then applies only its own answer once", async () => {
    const m = mount();
    button("Start").click();
    expect(root().dataset.state).toBe("connecting");
    expect(button("Connecting…").disabled).toBe(true);
    expect(status().textContent).toContain("Connecting…");
    const pc = await startAndOffer(m, false);
    expect(m.values).toHaveLength(1);
    const v = m.values[0] as ComponentValue;
    expect(v).toEqual({ token: TOKEN, connection: v.connection, phase: "offer", offer: { sdp: "v=0 offer-without-candidates a=candidate", type: "offer" }, command_seen: 0 });
    expect(v.connection).toMatch(/^[0-9a-f]{16}$/);

    const spy = vi.spyOn(pc, "setRemoteDescription");
    m.render({ answer: { connection: "ffffffffffffffff", sdp: "v=0 stale", type: "answer" } });
    expect(spy).not.toHaveBeenCalled();
    m.render({ answer: { connection: v.connection, sdp: "v=0 answer", type: "answer" } });
    m.render({}); // a later rerun carries the same answer
    expect(spy).toHaveBeenCalledTimes(1);
    pc.setState("connected");
    expect(root().dataset.state).toBe("listening");
    expect(buttons()).toContain("Stop");
    expect(buttons()).toContain("Mute microphone");
    expect(buttons()).toContain("Mute speaker");
  });

  it("data-channel states change data-state synchronously and in words", async () => {
    const m = mount();
    const { pc } = await live(m);
    const words: Record<string, string> = {
      "user-speaking": "You are speaking", thinking: "Thinking…", responding: "Responding", listening: "Listening",
    };
    for (const [state, text] of Object.entries(words)) {
      pc.channel?.receive(JSON.stringify({ type: "state", t: Date.now(), state }));
      expect(root().dataset.state).toBe(state);
      expect(status().textContent).toContain(text);
    }
    pc.channel?.receive("garbage");
    pc.channel?.receive('{"type":"unknown","t":1}');
    expect(root().dataset.state).toBe("listening");
  });

  it("an error message is shown and the state stays; end stops and reports", async () => {
    const m = mount();
    const { pc, id } = await live(m);
    pc.channel?.receive('{"type":"error","t":1,"message":"ValueError: oops"}');
    expect(root().dataset.state).toBe("listening");
    expect(status().textContent).toContain("ValueError: oops");
    pc.channel?.receive('{"type":"end","t":1,"message":"Time limit of 30 s reached","error":false}');
    expect(root().dataset.state).toBe("stopped");
    expect(status().textContent).toContain("Time limit of 30 s reached");
    expect(m.values.at(-1)).toEqual({ token: TOKEN, connection: id, phase: "stopped", command_seen: 0 });
    expect(m.env.fake.gum.streams[0]?.tracks.every((t) => t.stopped)).toBe(true);
    expect(pc.closed).toBe(true);
    expect(buttons()).toEqual(["Start"]);
  });

  it("STOP closes and reports stopped", async () => {
    const m = mount();
    const { pc, id } = await live(m);
    button("Stop").click();
    expect(root().dataset.state).toBe("stopped");
    expect(pc.closed).toBe(true);
    expect(m.values.at(-1)).toMatchObject({ connection: id, phase: "stopped" });
  });

  it("refusal shows busy with the message", async () => {
    const m = mount();
    await startAndOffer(m);
    const id = (m.values[0] as ComponentValue).connection;
    m.render({ refusal: { connection: id, message: "This stream already has 1 live user(s)", busy: true } });
    expect(root().dataset.state).toBe("busy");
    expect(status().textContent).toContain("already has 1 live user");
    expect(buttons()).toEqual(["Start"]);
  });

  it("ended args stop the live attempt with its message", async () => {
    const m = mount();
    const { id } = await live(m);
    m.render({ ended: { connection: id, message: "Closed by the app", error: true } });
    expect(root().dataset.state).toBe("error");
    expect(status().textContent).toContain("Closed by the app");
  });

  it("commands: start once (receive: no getUserMedia), stop, report command_seen", async () => {
    const m = mount(baseArgs({ mode: "receive", ui: { show_start: false } }));
    expect(buttons()).toEqual([]);
    expect(document.body.textContent).toContain("Waiting for the app to start the stream");
    m.render({ command: { id: 1, action: "start" } });
    expect(root().dataset.state).toBe("connecting");
    await startAndOffer(m, false);
    expect(m.env.fake.gum.calls).toEqual([]);
    expect(m.values).toHaveLength(1);
    expect(m.values[0]).toMatchObject({ phase: "offer", command_seen: 1 });
    m.render({}); // the same command on the next rerun: no second attempt
    expect(m.env.fake.pcs).toHaveLength(1);
    expect(buttons()).toEqual(["Connecting…"]);
    m.render({ command: { id: 2, action: "stop" } });
    expect(root().dataset.state).toBe("stopped");
    expect(m.values.at(-1)).toMatchObject({ phase: "stopped", command_seen: 2 });
    m.render({ command: { id: 1, action: "start" } }); // an old id
    expect(root().dataset.state).toBe("stopped");
  });

  it("a stop command with nothing to stop still reports command_seen", () => {
    const m = mount();
    m.render({ command: { id: 5, action: "stop" } });
    expect(m.values).toHaveLength(1);
    expect(m.values[0]).toMatchObject({ token: TOKEN, phase: "idle", command_seen: 5 });
    expect((m.values[0] as ComponentValue).connection).toMatch(/^[0-9a-f]{16}$/);
    m.render({});
    expect(m.values).toHaveLength(1);
  });

  it("a re-mounted component does not run an old start command again", () => {
    const m = mount(baseArgs({ mode: "receive", command: { id: 1, action: "start" } }));
    expect(m.env.fake.pcs.length + (m.app.model.live ? 1 : 0)).toBeGreaterThan(0);
    document.body.replaceChildren();
    const again = mount(baseArgs({ mode: "receive", command: { id: 1, action: "start" } }), { session: m.env.fake.session });
    expect(again.app.model.live).toBe(false);
  });

  it("time limit: countdown from the deadline message, then gone when stopped", async () => {
    const m = mount(baseArgs({ time_limit: 60 }));
    const { pc } = await live(m);
    expect(root().getAttribute("data-remaining")).toBe("60"); // fallback from args
    pc.channel?.receive('{"type":"deadline","t":1,"remaining_s":30}');
    expect(root().getAttribute("data-remaining")).toBe("30");
    expect(document.body.textContent).toContain("00:30 left");
    m.env.fake.timers.advance(1000);
    expect(root().getAttribute("data-remaining")).toBe("29");
    expect(document.body.textContent).toContain("00:29 left");
    button("Stop").click();
    expect(root().hasAttribute("data-remaining")).toBe(false);
  });

  it("mute buttons toggle names, aria-pressed and the track", async () => {
    const m = mount();
    await live(m);
    const mic = button("Mute microphone");
    expect(mic.getAttribute("aria-pressed")).toBe("false");
    mic.click();
    expect(mic.getAttribute("aria-label")).toBe("Unmute microphone");
    expect(mic.getAttribute("aria-pressed")).toBe("true");
    expect(m.env.fake.gum.streams[0]?.tracks[0]?.enabled).toBe(false);
    button("Mute speaker").click();
    expect((document.querySelector("audio") as HTMLAudioElement).muted).toBe(true);
  });

  it("a stop phrase flashes a cue", async () => {
    const m = mount();
    const { pc } = await live(m);
    pc.channel?.receive('{"type":"event","t":1,"event":"stopword","detail":null}');
    expect(status().textContent).toContain("Stop phrase heard");
    expect(root().classList.contains("rtc-flash")).toBe(true);
  });

  it("levels: data-level-in / -out written ≥10×/s while they change, not when they don't", async () => {
    let reads = 0;
    const analyser = (value: number) => ({
      fftSize: 0, disconnect() {},
      // The microphone alternates between two levels; the reply stays constant.
      getFloatTimeDomainData: (b: Float32Array) => b.fill(value === 0.1 ? (reads++ % 2 ? 0.1 : 0.05) : value),
    });
    const values = [0.1, 0.01];
    const ctx = {
      state: "running", resume: async () => {},
      createMediaStreamSource: () => ({ connect() {}, disconnect() {} }),
      createAnalyser: () => analyser(values.shift() ?? 0),
    };
    const m = mount(baseArgs(), { createAudioContext: () => ctx as unknown as AudioContext });
    const { pc } = await live(m);
    const seen: string[] = [];
    new MutationObserver((recs) => recs.forEach((r) => r.attributeName === "data-level-in" && seen.push("x")))
      .observe(root(), { attributes: true });
    pc.ontrack?.({ track: { kind: "audio", stop() {} } as never, streams: [] });
    m.env.fake.timers.advance(1000);
    await flush(5);
    expect(root().getAttribute("data-level-out")).toBe("0.33");
    expect(seen.length).toBeGreaterThanOrEqual(10);
    const outWrites: string[] = [];
    new MutationObserver((recs) => recs.forEach((r) => r.attributeName === "data-level-out" && outWrites.push("x")))
      .observe(root(), { attributes: true });
    m.env.fake.timers.advance(1000);
    await flush(5);
    expect(outWrites).toHaveLength(0); // unchanged: no DOM writes
    button("Stop").click();
    expect(root().getAttribute("data-level-in")).toBe("0.00");
  });

  it("media errors show in the component", async () => {
    const m = mount();
    m.env.fake.gum.fail = Object.assign(new Error("x"), { name: "NotAllowedError" });
    button("Start").click();
    await flush(10);
    expect(root().dataset.state).toBe("error");
    expect(status().textContent).toContain("denied");
    expect(m.values).toEqual([]);
  });

  it("button labels and translations", () => {
    const m = mount(baseArgs({ ui: { translations: { start: "Los" } } }));
    expect(buttons()).toEqual(["Los"]);
    m.render({ ui: { button_labels: { start: "Talk", stop: "Hang up", waiting: "Dialing" } } });
    expect(buttons()).toEqual(["Talk"]);
    button("Talk").click();
    expect(buttons()).toEqual(["Dialing"]);
  });

  it("disabled by Streamlit: Start is disabled", () => {
    const m = mount();
    m.render({}, true);
    expect(button("Start").disabled).toBe(true);
  });

  it("video: remote video, mirrored local preview, camera mute and full screen", async () => {
    const m = mount(baseArgs({ modality: "audio-video" }));
    expect(document.querySelector("audio")).toBeNull();
    expect(document.querySelectorAll("video")).toHaveLength(2);
    expect(document.querySelector(".rtc-local")?.classList.length).toBeGreaterThan(0);
    await live(m);
    expect(buttons()).toEqual(expect.arrayContaining(["Full screen", "Mute camera", "Mute microphone", "Stop"]));
    expect((document.querySelector(".rtc-remote") as HTMLVideoElement).muted).toBe(false);
  });

  it("theme colours become CSS variables", () => {
    const m = mount(baseArgs({ ui: { icon_button_color: "#00ff00", icon_radius: 10 } }));
    m.app.handleRender({ args: baseArgs({ ui: { icon_button_color: "#00ff00", icon_radius: 10 } }), disabled: false, theme: { base: "dark", primaryColor: "#abcdef", backgroundColor: null, secondaryBackgroundColor: null, textColor: null, font: null } });
    const s = document.documentElement.style;
    expect(s.getPropertyValue("--rtc-primary")).toBe("#abcdef");
    expect(s.getPropertyValue("--rtc-icon-bg")).toBe("#00ff00");
    expect(s.getPropertyValue("--rtc-icon-radius")).toBe("10%");
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("survives hostile render events", () => {
    const m = mount();
    for (const args of [null, "x", 5, [], { mode: { evil: 1 }, ui: "nope", answer: 7, command: { id: "1", action: "start" } }]) {
      expect(() => m.app.handleRender({ args, disabled: false, theme: null })).not.toThrow();
    }
    expect(root().dataset.state).toBe("stopped");
    expect(m.values).toEqual([]);
  });

  it("no video element in any audio-only stream", () => {
    for (const mode of ["send-receive", "send", "receive"]) {
      document.body.replaceChildren();
      mount(baseArgs({ mode }));
      expect(document.querySelector("video")).toBeNull();
    }
  });

  it("the pc failing shows an error and reports stopped", async () => {
    const m = mount();
    const { pc, id } = await live(m);
    pc.setState("failed");
    expect(root().dataset.state).toBe("error");
    expect(status().textContent).toContain("Connection failed");
    expect(m.values.at(-1)).toMatchObject({ connection: id, phase: "stopped" });
  });

  it("an attempt that never connects times out", async () => {
    const m = mount();
    await startAndOffer(m);
    m.env.fake.timers.advance(60_000);
    expect(root().dataset.state).toBe("error");
    expect(status().textContent).toContain("timed out");
  });

  it("a stale TURN configuration is made fresh before the connection uses it", async () => {
    const old = { iceServers: [{ urls: ["turn:127.0.0.1:3478"], username: "100:u", credential: "old" }] };
    const fresh = { iceServers: [{ urls: ["turn:127.0.0.1:3478"], username: "200:u", credential: "new" }] };
    const m = mount(baseArgs({ rtc_configuration: old, rtc_configuration_fresh_for: 5 }));
    m.env.fake.timers.advance(5_000); // the page sat idle past the configuration's life
    button("Start").click();
    await flush(10);
    expect(m.values).toHaveLength(1);
    const prepare = m.values[0] as ComponentValue;
    expect(prepare).toEqual({ token: TOKEN, connection: prepare.connection, phase: "prepare", command_seen: 0 });
    expect(m.env.fake.gum.calls).toHaveLength(1); // media opens meanwhile
    expect(m.env.fake.pcs).toHaveLength(0); // but no ICE gathering with the old credentials
    m.render({ rtc_configuration: old, rtc_configuration_fresh_for: 0, rtc_configuration_for: "0123456789abcdef" });
    await flush(10);
    expect(m.env.fake.pcs).toHaveLength(0); // made for another attempt: not ours
    m.render({ rtc_configuration: fresh, rtc_configuration_fresh_for: 600, rtc_configuration_for: prepare.connection });
    await flush(10);
    expect(m.env.fake.pcs).toHaveLength(1);
    expect((m.env.fake.pcs[0] as FakePC).config).toEqual(fresh);
    const pc = await startAndOffer(m, false);
    expect(pc).toBe(m.env.fake.pcs[0]);
    expect(m.values.at(-1)).toMatchObject({ connection: prepare.connection, phase: "offer" });
  });

  it("a fresh configuration connects with the offer alone, one rerun", async () => {
    const config = { iceServers: [{ urls: ["stun:127.0.0.1:3478"] }] };
    const m = mount(baseArgs({ rtc_configuration: config, rtc_configuration_fresh_for: 600 }));
    m.env.fake.timers.advance(599_000);
    const pc = await startAndOffer(m);
    expect(pc.config).toEqual(config);
    expect(m.values.map((v) => v.phase)).toEqual(["offer"]);
  });

  it("no fresh configuration from the server: the attempt fails and says why", async () => {
    const m = mount(baseArgs({ rtc_configuration: { iceServers: [] }, rtc_configuration_fresh_for: 0 }));
    button("Start").click();
    await flush(10);
    expect(m.values.at(-1)).toMatchObject({ phase: "prepare" });
    m.env.fake.timers.advance(60_000);
    expect(root().dataset.state).toBe("error");
    expect(status().textContent).toContain("no fresh ICE configuration");
    expect(m.env.fake.pcs).toHaveLength(0);
    expect(m.env.fake.gum.streams.every((s) => s.getTracks().every((t) => (t as unknown as FakeTrack).stopped))).toBe(true);
  });
});
