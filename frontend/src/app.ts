// The controller: feeds render events, clicks, connection and data-channel
// events to the pure state machine and carries out its effects. Browser APIs
// come in through AppEnv (faked in unit tests).

import { CommandLog } from "./commands";
import { type RtcEnv, RtcConnection } from "./connection";
import { DeviceChoice, type DeviceKind, type DeviceLists, type KeyValueStore, listDevices, withDevices } from "./devices";
import type { Timers } from "./levels";
import { commandToRun, type Effect, initialModel, type MachineEvent, type Model, transition } from "./machine";
import { Meters } from "./meters";
import { parseDcMessage } from "./messages";
import { type Args, type ComponentValue, parseArgs } from "./protocol";
import type { RenderEvent } from "./streamlit";
import { mediaErrorText } from "./texts";
import { applyTheme } from "./theme";
import { View } from "./view";

export interface AppEnv extends RtcEnv {
  doc: Document;
  timers: Timers;
  now(): number;
  randomBytes(n: number): Uint8Array;
  createAudioContext(): AudioContext | null;
  mediaDevices: Pick<MediaDevices, "enumerateDevices" | "addEventListener"> | undefined;
  storage: KeyValueStore | null; // localStorage: device choice
  session: KeyValueStore | null; // sessionStorage: commands acted on
}

/** Gives up on an attempt that never connects (the button is disabled meanwhile). */
export const CONNECT_TIMEOUT_MS = 60_000;
const COUNTDOWN_MS = 250;

