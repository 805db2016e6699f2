import type { Clock, Timer } from "@togglemaster/shared/clock";

/** A clock that stands still until a test moves it; due timers run as it passes them. */
export class FakeClock implements Clock {
  private time: number;
  private readonly timers = new Map<Timer, { at: number; run: () => void }>();

  constructor(start = Date.parse("2026-12-02T17:00:00Z")) {
    this.time = start;
  }

  now = () => this.time;

  setTimeout = (run: () => void, ms: number): Timer => {
    const timer: Timer = {};
    this.timers.set(timer, { at: this.time + Math.max(0, ms), run });
    return timer;
  };

  clearTimeout = (timer: Timer) => {
    this.timers.delete(timer);
  };

  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, running each timer at its due time in order, and letting
   * the promises they start settle before the next one runs.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const next = [...this.timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (next === undefined) break;
      const [handle, timer] = next;
      this.timers.delete(handle);
      this.time = Math.max(this.time, timer.at);
      timer.run();
    }
    this.time = end;
    await settle();
  }
}

/** Lets pending promise callbacks (and the callbacks they queue) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round++) await Promise.resolve();
}
