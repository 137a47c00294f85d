// The component's DOM. Built once per modality; render() only touches what
// changed, so the aria-live region announces real changes only. The root's
// data-* attributes are the DOM contract of docs/component-protocol.md.

import type { DeviceKind, DeviceLists } from "./devices";
import { h, svgIcon, type IconName } from "./icons";
import type { Model } from "./machine";
import { MediaView } from "./media";
import { Orb } from "./orb";
import type { Args } from "./protocol";
import { formatRemaining, remainingSeconds, resolveLabels, stateWords } from "./texts";
import { formatLevel } from "./levels";

export interface ViewModel {
  model: Model;
  args: Args;
  disabled: boolean;
  micMuted: boolean;
  camMuted: boolean;
  speakerMuted: boolean;
  soundBlocked: boolean;
  devices: DeviceLists;
  chosen: Record<DeviceKind, string | null>;
}

export interface ViewActions {
  toggle(): void;
  muteMic(): void;
  muteCam(): void;
  muteSpeaker(): void;
  enableSound(): void;
  chooseDevice(kind: DeviceKind, id: string): void;
}

const CUE_MS = 1500;
export const WAITING_HINT = "Waiting for the app to start the stream";
export const STOPWORD_TEXT = "Stop phrase heard";

export class View {
  readonly root: HTMLElement;
  readonly media: MediaView;
  readonly button: HTMLButtonElement;
  private readonly orb: Orb;
  private readonly status: HTMLElement;
  private readonly stateText: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly cue: HTMLElement;
  private readonly countdown: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly micBtn: HTMLButtonElement;
  private readonly camBtn: HTMLButtonElement;
  private readonly speakerBtn: HTMLButtonElement;
  private readonly soundBtn: HTMLButtonElement;
  private readonly deviceRow: HTMLElement;
  private readonly selects: Record<DeviceKind, HTMLSelectElement>;
  private stopwordSeq = 0;
  private cueTimer = 0;

  constructor(private readonly doc: Document, args: Args, actions: ViewActions) {
    this.media = new MediaView(doc, args.modality, args.mode);
    this.orb = new Orb(doc);
    this.stateText = h(doc, "span", { class: "rtc-state-text" });
    const dots = h(doc, "span", { class: "rtc-dots", "aria-hidden": "true" }, [h(doc, "i"), h(doc, "i"), h(doc, "i")]);
    this.cue = h(doc, "span", { class: "rtc-cue", hidden: "" });
    this.notice = h(doc, "span", { class: "rtc-notice" });
    this.status = h(doc, "div", {
      class: "rtc-status", "data-testid": "streamlit-rtc-status", "aria-live": "polite",
    }, [this.stateText, dots, " ", this.cue, " ", this.notice]); // spaces: readable textContent
    this.countdown = h(doc, "span", { class: "rtc-countdown", role: "timer", hidden: "" });
    this.hint = h(doc, "span", { class: "rtc-hint", hidden: "" });
    const info = h(doc, "div", { class: "rtc-info" }, [
      this.status, h(doc, "div", { class: "rtc-sub" }, [this.countdown, this.hint]),
    ]);

    const iconButton = (cls: string, onClick: () => void) => {
      const b = h(doc, "button", { type: "button", class: `rtc-btn rtc-icon-btn ${cls}`, hidden: "" });
      b.addEventListener("click", onClick);
      return b;
    };
    this.micBtn = iconButton("rtc-mute-mic", () => actions.muteMic());
    this.camBtn = iconButton("rtc-mute-cam", () => actions.muteCam());
    this.speakerBtn = iconButton("rtc-mute-speaker", () => actions.muteSpeaker());
    this.soundBtn = h(doc, "button", { type: "button", class: "rtc-btn rtc-sound", hidden: "" }, ["Enable sound"]);
    this.soundBtn.addEventListener("click", () => actions.enableSound());
    this.button = h(doc, "button", { type: "button", class: "rtc-btn rtc-main-btn", "data-testid": "streamlit-rtc-button" });
    this.button.addEventListener("click", () => actions.toggle());
    const controls = h(doc, "div", { class: "rtc-controls" }, [
      this.soundBtn, this.micBtn, this.camBtn, this.speakerBtn, this.button,
    ]);

    const select = (kind: DeviceKind, label: string) => {
      const s = h(doc, "select", { class: "rtc-select", "data-kind": kind });
      s.addEventListener("change", () => actions.chooseDevice(kind, s.value));
      return { s, box: h(doc, "label", { class: "rtc-device", hidden: "" }, [h(doc, "span", {}, [label]), s]) };
    };
    const mic = select("audioinput", "Microphone");
    const cam = select("videoinput", "Camera");
    this.selects = { audioinput: mic.s, videoinput: cam.s };
    this.deviceRow = h(doc, "div", { class: "rtc-devices", hidden: "" }, [mic.box, cam.box]);

    const main = h(doc, "div", { class: "rtc-main" }, [this.orb.el, info, controls]);
    const children: HTMLElement[] = [];
    if (this.media.box) children.push(this.media.box);
    children.push(main, this.deviceRow);
    if (this.media.audio) children.push(this.media.audio);
    this.root = h(doc, "div", {
      class: "rtc", "data-testid": "streamlit-rtc", "data-state": "stopped",
      "data-level-in": "0.00", "data-level-out": "0.00",
      "data-modality": args.modality, "data-mode": args.mode,
    }, children);
  }