export function newConnectionId(randomBytes: (n: number) => Uint8Array): string {
  return Array.from(randomBytes(8), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class App {
  model: Model = initialModel;
  view: View | null = null;
  private args: Args | null = null;
  private disabled = false;
  private conn: RtcConnection | null = null;
  private offerSdp = "";
  private lastValue: ComponentValue | null = null;
  private readonly commands: CommandLog;
  private readonly meters: Meters;
  private countdown = 0;
  private connectTimer = 0;
  /** Local clock (ms) after which the args' rtc_configuration is stale; null: never. */
  private configStaleAt: number | null = null;
  /** The attempt waiting for a fresh rtc_configuration ("prepare" sent), and how to hand it over. */
  private configWait: { connection: string; resolve: (c: RTCConfiguration | null) => void } | null = null;
  private ui = { micMuted: false, camMuted: false, speakerMuted: false, soundBlocked: false };
  private devices: DeviceLists = { audioinput: [], videoinput: [] };
  private choice: DeviceChoice | null = null;

  constructor(private readonly env: AppEnv, private readonly send: (value: ComponentValue) => void) {
    this.commands = new CommandLog(env.session);
    this.meters = new Meters(env.createAudioContext, env.timers, (i, o) => this.showLevels(i, o));
    env.mediaDevices?.addEventListener?.("devicechange", () => void this.refreshDevices());
  }

  handleRender(ev: RenderEvent): void {
    const args = parseArgs(ev.args);
    const first = this.args === null;
    if (first || args.key !== this.args?.key) this.choice = new DeviceChoice(this.env.storage, args.key);
    this.ensureView(args);
    this.args = args;
    this.disabled = ev.disabled;
    const freshFor = args.rtc_configuration_fresh_for;
    this.configStaleAt = freshFor === null ? null : this.env.now() + freshFor * 1000;
    const wait = this.configWait;
    if (wait && args.rtc_configuration_for === wait.connection) {
      this.configWait = null;
      wait.resolve(args.rtc_configuration);
    }
    this.commands.useToken(args.token);
    applyTheme(this.env.doc.documentElement, ev.theme, args.ui);
    if (first) void this.refreshDevices();

    if (args.answer) this.dispatch({ type: "answer", connection: args.answer.connection });
    if (args.refusal) {
      const r = args.refusal;
      this.dispatch({ type: "refusal", connection: r.connection, message: r.message, busy: r.busy });
    }
    if (args.ended) {
      const e = args.ended;
      this.dispatch({ type: "ended", connection: e.connection, message: e.message, error: e.error });
    }
    const cmd = commandToRun(args.command, this.commands.lastSeen);
    if (cmd) {
      this.commands.mark(cmd.id);
      if (cmd.action === "start") this.start();
      else this.dispatch({ type: "stop" });
      // A start reports command_seen with its offer; anything else reports now.
      if (!this.model.live || this.model.step !== "media") this.reportCommandSeen();
    }
    this.render();
  }

  /** The START/STOP button. */
  toggle(): void {
    if (this.model.live) this.dispatch({ type: "stop" });
    else this.start();
  }

  start(): void {
    if (!this.args || this.model.live) return;
    // Created inside the click's task so the autoplay policy lets it run.
    this.meters.unlock();
    this.dispatch({ type: "start", connection: newConnectionId(this.env.randomBytes) });
  }

  dispatch(ev: MachineEvent): void {
    const { model, effects } = transition(this.model, ev);
    this.model = model;
    for (const effect of effects) this.run(effect);
    this.render();
    this.syncCountdown();
  }

  private run(effect: Effect): void {
    const args = this.args;
    if (!args) return;
    switch (effect.type) {
      case "connect":
        return this.connect(args, effect.connection);
      case "send-offer":
        return this.sendValue({
          token: args.token, connection: effect.connection, phase: "offer",
          offer: { sdp: this.offerSdp, type: "offer" }, command_seen: this.commands.lastSeen,
        });
      case "apply-answer":
        if (args.answer && this.conn?.id === effect.connection) void this.conn.applyAnswer(args.answer.sdp);
        return;
      case "close":
        this.teardown();
        if (effect.report) {
          this.sendValue({
            token: args.token, connection: effect.connection, phase: "stopped", command_seen: this.commands.lastSeen,
          });
        } else {
          this.reportCommandSeen();
        }
    }
  }

  private connect(args: Args, id: string): void {
    this.ui = { micMuted: false, camMuted: false, speakerMuted: false, soundBlocked: false };
    const constraints = withDevices(
      args.media_stream_constraints, this.choice?.get("audioinput") ?? null, this.choice?.get("videoinput") ?? null,
    );
    const mine = () => this.conn?.id === id;
    // TURN credentials kept by an idle page may have expired: ask for fresh
    // ones first (media opens meanwhile), else connect with one rerun.
    const stale = this.configStaleAt !== null && this.env.now() >= this.configStaleAt;
    const rtcConfiguration = stale ? this.freshConfiguration(args, id) : args.rtc_configuration;
    const conn = new RtcConnection(this.env, {
      id, mode: args.mode, modality: args.modality, rtcConfiguration, constraints,
    }, {
      onLocalStream: (stream) => {
        if (!mine()) return;
        this.view?.media.setLocalStream(stream);
        this.meters.setInput(stream);
        void this.refreshDevices(); // labels are known once access is granted
      },
      onRemoteStream: (stream) => {
        if (!mine()) return;
        this.view?.media.setRemoteStream(stream);
        this.meters.setOutput(stream);
      },
      onOffer: (offer) => {
        this.offerSdp = offer.sdp;
        this.dispatch({ type: "offer-ready", connection: id });
      },
      onMediaError: (e) => this.dispatch({ type: "media-error", connection: id, message: mediaErrorText(args.ui, e) }),
      onConnected: () => this.dispatch({
        type: "pc-connected", connection: id, now: this.env.now(), timeLimit: this.args?.time_limit ?? null,
      }),
      onFailed: (message) => this.dispatch({ type: "pc-failed", connection: id, message }),
      onClosed: () => this.dispatch({ type: "pc-closed", connection: id }),
      onMessage: (data) => {
        const msg = parseDcMessage(data);
        if (msg) this.dispatch({ type: "dc", connection: id, msg, now: this.env.now() });
      },
    });
    this.conn = conn;
    this.meters.start();
    this.connectTimer = this.env.setTimeout(() => {
      if (this.model.live && this.model.attempt === id && this.model.step !== "connected") {
        const message = this.configWait?.connection === id
          ? "Could not connect: the server sent no fresh ICE configuration (TURN credentials). Reload the page."
          : "Could not connect (timed out)";
        this.dispatch({ type: "pc-failed", connection: id, message });
      }
    }, CONNECT_TIMEOUT_MS);
    void conn.open();
  }

  /** Sends "prepare" for attempt `id`; resolves with the configuration the server makes for it. */
  private freshConfiguration(args: Args, id: string): Promise<RTCConfiguration | null> {
    const fresh = new Promise<RTCConfiguration | null>((resolve) => {
      this.configWait = { connection: id, resolve };
    });
    this.sendValue({ token: args.token, connection: id, phase: "prepare", command_seen: this.commands.lastSeen });
    return fresh;
  }

  private teardown(): void {
    this.configWait = null;
    this.conn?.close();
    this.conn = null;
    this.env.clearTimeout(this.connectTimer);
    this.meters.stop();
    this.view?.media.setLocalStream(null);
    this.view?.media.setRemoteStream(null);
    this.view?.clearLevels();
  }

  private sendValue(value: ComponentValue): void {
    this.lastValue = value;
    this.send(value);
  }

  /**
   * Tells the server a command was acted on when no offer/stop value did: the
   * last value again (the server already sees it on every rerun) with the new
   * command_seen, or "idle" before any attempt.
   */
  private reportCommandSeen(): void {
    const args = this.args;
    const seen = this.commands.lastSeen;
    if (!args || seen === 0 || this.lastValue?.command_seen === seen) return;
    const value: ComponentValue = this.lastValue
      ? { ...this.lastValue, token: args.token, command_seen: seen }
      : { token: args.token, connection: newConnectionId(this.env.randomBytes), phase: "idle", command_seen: seen };
    this.sendValue(value);
  }

  /** The icon follows the reply while the bot speaks (always, for receive streams), else the mic. */
  private showLevels(inL: number, outL: number): void {
    const mode = this.args?.mode;
    const drive = mode === "receive" || (mode !== "send" && this.model.state === "responding") ? outL : inL;
    this.view?.setLevels(inL, outL, drive, this.env.now());
  }

  private syncCountdown(): void {
    const at = this.model.live ? this.model.deadlineAt : null;
    if (at === null) {
      if (this.countdown) this.env.timers.clearInterval(this.countdown);
      this.countdown = 0;
      this.view?.setRemaining(null);
      return;
    }
    this.view?.setRemaining(at - this.env.now());
    if (!this.countdown) {
      this.countdown = this.env.timers.setInterval(() => {
        const d = this.model.live ? this.model.deadlineAt : null;
        if (d !== null) this.view?.setRemaining(d - this.env.now());
      }, COUNTDOWN_MS);
    }
  }

  private async refreshDevices(): Promise<void> {
    this.devices = await listDevices(this.env.mediaDevices);
    this.render();
  }

  private ensureView(args: Args): void {
    if (this.view && this.args && this.args.modality === args.modality && this.args.mode === args.mode) return;
    if (this.model.live) this.dispatch({ type: "stop" }); // a new kind of stream: the old one cannot go on
    const view = new View(this.env.doc, args, {
      toggle: () => this.toggle(),
      muteMic: () => this.setMute("micMuted"),
      muteCam: () => this.setMute("camMuted"),
      muteSpeaker: () => this.setMute("speakerMuted"),
      enableSound: () => {
        this.meters.unlock();
        this.view?.media.retry();
      },
      chooseDevice: (kind, id) => void this.chooseDevice(kind, id),
    });
    view.media.onBlocked = (blocked) => {
      this.ui.soundBlocked = blocked;
      this.render();
    };
    const body = this.env.doc.body;
    if (this.view) this.view.root.replaceWith(view.root);
    else body.append(view.root);
    this.view = view;
  }

  private setMute(which: "micMuted" | "camMuted" | "speakerMuted"): void {
    this.ui[which] = !this.ui[which];
    if (which === "micMuted") this.conn?.setEnabled("audio", !this.ui.micMuted);
    if (which === "camMuted") this.conn?.setEnabled("video", !this.ui.camMuted);
    this.render();
  }

  private async chooseDevice(kind: DeviceKind, id: string): Promise<void> {
    this.choice?.set(kind, id);
    this.render();
    const args = this.args;
    if (!args || !this.conn) return;
    const c = withDevices(args.media_stream_constraints, kind === "audioinput" ? id : null, kind === "videoinput" ? id : null);
    const track = kind === "audioinput" ? c.audio : c.video;
    if (track === false || track === undefined) return;
    try {
      await this.conn.switchDevice(kind === "audioinput" ? "audio" : "video", track);
    } catch {
      /* the old device keeps working */
    }
  }

  render(): void {
    if (!this.view || !this.args) return;
    this.view.render({
      model: this.model, args: this.args, disabled: this.disabled, ...this.ui, devices: this.devices,
      chosen: { audioinput: this.choice?.get("audioinput") ?? null, videoinput: this.choice?.get("videoinput") ?? null },
    });
  }
}
