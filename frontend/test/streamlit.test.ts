import { describe, expect, it, vi } from "vitest";
import { connectStreamlit, parseTheme, type RenderEvent } from "../src/streamlit";

function fakeWindow() {
  const parent = { postMessage: vi.fn() };
  let listener: ((ev: MessageEvent) => void) | null = null;
  const win = {
    parent,
    addEventListener: (_: string, cb: (ev: MessageEvent) => void) => { listener = cb; },
    removeEventListener: () => { listener = null; },
  };
  const deliver = (data: unknown, source: unknown = parent) => listener?.({ data, source } as unknown as MessageEvent);
  return { win: win as unknown as Window, parent, deliver };
}

describe("Streamlit v1 bridge", () => {
  it("announces componentReady with apiVersion 1", () => {
    const { win, parent } = fakeWindow();
    connectStreamlit(win, () => {});
    expect(parent.postMessage).toHaveBeenCalledWith({ isStreamlitMessage: true, type: "streamlit:componentReady", apiVersion: 1 }, "*");
  });

  it("passes render events on, with a validated theme", () => {
    const { win, deliver } = fakeWindow();
    const got: RenderEvent[] = [];
    connectStreamlit(win, (ev) => got.push(ev));
    deliver({ type: "streamlit:render", args: { key: "k" }, disabled: true, theme: { base: "dark", primaryColor: "#f00", font: "serif", textColor: 5 } });
    expect(got).toEqual([{
      args: { key: "k" }, disabled: true,
      theme: { base: "dark", primaryColor: "#f00", backgroundColor: null, secondaryBackgroundColor: null, textColor: null, font: "serif" },
    }]);
  });

  it("ignores other messages and other windows", () => {
    const { win, deliver } = fakeWindow();
    const got: RenderEvent[] = [];
    connectStreamlit(win, (ev) => got.push(ev));
    deliver("streamlit:render");
    deliver({ type: "something" });
    deliver({ type: "streamlit:render", args: {} }, { other: true });
    expect(got).toEqual([]);
  });

  it("sends values as json and heights once per change", () => {
    const { win, parent } = fakeWindow();
    const bridge = connectStreamlit(win, () => {});
    bridge.setComponentValue({ phase: "idle" });
    bridge.setFrameHeight(100.2);
    bridge.setFrameHeight(101);
    bridge.setFrameHeight(120);
    expect(parent.postMessage.mock.calls.slice(1).map((c) => c[0])).toEqual([
      { isStreamlitMessage: true, type: "streamlit:setComponentValue", value: { phase: "idle" }, dataType: "json" },
      { isStreamlitMessage: true, type: "streamlit:setFrameHeight", height: 101 },
      { isStreamlitMessage: true, type: "streamlit:setFrameHeight", height: 120 },
    ]);
  });

  it("theme parsing tolerates junk", () => {
    expect(parseTheme(null)).toBeNull();
    expect(parseTheme({ base: "neon" })?.base).toBe("light");
  });
});
