// Inline SVG icons (stroke drawings on a 24×24 grid) and the small DOM helper.

const SVG_NS = "http://www.w3.org/2000/svg";

const MIC = ["M9 6a3 3 0 0 1 6 0v5a3 3 0 0 1-6 0z", "M5 11a7 7 0 0 0 14 0", "M12 18v3"];
const SPEAKER = ["M4 9h4l5-4v14l-5-4H4z"];
const CAMERA = ["M5 6h9a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2z", "M16 10l5-3v10l-5-3"];
const SLASH = "M3 3l18 18";

export const ICONS = {
  mic: MIC,
  micOff: [...MIC, SLASH],
  speaker: [...SPEAKER, "M16 9a4 4 0 0 1 0 6", "M19 6a8 8 0 0 1 0 12"],
  speakerOff: [...SPEAKER, "M16 9l5 6", "M21 9l-5 6"],
  camera: CAMERA,
  cameraOff: [...CAMERA, SLASH],
  fullscreen: ["M4 9V4h5", "M20 9V4h-5", "M4 15v5h5", "M20 15v5h-5"],
  exitFullscreen: ["M9 4v5H4", "M15 4v5h5", "M9 20v-5H4", "M15 20v-5h5"],
} as const;
export type IconName = keyof typeof ICONS;

export function svgIcon(doc: Document, name: IconName, size = 20): SVGSVGElement {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of ICONS[name]) {
    const path = doc.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  }
  return svg;
}

/** Element builder: attributes as strings, children as nodes or text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

/** Whether the `icon` argument is an image URL (else it is shown as text, e.g. an emoji). */
export function isImageUrl(icon: string): boolean {
  return /^(https?:|data:image\/|blob:|\/|\.\.?\/)/i.test(icon) || /\.(png|jpe?g|gif|svg|webp|ico|avif)(\?.*)?$/i.test(icon);
}
