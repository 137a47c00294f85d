import { describe, expect, it } from "vitest";
import { parseUi } from "../src/protocol";
import { formatRemaining, mediaErrorText, remainingSeconds, resolveLabels, stateWords, text } from "../src/texts";

describe("labels and translations", () => {
  it("defaults", () => {
    expect(resolveLabels(parseUi({}))).toEqual({ start: "Start", stop: "Stop", waiting: "Connecting…" });
  });
  it("translations apply when button_labels are not given", () => {
    expect(resolveLabels(parseUi({ translations: { start: "Los", stop: "Halt" } }))).toEqual({ start: "Los", stop: "Halt", waiting: "Connecting…" });
  });
  it("button_labels win over translations", () => {
    const ui = parseUi({ button_labels: { start: "Go", stop: "End", waiting: "…" }, translations: { start: "Los" } });
    expect(resolveLabels(ui)).toEqual({ start: "Go", stop: "End", waiting: "…" });
  });
  it("other texts use streamlit-webrtc's keys", () => {
    expect(text(parseUi({}), "device_access_denied")).toMatch(/denied/);
    expect(text(parseUi({ translations: { device_access_denied: "Nope" } }), "device_access_denied")).toBe("Nope");
  });
  it("media errors in words", () => {
    const ui = parseUi({});
    expect(mediaErrorText(ui, Object.assign(new Error("x"), { name: "NotAllowedError" }))).toBe(text(ui, "device_access_denied"));
    expect(mediaErrorText(ui, { name: "NotFoundError" })).toBe(text(ui, "device_not_available"));
    expect(mediaErrorText(ui, { name: "MediaApiNotAvailable" })).toBe(text(ui, "media_api_not_available"));
    expect(mediaErrorText(ui, new Error("weird"))).toBe("weird");
  });
  it("state words", () => {
    expect(stateWords("user-speaking")).toBe("You are speaking");
    expect(stateWords("thinking")).toBe("Thinking…");
    expect(stateWords("busy")).toBe("Busy");
  });
});

describe("countdown", () => {
  it("formats mm:ss left, rounding up to whole seconds", () => {
    expect(formatRemaining(30_000)).toBe("00:30 left");
    expect(formatRemaining(29_001)).toBe("00:30 left");
    expect(formatRemaining(29_000)).toBe("00:29 left");
    expect(formatRemaining(61_000)).toBe("01:01 left");
    expect(formatRemaining(3_600_000)).toBe("60:00 left");
    expect(formatRemaining(0)).toBe("00:00 left");
    expect(formatRemaining(-5)).toBe("00:00 left");
    expect(formatRemaining(Number.NaN)).toBe("00:00 left");
  });
  it("whole seconds for data-remaining", () => {
    expect(remainingSeconds(30_000)).toBe(30);
    expect(remainingSeconds(100)).toBe(1);
    expect(remainingSeconds(-1)).toBe(0);
  });
});
