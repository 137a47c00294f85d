// Audio levels for the visuals and the data-level-in / data-level-out
// attributes. A level is the RMS of the latest ~20 ms block mapped from
// -60..0 dBFS to 0..1 (raw RMS of speech is ~0.03-0.2, too small to see and to
// tell apart with two decimals); digital silence is exactly 0.

export const LEVEL_FLOOR_DB = -60;

export function rms(buf: ArrayLike<number>): number {
  if (buf.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i] ?? 0;
    sum += v * v;
  }
  return Math.sqrt(sum / buf.length);
}

export function levelFromRms(r: number): number {
  if (!(r > 0)) return 0;
  const db = 20 * Math.log10(r);
  return Math.min(1, Math.max(0, (db - LEVEL_FLOOR_DB) / -LEVEL_FLOOR_DB));
}

export const formatLevel = (level: number): string =>
  (Number.isFinite(level) ? Math.min(1, Math.max(0, level)) : 0).toFixed(2);

export interface LevelSource {
  read(): number;
  dispose(): void;
}

/** An AnalyserNode on the stream's audio; null when the stream has no audio. */
export function meterFor(ctx: AudioContext, stream: MediaStream): LevelSource | null {
  if (stream.getAudioTracks().length === 0) return null;
  let source: MediaStreamAudioSourceNode;
  try {
    source = ctx.createMediaStreamSource(stream);
  } catch {
    return null;
  }
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  // Not connected to the destination: Chrome pulls analysers anyway, and
  // connecting would play the microphone back to the user.
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  return {
    read() {
      analyser.getFloatTimeDomainData(buf);
      return levelFromRms(rms(buf));
    },
    dispose() {
      try {
        source.disconnect();
        analyser.disconnect();
      } catch {
        /* already disconnected */
      }
    },
  };
}

export interface Timers {
  requestAnimationFrame(cb: () => void): number;
  cancelAnimationFrame(id: number): void;
  setInterval(cb: () => void, ms: number): number;
  clearInterval(id: number): void;
  now(): number;
}

/**
 * Calls `sample` every `intervalMs` (20 times a second by default) from one
 * timer: enough for the level visuals (CSS smooths them) and the DOM contract
 * (>= 10 updates a second), and far cheaper than a 60 Hz animation loop while
 * a call sits idle. Headless and background tabs throttle rAF; timers run.
 */
export class LevelSampler {
  private timer = 0;
  private running = false;

  constructor(
    private readonly sample: () => void,
    private readonly timers: Timers,
    private readonly intervalMs = 50,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = this.timers.setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    this.running = false;
    this.timers.clearInterval(this.timer);
  }
}