  render(vm: ViewModel): void {
    const { model: m, args } = vm;
    const ui = args.ui;
    // data-state first: tests time data-channel message → this mutation.
    if (this.root.dataset.state !== m.state) this.root.dataset.state = m.state;
    this.root.dataset.live = String(m.live);
    this.orb.setLook(ui.icon, ui.variant);
    this.orb.el.dataset.live = String(m.live);

    setText(this.stateText, stateWords(m.state));
    setText(this.notice, m.notice ? m.notice.text : "");
    if (m.notice) this.notice.dataset.kind = m.notice.kind;
    else delete this.notice.dataset.kind;
    this.hint.hidden = m.live || ui.show_start;
    setText(this.hint, this.hint.hidden ? "" : WAITING_HINT);
    if (m.stopwordSeq > this.stopwordSeq) this.flashCue();
    this.stopwordSeq = m.stopwordSeq;

    const labels = resolveLabels(ui);
    const waiting = m.live && m.step !== "connected";
    setText(this.button, waiting ? labels.waiting : m.live ? labels.stop : labels.start);
    this.button.hidden = !m.live && !ui.show_start;
    this.button.disabled = waiting || (!m.live && vm.disabled);
    this.button.classList.toggle("rtc-primary", !m.live);

    const sends = args.mode !== "receive";
    const c = args.media_stream_constraints;
    const hasAudioIn = sends && c.audio !== false && args.modality !== "video";
    const hasVideoIn = sends && c.video !== false && args.modality !== "audio";
    const hearsAudio = args.mode !== "send" && args.modality !== "video";
    const connected = m.live && m.step === "connected";
    toggle(this.micBtn, connected && hasAudioIn, vm.micMuted, "microphone", "mic", "micOff");
    toggle(this.camBtn, connected && hasVideoIn, vm.camMuted, "camera", "camera", "cameraOff");
    toggle(this.speakerBtn, connected && hearsAudio, vm.speakerMuted, "speaker", "speaker", "speakerOff");
    this.soundBtn.hidden = !(m.live && vm.soundBlocked);
    this.media.setSpeakerMuted(vm.speakerMuted);

    const showMic = this.renderSelect("audioinput", hasAudioIn, vm);
    const showCam = this.renderSelect("videoinput", hasVideoIn, vm);
    this.deviceRow.hidden = !(showMic || showCam);
  }

  /** Levels 0..1: `drive` is the one the icon follows (mic or reply). */
  setLevels(levelIn: number, levelOut: number, drive: number, t: number): void {
    setAttr(this.root, "data-level-in", formatLevel(levelIn));
    setAttr(this.root, "data-level-out", formatLevel(levelOut));
    this.orb.show(drive, t);
  }

  clearLevels(): void {
    this.root.setAttribute("data-level-in", "0.00");
    this.root.setAttribute("data-level-out", "0.00");
    this.orb.reset();
  }

  /** ms left of time_limit, or null to hide the countdown. */
  setRemaining(ms: number | null): void {
    if (ms === null) {
      this.root.removeAttribute("data-remaining");
      this.countdown.hidden = true;
      setText(this.countdown, "");
      return;
    }
    this.root.setAttribute("data-remaining", String(remainingSeconds(ms)));
    this.countdown.hidden = false;
    setText(this.countdown, formatRemaining(ms));
  }

  private renderSelect(kind: DeviceKind, relevant: boolean, vm: ViewModel): boolean {
    const list = vm.devices[kind];
    const show = relevant && list.length > 1;
    const select = this.selects[kind];
    (select.parentElement as HTMLElement).hidden = !show;
    if (!show) return false;
    const key = list.map((d) => `${d.id}\u0000${d.label}`).join("\u0001");
    if (select.dataset.options !== key) {
      select.replaceChildren(...list.map((d) => h(this.doc, "option", { value: d.id }, [d.label])));
      select.dataset.options = key;
    }
    const chosen = vm.chosen[kind];
    if (chosen && list.some((d) => d.id === chosen) && select.value !== chosen) select.value = chosen;
    return true;
  }

  private flashCue(): void {
    const win = this.doc.defaultView;
    this.cue.hidden = false;
    setText(this.cue, STOPWORD_TEXT);
    this.root.classList.add("rtc-flash");
    if (win) {
      win.clearTimeout(this.cueTimer);
      this.cueTimer = win.setTimeout(() => {
        this.cue.hidden = true;
        setText(this.cue, "");
        this.root.classList.remove("rtc-flash");
      }, CUE_MS);
    }
  }
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function toggle(btn: HTMLButtonElement, shown: boolean, muted: boolean, what: string, on: IconName, off: IconName): void {
  btn.hidden = !shown;
  const label = `${muted ? "Unmute" : "Mute"} ${what}`;
  if (btn.getAttribute("aria-label") === label) return;
  btn.setAttribute("aria-label", label);
  btn.title = label;
  btn.setAttribute("aria-pressed", String(muted));
  btn.replaceChildren(svgIcon(btn.ownerDocument, muted ? off : on));
}

/** Writes an attribute only when it changes (an idle call then costs no DOM work). */
function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}
