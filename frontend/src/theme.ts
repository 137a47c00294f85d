// The Streamlit theme as CSS variables on the root, so light and dark apps
// (and custom themes) look native. Values go through style.setProperty, so a
// hostile value can at worst be an invalid colour, never inject CSS.

import type { UiArgs } from "./protocol";
import type { StreamlitTheme } from "./streamlit";

const LIGHT = { primary: "#ff4b4b", bg: "#ffffff", bg2: "#f0f2f6", text: "#31333f" };
const DARK = { primary: "#ff4b4b", bg: "#0e1117", bg2: "#262730", text: "#fafafa" };
const FONT = '"Source Sans Pro", "Source Sans 3", system-ui, -apple-system, "Segoe UI", sans-serif';

/** A CSS colour we can use, or null (uses CSS.supports where the browser has it). */
export function cssColor(v: string | null): string | null {
  if (!v) return null;
  const css = (globalThis as { CSS?: { supports?: (p: string, v: string) => boolean } }).CSS;
  if (css?.supports) return css.supports("color", v) ? v : null;
  return /^[#a-zA-Z0-9(),.%\s-]+$/.test(v) ? v : null;
}

export function applyTheme(el: HTMLElement, theme: StreamlitTheme | null, ui: UiArgs): void {
  const base = theme?.base === "dark" ? DARK : LIGHT;
  const primary = cssColor(theme?.primaryColor ?? null) ?? base.primary;
  const vars: Record<string, string> = {
    "--rtc-primary": primary,
    "--rtc-bg": cssColor(theme?.backgroundColor ?? null) ?? base.bg,
    "--rtc-bg2": cssColor(theme?.secondaryBackgroundColor ?? null) ?? base.bg2,
    "--rtc-text": cssColor(theme?.textColor ?? null) ?? base.text,
    "--rtc-font": theme?.font ? `${theme.font}, ${FONT}` : FONT,
    "--rtc-icon-bg": cssColor(ui.icon_button_color) ?? primary,
    "--rtc-pulse": cssColor(ui.pulse_color) ?? primary,
    "--rtc-icon-radius": `${ui.icon_radius}%`,
  };
  for (const [k, v] of Object.entries(vars)) el.style.setProperty(k, v);
  el.dataset.theme = theme?.base === "dark" ? "dark" : "light";
  el.style.colorScheme = theme?.base === "dark" ? "dark" : "light";
}
