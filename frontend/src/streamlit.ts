// Streamlit's v1 component protocol over postMessage, written here instead of
// using streamlit-component-lib (which pulls in React and Apache Arrow).
// The page (window.parent) sends "streamlit:render"; we send componentReady,
// setComponentValue and setFrameHeight.

import { isObj } from "./protocol";

export interface StreamlitTheme {
  base: "light" | "dark";
  primaryColor: string | null;
  backgroundColor: string | null;
  secondaryBackgroundColor: string | null;
  textColor: string | null;
  font: string | null;
}

export interface RenderEvent {
  args: unknown;
  disabled: boolean;
  theme: StreamlitTheme | null;
}

export interface Bridge {
  setComponentValue(value: unknown): void;
  setFrameHeight(height: number): void;
  dispose(): void;
}

const API_VERSION = 1;

const color = (v: unknown): string | null => (typeof v === "string" && v.length <= 100 ? v : null);

export function parseTheme(v: unknown): StreamlitTheme | null {
  if (!isObj(v)) return null;
  return {
    base: v.base === "dark" ? "dark" : "light",
    primaryColor: color(v.primaryColor),
    backgroundColor: color(v.backgroundColor),
    secondaryBackgroundColor: color(v.secondaryBackgroundColor),
    textColor: color(v.textColor),
    font: typeof v.font === "string" && v.font.length <= 300 ? v.font : null,
  };
}

/**
 * Listens for render events from `win.parent` and announces the component.
 * Messages from any other window (another frame, the page's own scripts in
 * this frame) are ignored.
 */
export function connectStreamlit(win: Window, onRender: (ev: RenderEvent) => void): Bridge {
  const parent = win.parent;
  const post = (type: string, extra: Record<string, unknown>) => {
    parent.postMessage({ isStreamlitMessage: true, type, ...extra }, "*");
  };
  const listener = (ev: MessageEvent) => {
    if (ev.source !== parent && ev.source !== null) return;
    const data: unknown = ev.data;
    if (!isObj(data) || data.type !== "streamlit:render") return;
    onRender({ args: data.args, disabled: data.disabled === true, theme: parseTheme(data.theme) });
  };
  win.addEventListener("message", listener);
  post("streamlit:componentReady", { apiVersion: API_VERSION });

  let lastHeight = -1;
  return {
    setComponentValue(value) {
      post("streamlit:setComponentValue", { value, dataType: "json" });
    },
    setFrameHeight(height) {
      const h = Math.ceil(height);
      if (h === lastHeight) return; // each message costs the page a layout
      lastHeight = h;
      post("streamlit:setFrameHeight", { height: h });
    },
    dispose() {
      win.removeEventListener("message", listener);
    },
  };
}
