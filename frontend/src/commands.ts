// The last server command acted on, kept in sessionStorage per token: the
// token is per browser session and stream key, so a re-mounted iframe (the
// element moved in the page) does not run an old `start` command again.

import type { KeyValueStore } from "./devices";

const storageKey = (token: string) => `streamlit-rtc:command-seen:${token}`;

export class CommandLog {
  private seen = 0;
  private token = "";

  constructor(private readonly store: KeyValueStore | null) {}

  get lastSeen(): number {
    return this.seen;
  }

  /** Switches to `token` (loads what this browser session already acted on). */
  useToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    let stored = 0;
    try {
      stored = Number(this.store?.getItem(storageKey(token)) ?? 0);
    } catch {
      stored = 0;
    }
    this.seen = Number.isInteger(stored) && stored > 0 ? stored : 0;
  }

  /** Records `id` as acted on. */
  mark(id: number): void {
    if (id <= this.seen) return;
    this.seen = id;
    try {
      if (this.token) this.store?.setItem(storageKey(this.token), String(id));
    } catch {
      /* storage blocked: remembered for this page only */
    }
  }
}
