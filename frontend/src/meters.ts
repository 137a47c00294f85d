// The live level meters of one attempt: the AudioContext (created once,
// inside a click where possible, for the autoplay policy), a meter on the
// microphone and one on the reply, and the sampler that reads them.

import { LevelSampler, type LevelSource, meterFor, type Timers } from "./levels";

export class Meters {
  private ctx: AudioContext | null = null;
  private input: LevelSource | null = null;
  private output: LevelSource | null = null;
  private readonly sampler: LevelSampler;

  constructor(
    private readonly createAudioContext: () => AudioContext | null,
    timers: Timers,
    onSample: (levelIn: number, levelOut: number) => void,
  ) {
    this.sampler = new LevelSampler(() => onSample(this.input?.read() ?? 0, this.output?.read() ?? 0), timers);
  }

  /** Creates or resumes the AudioContext; call it from a user gesture when there is one. */
  unlock(): AudioContext | null {
    if (!this.ctx) this.ctx = this.createAudioContext();
    if (this.ctx && this.ctx.state === "suspended") void this.ctx.resume().catch(() => {});
    return this.ctx;
  }

  setInput(stream: MediaStream | null): void {
    this.input?.dispose();
    this.input = this.meter(stream);
  }

  setOutput(stream: MediaStream | null): void {
    this.output?.dispose();
    this.output = this.meter(stream);
  }

  start(): void {
    this.sampler.start();
  }

  /** Stops sampling and drops both meters (the AudioContext is kept for the next attempt). */
  stop(): void {
    this.sampler.stop();
    this.setInput(null);
    this.setOutput(null);
  }

  private meter(stream: MediaStream | null): LevelSource | null {
    if (!stream) return null;
    const ctx = this.unlock();
    return ctx ? meterFor(ctx, stream) : null;
  }
}
