// The round icon area that moves with the live audio level: "pulse" scales
// the icon and draws rings, "wave" draws bars. Only transforms and opacity
// change per frame (cheap: no layout).

import { h, isImageUrl, svgIcon } from "./icons";
import type { Variant } from "./protocol";

const BARS = 5;
// Per-bar weight and phase so the bars do not move in lockstep.
const WEIGHTS = [0.55, 0.85, 1, 0.85, 0.55];

export class Orb {
  readonly el: HTMLElement;
  private readonly iconBox: HTMLElement;
  private readonly rings: HTMLElement[];
  private readonly bars: HTMLElement[];
  private icon: string | null | undefined = undefined;
  private shown = 0;
  private resting = false;

  constructor(private readonly doc: Document) {
    this.rings = [h(doc, "span", { class: "rtc-ring" }), h(doc, "span", { class: "rtc-ring rtc-ring2" })];
    this.iconBox = h(doc, "span", { class: "rtc-icon" });
    this.bars = Array.from({ length: BARS }, () => h(doc, "span", { class: "rtc-bar-i" }));
    const wave = h(doc, "span", { class: "rtc-wave" }, this.bars);
    this.el = h(doc, "div", { class: "rtc-orb", "aria-hidden": "true", "data-variant": "pulse" }, [
      ...this.rings,
      this.iconBox,
      wave,
    ]);
  }

  setLook(icon: string | null, variant: Variant): void {
    this.el.dataset.variant = variant;
    if (icon === this.icon) return;
    this.icon = icon;
    this.iconBox.replaceChildren();
    if (!icon) {
      this.iconBox.append(svgIcon(this.doc, "mic", 28));
    } else if (isImageUrl(icon)) {
      this.iconBox.append(h(this.doc, "img", { src: icon, alt: "", draggable: "false" }));
    } else {
      this.iconBox.append(h(this.doc, "span", { class: "rtc-emoji" }, [icon]));
    }
  }

  reset(): void {
    this.shown = 0;
    this.resting = false;
    this.iconBox.style.transform = "";
    for (const r of this.rings) {
      r.style.transform = "";
      r.style.opacity = "0";
    }
    for (const b of this.bars) b.style.transform = "";
  }

  /** `level` 0..1; `t` ms for the wave's motion. Fast attack, slow release. */
  show(level: number, t: number): void {
    const v = Math.max(level, this.shown * 0.85);
    this.shown = v < 0.005 ? 0 : v;
    const s = this.shown;
    // Silent: draw the resting frame once, then leave the DOM alone (no idle CPU).
    if (s === 0 && this.resting) return;
    this.resting = s === 0;
    if (this.el.dataset.variant === "wave") {
      this.bars.forEach((bar, i) => {
        const wobble = 0.75 + 0.25 * Math.sin(t / 120 + i * 1.3);
        const scale = 0.18 + 0.82 * s * (WEIGHTS[i] ?? 1) * wobble;
        bar.style.transform = `scaleY(${scale.toFixed(3)})`;
      });
      this.iconBox.style.transform = "";
    } else {
      this.iconBox.style.transform = `scale(${(1 + 0.22 * s).toFixed(3)})`;
      this.rings.forEach((ring, i) => {
        ring.style.transform = `scale(${(1 + (0.35 + 0.45 * i) * s).toFixed(3)})`;
        ring.style.opacity = (s * (i === 0 ? 0.9 : 0.5)).toFixed(3);
      });
    }
  }
}
