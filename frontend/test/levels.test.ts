import { describe, expect, it } from "vitest";
import { formatLevel, LevelSampler, levelFromRms, meterFor, rms } from "../src/levels";
import { FakeTimers } from "./fakes";

describe("levels", () => {
  it("RMS of synthetic buffers", () => {
    expect(rms(new Float32Array(512))).toBe(0);
    expect(rms(new Float32Array(512).fill(0.5))).toBeCloseTo(0.5, 6);
    const sine = Float32Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48000));
    expect(rms(sine)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(rms([])).toBe(0);
  });
  it("maps -60..0 dBFS to 0..1; silence is 0", () => {
    expect(levelFromRms(0)).toBe(0);
    expect(levelFromRms(1)).toBe(1);
    expect(levelFromRms(2)).toBe(1);
    expect(levelFromRms(0.001)).toBeCloseTo(0, 6); // -60 dB
    expect(levelFromRms(0.1)).toBeCloseTo(2 / 3, 6); // -20 dB
    expect(levelFromRms(Number.NaN)).toBe(0);
    expect(levelFromRms(-1)).toBe(0);
  });
  it("two decimals", () => {
    expect(formatLevel(0)).toBe("0.00");
    expect(formatLevel(0.666666)).toBe("0.67");
    expect(formatLevel(3)).toBe("1.00");
    expect(formatLevel(Number.NaN)).toBe("0.00");
  });
  it("meter reads an analyser and is null without audio", () => {
    const data = Float32Array.from({ length: 1024 }, () => 0.1);
    const analyser = { fftSize: 0, getFloatTimeDomainData: (b: Float32Array) => b.set(data.subarray(0, b.length)), disconnect() {} };
    const ctx = {
      createMediaStreamSource: () => ({ connect() {}, disconnect() {} }),
      createAnalyser: () => analyser,
    } as unknown as AudioContext;
    const withAudio = { getAudioTracks: () => [{}] } as unknown as MediaStream;
    const meter = meterFor(ctx, withAudio);
    expect(meter?.read()).toBeCloseTo(2 / 3, 4);
    expect(meterFor(ctx, { getAudioTracks: () => [] } as unknown as MediaStream)).toBeNull();
  });
  it("sampler samples ≥10×/s from the timer when rAF never fires", () => {
    const t = new FakeTimers();
    let n = 0;
    const s = new LevelSampler(() => n++, {
      requestAnimationFrame: () => 1, cancelAnimationFrame: () => {},
      setInterval: t.setInterval, clearInterval: t.clear, now: () => t.now,
    });
    s.start();
    t.advance(1000);
    expect(n).toBeGreaterThanOrEqual(10);
    s.stop();
    const before = n;
    t.advance(1000);
    expect(n).toBe(before);
  });
  it("sampler never uses rAF: one timer, 20 samples a second", () => {
    const t = new FakeTimers();
    let n = 0;
    let rafs = 0;
    const s = new LevelSampler(() => n++, {
      requestAnimationFrame: () => ++rafs, cancelAnimationFrame: () => {},
      setInterval: t.setInterval, clearInterval: t.clear, now: () => t.now,
    });
    s.start();
    s.start(); // idempotent
    t.advance(1000);
    expect(n).toBe(20);
    expect(rafs).toBe(0);
    s.stop();
  });
});
