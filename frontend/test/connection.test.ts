import { describe, expect, it, vi } from "vitest";
import { type ConnectionHandlers, RtcConnection } from "../src/connection";
import type { Modality, Mode } from "../src/protocol";
import { fakeEnv, type FakePC, FakeStream, FakeTrack, flush } from "./fakes";

function handlers(): ConnectionHandlers & { calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => vi.fn(() => void calls.push(name));
  return {
    calls,
    onLocalStream: rec("local"), onRemoteStream: rec("remote"), onOffer: rec("offer"), onMediaError: rec("media-error"),
    onConnected: rec("connected"), onFailed: rec("failed"), onClosed: rec("closed"), onMessage: rec("message"),
  };
}

async function opened(mode: Mode, modality: Modality, constraints: MediaStreamConstraints = { audio: true, video: modality !== "audio" }) {
  const env = fakeEnv(document);
  const on = handlers();
  const conn = new RtcConnection(env, { id: "c1c1c1c1c1c1c1c1", mode, modality, rtcConfiguration: { iceServers: [] }, constraints }, on);
  const done = conn.open();
  await flush(10);
  const pc = env.fake.pcs[0] as FakePC;
  pc?.finishGathering();
  await done;
  return { env, on, conn, pc };
}

describe("RtcConnection", () => {
  it("send-receive audio: mic track sendrecv, data channel before the offer, offer with candidates", async () => {
    const { env, on, pc } = await opened("send-receive", "audio");
    expect(env.fake.gum.calls).toEqual([{ audio: true, video: false }]);
    expect(pc.transceivers).toEqual([{ what: "audio", direction: "sendrecv" }]);
    expect(pc.log.indexOf("datachannel")).toBeLessThan(pc.log.indexOf("createOffer"));
    expect(pc.channel?.label).toBe("streamlit-rtc");
    expect(pc.channel?.options).toEqual({ ordered: true });
    expect(on.onOffer).toHaveBeenCalledWith({ sdp: "v=0 offer-without-candidates a=candidate", type: "offer" });
    expect(pc.config).toEqual({ iceServers: [] });
  });

  it("receive: recvonly transceivers and no getUserMedia", async () => {
    const { env, pc } = await opened("receive", "audio-video");
    expect(env.fake.gum.calls).toEqual([]);
    expect(pc.transceivers).toEqual([{ what: "audio", direction: "recvonly" }, { what: "video", direction: "recvonly" }]);
  });

  it("send: sendonly transceivers for the local tracks", async () => {
    const { pc } = await opened("send", "video", { audio: false, video: true });
    expect(pc.transceivers).toEqual([{ what: "video", direction: "sendonly" }]);
  });

  it("send-receive video without a camera track still receives", async () => {
    const { pc } = await opened("send-receive", "audio-video", { audio: true, video: false });
    expect(pc.transceivers).toEqual([{ what: "audio", direction: "sendrecv" }, { what: "video", direction: "recvonly" }]);
  });

  it("sends the offer after 1.5 s if gathering never completes", async () => {
    const env = fakeEnv(document);
    const on = handlers();
    const conn = new RtcConnection(env, { id: "c1c1c1c1c1c1c1c1", mode: "receive", modality: "audio", rtcConfiguration: null, constraints: {} }, on);
    const done = conn.open();
    await flush(10);
    expect(on.onOffer).not.toHaveBeenCalled();
    env.fake.timers.advance(1499);
    await flush(10);
    expect(on.onOffer).not.toHaveBeenCalled();
    env.fake.timers.advance(1);
    await done;
    expect(on.onOffer).toHaveBeenCalledTimes(1);
    expect(env.fake.pcs[0]?.config).toBeUndefined();
  });

  it("reports media errors", async () => {
    const env = fakeEnv(document);
    env.fake.gum.fail = Object.assign(new Error("no"), { name: "NotAllowedError" });
    const on = handlers();
    await new RtcConnection(env, { id: "c1c1c1c1c1c1c1c1", mode: "send-receive", modality: "audio", rtcConfiguration: null, constraints: { audio: true } }, on).open();
    expect(on.calls).toEqual(["media-error"]);
    expect(env.fake.pcs).toHaveLength(0);
  });

  it("connection states, remote tracks and channel messages reach the handlers", async () => {
    const { on, pc, conn } = await opened("send-receive", "audio");
    await conn.applyAnswer("v=0 answer");
    expect(pc.remoteDescription).toEqual({ type: "answer", sdp: "v=0 answer" });
    pc.ontrack?.({ track: new FakeTrack("audio"), streams: [new FakeStream()] });
    pc.setState("connected");
    pc.channel?.receive('{"type":"state"}');
    pc.setState("failed");
    pc.setState("closed");
    expect(on.calls.slice(2)).toEqual(["remote", "connected", "message", "failed", "closed"]);
  });

  it("a bad answer fails the attempt", async () => {
    const { on, conn } = await opened("send-receive", "audio");
    await conn.applyAnswer("bad");
    expect(on.onFailed).toHaveBeenCalledWith(expect.stringContaining("bad sdp"));
  });

  it("close stops all tracks, closes the channel and pc, and silences handlers", async () => {
    const { env, on, pc, conn } = await opened("send-receive", "audio-video");
    const stream = env.fake.gum.streams[0] as FakeStream;
    const remote = new FakeTrack("audio");
    pc.ontrack?.({ track: remote, streams: [] });
    const before = on.calls.length;
    conn.close();
    conn.close();
    expect(stream.tracks.every((t) => t.stopped)).toBe(true);
    expect(remote.stopped).toBe(true);
    expect(pc.closed).toBe(true);
    expect(pc.channel?.closed).toBe(true);
    pc.setState("failed");
    pc.channel?.receive("{}");
    expect(on.calls.length).toBe(before);
  });

  it("closing while getUserMedia is pending stops the late stream", async () => {
    const env = fakeEnv(document);
    const on = handlers();
    const conn = new RtcConnection(env, { id: "c1c1c1c1c1c1c1c1", mode: "send-receive", modality: "audio", rtcConfiguration: null, constraints: { audio: true } }, on);
    const done = conn.open();
    conn.close();
    await done;
    expect(env.fake.gum.streams[0]?.tracks.every((t) => t.stopped)).toBe(true);
    expect(env.fake.pcs).toHaveLength(0);
    expect(on.calls).toEqual([]);
  });

  it("mute toggles track.enabled; switching a device replaces the sender's track", async () => {
    const { env, on, conn, pc } = await opened("send-receive", "audio");
    const first = env.fake.gum.streams[0]?.tracks[0] as FakeTrack;
    conn.setEnabled("audio", false);
    expect(first.enabled).toBe(false);
    await conn.switchDevice("audio", { deviceId: { ideal: "m2" } });
    const second = env.fake.gum.streams[1]?.tracks[0] as FakeTrack;
    expect(first.stopped).toBe(true);
    expect(second.enabled).toBe(false);
    expect(pc.senders[0]?.track).toBe(second);
    expect(on.onLocalStream).toHaveBeenCalledTimes(2);
  });
});
