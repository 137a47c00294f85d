import { describe, expect, it } from "vitest";
import { CommandLog } from "../src/commands";
import { DeviceChoice, listDevices, withDevices } from "../src/devices";
import { fakeStore } from "./fakes";

const info = (kind: string, deviceId: string, label = "") => ({ kind, deviceId, label, groupId: "" }) as MediaDeviceInfo;

describe("device choice", () => {
  it("is remembered per stream key", () => {
    const store = fakeStore();
    new DeviceChoice(store, "echo").set("audioinput", "mic-2");
    expect(new DeviceChoice(store, "echo").get("audioinput")).toBe("mic-2");
    expect(new DeviceChoice(store, "other").get("audioinput")).toBeNull();
    expect(new DeviceChoice(store, "echo").get("videoinput")).toBeNull();
    new DeviceChoice(store, "echo").set("audioinput", null);
    expect(new DeviceChoice(store, "echo").get("audioinput")).toBeNull();
  });
  it("survives blocked or missing storage", () => {
    const throwing = { getItem() { throw new Error("blocked"); }, setItem() { throw new Error("blocked"); }, removeItem() {} };
    const c = new DeviceChoice(throwing, "k");
    expect(() => c.set("audioinput", "x")).not.toThrow();
    expect(c.get("audioinput")).toBeNull();
    expect(new DeviceChoice(null, "k").get("videoinput")).toBeNull();
  });
  it("lists inputs with fallback labels, skipping ids not yet granted", async () => {
    const lists = await listDevices({
      enumerateDevices: async () => [
        info("audioinput", "default", "Default"), info("audioinput", "m2"), info("audioinput", ""),
        info("videoinput", "c1", "Cam"), info("audiooutput", "s1", "Speakers"), info("audioinput", "m2"),
      ],
    });
    expect(lists.audioinput).toEqual([{ id: "default", label: "Default" }, { id: "m2", label: "Microphone 2" }]);
    expect(lists.videoinput).toEqual([{ id: "c1", label: "Cam" }]);
    expect(await listDevices(undefined)).toEqual({ audioinput: [], videoinput: [] });
    expect(await listDevices({ enumerateDevices: async () => { throw new Error("x"); } })).toEqual({ audioinput: [], videoinput: [] });
  });
  it("merges the choice into constraints as ideal deviceIds", () => {
    expect(withDevices({ audio: true, video: false }, "m2", "c1")).toEqual({ audio: { deviceId: { ideal: "m2" } }, video: false });
    expect(withDevices({ audio: { echoCancellation: true }, video: true }, null, "c1")).toEqual({
      audio: { echoCancellation: true }, video: { deviceId: { ideal: "c1" } },
    });
  });
});

describe("command log", () => {
  it("remembers the last command per token across instances (iframe re-mounts)", () => {
    const store = fakeStore();
    const a = new CommandLog(store);
    a.useToken("t1");
    expect(a.lastSeen).toBe(0);
    a.mark(3);
    a.mark(2);
    expect(a.lastSeen).toBe(3);
    const b = new CommandLog(store);
    b.useToken("t1");
    expect(b.lastSeen).toBe(3);
    b.useToken("t2");
    expect(b.lastSeen).toBe(0);
  });
  it("ignores junk in storage", () => {
    const store = fakeStore();
    store.setItem("streamlit-rtc:command-seen:t", "abc");
    const log = new CommandLog(store);
    log.useToken("t");
    expect(log.lastSeen).toBe(0);
  });
});
